import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { badRequest } from '../http/problem';
import { firstRow, rows, type Sql } from '../http/sql';

export type ConsentPlatform = 'teams' | 'slack';

/** A consent request a link's state was claimed for: whose it is, and where the platform sends the person back. */
export interface ClaimedConsent {
  readonly org_id: string;
  readonly person_id: string;
  readonly connection_id: string;
  readonly redirect_uri: string;
}

const hashState = (state: string): string => createHash('sha256').update(state).digest('hex');

/**
 * Owns `identity.consent_requests`: the single-use states of consent links (Account Sync on Teams, Slack consent).
 * Only a hash of each state is kept, bound to the person, the connection, the redirect URI and the platform, so a
 * copy of the table cannot complete anyone's consent and a Teams state cannot be redeemed as a Slack one.
 */
@Injectable()
export class ConsentRequests {
  async issue(
    sql: Sql,
    request: { platform: ConsentPlatform; orgId: string; personId: string; connectionId: string; redirectUri: string; ttlSeconds: number },
  ): Promise<{ state: string; expiresAt: Date }> {
    const state = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + request.ttlSeconds * 1000);
    await sql.query(
      `INSERT INTO identity.consent_requests (state_hash, org_id, person_id, connection_id, redirect_uri, expires_at, platform)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [hashState(state), request.orgId, request.personId, request.connectionId, request.redirectUri, expiresAt, request.platform],
    );
    return { state, expiresAt };
  }

  /**
   * Claims a state before its code is redeemed, so it works once whatever happens next. An unknown, used or expired
   * state is a 400 naming `state` that says which, for the page the person sees.
   */
  async claim(sql: Sql, platform: ConsentPlatform, state: string): Promise<ClaimedConsent> {
    const hash = hashState(state);
    const [claimed] = await rows<ClaimedConsent>(
      sql,
      `WITH claimed AS (
         UPDATE identity.consent_requests SET used_at = now()
          WHERE state_hash = $1 AND platform = $2 AND used_at IS NULL AND expires_at > now()
         RETURNING org_id, person_id, connection_id, redirect_uri
       ) SELECT * FROM claimed`,
      [hash, platform],
    );
    if (claimed) return claimed;
    const known = await firstRow<{ used_at: Date | null }>(sql, `SELECT used_at FROM identity.consent_requests WHERE state_hash = $1 AND platform = $2`, [hash, platform]);
    const why = !known ? 'is unknown' : known.used_at ? 'was already used' : 'has expired';
    throw badRequest(`state: this ${platform === 'slack' ? 'Slack consent' : 'consent'} link ${why}; ask for a new one.`, 'state');
  }
}
