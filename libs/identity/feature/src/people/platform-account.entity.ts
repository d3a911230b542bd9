import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type AccountKind = 'native' | 'guest' | 'mirror';
export type AccountStatus = 'active' | 'deactivated' | 'needs_attention';

/** A person's account on one platform: their own (native), or one Parley made for them (guest, mirror). */
@Entity({ name: 'platform_accounts' })
@Index(['orgId', 'platform', 'platformUserId'], { unique: true })
export class PlatformAccount {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'org_id', type: 'text' })
  orgId!: string;

  @Column({ name: 'person_id', type: 'uuid' })
  personId!: string;

  @Column({ type: 'text' })
  platform!: 'slack' | 'teams';

  /** Null only for a guest or mirror Parley could not make (its command was dead-lettered). */
  @Column({ name: 'platform_user_id', type: 'text', nullable: true })
  platformUserId!: string | null;

  @Column({ type: 'text' })
  kind!: AccountKind;

  @Column({ type: 'text' })
  status!: AccountStatus;

  @Column({ name: 'last_observed_at', type: 'timestamptz' })
  lastObservedAt!: Date;

  /** Why an admin must act (set with status needs_attention). */
  @Column({ name: 'attention_reason', type: 'text', nullable: true })
  attentionReason!: string | null;

  @Column({ name: 'user_principal_name', type: 'text', nullable: true })
  userPrincipalName!: string | null;

  /** Account Sync: Parley holds this person's delegated consent (their refresh token). */
  @Column({ type: 'boolean', default: false })
  consented!: boolean;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
