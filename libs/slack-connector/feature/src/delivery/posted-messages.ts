import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '@parley/service-runtime';

export interface PostedMessage {
  readonly teamId: string;
  readonly channelId: string;
  readonly ts: string;
  readonly deliveryId: string;
  readonly kind: 'person' | 'fallback' | 'notice';
  readonly recipient?: string;
}

/** How long a post counts as in flight after its attempt started: past it, an event no longer waits for it. */
const IN_FLIGHT_SECONDS = 30;

/**
 * What Parley posted on Slack (the `ts` of every post, recorded with its delivery) and what it is posting right now
 * (deliveries in the `attempting` state). Ingress asks both before handing an event to the relay: an event about a
 * recorded `ts` is Parley's own echo, and an event that races a post waits for that post to be recorded.
 */
@Injectable()
export class PostedMessages {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async record(manager: EntityManager, post: PostedMessage): Promise<void> {
    await manager.query(
      `INSERT INTO slack_connector.posted_messages (team_id, channel_id, ts, delivery_id, kind, recipient)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (team_id, channel_id, ts) DO NOTHING`,
      [post.teamId, post.channelId, post.ts, post.deliveryId, post.kind, post.recipient ?? null],
    );
  }

  async isParleys(teamId: string, channelId: string, ts: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      'SELECT 1 FROM slack_connector.posted_messages WHERE team_id = $1 AND channel_id = $2 AND ts = $3',
      [teamId, channelId, ts],
    );
    return rows.length > 0;
  }

  /**
   * Whether a delivery is being posted into this conversation right now, as `sender` or as someone unknown (rows from
   * before the poster was recorded; the app's fallback posts name its bot user). A post made as someone else cannot be this sender's
   * echo, so a person writing in a DM is not held up while Parley posts the other side's messages there.
   */
  async postingIn(teamId: string, channelId: string, sender: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM slack_connector.deliveries
       WHERE team_id = $1 AND channel_id = $2 AND state = 'attempting' AND last_attempt_at > now() - make_interval(secs => $3)
         AND (poster IS NULL OR poster = $4) LIMIT 1`,
      [teamId, channelId, IN_FLIGHT_SECONDS, sender],
    );
    return rows.length > 0;
  }

  /** The posts of one delivery (a fallback delivery has one per recipient). */
  async ofDelivery(deliveryId: string): Promise<PostedMessage[]> {
    const rows: { team_id: string; channel_id: string; ts: string; delivery_id: string; kind: PostedMessage['kind']; recipient: string | null }[] = await this.dataSource.query(
      'SELECT team_id, channel_id, ts, delivery_id, kind, recipient FROM slack_connector.posted_messages WHERE delivery_id = $1 ORDER BY posted_at, ts',
      [deliveryId],
    );
    return rows.map((r) => ({ teamId: r.team_id, channelId: r.channel_id, ts: r.ts, deliveryId: r.delivery_id, kind: r.kind, recipient: r.recipient ?? undefined }));
  }

  /** The delivery that posted this message, by its `ts` in any conversation of the workspace. */
  async deliveryOf(teamId: string, ts: string, channelId?: string): Promise<string | undefined> {
    const rows: { delivery_id: string }[] = await this.dataSource.query(
      `SELECT delivery_id FROM slack_connector.posted_messages WHERE team_id = $1 AND ts = $2 AND ($3::text IS NULL OR channel_id = $3) LIMIT 1`,
      [teamId, ts, channelId ?? null],
    );
    return rows[0]?.delivery_id;
  }
}
