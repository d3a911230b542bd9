import type { EntityManager } from 'typeorm';
import type { Platform } from '../planning/people';

/** Anything that runs SQL: the DataSource or the EntityManager of an open transaction. */
export interface Sql {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export async function rows<T>(db: Sql, sql: string, parameters: unknown[] = []): Promise<T[]> {
  return (await db.query(sql, parameters)) as T[];
}

export async function firstRow<T>(db: Sql, sql: string, parameters: unknown[] = []): Promise<T | null> {
  return (await rows<T>(db, sql, parameters))[0] ?? null;
}

export interface TwinRow {
  id: string;
  org_id: string;
  kind: 'dm' | 'group' | 'channel';
  slack_conversation_id: string | null;
  teams_conversation_id: string | null;
  slack_connection_id: string | null;
  teams_connection_id: string | null;
  member_person_ids: string[];
  member_key: string;
  created_at: Date;
  updated_at: Date;
}

export interface MessageRow {
  id: string;
  org_id: string;
  twin_id: string;
  source_platform: Platform;
  source_conversation_id: string;
  source_message_id: string;
  source_thread_root_id: string | null;
  sender_person_id: string;
  sender_platform_user_id: string;
  parts: number;
  deleted: boolean;
  created_at: Date;
}

export interface DeliveryRow {
  id: string;
  org_id: string;
  message_id: string;
  twin_id: string;
  part: number;
  change: 'create' | 'edit' | 'delete';
  target_platform: Platform;
  state: 'pending' | 'delivered' | 'failed';
  reason: string | null;
  target_conversation_id: string | null;
  target_message_id: string | null;
  voice: 'person' | 'fallback' | null;
  content_hash: string | null;
  requested_at: Date;
  dispatched_at: Date | null;
  finished_at: Date | null;
  /** How many times it was requested of the connector (ADR 0029). */
  attempts: number;
  /** When its outcome is due; past it, the relay requests it again or gives up. */
  outcome_due_at: Date | null;
  /** Set when the relay failed it for want of an outcome. */
  gave_up_at: Date | null;
  /** The platform event's time at the source; null for rows older than the column. */
  source_occurred_at: Date | null;
  /** A create's files and their states (ADR 0039); null without files. */
  files: FileState[] | null;
}

export const sideColumn = (platform: Platform): 'slack_conversation_id' | 'teams_conversation_id' =>
  platform === 'slack' ? 'slack_conversation_id' : 'teams_conversation_id';
export const connectionColumn = (platform: Platform): 'slack_connection_id' | 'teams_connection_id' =>
  platform === 'slack' ? 'slack_connection_id' : 'teams_connection_id';

/** The DM or group DM twin a conversation on one side belongs to (a channel's twin is found through its link). */
export function twinBySide(db: Sql, orgId: string, platform: Platform, conversationId: string): Promise<TwinRow | null> {
  return firstRow<TwinRow>(db, `SELECT * FROM relay.twins WHERE org_id = $1 AND ${sideColumn(platform)} = $2 AND kind <> 'channel'`, [orgId, conversationId]);
}

export function twinById(db: Sql, twinId: string): Promise<TwinRow | null> {
  return firstRow<TwinRow>(db, `SELECT * FROM relay.twins WHERE id = $1`, [twinId]);
}

export interface NewTwin {
  readonly orgId: string;
  readonly kind: 'dm' | 'group';
  readonly source: Platform;
  readonly conversationId: string;
  readonly connections: Partial<Record<Platform, string>>;
  readonly memberPersonIds: readonly string[];
  readonly memberKey: string;
}

/**
 * The twin of a source conversation: the one that already has it, else one of the same people still waiting for this
 * side (the other side started it), else a new one whose other side opens with its first delivery. Concurrent
 * starts for the same people serialize on an advisory lock, so they end up in one twin.
 */
export async function findOrCreateTwin(manager: EntityManager, twin: NewTwin): Promise<TwinRow> {
  // Nearly every message is in a conversation whose twin has this side already, with the same people: found without
  // the lock (a side, once set, is never unset), so messages of one twin do not queue behind each other on it.
  const known = await twinBySide(manager, twin.orgId, twin.source, twin.conversationId);
  if (known && known.member_key === twin.memberKey) return known;
  await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`relay.twin:${twin.orgId}:${twin.memberKey}`]);
  const side = sideColumn(twin.source);
  const existing = await twinBySide(manager, twin.orgId, twin.source, twin.conversationId);
  if (existing) {
    if (existing.member_key !== twin.memberKey) {
      await manager.query(`UPDATE relay.twins SET member_person_ids = $2::uuid[], member_key = $3, updated_at = now() WHERE id = $1`, [
        existing.id,
        [...twin.memberPersonIds],
        twin.memberKey,
      ]);
    }
    return existing;
  }
  const waiting = await firstRow<TwinRow>(
    manager,
    `SELECT * FROM relay.twins WHERE org_id = $1 AND kind = $2 AND member_key = $3 AND ${side} IS NULL ORDER BY created_at LIMIT 1 FOR UPDATE`,
    [twin.orgId, twin.kind, twin.memberKey],
  );
  if (waiting) {
    const [updated] = await rows<TwinRow>(
      manager,
      `WITH changed AS (UPDATE relay.twins SET ${side} = $2, ${connectionColumn(twin.source)} = COALESCE(${connectionColumn(twin.source)}, $3), updated_at = now()
         WHERE id = $1 RETURNING *) SELECT * FROM changed`,
      [waiting.id, twin.conversationId, twin.connections[twin.source] ?? null],
    );
    return updated as TwinRow;
  }
  const [created] = await rows<TwinRow>(
    manager,
    `INSERT INTO relay.twins (org_id, kind, ${side}, slack_connection_id, teams_connection_id, member_person_ids, member_key)
     VALUES ($1, $2, $3, $4, $5, $6::uuid[], $7) RETURNING *`,
    [twin.orgId, twin.kind, twin.conversationId, twin.connections.slack ?? null, twin.connections.teams ?? null, [...twin.memberPersonIds], twin.memberKey],
  );
  const row = created as TwinRow;
  await manager.query(`INSERT INTO relay.lanes (twin_id, platform) VALUES ($1, 'slack'), ($1, 'teams') ON CONFLICT DO NOTHING`, [row.id]);
  return row;
}

export function messageBySource(db: Sql, orgId: string, platform: Platform, conversationId: string, messageId: string): Promise<MessageRow | null> {
  return firstRow<MessageRow>(
    db,
    `SELECT * FROM relay.messages WHERE org_id = $1 AND source_platform = $2 AND source_conversation_id = $3 AND source_message_id = $4`,
    [orgId, platform, conversationId, messageId],
  );
}

export interface NewMessage {
  readonly orgId: string;
  readonly twinId: string;
  readonly platform: Platform;
  readonly conversationId: string;
  readonly messageId: string;
  readonly threadRootId: string | null;
  readonly senderPersonId: string;
  readonly senderPlatformUserId: string;
  /** How many parts it is carried in, when known as it is recorded (0 until its deliveries are planned). */
  readonly parts?: number;
  /** Recorded as deleted: its delete came first, so what comes after it for the same message is not carried. */
  readonly deleted?: boolean;
}

/** Records a message once; null when it was already recorded (the same message through another event). */
export async function insertMessage(db: Sql, message: NewMessage): Promise<MessageRow | null> {
  return firstRow<MessageRow>(
    db,
    `INSERT INTO relay.messages (org_id, twin_id, source_platform, source_conversation_id, source_message_id, source_thread_root_id, sender_person_id, sender_platform_user_id, parts, deleted)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING *`,
    [message.orgId, message.twinId, message.platform, message.conversationId, message.messageId, message.threadRootId, message.senderPersonId, message.senderPlatformUserId, message.parts ?? 0, message.deleted ?? false],
  );
}

export interface NewDelivery {
  readonly id: string;
  readonly orgId: string;
  readonly messageId: string;
  readonly twinId: string;
  readonly part: number;
  readonly change: 'create' | 'edit' | 'delete';
  readonly targetPlatform: Platform;
  readonly contentHash: string | null;
  /** Set for a delivery that fails before it is ever sent. */
  readonly failedReason?: string;
  /** The platform event's time at the source (`occurredAt` of what the connector received). */
  readonly sourceOccurredAt: string;
  /** A create's files and what became of each (ADR 0039). */
  readonly files?: readonly FileState[];
}

/** One file of a delivery: what the admin reads of it (its name, kind and size; never its bytes). */
export interface FileState {
  readonly ref: string;
  readonly name: string;
  readonly kind: 'image' | 'file';
  readonly sizeBytes: number;
  readonly state: 'pending' | 'carried' | 'not_carried';
  readonly reason?: string;
}

/** The files of a create as first recorded: those carried wait for the outcome; those left behind say why. */
export function fileStates(
  carried: readonly { ref: string; name: string; kind: 'image' | 'file'; sizeBytes: number }[],
  left: readonly { file: { ref: string; name: string; kind: 'image' | 'file'; sizeBytes: number }; reason: string }[],
): FileState[] {
  const state = (f: { ref: string; name: string; kind: 'image' | 'file'; sizeBytes: number }) => ({ ref: f.ref, name: f.name, kind: f.kind, sizeBytes: f.sizeBytes });
  return [...carried.map((f) => ({ ...state(f), state: 'pending' as const })), ...left.map((l) => ({ ...state(l.file), state: 'not_carried' as const, reason: l.reason }))];
}

export async function insertDelivery(db: Sql, d: NewDelivery): Promise<void> {
  await db.query(...deliveryInsert(d));
}

function deliveryInsert(d: NewDelivery): [string, unknown[]] {
  return [
    `INSERT INTO relay.deliveries (id, org_id, message_id, twin_id, part, change, target_platform, content_hash, state, reason, finished_at, source_occurred_at, files)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $9 = 'failed' THEN now() END, $11, $12::jsonb)`,
    [
      d.id,
      d.orgId,
      d.messageId,
      d.twinId,
      d.part,
      d.change,
      d.targetPlatform,
      d.contentHash,
      d.failedReason ? 'failed' : 'pending',
      d.failedReason ?? null,
      d.sourceOccurredAt,
      d.files ? JSON.stringify(d.files) : null,
    ],
  ];
}

/**
 * Records a delivery and queues its request in its lane, in one statement (a round trip less per relayed part: the
 * relay's cost is mostly its statements, ADR 0049).
 */
export async function insertQueuedDelivery(db: Sql, d: NewDelivery, request: unknown): Promise<void> {
  const [sql, parameters] = deliveryInsert(d);
  await db.query(
    `WITH recorded AS (${sql} RETURNING id, twin_id, target_platform)
     INSERT INTO relay.delivery_queue (delivery_id, twin_id, platform, request) SELECT id, twin_id, target_platform, $13::jsonb FROM recorded`,
    [...parameters, JSON.stringify(request)],
  );
}

/** The message's link on the other side for one part (its own post, not a fallback). */
export async function postLink(db: Sql, messageId: string, part: number): Promise<string | null> {
  const row = await firstRow<{ target_message_id: string }>(
    db,
    `SELECT target_message_id FROM relay.message_links WHERE message_id = $1 AND part = $2 AND kind = 'post' ORDER BY created_at DESC LIMIT 1`,
    [messageId, part],
  );
  return row?.target_message_id ?? null;
}

/**
 * How the create of one part went (the latest, when an edit re-created it), and the written time it went out late
 * with, if it said so (ADR 0045).
 */
export function originalOf(db: Sql, messageId: string, part: number): Promise<{ state: DeliveryRow['state']; reason: string | null; marked_late_at: Date | null } | null> {
  return firstRow(
    db,
    `SELECT state, reason, marked_late_at FROM relay.deliveries WHERE message_id = $1 AND part = $2 AND change = 'create' ORDER BY requested_at DESC, dispatched_at DESC NULLS LAST LIMIT 1`,
    [messageId, part],
  );
}

export async function partDeleted(db: Sql, messageId: string, part: number): Promise<boolean> {
  const row = await firstRow(db, `SELECT 1 FROM relay.deliveries WHERE message_id = $1 AND part = $2 AND change = 'delete' AND state = 'delivered' LIMIT 1`, [
    messageId,
    part,
  ]);
  return row !== null;
}

/**
 * The id on `targetPlatform` of a message referred to from the source conversation: a message relayed from it (its
 * first part's post there), or a message Parley posted into it (the original on the other side).
 */
export async function counterpartId(db: Sql, orgId: string, source: Platform, conversationId: string, messageId: string): Promise<string | null> {
  const relayed = await firstRow<{ target_message_id: string }>(
    db,
    `SELECT l.target_message_id FROM relay.messages m JOIN relay.message_links l ON l.message_id = m.id AND l.kind = 'post' AND l.part = 0
      WHERE m.org_id = $1 AND m.source_platform = $2 AND m.source_conversation_id = $3 AND m.source_message_id = $4 LIMIT 1`,
    [orgId, source, conversationId, messageId],
  );
  if (relayed) return relayed.target_message_id;
  const posted = await firstRow<{ source_message_id: string }>(
    db,
    `SELECT m.source_message_id FROM relay.message_links l JOIN relay.messages m ON m.id = l.message_id
      WHERE m.org_id = $1 AND l.target_platform = $2 AND l.target_conversation_id = $3 AND l.target_message_id = $4 LIMIT 1`,
    [orgId, source, conversationId, messageId],
  );
  return posted?.source_message_id ?? null;
}

/** The message a fallback post stands for, found from the post (a reply in its thread goes back to its sender). */
export function messageOfFallbackPost(db: Sql, orgId: string, platform: Platform, conversationId: string, postId: string): Promise<MessageRow | null> {
  return firstRow<MessageRow>(
    db,
    `SELECT m.* FROM relay.message_links l JOIN relay.messages m ON m.id = l.message_id
      WHERE m.org_id = $1 AND l.kind = 'fallback' AND l.target_platform = $2 AND l.target_conversation_id = $3 AND l.target_message_id = $4 LIMIT 1`,
    [orgId, platform, conversationId, postId],
  );
}
