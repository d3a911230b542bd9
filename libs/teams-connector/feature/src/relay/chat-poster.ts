import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@parley/observability';
import { GraphRequestError, retryDelayMs, type GraphApi, type RetrySettings } from '@parley/teams-connector-graph-access';
import { contentHash } from './content';
import type { InFlightPosts } from './in-flight-posts';
import { messagesPath, type MessagePlace } from './message-place';
import type { PostRow, RelayStore } from './relay-store';

/** A new chat or channel message, in Graph's shape. */
export interface ChatPost {
  readonly deliveryId: string;
  /** Which post of the delivery: `message`, `fallback:<recipient>`, `fallback:channel`, `notice`. */
  readonly slot: string;
  /** The chat, or the channel (under a thread's root for a reply); the post is recorded under its conversation id. */
  readonly place: MessagePlace;
  /** Who the token speaks as (Entra object id): how the post is recognised when the chat is read back. */
  readonly senderUserId: string;
  readonly body: { readonly contentType: 'html' | 'text'; readonly content: string };
  readonly mentions?: readonly unknown[];
  /** The message this one quotes (replyWithQuote, chats only: a channel reply goes under its root instead). */
  readonly quoteId?: string;
  /** Inline images and files by reference (a delivery with files); their tags are in the body already. */
  readonly hostedContents?: readonly unknown[];
  readonly attachments?: readonly unknown[];
}

/** How many attempts with an unknown outcome (no answer, 5xx) before the bus takes over (it retries later). */
const MAX_UNKNOWN_ATTEMPTS = 4;
/** How many 429s in a row this loop waits out before handing the delivery back to the bus (which retries it). */
const MAX_THROTTLED_ATTEMPTS = 30;
/** A read-back looks this far before the first attempt (Graph's clock against ours). */
const CLOCK_SKEW_MS = 60_000;
/** Pages of the chat (channel, thread) read back at most (newest first, 50 a page). */
const READ_BACK_PAGES = 4;

/**
 * Posts one message at most once (ADR 0023), in a chat or a channel (ADR 0036). Every attempt is recorded before it
 * goes out and its answer after; an attempt whose outcome stayed unknown (no answer, a 5xx, a crash between the two)
 * is reconciled before any retry by reading the place back (the chat, the channel's top-level messages, or the root's
 * replies): a message from the same sender, created since the first attempt, with the same text, not already known
 * as another post, is the one posted. A 429 waits Retry-After (a longer wait than this process holds a
 * lane for goes back to the bus) and is never dropped. The POST is paced before the attempt is recorded and sent
 * with no in-process retry, so nothing is sent twice behind this loop's back.
 */
export class ChatPoster {
  constructor(
    private readonly store: RelayStore,
    private readonly inFlight: InFlightPosts,
    private readonly retry: RetrySettings,
    private readonly logger: Logger,
  ) {}

  /**
   * `send` must be a GraphApi that does not retry (maxAttempts 1) as the sender; `read` may retry (reads are safe).
   * Answers the message id.
   */
  async post(send: GraphApi, read: GraphApi, post: ChatPost): Promise<string> {
    const conversationId = post.place.conversationId;
    let row = await this.store.preparePost(post.deliveryId, post.slot, conversationId, post.senderUserId, contentHash(post.body.content, post.deliveryId));
    let unknown = 0;
    for (let throttled = 1; ; ) {
      if (row.messageId) return row.messageId;
      if (row.inFlightSince) {
        const found = await this.readBack(read, post.place, row);
        if (found) {
          this.logger.info({ deliveryId: post.deliveryId, slot: post.slot, messageId: found }, 'earlier post attempt found in the chat; not posting again');
          await this.store.recordPosted(post.deliveryId, post.slot, found);
          return found;
        }
      }
      const quoteId = post.place.kind === 'chat' ? post.quoteId : undefined;
      const path = `${messagesPath(post.place)}${quoteId ? '/replyWithQuote' : ''}`;
      const message = {
        body: post.body,
        ...(post.mentions && post.mentions.length > 0 ? { mentions: post.mentions } : {}),
        ...(post.hostedContents && post.hostedContents.length > 0 ? { hostedContents: post.hostedContents } : {}),
        ...(post.attachments && post.attachments.length > 0 ? { attachments: post.attachments } : {}),
      };
      const body = quoteId ? { messageIds: [quoteId], replyMessage: message } : message;
      const grant = await send.acquire('POST', path);
      await this.store.beginAttempt(post.deliveryId, post.slot);
      try {
        const answer = await this.inFlight.track(conversationId, post.senderUserId, async () => {
          const response = await send.request<{ id?: string }>('POST', path, { body, prepaced: grant });
          if (!response.body.id) throw new GraphRequestError(502, null, 'the answer has no message id', `POST ${path}`);
          await this.store.recordPosted(post.deliveryId, post.slot, response.body.id);
          return response.body.id;
        });
        return answer;
      } catch (error) {
        if (!(error instanceof GraphRequestError)) throw error;
        if (knownNotPosted(error)) {
          await this.store.attemptRefused(post.deliveryId, post.slot);
          if (error.status !== 429) throw error;
          const wait = retryDelayMs({ retryAfter: error.header('retry-after'), attempt: throttled++, timeScale: this.retry.timeScale, now: Date.now() });
          if (wait > this.retry.maxWaitMs || throttled > MAX_THROTTLED_ATTEMPTS) throw error;
          this.logger.info({ deliveryId: post.deliveryId, conversationId, waitMs: wait }, 'post throttled; waiting Retry-After');
          await sleep(wait);
        } else {
          unknown++;
          this.logger.warn({ deliveryId: post.deliveryId, conversationId, status: error.status, unknown }, 'post outcome unknown; reading the place back before any retry');
          if (unknown >= MAX_UNKNOWN_ATTEMPTS) throw error;
          await sleep(retryDelayMs({ retryAfter: error.header('retry-after'), attempt: unknown, timeScale: this.retry.timeScale, now: Date.now() }));
        }
        row = (await this.store.post(post.deliveryId, post.slot)) as PostRow;
      }
    }
  }

  /**
   * The message an earlier attempt posted, if the place shows it. Chats list by last change, channels by creation,
   * newest first in both: a page ending before the first attempt ends the search.
   */
  private async readBack(read: GraphApi, place: MessagePlace, row: PostRow): Promise<string | null> {
    const since = (row.firstAttemptAt ?? row.inFlightSince ?? new Date()).getTime() - CLOCK_SKEW_MS;
    let pages = 0;
    for await (const page of read.pages<ListedMessage>(`${messagesPath(place)}?$top=50`)) {
      for (const message of page.value) {
        if (message.from?.user?.id !== row.senderUserId || message.deletedDateTime) continue;
        if (Date.parse(message.createdDateTime ?? '') < since) continue;
        if (contentHash(message.body?.content ?? '', row.deliveryId) !== row.contentHash) continue;
        if (await this.store.isOwnMessage(row.chatId, message.id)) continue; // another delivery with the same text
        return message.id;
      }
      const oldest = page.value.at(-1)?.lastModifiedDateTime;
      if (++pages >= READ_BACK_PAGES || (oldest && Date.parse(oldest) < since)) break;
    }
    return null;
  }
}

interface ListedMessage {
  readonly id: string;
  readonly createdDateTime?: string | null;
  readonly lastModifiedDateTime?: string | null;
  readonly deletedDateTime?: string | null;
  readonly from?: { readonly user?: { readonly id?: string | null } | null } | null;
  readonly body?: { readonly content?: string | null } | null;
}

/** Graph answered and the answer says nothing was posted: any 4xx but a timeout. No answer, 408 and 5xx may have posted. */
export function knownNotPosted(error: GraphRequestError): boolean {
  return error.status >= 400 && error.status < 500 && error.status !== 408;
}
