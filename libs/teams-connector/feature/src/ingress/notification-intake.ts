import { z } from 'zod';
import { BatchedRead } from '@parley/persistence';
import { teamsChannelConversationId } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import { channelMessageOf } from '../channels/channel-resource';
import type { ChatMessageObservation, GraphChatMessageResource } from '../relay/chat-message-observer';
import type { NotificationInbox } from './notification-inbox';
import type { NotificationKeySource } from './notification-key-source';
import { DecryptionError } from './notification-keys';
import type { KnownSubscription, LifecycleEventName, StoredSubscription, SubscriptionStore } from './subscription-store';
import { ValidationTokenError, type ValidationTokenVerifier } from './validation-tokens';

const encryptedContent = z.object({
  data: z.string().min(1),
  dataSignature: z.string().min(1),
  dataKey: z.string().min(1),
  encryptionCertificateId: z.string().min(1),
  encryptionCertificateThumbprint: z.string().optional(),
});
const changeItem = z.object({
  subscriptionId: z.string().min(1),
  clientState: z.string().nullable().optional(),
  changeType: z.enum(['created', 'updated', 'deleted']),
  resource: z.string().min(1),
  tenantId: z.string().min(1),
  resourceData: z.object({ id: z.string().optional() }).passthrough().optional(),
  encryptedContent: encryptedContent.optional(),
});
const lifecycleItem = z.object({
  subscriptionId: z.string().min(1),
  clientState: z.string().nullable().optional(),
  tenantId: z.string().optional(),
  lifecycleEvent: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']),
});
const envelope = z.object({ value: z.array(z.unknown()).min(1), validationTokens: z.array(z.string()).optional() });

/** What the endpoint answers Graph. */
export interface IntakeOutcome {
  readonly status: 202 | 400 | 401 | 503;
  readonly accepted: number;
  readonly refused: number;
  readonly reason?: string;
}

/** `chats('19:…@thread.v2')/messages('1733…')`, also with slashes instead of parentheses. */
const CHAT_MESSAGE = /^\/?chats(?:\('([^']+)'\)|\/([^/]+))\/messages(?:\('([^']+)'\)|\/([^/?]+))$/i;

export function chatMessageOf(resource: string): { chatId: string; messageId: string } | null {
  const match = CHAT_MESSAGE.exec(resource);
  if (!match) return null;
  const chatId = decodeURIComponent((match[1] ?? match[2]) as string);
  const messageId = decodeURIComponent((match[3] ?? match[4]) as string);
  return { chatId, messageId };
}

/** Where a notified message lives: its conversation as the bus names it, and for a channel reply its thread's root. */
interface NotifiedPlace {
  readonly conversationId: string;
  readonly messageId: string;
  readonly threadRootId?: string;
  /** The channel (`{teamId}/{channelId}`) whose subscription alone may notify it; null: the chat subscription. */
  readonly channel: string | null;
}

function placeOf(resource: string): NotifiedPlace | null {
  const chat = chatMessageOf(resource);
  if (chat) return { conversationId: chat.chatId, messageId: chat.messageId, channel: null };
  const channel = channelMessageOf(resource);
  if (!channel) return null;
  const conversationId = teamsChannelConversationId(channel.teamId, channel.channelId);
  return { conversationId, messageId: channel.messageId, channel: conversationId, ...(channel.rootId ? { threadRootId: channel.rootId } : {}) };
}


/** Called when a lifecycle event was recorded, so the replica holding the lease acts on it without waiting for a tick. */
export type LifecycleListener = (subscription: StoredSubscription, event: LifecycleEventName) => void;

/**
 * Verifies a change-notification payload and stores what it says in the NotificationInbox, which hands it to the
 * ChatMessageObserver after the 202 (ADR 0042): every item's clientState
 * against its subscription's (an unknown subscription or a wrong clientState refuses the item), every validation
 * token (one bad token refuses the whole payload: Microsoft's advice), an item with resource data only when a
 * verified token covers its tenant and app, and its resource data decrypted with the certificate it names. A chat
 * message must come through the connection's chat subscription and a channel message (or reply) through that
 * channel's own subscription. Nothing
 * from a refused item is stored. Log lines name the reason and the subscription, never a clientState,
 * token or key.
 */
export class NotificationIntake {
  /**
   * The subscriptions change notifications name, read together for the POSTs that arrive together: Graph sends each
   * notification as its own POST, and a burst would otherwise read the same row once per POST.
   */
  private readonly subscriptions = new BatchedRead<string, KnownSubscription>((ids) => this.store.known(ids));

  constructor(
    private readonly store: SubscriptionStore,
    private readonly keys: NotificationKeySource,
    private readonly tokens: ValidationTokenVerifier,
    private readonly inbox: NotificationInbox,
    private readonly logger: Logger,
    private readonly onLifecycle: LifecycleListener = () => undefined,
  ) {}

  async changes(body: unknown): Promise<IntakeOutcome> {
    const parsed = envelope.safeParse(body);
    if (!parsed.success) return this.refuseAll('malformed payload', 0);
    const items = parsed.data.value;
    const typed = items.map((raw) => changeItem.safeParse(raw));
    const ids = typed.flatMap((t) => (t.success ? [t.data.subscriptionId] : []));
    const known = await this.subscriptions.getAll([...new Set(ids)]);
    const good: { item: z.infer<typeof changeItem>; subscription: StoredSubscription }[] = [];
    let refused = 0;
    for (const t of typed) {
      if (!t.success) {
        refused++;
        this.logger.warn({ reason: 'malformed-item' }, 'Teams notification item refused');
        continue;
      }
      const entry = known.get(t.data.subscriptionId);
      const reason = !entry ? 'unknown-subscription' : !entry.matches(t.data.clientState) ? 'client-state-mismatch' : entry.subscription.tenantId !== t.data.tenantId ? 'wrong-tenant' : null;
      if (reason || !entry) {
        refused++;
        this.logger.warn({ reason, subscriptionId: t.data.subscriptionId }, 'Teams notification item refused');
        continue;
      }
      good.push({ item: t.data, subscription: entry.subscription });
    }
    if (good.length === 0) return this.refuseAll('no acceptable item', refused);

    // Validation tokens: each must verify; together they must cover every (tenant, app) whose items carry resource data.
    const needsToken = good.filter((g) => g.item.encryptedContent).map((g) => g.subscription);
    if (needsToken.length > 0 && (parsed.data.validationTokens ?? []).length === 0) return this.refuseAll('resource data without validation tokens', items.length, 401);
    const checked = await this.verifyTokens(parsed.data.validationTokens ?? [], needsToken);
    if (typeof checked === 'string') return this.refuseAll(checked, items.length, 401);
    const covered = checked;

    const observations: ChatMessageObservation[] = [];
    for (const { item, subscription } of good) {
      const place = placeOf(item.resource);
      // A chat message comes through the chat subscription, a channel's through that channel's own subscription.
      const reason = !place ? 'not-a-message' : place.channel !== subscription.channel ? 'not-this-subscriptions-resource' : null;
      if (!place || reason) {
        refused++;
        this.logger.warn({ reason, subscriptionId: subscription.subscriptionId }, 'Teams notification item refused');
        continue;
      }
      let message: GraphChatMessageResource | undefined;
      if (item.encryptedContent) {
        if (!covered.has(`${subscription.tenantId}|${subscription.clientId}`)) {
          refused++;
          this.logger.warn({ reason: 'no-validation-token', subscriptionId: subscription.subscriptionId }, 'Teams notification item refused');
          continue;
        }
        try {
          message = (await this.keys.decrypt(subscription.orgId, subscription.connectionId, item.encryptedContent)) as GraphChatMessageResource;
        } catch (error) {
          refused++;
          const reason = error instanceof DecryptionError ? error.reason : 'decrypt-failed';
          this.logger.warn({ reason, subscriptionId: subscription.subscriptionId, certificateId: item.encryptedContent.encryptionCertificateId }, 'Teams notification item refused');
          continue;
        }
        if (!message || typeof message !== 'object' || message.id !== place.messageId) {
          refused++;
          this.logger.warn({ reason: 'resource-data-mismatch', subscriptionId: subscription.subscriptionId }, 'Teams notification item refused');
          continue;
        }
      } else if (item.changeType !== 'deleted') {
        // Parley subscribes with resource data; a created/updated item without it did not come from our subscription.
        refused++;
        this.logger.warn({ reason: 'missing-resource-data', subscriptionId: subscription.subscriptionId }, 'Teams notification item refused');
        continue;
      }
      const version = message?.lastModifiedDateTime ?? message?.lastEditedDateTime ?? message?.createdDateTime ?? '';
      observations.push({
        orgId: subscription.orgId,
        connectionId: subscription.connectionId,
        chatId: place.conversationId,
        messageId: place.messageId,
        ...(place.threadRootId ? { threadRootId: place.threadRootId } : {}),
        changeType: item.changeType,
        ...(message ? { message } : {}),
        source: 'notification',
        eventId: `${subscription.subscriptionId}:${place.messageId}:${item.changeType}:${version}`,
      });
    }
    if (observations.length === 0) return this.refuseAll('no acceptable item', refused);
    if (!this.inbox.canHandOver) {
      // Graph retries for hours, and catch-up covers what it gives up on: nothing is lost by refusing for now.
      this.logger.error({ items: observations.length }, 'Teams notifications arrived but no ChatMessageObserver is wired; answering 503');
      return { status: 503, accepted: 0, refused, reason: 'no observer' };
    }
    try {
      // Stored before the ack: once Graph has its 202 the notification is durable; what the relay side does with it
      // (which may wait for an echo, or for Graph) no longer counts against Graph's 3 seconds.
      await this.inbox.accept(observations);
    } catch (error) {
      this.logger.warn({ err: error }, 'Teams notifications could not be stored; answering 503 so Graph sends them again');
      return { status: 503, accepted: 0, refused, reason: 'not stored' };
    }
    return { status: 202, accepted: observations.length, refused };
  }

  async lifecycle(body: unknown): Promise<IntakeOutcome> {
    const parsed = envelope.safeParse(body);
    if (!parsed.success) return this.refuseAll('malformed lifecycle payload', 0);
    const typed = parsed.data.value.map((raw) => lifecycleItem.safeParse(raw));
    const known = await this.store.known([...new Set(typed.flatMap((t) => (t.success ? [t.data.subscriptionId] : [])))]);
    // Lifecycle notifications of subscriptions with resource data may carry validation tokens: when they do, they must verify.
    const tokens = parsed.data.validationTokens ?? [];
    if (tokens.length > 0) {
      const checked = await this.verifyTokens(tokens, [...known.values()].map((k) => k.subscription));
      if (typeof checked === 'string') return this.refuseAll(checked, typed.length, 401);
    }
    let accepted = 0;
    let refused = 0;
    for (const t of typed) {
      const entry = t.success ? known.get(t.data.subscriptionId) : undefined;
      if (!t.success || !entry || !entry.matches(t.data.clientState)) {
        refused++;
        this.logger.warn({ reason: !t.success ? 'malformed-item' : !entry ? 'unknown-subscription' : 'client-state-mismatch', subscriptionId: t.success ? t.data.subscriptionId : undefined }, 'Teams lifecycle notification refused');
        continue;
      }
      accepted++;
      await this.store.markEvent(entry.subscription.subscriptionId, t.data.lifecycleEvent);
      this.logger.info({ subscriptionId: entry.subscription.subscriptionId, connectionId: entry.subscription.connectionId, event: t.data.lifecycleEvent }, 'Teams lifecycle event recorded');
      this.onLifecycle(entry.subscription, t.data.lifecycleEvent);
    }
    if (accepted === 0) return this.refuseAll('no acceptable lifecycle item', refused);
    return { status: 202, accepted, refused };
  }

  /**
   * Verifies every token against the subscription of its tenant; answers the (tenant|app) pairs they cover, or why
   * one was refused (then the whole payload is refused: Microsoft's advice).
   */
  private async verifyTokens(tokens: readonly string[], subscriptions: readonly StoredSubscription[]): Promise<Set<string> | string> {
    const covered = new Set<string>();
    for (const token of tokens) {
      const tid = unverifiedTenant(token);
      const expectation = subscriptions.find((s) => s.tenantId === tid);
      if (!expectation) return 'validation token for a tenant with no item';
      try {
        await this.tokens.verify(token, { tenantId: expectation.tenantId, audience: expectation.clientId, authorityUrl: expectation.authorityUrl });
      } catch (error) {
        return `validation token refused: ${error instanceof ValidationTokenError ? error.reason : 'verification failed'}`;
      }
      covered.add(`${expectation.tenantId}|${expectation.clientId}`);
    }
    return covered;
  }

  private refuseAll(reason: string, refused: number, status: 400 | 401 = 400): IntakeOutcome {
    this.logger.warn({ reason, refused }, 'Teams notification payload refused');
    return { status, accepted: 0, refused, reason };
  }
}

/** The `tid` claim, unverified: only to pick which subscription's expectations the token is then verified against. */
function unverifiedTenant(token: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { tid?: unknown };
    return typeof claims.tid === 'string' ? claims.tid : undefined;
  } catch {
    return undefined;
  }
}
