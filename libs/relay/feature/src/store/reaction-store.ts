import type { Payload } from '@parley/contracts';
import { queryReturning } from '@parley/persistence';
import type { Platform } from '../planning/people';
import type { Reactor } from '../planning/reaction-rules';
import { firstRow, rows, type MessageRow, type Sql } from './relay-store';

export type ReactionState = 'waiting' | 'pending' | 'delivered' | 'failed' | 'unvoiced';

export interface ReactionDeliveryRow {
  id: string;
  seq: string;
  org_id: string;
  message_id: string;
  twin_id: string;
  source_platform: Platform;
  reactor_platform_user_id: string;
  reactor_person_id: string | null;
  reaction_key: string;
  change: 'add' | 'remove';
  target_platform: Platform;
  target_reaction: string | null;
  state: ReactionState;
  reason: string | null;
  target_conversation_id: string | null;
  target_message_id: string | null;
  requested_at: Date;
  dispatched_at: Date | null;
  finished_at: Date | null;
}

/** The message a reaction is on, and where its counterpart on the other side is (when known). */
export interface ReactedMessage {
  readonly message: MessageRow;
  /** The message was carried from the reacting side (its post over there may still be pending), not posted by Parley into it. */
  readonly carriedFromHere: boolean;
  /** For a Parley post on the reacting side: the original on the other side. */
  readonly original?: { readonly conversationId: string; readonly messageId: string };
}

/**
 * The message `messageId` in a conversation on `platform` stands for: one Parley carried from there, or one Parley
 * posted there (its own post or a fallback post) for a message from the other side.
 */
export async function reactedMessage(db: Sql, orgId: string, platform: Platform, conversationId: string, messageId: string): Promise<ReactedMessage | null> {
  const carried = await firstRow<MessageRow>(
    db,
    `SELECT * FROM relay.messages WHERE org_id = $1 AND source_platform = $2 AND source_conversation_id = $3 AND source_message_id = $4`,
    [orgId, platform, conversationId, messageId],
  );
  if (carried) return { message: carried, carriedFromHere: true };
  const posted = await firstRow<MessageRow>(
    db,
    `SELECT m.* FROM relay.message_links l JOIN relay.messages m ON m.id = l.message_id
      WHERE m.org_id = $1 AND l.target_platform = $2 AND l.target_conversation_id = $3 AND l.target_message_id = $4
      ORDER BY l.kind DESC LIMIT 1`,
    [orgId, platform, conversationId, messageId],
  );
  if (!posted) return null;
  return { message: posted, carriedFromHere: false, original: { conversationId: posted.source_conversation_id, messageId: posted.source_message_id } };
}

/**
 * Serializes the reaction changes of one message: a new change and the release of waiting ones never interleave. An
 * advisory lock, not the message row: the delivered-outcome transaction that releases holds its lane already, and the
 * message relay locks message rows before lanes, so a row lock here could deadlock with an edit.
 */
export async function lockReactionsOf(db: Sql, messageId: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`relay-reactions:${messageId}`]);
}

export async function anyWaiting(db: Sql, messageId: string, targetPlatform: Platform): Promise<boolean> {
  const row = await firstRow(db, `SELECT 1 FROM relay.reaction_deliveries WHERE message_id = $1 AND target_platform = $2 AND state = 'waiting' LIMIT 1`, [
    messageId,
    targetPlatform,
  ]);
  return row !== null;
}

export function waitingReactions(db: Sql, messageId: string): Promise<ReactionDeliveryRow[]> {
  return rows<ReactionDeliveryRow>(db, `SELECT * FROM relay.reaction_deliveries WHERE message_id = $1 AND state = 'waiting' ORDER BY seq`, [messageId]);
}

export interface NewReactionDelivery {
  readonly id: string;
  readonly orgId: string;
  readonly messageId: string;
  readonly twinId: string;
  readonly sourcePlatform: Platform;
  readonly reactorPlatformUserId: string;
  readonly reactorPersonId: string | null;
  readonly reactionKey: string;
  readonly change: 'add' | 'remove';
  readonly targetPlatform: Platform;
  readonly targetReaction: string | null;
  readonly state: ReactionState;
  readonly reason: string | null;
  readonly targetConversationId: string | null;
  readonly targetMessageId: string | null;
}

export async function insertReactionDelivery(db: Sql, r: NewReactionDelivery): Promise<void> {
  await db.query(
    `INSERT INTO relay.reaction_deliveries (id, org_id, message_id, twin_id, source_platform, reactor_platform_user_id, reactor_person_id, reaction_key,
       change, target_platform, target_reaction, state, reason, target_conversation_id, target_message_id, dispatched_at, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
       CASE WHEN $12 = 'pending' THEN now() END, CASE WHEN $12 IN ('failed', 'unvoiced') THEN now() END)`,
    [
      r.id,
      r.orgId,
      r.messageId,
      r.twinId,
      r.sourcePlatform,
      r.reactorPlatformUserId,
      r.reactorPersonId,
      r.reactionKey,
      r.change,
      r.targetPlatform,
      r.targetReaction,
      r.state,
      r.reason,
      r.targetConversationId,
      r.targetMessageId,
    ],
  );
}

export function reactionsOfMessages(db: Sql, messageIds: readonly string[]): Promise<ReactionDeliveryRow[]> {
  if (messageIds.length === 0) return Promise.resolve([]);
  return rows<ReactionDeliveryRow>(db, `SELECT * FROM relay.reaction_deliveries WHERE message_id = ANY($1::uuid[]) ORDER BY seq`, [messageIds]);
}

/** A reaction kept for its message (ADR 0060): the event as it came, and who made it as the relay classified them. */
export interface EarlyReaction {
  readonly event: Payload<'parley.reaction.observed.v1'>;
  readonly reactor: Reactor;
}

/** Keeps a reaction that came before its message; what was kept too long ago is let go on the way. */
export async function keepEarlyReaction(db: Sql, event: EarlyReaction['event'], reactor: Reactor, keptMinutes: number): Promise<void> {
  await db.query(`DELETE FROM relay.early_reactions WHERE received_at < now() - ($1::int * interval '1 minute')`, [keptMinutes]);
  await db.query(
    `INSERT INTO relay.early_reactions (org_id, platform, conversation_id, message_id, event, reactor) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)`,
    [event.orgId, event.conversation.platform, event.conversation.conversationId, event.messageId, JSON.stringify(event), JSON.stringify(reactor)],
  );
}

/**
 * Serializes, for one message (as one platform names it), keeping a reaction that came first with taking the kept ones
 * when the message is recorded or linked: each transaction holds it to its commit, so whichever comes second sees what
 * the first wrote (without it, the two missed each other when they ran at once, and the reaction was kept forever).
 */
export async function lockEarlyReactionsOf(db: Sql, orgId: string, platform: Platform, conversationId: string, messageId: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`relay-early-reactions:${orgId}:${platform}:${conversationId}:${messageId}`]);
}

/** Takes (deletes and answers) the reactions kept for a message, in the order they came. */
export async function takeEarlyReactions(db: Sql, orgId: string, platform: Platform, conversationId: string, messageId: string): Promise<EarlyReaction[]> {
  await lockEarlyReactionsOf(db, orgId, platform, conversationId, messageId);
  const rows = await queryReturning<{ seq: string; event: EarlyReaction['event']; reactor: Reactor }>(
    db,
    `DELETE FROM relay.early_reactions WHERE org_id = $1 AND platform = $2 AND conversation_id = $3 AND message_id = $4 RETURNING seq, event, reactor`,
    [orgId, platform, conversationId, messageId],
  );
  return [...rows].sort((a, b) => Number(a.seq) - Number(b.seq)).map((r) => ({ event: r.event, reactor: r.reactor }));
}
