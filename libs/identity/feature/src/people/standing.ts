import type { Platform } from '@parley/contracts';
import { firstRow, rows, type Sql } from '../http/sql';
import { standingOf, type NativeAccount, type PrimarySource } from './primary-platform';

interface StandingRow {
  primary_platform: Platform | null;
  primary_platform_source: PrimarySource | null;
  status: 'active' | 'deactivated';
}

/**
 * Recomputes a person's primary platform (unless an admin chose it) and status from their native accounts, inside
 * the caller's transaction. The person row is locked first, so concurrent updates of one person apply in turn.
 */
export async function refreshStanding(db: Sql, personId: string, whenBoth: Platform): Promise<void> {
  const person = await firstRow<StandingRow>(
    db,
    `SELECT primary_platform, primary_platform_source, status FROM identity.people WHERE id = $1 FOR UPDATE`,
    [personId],
  );
  if (!person) return;
  const natives = await rows<NativeAccount>(
    db,
    `SELECT platform, status FROM identity.platform_accounts WHERE person_id = $1 AND kind = 'native'`,
    [personId],
  );
  const next = standingOf(natives, whenBoth, { platform: person.primary_platform, source: person.primary_platform_source });
  if (
    next.primaryPlatform === person.primary_platform &&
    next.primarySource === person.primary_platform_source &&
    next.status === person.status
  ) {
    return;
  }
  await db.query(
    `UPDATE identity.people SET primary_platform = $2, primary_platform_source = $3, status = $4, updated_at = now() WHERE id = $1`,
    [personId, next.primaryPlatform, next.primarySource, next.status],
  );
}

/**
 * Parley cannot sign in as the person on Teams until an admin acts: their Teams account of that kind (the guest, or
 * the native account they consented with) becomes needs_attention with the reason, unless it is deactivated.
 * `consentLost` also clears the consent (the refresh token is dead).
 */
export async function markTeamsAttention(
  db: Sql,
  target: { orgId: string; personId: string; kind: 'guest' | 'native' },
  reason: string,
  consentLost: boolean,
): Promise<number> {
  const changed = await rows(
    db,
    `WITH changed AS (
       UPDATE identity.platform_accounts
          SET status = 'needs_attention', attention_reason = $4, consented = CASE WHEN $5 THEN false ELSE consented END, updated_at = now()
        WHERE org_id = $1 AND person_id = $2 AND platform = 'teams' AND kind = $3 AND status <> 'deactivated'
        RETURNING 1
     ) SELECT * FROM changed`,
    [target.orgId, target.personId, target.kind, reason, consentLost],
  );
  return changed.length;
}

/**
 * A sign-in as the person worked again: their Teams accounts that needed attention are active. A guest that was never
 * made (its command was dead-lettered) stays as it is: only a sync that makes it can clear it.
 */
export async function clearTeamsAttention(db: Sql, orgId: string, personId: string): Promise<void> {
  await db.query(
    `UPDATE identity.platform_accounts SET status = 'active', attention_reason = NULL, updated_at = now()
      WHERE org_id = $1 AND person_id = $2 AND platform = 'teams' AND status = 'needs_attention'
        AND platform_user_id IS NOT NULL`,
    [orgId, personId],
  );
}
