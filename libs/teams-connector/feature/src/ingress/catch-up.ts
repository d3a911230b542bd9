import type { Logger } from '@parley/observability';
import type { GraphAccess, GraphApi } from '@parley/teams-connector-graph-access';
import type { ChatMessageObservation, ChatMessageObserver, GraphChatMessageResource } from '../relay/chat-message-observer';
import type { TeamsIngressConfig } from './ingress-config';
import type { SubscriptionStore } from './subscription-store';

interface ListedMessage extends GraphChatMessageResource {
  readonly id: string;
  readonly lastModifiedDateTime?: string | null;
}

/**
 * Teams sends no `missed` event for chat messages, so after a gap (start, a new subscription, paused notifications)
 * and every catchUpIntervalMs, a connection's chats are listed for what changed after its watermark: every chat of
 * every user of the tenant (`/users/{id}/chats`), then each chat's messages with the documented filter
 * (`$orderby=lastModifiedDateTime desc&$filter=lastModifiedDateTime gt … and lastModifiedDateTime lt …`). They go to
 * the notification inbox oldest first (ADR 0043: they are handed over with the notifications, each conversation in
 * the order its messages were written); the watermark moves only past what the inbox stored, so nothing is skipped
 * (the relay side dedupes what a notification already brought). ADR 0022.
 */
export class CatchUp {
  constructor(
    private readonly config: TeamsIngressConfig,
    private readonly store: SubscriptionStore,
    private readonly graph: GraphAccess,
    private readonly observer: () => Pick<ChatMessageObserver, 'observe'> | null,
    private readonly logger: Logger,
  ) {}

  /** One catch-up of one connection; answers how many messages went to the observer. */
  async run(orgId: string, connectionId: string, connectedAt?: Date): Promise<number> {
    let mark = await this.store.watermark(connectionId);
    const upper = new Date(Date.now() - this.config.catchUpLagMs);
    if (!mark) {
      // What people said before the tenant was connected is not Parley's to relay; what they said after it is, even
      // before the first subscription existed (it is made at the connector's next look at its connections, and a
      // conversation can start in between). Without a connection time, the watermark starts here.
      await this.store.advance(orgId, connectionId, connectedAt && connectedAt.getTime() < upper.getTime() ? connectedAt : upper);
      mark = await this.store.watermark(connectionId);
      if (!mark) return 0;
    }
    if (upper.getTime() <= mark.watermark.getTime()) return 0;
    const observer = this.observer();
    if (!observer) {
      this.logger.error({ connectionId }, 'Teams catch-up has no ChatMessageObserver wired; the watermark stays');
      return 0;
    }
    const app = (await this.graph.forConnection(orgId, connectionId)).app('customer');
    const changed = await this.changedSince(app, mark.watermark, upper);
    changed.sort((a, b) => at(a.message) - at(b.message) || Number(a.message.id) - Number(b.message.id));
    let observed = 0;
    for (const { chatId, message } of changed) {
      const observation = caughtUp(orgId, connectionId, chatId, message);
      try {
        await observer.observe(observation);
      } catch (error) {
        // Everything strictly older than this message was accepted: the next run starts just before it.
        await this.store.advance(orgId, connectionId, new Date(Math.max(mark.watermark.getTime(), at(message) - 1)));
        this.logger.warn({ err: error, connectionId, chatId, messageId: message.id, observed }, 'ChatMessageObserver refused a caught-up message; catch-up resumes from it');
        throw error;
      }
      observed++;
    }
    // `lt upper` excluded upper itself: the next run lists from just before it.
    await this.store.advance(orgId, connectionId, new Date(upper.getTime() - 1));
    this.logger.info({ connectionId, observed, from: mark.watermark.toISOString(), to: upper.toISOString() }, 'Teams catch-up done');
    return observed;
  }

  private async changedSince(app: GraphApi, after: Date, before: Date): Promise<{ chatId: string; message: ListedMessage }[]> {
    const chats = new Set<string>();
    for await (const page of app.pages<{ id: string }>('/users?$select=id&$top=999')) {
      for (const user of page.value) {
        for await (const chatPage of app.pages<{ id: string }>(`/users/${encodeURIComponent(user.id)}/chats`)) {
          for (const chat of chatPage.value) chats.add(chat.id);
        }
      }
    }
    const filter = encodeURIComponent(`lastModifiedDateTime gt ${after.toISOString()} and lastModifiedDateTime lt ${before.toISOString()}`);
    const found: { chatId: string; message: ListedMessage }[] = [];
    for (const chatId of chats) {
      const path = `/chats/${encodeURIComponent(chatId)}/messages?$top=50&$orderby=${encodeURIComponent('lastModifiedDateTime desc')}&$filter=${filter}`;
      for await (const page of app.pages<ListedMessage>(path)) {
        for (const message of page.value) found.push({ chatId, message });
      }
    }
    return found;
  }
}

/**
 * A chat message Parley found by listing rather than by a notification (catch-up, or the inbox's read-back: ADR 0047):
 * the same change always gets the same event id, so whichever finds it first, the other is the same inbox row.
 */
export function caughtUp(orgId: string, connectionId: string, chatId: string, message: ListedMessage): ChatMessageObservation {
  return {
    orgId,
    connectionId,
    chatId,
    messageId: message.id,
    changeType: message.lastModifiedDateTime && message.createdDateTime && message.lastModifiedDateTime !== message.createdDateTime ? 'updated' : 'created',
    message,
    source: 'catch-up',
    eventId: `catch-up:${chatId}:${message.id}:${message.lastModifiedDateTime ?? ''}`,
  };
}

function at(message: ListedMessage): number {
  return Date.parse(message.lastModifiedDateTime ?? message.createdDateTime ?? '') || 0;
}
