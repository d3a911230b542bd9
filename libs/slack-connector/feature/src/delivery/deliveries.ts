import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '@parley/service-runtime';

export interface DeliveryRecord {
  readonly deliveryId: string;
  readonly state: 'attempting' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly channelId?: string;
  readonly voice?: 'person' | 'fallback';
  readonly lastAttemptAt?: Date;
  /** The post's ts, once delivered (absent for a delete). */
  readonly ts?: string;
  /** Slack's reason, once failed. */
  readonly reason?: string;
  readonly teamId?: string;
  /** Per conversation, the Slack files an attempt uploaded before sharing them (a delivery with files). */
  readonly uploads?: Readonly<Record<string, readonly string[]>>;
  /** The request's files that did not make it, once known. */
  readonly filesNotCarried?: readonly FileNotCarried[];
}

export interface FileNotCarried {
  readonly ref: string;
  readonly reason: string;
}

export interface AttemptStart {
  readonly deliveryId: string;
  readonly orgId: string;
  readonly connectionId: string;
  readonly teamId: string;
  readonly change: string;
  readonly channelId: string;
  readonly voice: 'person' | 'fallback';
  /** The Slack user the post is made as: the person (their voice), or the app's bot user (its fallback posts). */
  readonly poster?: string;
}

/**
 * Each delivery's attempts, written before the call to Slack and committed, so that after a timeout or a crash the
 * next attempt knows an earlier one may have landed and reads the conversation back first (ADR 0020). The
 * `attempting` rows are also what ingress waits on to tell Parley's own posts from people's.
 */
@Injectable()
export class Deliveries {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async get(deliveryId: string): Promise<DeliveryRecord | undefined> {
    const rows: {
      delivery_id: string;
      state: DeliveryRecord['state'];
      attempts: number;
      channel_id: string | null;
      voice: DeliveryRecord['voice'] | null;
      last_attempt_at: Date | null;
      ts: string | null;
      reason: string | null;
      team_id: string | null;
      uploads: Record<string, string[]> | null;
      files_not_carried: FileNotCarried[] | null;
    }[] = await this.dataSource.query(
      'SELECT delivery_id, state, attempts, channel_id, voice, last_attempt_at, ts, reason, team_id, uploads, files_not_carried FROM slack_connector.deliveries WHERE delivery_id = $1',
      [deliveryId],
    );
    const r = rows[0];
    return r
      ? {
          deliveryId: r.delivery_id,
          state: r.state,
          attempts: r.attempts,
          channelId: r.channel_id ?? undefined,
          voice: r.voice ?? undefined,
          lastAttemptAt: r.last_attempt_at ?? undefined,
          ts: r.ts ?? undefined,
          reason: r.reason ?? undefined,
          teamId: r.team_id || undefined,
          ...(r.uploads ? { uploads: r.uploads } : {}),
          ...(r.files_not_carried ? { filesNotCarried: r.files_not_carried } : {}),
        }
      : undefined;
  }

  /** Records that a call is about to be made (committed before it is). */
  async begin(attempt: AttemptStart): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO slack_connector.deliveries (delivery_id, org_id, connection_id, team_id, change, channel_id, voice, poster, state, attempts, last_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'attempting', 1, now())
       ON CONFLICT (delivery_id) DO UPDATE SET channel_id = EXCLUDED.channel_id, voice = EXCLUDED.voice, poster = EXCLUDED.poster,
         attempts = slack_connector.deliveries.attempts + 1, last_attempt_at = now()
       WHERE slack_connector.deliveries.state = 'attempting'`,
      [attempt.deliveryId, attempt.orgId, attempt.connectionId, attempt.teamId, attempt.change, attempt.channelId, attempt.voice, attempt.poster ?? null],
    );
  }

  /**
   * Records the files an attempt uploaded into a conversation (and the ones it could not), committed before it shares
   * them: a retry finds its own upload by these ids instead of sharing again. The attempt counts as started now, so
   * ingress still waits for it when the share's event comes after a long upload.
   */
  async recordUploads(deliveryId: string, channelId: string, fileIds: readonly string[], notCarried: readonly FileNotCarried[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE slack_connector.deliveries SET uploads = COALESCE(uploads, '{}'::jsonb) || jsonb_build_object($2::text, $3::jsonb), files_not_carried = $4::jsonb,
         last_attempt_at = now()
       WHERE delivery_id = $1`,
      [deliveryId, channelId, JSON.stringify(fileIds), JSON.stringify(notCarried)],
    );
  }

  async finish(manager: EntityManager, deliveryId: string, outcome: { state: 'delivered' | 'failed'; ts?: string; reason?: string; channelId?: string }): Promise<void> {
    await manager.query(
      `UPDATE slack_connector.deliveries SET state = $2, ts = $3, reason = $4, channel_id = COALESCE($5, channel_id), finished_at = now() WHERE delivery_id = $1`,
      [deliveryId, outcome.state, outcome.ts ?? null, outcome.reason?.slice(0, 500) ?? null, outcome.channelId ?? null],
    );
  }

  /** A delivery that failed before any attempt (no connection, nothing to post): recorded failed at once. */
  async failWithoutAttempt(manager: EntityManager, attempt: Omit<AttemptStart, 'channelId' | 'voice'>, reason: string): Promise<void> {
    await manager.query(
      `INSERT INTO slack_connector.deliveries (delivery_id, org_id, connection_id, team_id, change, state, reason, finished_at)
       VALUES ($1, $2, $3, $4, $5, 'failed', $6, now())
       ON CONFLICT (delivery_id) DO UPDATE SET state = 'failed', reason = EXCLUDED.reason, finished_at = now()`,
      [attempt.deliveryId, attempt.orgId, attempt.connectionId, attempt.teamId, attempt.change, reason.slice(0, 500)],
    );
  }
}
