import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type {
  ConversationPage,
  ConversationView,
  DeliveryView,
  ReactionDeliveryView,
  RelayedMessagePage,
  RelayedMessageView,
  RelayPageQuery,
} from '@parley/internal-api';
import { DATA_SOURCE, notFound } from '@parley/service-runtime';
import { decodeCursor, encodeCursor, UUID } from './page-cursor';
import { reactionsOfMessages, type ReactionDeliveryRow } from '../store/reaction-store';
import { rows, type DeliveryRow, type MessageRow, type TwinRow } from '../store/relay-store';

/** The admin's reads: twins of an org and the messages carried in one, newest first, keyset-paged. */
@Injectable()
export class ConversationsReader {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async conversations(orgId: string, query: RelayPageQuery): Promise<ConversationPage> {
    const params: unknown[] = [orgId];
    let where = 'org_id = $1';
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor);
      params.push(cursor.at, cursor.id);
      where += ` AND (created_at, id) < ($2::timestamptz, $3::uuid)`;
    }
    params.push(query.limit + 1);
    const found = await rows<TwinRow & { at: string }>(
      this.dataSource,
      `SELECT *, created_at::text AS at FROM relay.twins WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const page = found.slice(0, query.limit);
    const last = page[page.length - 1];
    return { items: page.map(conversationView), nextCursor: found.length > query.limit && last ? encodeCursor(last.at, last.id) : null };
  }

  async messages(orgId: string, conversationId: string, query: RelayPageQuery): Promise<RelayedMessagePage> {
    if (!UUID.test(conversationId)) throw notFound('conversation');
    const [twin] = await rows<{ id: string }>(this.dataSource, `SELECT id FROM relay.twins WHERE id = $1 AND org_id = $2`, [conversationId, orgId]);
    if (!twin) throw notFound('conversation');
    const params: unknown[] = [conversationId];
    let where = 'twin_id = $1';
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor);
      params.push(cursor.at, cursor.id);
      where += ` AND (created_at, id) < ($2::timestamptz, $3::uuid)`;
    }
    params.push(query.limit + 1);
    const found = await rows<MessageRow & { at: string }>(
      this.dataSource,
      `SELECT *, created_at::text AS at FROM relay.messages WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const page = found.slice(0, query.limit);
    const ids = page.map((m) => m.id);
    const deliveries = ids.length
      ? await rows<DeliveryRow>(this.dataSource, `SELECT * FROM relay.deliveries WHERE message_id = ANY($1::uuid[]) ORDER BY requested_at, part`, [ids])
      : [];
    const links = ids.length
      ? await rows<{ message_id: string; part: number; target_message_id: string }>(
          this.dataSource,
          `SELECT message_id, part, target_message_id FROM relay.message_links WHERE message_id = ANY($1::uuid[]) AND kind = 'post' ORDER BY part`,
          [ids],
        )
      : [];
    const reactions = await reactionsOfMessages(this.dataSource, ids);
    const last = page[page.length - 1];
    return {
      items: page.map((m) => {
        const view = messageView(
          m,
          deliveries.filter((d) => d.message_id === m.id),
          links.filter((l) => l.message_id === m.id).map((l) => l.target_message_id),
        );
        const own = reactions.filter((r) => r.message_id === m.id);
        return own.length > 0 ? { ...view, reactions: own.map(reactionView) } : view;
      }),
      nextCursor: found.length > query.limit && last ? encodeCursor(last.at, last.id) : null,
    };
  }
}

function conversationView(t: TwinRow): ConversationView {
  return {
    id: t.id,
    orgId: t.org_id,
    kind: t.kind,
    slack: { conversationId: t.slack_conversation_id },
    teams: { conversationId: t.teams_conversation_id },
    memberPersonIds: t.member_person_ids,
    createdAt: t.created_at.toISOString(),
    updatedAt: t.updated_at.toISOString(),
  };
}

function deliveryView(d: DeliveryRow): DeliveryView {
  return {
    id: d.id,
    part: d.part,
    change: d.change,
    platform: d.target_platform,
    state: d.state,
    ...(d.target_message_id ? { targetMessageId: d.target_message_id } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
    ...(d.voice ? { voice: d.voice } : {}),
    requestedAt: d.requested_at.toISOString(),
    ...(d.finished_at ? { finishedAt: d.finished_at.toISOString() } : {}),
    // The handle (`ref`) is the source connector's business: the admin reads names, kinds, sizes and states.
    ...(d.files ? { files: d.files.map(({ name, kind, sizeBytes, state, reason }) => ({ name, kind, sizeBytes, state, ...(reason ? { reason } : {}) })) } : {}),
  };
}

export function reactionView(r: ReactionDeliveryRow): ReactionDeliveryView {
  return {
    id: r.id,
    change: r.change,
    source: { platform: r.source_platform, reactorPlatformUserId: r.reactor_platform_user_id },
    ...(r.reactor_person_id ? { reactorPersonId: r.reactor_person_id } : {}),
    reaction: r.reaction_key,
    platform: r.target_platform,
    state: r.state,
    ...(r.reason ? { reason: r.reason } : {}),
    requestedAt: r.requested_at.toISOString(),
    ...(r.finished_at ? { finishedAt: r.finished_at.toISOString() } : {}),
  };
}

/** A message's state is that of the latest change of each of its parts: one failure or one pending shows. */
export function messageView(m: MessageRow, deliveries: readonly DeliveryRow[], targetMessageIds: string[]): RelayedMessageView {
  const latest = new Map<number, DeliveryRow>();
  for (const d of deliveries) latest.set(d.part, d);
  const current = [...latest.values()];
  const failed = current.find((d) => d.state === 'failed');
  const state = failed ? 'failed' : current.some((d) => d.state === 'pending') ? 'pending' : 'delivered';
  return {
    id: m.id,
    orgId: m.org_id,
    conversationId: m.twin_id,
    source: { platform: m.source_platform, conversationId: m.source_conversation_id, messageId: m.source_message_id },
    senderPersonId: m.sender_person_id,
    ...(m.source_thread_root_id ? { threadRootId: m.source_thread_root_id } : {}),
    state,
    targetMessageIds,
    ...(failed?.reason ? { reason: failed.reason } : {}),
    deleted: m.deleted,
    deliveries: deliveries.map(deliveryView),
    createdAt: m.created_at.toISOString(),
  };
}
