import { createHash, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';

export type LifecycleEventName = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

/** A subscription teams-connector made, as stored. */
export interface StoredSubscription {
  readonly subscriptionId: string;
  readonly orgId: string;
  readonly connectionId: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly authorityUrl: string;
  readonly resource: string;
  /** A per-channel subscription's channel (`{teamId}/{channelId}`); null for the connection's chat subscription. */
  readonly channel: string | null;
  readonly certificateId: string;
  readonly expiresAt: Date;
  readonly current: boolean;
  readonly pendingEvent: LifecycleEventName | null;
}

interface Row {
  subscription_id: string;
  org_id: string;
  connection_id: string;
  tenant_id: string;
  client_id: string;
  authority_url: string;
  resource: string;
  channel: string | null;
  client_state_sha256: Buffer;
  certificate_id: string;
  expires_at: Date;
  current: boolean;
  pending_event: LifecycleEventName | null;
}

const COLUMNS = 'subscription_id, org_id, connection_id, tenant_id, client_id, authority_url, resource, channel, client_state_sha256, certificate_id, expires_at, current, pending_event';

const digest = (clientState: string): Buffer => createHash('sha256').update(clientState, 'utf8').digest();

function toSubscription(row: Row): StoredSubscription {
  return {
    subscriptionId: row.subscription_id,
    orgId: row.org_id,
    connectionId: row.connection_id,
    tenantId: row.tenant_id,
    clientId: row.client_id,
    authorityUrl: row.authority_url,
    resource: row.resource,
    channel: row.channel,
    certificateId: row.certificate_id,
    expiresAt: new Date(row.expires_at),
    current: row.current,
    pendingEvent: row.pending_event,
  };
}

/** A subscription as a notification names it, with a constant-time check of the clientState it came with. */
export interface KnownSubscription {
  readonly subscription: StoredSubscription;
  readonly matches: (clientState: unknown) => boolean;
}

/** teams_connector's subscriptions, leases and catch-up watermarks. */
export class SubscriptionStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The stored subscriptions among these ids whose clientState matches what an item presented (constant-time, on
   * digests). Unknown ids and mismatches are simply absent; the caller tells them apart with known().
   */
  async known(ids: readonly string[]): Promise<Map<string, KnownSubscription>> {
    const rows: Row[] = ids.length === 0 ? [] : await this.dataSource.query(`SELECT ${COLUMNS} FROM teams_connector.subscriptions WHERE subscription_id = ANY($1::text[])`, [ids]);
    return new Map(
      rows.map((row) => [
        row.subscription_id,
        {
          subscription: toSubscription(row),
          matches: (clientState: unknown) => typeof clientState === 'string' && timingSafeEqual(digest(clientState), Buffer.from(row.client_state_sha256)),
        },
      ]),
    );
  }

  /** The connection's current chat subscription, or with `channel` its current subscription to that channel. */
  async current(connectionId: string, channel: string | null = null): Promise<StoredSubscription | null> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM teams_connector.subscriptions WHERE connection_id = $1 AND current AND channel IS NOT DISTINCT FROM $2`,
      [connectionId, channel],
    );
    return rows[0] ? toSubscription(rows[0]) : null;
  }

  /** The connection's current per-channel subscriptions. */
  async currentOfChannels(connectionId: string): Promise<StoredSubscription[]> {
    const rows: Row[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM teams_connector.subscriptions WHERE connection_id = $1 AND current AND channel IS NOT NULL`, [connectionId]);
    return rows.map(toSubscription);
  }

  /** How many live subscriptions Parley holds in a tenant (Graph's quota counts per organization). */
  async liveInTenant(tenantId: string): Promise<number> {
    const [row] = (await this.dataSource.query('SELECT count(*)::int AS n FROM teams_connector.subscriptions WHERE tenant_id = $1 AND current AND expires_at > now()', [tenantId])) as { n: number }[];
    return row?.n ?? 0;
  }

  /**
   * Records a new subscription as the current one of what it watches (the connection's chats, or one channel); the
   * previous one is retired (kept for in-flight notifications).
   */
  async saveCurrent(s: Omit<StoredSubscription, 'current' | 'pendingEvent'>, clientState: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query('UPDATE teams_connector.subscriptions SET current = false WHERE connection_id = $1 AND current AND channel IS NOT DISTINCT FROM $2', [s.connectionId, s.channel]);
      await manager.query(
        `INSERT INTO teams_connector.subscriptions (subscription_id, org_id, connection_id, tenant_id, client_id, authority_url, resource, channel, client_state_sha256, certificate_id, expires_at, current)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, true)`,
        [s.subscriptionId, s.orgId, s.connectionId, s.tenantId, s.clientId, s.authorityUrl, s.resource, s.channel, digest(clientState), s.certificateId, s.expiresAt],
      );
    });
  }

  async renewed(subscriptionId: string, expiresAt: Date): Promise<void> {
    await this.dataSource.query('UPDATE teams_connector.subscriptions SET expires_at = $2, renewed_at = now() WHERE subscription_id = $1', [subscriptionId, expiresAt]);
  }

  async retire(subscriptionId: string): Promise<void> {
    await this.dataSource.query('UPDATE teams_connector.subscriptions SET current = false WHERE subscription_id = $1', [subscriptionId]);
  }

  /** A lifecycle event for the lease holder to act on (whichever replica received it). A removal outranks a reauthorization. */
  async markEvent(subscriptionId: string, event: LifecycleEventName): Promise<void> {
    await this.dataSource.query(
      `UPDATE teams_connector.subscriptions SET pending_event = $2
       WHERE subscription_id = $1 AND (pending_event IS NULL OR pending_event <> 'subscriptionRemoved')`,
      [subscriptionId, event],
    );
  }

  async clearEvent(subscriptionId: string, event: LifecycleEventName): Promise<void> {
    await this.dataSource.query('UPDATE teams_connector.subscriptions SET pending_event = NULL WHERE subscription_id = $1 AND pending_event = $2', [subscriptionId, event]);
  }

  /** Retired subscriptions whose last notification (Graph retries for up to 4 h after expiry) can no longer come. */
  /** The notification certificates the connection's subscriptions (current, or retired and not yet forgotten) name. */
  async certificatesInUse(connectionId: string): Promise<Set<string>> {
    const rows: { certificate_id: string }[] = await this.dataSource.query(
      'SELECT DISTINCT certificate_id FROM teams_connector.subscriptions WHERE connection_id = $1',
      [connectionId],
    );
    return new Set(rows.map((r) => r.certificate_id));
  }

  async forgetRetired(graceMs: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM teams_connector.subscriptions WHERE NOT current AND expires_at < now() - ($1::bigint * interval '1 millisecond')`,
      [graceMs],
    );
  }

  /**
   * Forgets every subscription, lease, watermark and stored notification of connections identity no longer has: their notifications are
   * refused from now on (unknown subscription), and Graph drops the subscriptions when they expire. Answers how many
   * subscriptions were forgotten.
   */
  async forgetConnectionsExcept(connectionIds: readonly string[]): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      // Counted in SQL: TypeORM answers a bare DELETE … RETURNING as [rows, affected] on PostgreSQL.
      const [gone] = (await manager.query(
        'WITH gone AS (DELETE FROM teams_connector.subscriptions WHERE NOT (connection_id = ANY($1::uuid[])) RETURNING 1) SELECT count(*)::int AS n FROM gone',
        [connectionIds],
      )) as { n: number }[];
      await manager.query('DELETE FROM teams_connector.subscription_leases WHERE NOT (connection_id = ANY($1::uuid[]))', [connectionIds]);
      await manager.query('DELETE FROM teams_connector.catch_up_watermarks WHERE NOT (connection_id = ANY($1::uuid[]))', [connectionIds]);
      // What their notifications said and was not yet handed over is theirs too: nothing of it is relayed any more.
      await manager.query('DELETE FROM teams_connector.notification_inbox WHERE NOT (connection_id = ANY($1::uuid[]))', [connectionIds]);
      return gone?.n ?? 0;
    });
  }

  /**
   * Takes or extends this holder's lease on a connection's subscription; false while another replica holds it. One
   * statement, so two replicas racing for a free lease cannot both win.
   */
  async lease(connectionId: string, holder: string, ttlMs: number): Promise<boolean> {
    const rows: { holder: string }[] = await this.dataSource.query(
      `INSERT INTO teams_connector.subscription_leases (connection_id, holder, held_until)
       VALUES ($1, $2, now() + ($3::bigint * interval '1 millisecond'))
       ON CONFLICT (connection_id) DO UPDATE SET holder = EXCLUDED.holder, held_until = EXCLUDED.held_until
         WHERE teams_connector.subscription_leases.holder = EXCLUDED.holder OR teams_connector.subscription_leases.held_until < now()
       RETURNING holder`,
      [connectionId, holder, ttlMs],
    );
    return rows.length === 1;
  }

  async release(holder: string): Promise<void> {
    await this.dataSource.query('DELETE FROM teams_connector.subscription_leases WHERE holder = $1', [holder]);
  }

  async watermark(connectionId: string): Promise<{ watermark: Date; lastRunAt: Date } | null> {
    const rows: { watermark: Date; last_run_at: Date }[] = await this.dataSource.query('SELECT watermark, last_run_at FROM teams_connector.catch_up_watermarks WHERE connection_id = $1', [connectionId]);
    return rows[0] ? { watermark: new Date(rows[0].watermark), lastRunAt: new Date(rows[0].last_run_at) } : null;
  }

  /** Moves the watermark (never backwards) and stamps the run. */
  async advance(orgId: string, connectionId: string, watermark: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO teams_connector.catch_up_watermarks (connection_id, org_id, watermark, last_run_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (connection_id) DO UPDATE SET watermark = GREATEST(teams_connector.catch_up_watermarks.watermark, EXCLUDED.watermark), last_run_at = now()`,
      [connectionId, orgId, watermark],
    );
  }
}
