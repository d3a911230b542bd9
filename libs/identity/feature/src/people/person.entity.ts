import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** One human, matched across platforms by normalised email within an organization. */
@Entity({ name: 'people' })
@Index(['orgId', 'email'], { unique: true })
export class Person {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'org_id', type: 'text' })
  orgId!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  /** Where the person has a native account; null until both directories have been read. */
  @Column({ name: 'primary_platform', type: 'text', nullable: true })
  primaryPlatform!: 'slack' | 'teams' | null;

  /** 'rule' when derived from the native accounts, 'admin' when set explicitly (kept by later syncs). */
  @Column({ name: 'primary_platform_source', type: 'text', nullable: true })
  primarySource!: 'rule' | 'admin' | null;

  /** Deactivated when the native account on the primary platform is. */
  @Column({ type: 'text', default: 'active' })
  status!: 'active' | 'deactivated';

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
