import type { Platform } from '@parley/contracts';
import { rows, type Sql } from '../http/sql';
import { standingOf, type NativeAccount, type PrimarySource } from './primary-platform';

interface StandingRow {
  primary_platform: Platform | null;
  primary_platform_source: PrimarySource | null;
  status: 'active' | 'deactivated';
}

/**
 * Recomputes people's primary platform (unless an admin chose it) and status from their native accounts, inside the
 * caller's transaction, in three statements: their rows locked in id order (concurrent updates of one person apply in
 * turn, and concurrent callers lock in the same order), their native accounts read, and the changed rows updated.
 */
export async function refreshStandings(db: Sql, personIds: readonly string[], whenBoth: Platform): Promise<void> {
  if (personIds.length === 0) return;
  const ids = [...new Set(personIds)].sort();
  const people = await rows<StandingRow & { id: string }>(
    db,
    `SELECT id, primary_platform, primary_platform_source, status FROM identity.people WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    [ids],
  );
  const natives = await rows<NativeAccount & { person_id: string }>(
    db,
    `SELECT person_id, platform, status FROM identity.platform_accounts WHERE person_id = ANY($1::uuid[]) AND kind = 'native'`,
    [ids],
  );
  const nativesOf = new Map<string, NativeAccount[]>();
  for (const a of natives) nativesOf.set(a.person_id, [...(nativesOf.get(a.person_id) ?? []), { platform: a.platform, status: a.status }]);
  const changed = people.flatMap((person) => {
    const next = standingOf(nativesOf.get(person.id) ?? [], whenBoth, { platform: person.primary_platform, source: person.primary_platform_source });
    const same = next.primaryPlatform === person.primary_platform && next.primarySource === person.primary_platform_source && next.status === person.status;
    return same ? [] : [{ id: person.id, ...next }];
  });
  if (changed.length === 0) return;
  await db.query(
    `UPDATE identity.people p SET primary_platform = c.primary_platform, primary_platform_source = c.source, status = c.status, updated_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS c(id, primary_platform, source, status)
      WHERE p.id = c.id`,
    [changed.map((c) => c.id), changed.map((c) => c.primaryPlatform), changed.map((c) => c.primarySource), changed.map((c) => c.status)],
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
