import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { MAX_APPLIED_USERS, type Platform } from '@parley/contracts';
import { inTransaction, type Outbox } from '@parley/persistence';
import { DATA_SOURCE, OUTBOX } from '@parley/service-runtime';
import { firstRow, rows } from '../http/sql';

export interface ImportRef {
  readonly orgId: string;
  readonly syncId: string;
  readonly platform: Platform;
}

/**
 * Knows when a directory import is fully applied, per (sync, platform), and publishes
 * `parley.identity.directory.reconciled.v1` exactly once.
 *
 * Each applied user is one row of `directory_import_users` (a user read twice counts once), so concurrent
 * observations never wait on a shared counter row: with one, every observation's commit queued behind the previous
 * one and identity applied about 600 per second. Whether the import is complete is checked after each commit
 * (`reconcileIfComplete`): the last observation to commit, or the completed event if it commits last, sees every
 * row, and the check that flips `reconciled_at` does it under the import row's lock, so only one publishes.
 * Users applied once the other platform's import is reconciled are announced as they commit
 * (`parley.identity.directory.people.applied.v1`), so planning need not wait for the whole import.
 */
@Injectable()
export class DirectoryImports {
  constructor(
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  /**
   * Observations of one import applied (a batch of them), in their transaction. The import row is share-locked:
   * observations do not wait for each other, but the reconciling transaction (FOR UPDATE) waits for those in flight
   * and counts them, and an observation after it (a user read twice) sees the import reconciled and leaves no row.
   */
  async countApplied(manager: EntityManager, ref: ImportRef, platformUserIds: readonly string[]): Promise<void> {
    if (platformUserIds.length === 0) return;
    await manager.query(
      `INSERT INTO identity.directory_imports (sync_id, platform, org_id) VALUES ($1, $2, $3) ON CONFLICT (sync_id, platform) DO NOTHING`,
      [ref.syncId, ref.platform, ref.orgId],
    );
    const state = await firstRow<{ reconciled: boolean }>(
      manager,
      `SELECT reconciled_at IS NOT NULL AS reconciled FROM identity.directory_imports WHERE sync_id = $1 AND platform = $2 FOR SHARE`,
      [ref.syncId, ref.platform],
    );
    if (state?.reconciled) return;
    const counted = await rows<{ platform_user_id: string }>(
      manager,
      `INSERT INTO identity.directory_import_users (sync_id, platform, platform_user_id)
       SELECT $1, $2, u FROM unnest($3::text[]) AS u ON CONFLICT DO NOTHING RETURNING platform_user_id`,
      [ref.syncId, ref.platform, [...platformUserIds].sort()],
    );
    if (counted.length > 0) await this.announceIfFinal(manager, ref, counted.map((r) => r.platform_user_id));
  }

  /**
   * Once the sync's import of the other platform is reconciled, a person applied now is final for this sync (their
   * other side is complete, and this side was just observed), so provisioning may plan them before this import ends
   * (ADR 0050). Users counted before that reconciliation committed are planned with the rest, once both imports are.
   */
  private async announceIfFinal(manager: EntityManager, ref: ImportRef, platformUserIds: readonly string[]): Promise<void> {
    const other = await firstRow<{ reconciled: boolean }>(
      manager,
      `SELECT reconciled_at IS NOT NULL AS reconciled FROM identity.directory_imports WHERE sync_id = $1 AND platform = $2`,
      [ref.syncId, ref.platform === 'slack' ? 'teams' : 'slack'],
    );
    if (!other?.reconciled) return;
    for (let i = 0; i < platformUserIds.length; i += MAX_APPLIED_USERS) {
      await this.outbox.enqueue(manager, 'parley.identity.directory.people.applied.v1', {
        orgId: ref.orgId,
        syncId: ref.syncId,
        platform: ref.platform,
        platformUserIds: platformUserIds.slice(i, i + MAX_APPLIED_USERS),
      });
    }
  }

  /** The connector finished reading: `observed` observations are on their way (or already applied). */
  async setExpected(manager: EntityManager, ref: ImportRef, observed: number): Promise<void> {
    await manager.query(
      `INSERT INTO identity.directory_imports (sync_id, platform, org_id, expected) VALUES ($1, $2, $3, $4)
       ON CONFLICT (sync_id, platform) DO UPDATE SET expected = EXCLUDED.expected, updated_at = now()`,
      [ref.syncId, ref.platform, ref.orgId, observed],
    );
  }

  /**
   * After an observation or the completed event committed (also when it was a replay: the check may be what a crash
   * interrupted). Cheap reads first; the lock only once the import looks complete. `onReconciled` runs in the
   * reconciling transaction, so what it writes commits with the reconciliation or not at all.
   */
  async reconcileIfComplete(ref: ImportRef, onReconciled?: (manager: EntityManager, orgId: string) => Promise<unknown>): Promise<boolean> {
    const state = await firstRow<{ expected: number | null; reconciled: boolean }>(
      this.dataSource.manager,
      `SELECT expected, reconciled_at IS NOT NULL AS reconciled FROM identity.directory_imports WHERE sync_id = $1 AND platform = $2`,
      [ref.syncId, ref.platform],
    );
    if (!state || state.expected === null || state.reconciled) return false;
    if ((await this.appliedCount(this.dataSource.manager, ref)) < state.expected) return false;
    return inTransaction(this.dataSource, async (manager) => {
      const locked = await firstRow<{ org_id: string; expected: number }>(
        manager,
        `SELECT org_id, expected FROM identity.directory_imports
          WHERE sync_id = $1 AND platform = $2 AND reconciled_at IS NULL AND expected IS NOT NULL FOR UPDATE`,
        [ref.syncId, ref.platform],
      );
      if (!locked) return false;
      // A statement after the lock sees every observation committed so far.
      const applied = await this.appliedCount(manager, ref);
      if (applied < locked.expected) return false;
      await manager.query(
        `UPDATE identity.directory_imports SET reconciled_at = now(), applied = $3, updated_at = now() WHERE sync_id = $1 AND platform = $2`,
        [ref.syncId, ref.platform, applied],
      );
      // The per-user rows have done their job; a late re-read after this cannot publish again (reconciled_at is set).
      await manager.query(`DELETE FROM identity.directory_import_users WHERE sync_id = $1 AND platform = $2`, [ref.syncId, ref.platform]);
      await this.outbox.enqueue(manager, 'parley.identity.directory.reconciled.v1', {
        orgId: locked.org_id,
        syncId: ref.syncId,
        platform: ref.platform,
        observed: locked.expected,
      });
      await onReconciled?.(manager, locked.org_id);
      return true;
    });
  }

  private async appliedCount(manager: EntityManager, ref: ImportRef): Promise<number> {
    const [row] = await rows<{ n: number }>(
      manager,
      `SELECT count(*)::int AS n FROM identity.directory_import_users WHERE sync_id = $1 AND platform = $2`,
      [ref.syncId, ref.platform],
    );
    return row?.n ?? 0;
  }
}
