import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Platform } from '@parley/contracts';
import type { Outbox } from '@parley/persistence';
import { OUTBOX } from '@parley/service-runtime';
import { rows } from '../http/sql';

interface ImportRef {
  readonly orgId: string;
  readonly syncId: string;
  readonly platform: Platform;
}

/**
 * Counts what each directory import applied, per (sync, platform), and publishes
 * `parley.identity.directory.reconciled.v1` once: from whichever transaction first sees applied >= expected. The
 * counter row is locked by the upsert, so that check runs in turn and only one transaction flips reconciled_at.
 */
@Injectable()
export class DirectoryImports {
  constructor(@Inject(OUTBOX) private readonly outbox: Outbox) {}

  /** One observation applied. A user seen again in the same import (a connector re-reading after a crash) counts once. */
  async countApplied(manager: EntityManager, ref: ImportRef, platformUserId: string): Promise<void> {
    const fresh = await rows(
      manager,
      `INSERT INTO identity.directory_import_users (sync_id, platform, platform_user_id) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [ref.syncId, ref.platform, platformUserId],
    );
    if (fresh.length === 0) return;
    await manager.query(
      `INSERT INTO identity.directory_imports (sync_id, platform, org_id, applied) VALUES ($1, $2, $3, 1)
       ON CONFLICT (sync_id, platform) DO UPDATE SET applied = identity.directory_imports.applied + 1, updated_at = now()`,
      [ref.syncId, ref.platform, ref.orgId],
    );
    await this.reconcileIfComplete(manager, ref);
  }

  /** The connector finished reading: `observed` observations are on their way (or already applied). */
  async setExpected(manager: EntityManager, ref: ImportRef, observed: number): Promise<void> {
    await manager.query(
      `INSERT INTO identity.directory_imports (sync_id, platform, org_id, expected) VALUES ($1, $2, $3, $4)
       ON CONFLICT (sync_id, platform) DO UPDATE SET expected = EXCLUDED.expected, updated_at = now()`,
      [ref.syncId, ref.platform, ref.orgId, observed],
    );
    await this.reconcileIfComplete(manager, ref);
  }

  private async reconcileIfComplete(manager: EntityManager, ref: ImportRef): Promise<void> {
    const done = await rows<{ org_id: string; expected: number }>(
      manager,
      `WITH done AS (
         UPDATE identity.directory_imports SET reconciled_at = now(), updated_at = now()
          WHERE sync_id = $1 AND platform = $2 AND reconciled_at IS NULL AND expected IS NOT NULL AND applied >= expected
          RETURNING org_id, expected
       ) SELECT * FROM done`,
      [ref.syncId, ref.platform],
    );
    const row = done[0];
    if (!row) return;
    // The per-user dedupe rows have done their job; a late re-read after this cannot publish again anyway.
    await manager.query(`DELETE FROM identity.directory_import_users WHERE sync_id = $1 AND platform = $2`, [ref.syncId, ref.platform]);
    await this.outbox.enqueue(manager, 'parley.identity.directory.reconciled.v1', {
      orgId: row.org_id,
      syncId: ref.syncId,
      platform: ref.platform,
      observed: row.expected,
    });
  }
}
