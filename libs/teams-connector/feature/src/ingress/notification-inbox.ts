import { Counter, Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Logger } from '@parley/observability';
import { GroupCommit, laneClaimSql, laneRenewSql, LaneDrainer, OrderWindow, queryReturning, type InboxTable, type LaneSource } from '@parley/persistence';
import type { ChatMessageObservation, ChatMessageObserver, GraphChatMessageResource } from '../relay/chat-message-observer';
import { parseTeamsChannelConversationId } from '@parley/contracts';
import { LinkedChannels } from '../channels/linked-channels';
import { caughtUp } from './catch-up';
import { refusalReason } from '../failures';
import { compareMessageIds, READ_BACK_TOP, type ChatReadBack, type ListedChatMessage } from './chat-read-back';

export interface NotificationInboxSettings {
  /**
   * The order window: a row is handed over once its change is this old by Graph's clock (version_at), or once it has
   * waited this long here, so that a notification of a message written just before, arriving just after (Graph sends
   * them in no set order, each its own POST), is handed over first.
   */
  readonly orderWindowMs: number;
  /**
   * The longest the order window grows while notifications arrive late (ADR 0055): it follows the latest arrival of the
   * last 30 s (a created message's notification, received minus createdDateTime), from orderWindowMs up to this.
   */
  readonly orderWindowMaxMs: number;
  /** Conversations one replica hands over side by side. */
  readonly concurrency: number;
  /** Attempts before a row that keeps failing is set aside (failed_at, with its reason) and its conversation moves on. */
  readonly maxAttempts: number;
  /** How often a replica looks for rows nobody is handling (a crashed replica's, held-back ones). */
  readonly pollMs: number;
  /**
   * Whether a chat or linked channel is read back before its new messages are handed over (ADR 0047): one Graph GET
   * per chat claimed; for a channel, one more per thread its new replies are in.
   */
  readonly readBack: boolean;
}

export const defaultNotificationInboxSettings: NotificationInboxSettings = { orderWindowMs: 1_000, orderWindowMaxMs: 5_000, concurrency: 16, maxAttempts: 12, pollMs: 1_000, readBack: true };

/**
 * How long a claim lasts; renewed every RENEW_MS while its rows are handed over, so a replica that dies holding one
 * delays its conversation this long at most.
 */
const LEASE_SECONDS = 30;
const RENEW_MS = 10_000;
/** teams_connector.notification_inbox as a LaneDrainer's inbox: a chat is a lane, in the order its messages were written. */
const INBOX: InboxTable = {
  table: 'teams_connector.notification_inbox',
  id: 'id',
  lane: 'chat_id',
  writtenAt: 'version_at',
  // Two messages written in the same millisecond: Teams message ids are increasing epoch-millisecond strings.
  tieBreak: "lpad(message_id, 24, '0'), id",
  waiting: 'failed_at IS NULL',
  returning: 'id, event_id, org_id, connection_id, chat_id, message_id, thread_root_id, change_type, message, version_at, attempts, source',
};
const CLAIM = laneClaimSql(INBOX);
const RENEW = laneRenewSql(INBOX);

/** Rows of one conversation per claim (each can wait for an echo: ECHO_WAIT_MS); the claim is renewed while they are handled. */
const ROWS_PER_CHAT = 10;
/** Rows per INSERT statement (eleven parameters each, well under PostgreSQL's 65,535). */
const ROWS_PER_INSERT = 500;
/** One request's verified observations, as they wait for the group commit. */
interface Accepted {
  readonly observations: readonly ChatMessageObservation[];
  readonly receivedAt: Date;
  /** Stored as if received this long ago (a read-back's finds are past the order window already); 0 otherwise. */
  readonly settledMs?: number;
}
/** The longest a failing row holds its conversation back before the next attempt. */
const MAX_BACKOFF_SECONDS = 300;
/** Rows read back (ADR 0047) remembered per replica, so that a row is read back once however often it is claimed. */
const READ_BACK_MEMORY = 10_000;
/**
 * A read-back that Graph could not answer for now (5xx, 429 past the client's own retries, unreachable) holds its lane
 * back and is tried again, after 1, 2, 4, 8 and 16 s: about half a minute in which order still wins. After that the
 * row goes without it, and catch-up covers the gap (liveness over order).
 */
const READ_BACK_RETRIES = 5;
/** Pages of READ_BACK_TOP one read-back goes back at most while each still shows unseen messages (about a minute of a busy chat). */
const READ_BACK_PAGES = 5;

interface InboxRow {
  id: string;
  event_id: string;
  org_id: string;
  connection_id: string;
  chat_id: string;
  message_id: string;
  thread_root_id: string | null;
  change_type: ChatMessageObservation['changeType'];
  message: GraphChatMessageResource | null;
  attempts: number;
  source: ChatMessageObservation['source'];
}

/**
 * Where the change goes in its conversation: the order a conversation's rows are handed over in. A creation and an
 * edit go at the message's own place (createdDateTime): an edit of a message the relay has seen changes it where it
 * is, and one of a message the relay never got (its creation's notification dropped, caught up or read back already
 * edited) is carried as the message itself, which must not come after the messages written after it (ADR 0042,
 * amended). Edits of one message keep their own order by version in the ingest. A deletion (a soft delete is an
 * `updated` with deletedDateTime) goes at its own time.
 */
export function orderedAt(observation: ChatMessageObservation, receivedAt: Date): Date {
  const m = observation.message;
  // A soft delete arrives as `updated` with deletedDateTime set: a deletion too.
  const deletion = observation.changeType === 'deleted' || Boolean(m?.deletedDateTime);
  const stamp = deletion ? (m?.deletedDateTime ?? m?.lastModifiedDateTime ?? m?.createdDateTime) : (m?.createdDateTime ?? m?.lastModifiedDateTime);
  const parsed = stamp ? Date.parse(stamp) : NaN;
  return Number.isNaN(parsed) ? receivedAt : new Date(parsed);
}

/**
 * Verified Graph change notifications between the endpoint's 202 and the relay side (ADR 0042). The endpoint stores
 * them (`accept`) and answers at once, so Graph's 3-second deadline never depends on the relay side, which can wait
 * for Parley's own post to be recorded (the echo check) or for Graph. The inbox then hands each conversation's rows to
 * the ChatMessageObserver one after another, in the order their messages were written, conversations side by side.
 *
 * - A conversation is claimed whole (no replica claims a row of a conversation another is handling), for LEASE_SECONDS,
 *   renewed while it is handled; a replica that dies holding it delays that conversation by at most the lease.
 * - A row the observer fails on holds its conversation back, with a backoff that grows per attempt; after
 *   maxAttempts it is set aside with its reason (kept, logged, counted on /metrics) and the conversation moves on.
 * - A handled row is deleted: a message's body rests here only between the ack and its handling.
 */
export class NotificationInbox implements LaneSource<InboxRow> {
  private readonly drainer: LaneDrainer<InboxRow>;
  private readonly orderWindow: OrderWindow;
  /** A linked channel's link time: what was said before it is history, not a gap a read-back fills. */
  private readonly channels: LinkedChannels;
  /** Per claimed row that opens a read-back: up to when its lane's new messages were written (claim). */
  private readonly readBackBefore = new Map<string, ReadBackBound>();
  /** Rows already read back (oldest first; bounded): a row whose read-back found a gap is claimed again after it. */
  private readonly readBackDone = new Set<string>();
  /** Rows handed back at once, with no backoff: their lane is claimed again with what the read-back found first. */
  private readonly deferred = new Set<string>();
  /** Rows whose read-back failed for now, with the number of failed tries: held back, then read back again. */
  private readonly readBackFailures = new Map<string, number>();
  private gapsFound?: Counter;
  /** What concurrent requests accept, written together (accept). */
  private readonly intake = new GroupCommit<Accepted>({
    maxBatch: 100,
    maxConcurrent: 2,
    applyBatch: (batch) => this.insert(batch),
    applyOne: (one) => this.insert([one]),
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly observer: () => ChatMessageObserver | null,
    private readonly settings: NotificationInboxSettings,
    private readonly logger: Logger,
    registry?: Registry,
    private readonly readBack?: ChatReadBack,
    /** Where accept() writes: a pool of its own (ADR 0052), so the ack never waits for a connection the lanes hold. */
    private readonly intakeDataSource: DataSource = dataSource,
  ) {
    this.orderWindow = new OrderWindow(settings.orderWindowMs, settings.orderWindowMaxMs);
    this.channels = new LinkedChannels(dataSource);
    this.drainer = new LaneDrainer(this, { ...settings, orderWindowMs: () => this.orderWindow.current(), renewMs: RENEW_MS }, logger, 'Teams notifications');
    if (registry) this.registerMetrics(registry);
  }

  /** Whether anything is wired to hand rows to; without it, the endpoint refuses (Graph retries) rather than store. */
  get canHandOver(): boolean {
    return this.observer() !== null;
  }

  /**
   * Stores verified observations (a retry of one still waiting is recognized by its event id) and schedules them.
   * Requests that arrive together share one INSERT (a group commit): Graph sends each notification as its own POST, and
   * a burst of them, each taking a pooled connection of its own, would wait past Graph's 3 seconds for one.
   */
  accept(observations: readonly ChatMessageObservation[]): Promise<void> {
    if (observations.length === 0) return Promise.resolve();
    const receivedAt = new Date();
    // How late Graph's notification of a new message came (an edit's place is its message's creation, not its edit).
    for (const o of observations) {
      if (o.source === 'notification' && o.changeType === 'created') this.orderWindow.observe(receivedAt.getTime() - orderedAt(o, receivedAt).getTime(), receivedAt.getTime());
    }
    return this.intake.submit({ observations, receivedAt });
  }

  private async insert(batch: readonly Accepted[]): Promise<void> {
    const rows = batch.flatMap(({ observations, receivedAt, settledMs }) => observations.map((o) => ({ o, receivedAt, settledMs: settledMs ?? 0 })));
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const values: unknown[] = [];
      const tuples = rows.slice(start, start + ROWS_PER_INSERT).map(({ o, receivedAt, settledMs }, i) => {
        values.push(o.eventId, o.orgId, o.connectionId, o.chatId, o.messageId, o.threadRootId ?? null, o.changeType, o.message ? JSON.stringify(o.message) : null, orderedAt(o, receivedAt), o.source, settledMs);
        const at = i * 11;
        return `($${at + 1}, $${at + 2}, $${at + 3}::uuid, $${at + 4}, $${at + 5}, $${at + 6}, $${at + 7}, $${at + 8}::jsonb, $${at + 9}::timestamptz, $${at + 10}, now() - ($${at + 11}::int * interval '1 millisecond'))`;
      });
      await this.intakeDataSource.query(
        `INSERT INTO teams_connector.notification_inbox (event_id, org_id, connection_id, chat_id, message_id, thread_root_id, change_type, message, version_at, source, received_at)
         VALUES ${tuples.join(', ')} ON CONFLICT (event_id) DO NOTHING`,
        values,
      );
    }
    this.drainer.kick();
  }

  /**
   * Catch-up's way in (ADR 0043): what it finds waits here like a notification, so that a conversation's messages
   * are handed over in the order they were written whichever way they came. Null while no ChatMessageObserver is
   * registered: catch-up then keeps its watermark, as it did when it called the observer itself.
   */
  asObserver(): Pick<ChatMessageObserver, 'observe'> | null {
    if (!this.observer()) return null;
    return { observe: (observation) => this.accept([observation]) };
  }

  start(): void {
    this.drainer.start();
  }

  /** Stops claiming; the rows being handed over finish (the rest of a claimed conversation is released at once). */
  stop(): Promise<void> {
    return this.drainer.stop();
  }

  /** Resolves once nothing is claimed by this replica and no row is waiting to be handed over (tests, benchmarks). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [row] = (await this.dataSource.query('SELECT count(*)::int AS n FROM teams_connector.notification_inbox WHERE failed_at IS NULL')) as { n: number }[];
      if ((row?.n ?? 0) === 0 && this.drainer.active === 0) return;
      if (Date.now() > deadline) throw new Error(`the Teams notification inbox still holds ${row?.n ?? 0} rows after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  retrySeconds(failed: InboxRow): number {
    if (this.deferred.delete(failed.id)) return 0;
    const readBackTries = this.readBackFailures.get(failed.id);
    if (readBackTries !== undefined && !this.readBackDone.has(failed.id)) return 2 ** (readBackTries - 1);
    return Math.min(MAX_BACKOFF_SECONDS, 2 ** Math.min(failed.attempts, 9));
  }

  /**
   * Graph drops a notification now and then and never says so (reference/microsoft-graph.md); catch-up finds the
   * message later, after the ones written after it. So before a chat's new messages are handed over, the chat is
   * read back (one GET, paced like every Teams GET) up to the newest of them: a message written before them that
   * Parley has neither seen nor been told of (not in the inbox, not observed, not its own post) is stored here as if
   * caught up, already past the order window, and the lane is claimed again with it first. Answers how many were
   * stored, or `retry` when Graph could not answer for now (READ_BACK_RETRIES). A read-back Graph refuses (403, 404),
   * or one that kept failing, changes nothing: the row is handed over as before, and catch-up covers the gap.
   */
  private async fillGap(row: InboxRow, before: ReadBackBound, observer: ChatMessageObserver): Promise<number | 'retry'> {
    let page: readonly ListedChatMessage[];
    try {
      // A millisecond past it: a message written in the same millisecond as the newest one, before it, is listed too.
      page = await (this.readBack as ChatReadBack)(row.org_id, row.connection_id, row.chat_id, new Date(before.at.getTime() + 1), before.threads);
    } catch (error) {
      const tries = (this.readBackFailures.get(row.id) ?? 0) + 1;
      if (refusalReason(error, 'reading the chat back') === null && tries <= READ_BACK_RETRIES) {
        this.readBackFailures.set(row.id, tries);
        if (this.readBackFailures.size > READ_BACK_MEMORY) this.readBackFailures.delete(this.readBackFailures.keys().next().value as string);
        this.logger.warn({ err: error, conversationId: row.chat_id, tries }, 'Teams chat read-back failed for now; its new messages wait and it is read back again');
        return 'retry';
      }
      this.readBackFailures.delete(row.id);
      this.logger.warn({ err: error, conversationId: row.chat_id, tries }, 'Teams chat read-back failed; its new messages are handed over without it');
      return 0;
    }
    this.readBackFailures.delete(row.id);
    // A gap longer than a page (notifications that stopped for a while: a subscription Graph ended, an endpoint Graph
    // throttled) goes on past the first page: while a full page still holds messages Parley never saw, the page
    // before it is read too, up to READ_BACK_PAGES. A page with none ends it: the gap is behind.
    const missing: ListedChatMessage[] = [];
    const listed = new Set<string>();
    for (let pages = 1; ; pages++) {
      const full = page.length >= READ_BACK_TOP;
      const fresh = page.filter((m) => !listed.has(m.id));
      for (const m of fresh) listed.add(m.id);
      const found = await this.unseenOf(row, fresh, before, observer);
      missing.push(...found);
      const oldest = page.at(-1)?.createdDateTime;
      if (found.length === 0 || !full || pages >= READ_BACK_PAGES || !oldest) break;
      try {
        // `lt` is the only operator the filter takes: a millisecond past the oldest, so that a message written in the
        // same millisecond as it is not skipped (the ones already listed are left out above).
        page = await (this.readBack as ChatReadBack)(row.org_id, row.connection_id, row.chat_id, new Date(Date.parse(oldest) + 1), before.threads);
      } catch (error) {
        // What is found so far goes first; catch-up covers what lies further back.
        this.logger.warn({ err: error, conversationId: row.chat_id, pages }, 'Teams chat read-back stopped before the end of a long gap; catch-up covers the rest');
        break;
      }
    }
    if (missing.length === 0) return 0;
    // Oldest first, already past the order window: nothing else is on its way for them.
    // A channel reply goes with its thread's root, as its notification would have.
    const found = [...missing].reverse().map((m) => ({ ...caughtUp(row.org_id, row.connection_id, row.chat_id, m), ...(m.replyToId ? { threadRootId: m.replyToId } : {}) }));
    await this.insert([{ observations: found, receivedAt: new Date(), settledMs: this.settings.orderWindowMs }]);
    this.gapsFound?.inc(missing.length);
    this.logger.info(
      { conversationId: row.chat_id, messageIds: missing.map((m) => m.id), before: before.at.toISOString() },
      'Teams read-back found messages Graph did not notify; they are handed over before the later ones',
    );
    return missing.length;
  }

  /** The messages of a read-back page (newest first) that Parley has neither stored, nor seen, nor posted itself. */
  private async unseenOf(row: InboxRow, page: readonly ListedChatMessage[], before: ReadBackBound, observer: ChatMessageObserver): Promise<ListedChatMessage[]> {
    const written = (m: ListedChatMessage) => Date.parse(m.createdDateTime ?? '');
    // Written before the newest message, or in its millisecond with a smaller id (ids increase within a millisecond).
    const earlier = (m: ListedChatMessage) => written(m) < before.at.getTime() || (written(m) === before.at.getTime() && compareMessageIds(m.id, before.messageId) < 0);
    let candidates = page.filter((m) => (!m.messageType || m.messageType === 'message') && m.from?.user?.id && !m.deletedDateTime && earlier(m));
    const channel = parseTeamsChannelConversationId(row.chat_id);
    if (channel && candidates.length > 0) {
      // What a linked channel said before its link is history, never Parley's to relay (ingest drops it): not a gap.
      const linked = await this.channels.linked(row.connection_id, channel.teamId, channel.channelId);
      candidates = linked ? candidates.filter((m) => written(m) >= linked.linkedAt.getTime()) : [];
    }
    if (candidates.length === 0) return [];
    const ids = candidates.map((m) => m.id);
    const waiting: { message_id: string }[] = await this.dataSource.query(
      'SELECT message_id FROM teams_connector.notification_inbox WHERE chat_id = $1 AND message_id = ANY($2::text[])',
      [row.chat_id, ids],
    );
    const known = new Set(waiting.map((w) => w.message_id));
    const unseen = new Set(await observer.unseen(row.chat_id, ids.filter((id) => !known.has(id))));
    return candidates.filter((m) => unseen.has(m.id));
  }

  private rememberReadBack(rowId: string): void {
    this.readBackDone.add(rowId);
    if (this.readBackDone.size > READ_BACK_MEMORY) this.readBackDone.delete(this.readBackDone.values().next().value as string);
  }

  /**
   * Conversations nobody holds (not this replica, not another: no row of theirs is claimed or held back), the longest
   * waiting first, up to `room` of them (laneClaimSql). Each comes with its rows in the order their messages were written, up to, not
   * including, the first row that has not waited the order window here yet (ADR 0042, 0043): a notification Graph
   * sends late, a retry, holds back what was written after it until it has waited too. At most ROWS_PER_CHAT each.
   */
  async claim(room: number, busy: readonly string[]): Promise<Map<string, InboxRow[]>> {
    const rows = await queryReturning<InboxRow>(
      this.dataSource,
      CLAIM,
      [room, busy, ROWS_PER_CHAT, LEASE_SECONDS, this.orderWindow.current()],
    );
    const lanes = new Map<string, (InboxRow & { version_at: Date })[]>();
    for (const row of rows as (InboxRow & { version_at: Date })[]) lanes.set(row.chat_id, [...(lanes.get(row.chat_id) ?? []), row]);
    for (const lane of lanes.values()) {
      lane.sort((a, b) => new Date(a.version_at).getTime() - new Date(b.version_at).getTime() || byMessageId(a, b) || Number(a.id) - Number(b.id));
      this.planReadBack(lane);
    }
    return lanes;
  }

  /**
   * A chat's lane with a new message Graph notified (or an edit: readsBack) is read back once, before its first such
   * row: up to the newest message the lane brings, so one GET covers every gap among them (ADR 0047). A channel's lane
   * reads back its top-level messages and the threads its new replies are in (ADR 0047, channels amendment).
   */
  private planReadBack(lane: readonly (InboxRow & { version_at: Date })[]): void {
    if (!this.readBack) return;
    const fresh = lane.filter((row) => readsBack(row) && !this.readBackDone.has(row.id));
    const first = fresh[0];
    if (!first) return;
    // The lane is sorted: its last fresh row is the newest message the read-back must reach up to.
    const newest = fresh[fresh.length - 1] as InboxRow & { version_at: Date };
    // Edits alone read back only if one of them is of a message Parley never saw (asked in handle: one query, no GET).
    const editsOnly = fresh.every((row) => row.change_type === 'updated');
    // In a channel, the threads its new replies are in are read back too (a few: the lane brings ROWS_PER_CHAT rows).
    const threads = [...new Set(fresh.flatMap((row) => (row.thread_root_id ? [row.thread_root_id] : [])))];
    this.readBackBefore.set(first.id, {
      at: new Date(newest.version_at),
      messageId: newest.message_id,
      ...(editsOnly ? { ifUnseen: fresh.map((row) => row.message_id) } : {}),
      ...(threads.length > 0 ? { threads } : {}),
    });
    // A planned row another replica handles (after this one stopped, or lost its claim) is never handled here.
    if (this.readBackBefore.size > READ_BACK_MEMORY) this.readBackBefore.delete(this.readBackBefore.keys().next().value as string);
  }

  /** True when the row is done with (handed over, or set aside after maxAttempts); false to try it again later. */
  async handle(row: InboxRow): Promise<boolean> {
    const observer = this.observer();
    if (!observer) return false;
    const before = this.readBackBefore.get(row.id);
    if (before) {
      this.readBackBefore.delete(row.id);
      const needed = !before.ifUnseen || (await observer.unseen(row.chat_id, before.ifUnseen)).length > 0;
      const found = needed ? await this.fillGap(row, before, observer) : 0;
      // Not remembered as read back: the next claim of this chat plans its read-back again (after retrySeconds).
      if (found === 'retry') return false;
      this.rememberReadBack(row.id);
      if (found > 0) {
        // Handed back at once: the next claim of this chat starts with what Graph did not notify.
        this.deferred.add(row.id);
        return false;
      }
    }
    try {
      await observer.observe(observationOf(row));
    } catch (error) {
      const attempts = row.attempts + 1;
      const reason = error instanceof Error ? error.message : String(error);
      const giveUp = attempts >= this.settings.maxAttempts;
      await this.dataSource.query(`UPDATE teams_connector.notification_inbox SET attempts = $2, last_error = $3, failed_at = CASE WHEN $4::boolean THEN now() END WHERE id = $1`, [
        row.id,
        attempts,
        reason.slice(0, 500),
        giveUp,
      ]);
      row.attempts = attempts;
      const where = { conversationId: row.chat_id, messageId: row.message_id, changeType: row.change_type, attempts, err: error };
      if (giveUp) this.logger.error(where, 'Teams notification set aside after its last attempt; its conversation moves on');
      else this.logger.warn(where, 'Teams notification not handed over; its conversation is held back and tried again');
      return giveUp;
    }
    await this.dataSource.query('DELETE FROM teams_connector.notification_inbox WHERE id = $1', [row.id]);
    return true;
  }

  /** Extends this replica's claim on the conversations it is handing over (LaneDrainer.renew). */
  async renew(chats: readonly string[]): Promise<void> {
    await this.dataSource.query(RENEW, [chats, LEASE_SECONDS]);
  }

  async holdBack(row: InboxRow, seconds: number): Promise<void> {
    await this.dataSource.query(`UPDATE teams_connector.notification_inbox SET claimed_until = now() + ($2::int * interval '1 second') WHERE id = $1`, [row.id, seconds]);
  }

  private registerMetrics(registry: Registry): void {
    this.gapsFound = new Counter({
      name: 'parley_teams_notification_gaps_total',
      help: 'Chat messages Graph did not notify, found by reading the chat back before a later message was handed over (ADR 0047).',
      registers: [registry],
    });
    const dataSource = this.dataSource;
    let read: Promise<{ waiting: number; failed: number; oldest: number } | undefined> | undefined;
    // Both gauges come from one query per scrape; a scrape while the database is down leaves them out.
    const figures = () =>
      (read ??= dataSource
        .query(
          `SELECT count(*) FILTER (WHERE failed_at IS NULL)::int AS waiting, count(*) FILTER (WHERE failed_at IS NOT NULL)::int AS failed,
                  COALESCE(EXTRACT(EPOCH FROM now() - min(received_at) FILTER (WHERE failed_at IS NULL)), 0)::float AS oldest
           FROM teams_connector.notification_inbox`,
        )
        .then((rows: { waiting: number; failed: number; oldest: number }[]) => rows[0])
        .catch(() => undefined)
        .finally(() => setImmediate(() => (read = undefined))));
    new Gauge({
      name: 'parley_teams_notification_inbox_rows',
      help: 'Graph change notifications acked and stored but not yet handed to the relay side (waiting), and those set aside after their last attempt (failed).',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        const now = await figures();
        this.reset();
        if (!now) return;
        this.set({ state: 'waiting' }, now.waiting);
        this.set({ state: 'failed' }, now.failed);
      },
    });
    new Gauge({
      name: 'parley_teams_notification_inbox_oldest_age_seconds',
      help: 'Age of the oldest Graph change notification waiting to be handed to the relay side (0 when none waits).',
      registers: [registry],
      async collect() {
        const now = await figures();
        this.reset();
        if (now) this.set(now.oldest);
      },
    });
  }
}

/** A new chat message Graph notified (not a channel's: `{teamId}/{channelId}`; not one catch-up or a read-back found). */
/**
 * A chat's new message Graph notified, or an edit of one: an edit of a message the relay side never saw (its
 * creation's notification lost, or sent while a subscription was quietly gone) stands for the message at its
 * creation's place (orderedAt), so what was written before it must be found first too. A deletion goes at its own time
 * and carries nothing to read back for.
 */
function readsBack(row: InboxRow): boolean {
  if (row.source !== 'notification') return false;
  return row.change_type === 'created' || (row.change_type === 'updated' && !row.message?.deletedDateTime);
}

function byMessageId(a: InboxRow, b: InboxRow): number {
  return compareMessageIds(a.message_id, b.message_id);
}

/** How far back a read-back reaches from: the newest message its lane brings (its time, and its id for a tie). */
interface ReadBackBound {
  readonly at: Date;
  readonly messageId: string;
  /** A lane of edits only: read back only if one of these messages was never seen (an edit standing for its message). */
  readonly ifUnseen?: readonly string[];
  /** A channel's lane: the threads (root ids) its replies are in, read back with the channel's top-level messages. */
  readonly threads?: readonly string[];
}

function observationOf(row: InboxRow): ChatMessageObservation {
  return {
    orgId: row.org_id,
    connectionId: row.connection_id,
    chatId: row.chat_id,
    messageId: row.message_id,
    ...(row.thread_root_id ? { threadRootId: row.thread_root_id } : {}),
    changeType: row.change_type,
    ...(row.message ? { message: row.message } : {}),
    source: row.source,
    eventId: row.event_id,
  };
}
