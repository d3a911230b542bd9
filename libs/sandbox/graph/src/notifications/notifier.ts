import { randomBytes } from 'node:crypto';
import type { Faults } from '../control/faults';
import { type DeliveryRecord, type Inspection, pushBounded } from '../control/inspection';
import type { Subscription } from '../state/model';
import { encryptResourceData, parseEncryptionCertificate } from './encryption';
import { parseResource, purgeExpired } from './subscription-resource';
import type { ValidationTokenSigner } from './validation-token';
import { postToEndpoint } from './webhook-client';

export type ChangeType = 'created' | 'updated' | 'deleted';
export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

/** A change to a chat or channel message, as the handlers and the control API report it. */
export interface MessageChange {
  readonly tenantId: string;
  readonly changeType: ChangeType;
  /** `chats('…')/messages('…')` or `teams('…')/channels('…')/messages('…')[/replies('…')]`. */
  readonly resource: string;
  readonly chatId?: string;
  readonly channel?: { teamId: string; channelId: string };
  readonly messageId: string;
  /** For chat messages: the chat's members (a `/users/{id}/chats/getAllMessages` subscription follows its user). */
  readonly chatMemberIds?: readonly string[];
  /** The chatMessage as GET would return it (the encrypted resource data); built only when a subscription needs it. */
  readonly representation: () => unknown;
}

export interface NotifierOptions {
  /** Deadline for the validation handshake (documented: 10 s). */
  readonly validationTimeoutMs?: number;
  /** Deadline for a delivery (documented: 3 s). */
  readonly deliveryTimeoutMs?: number;
  /** Attempts per notification before giving up; the first retry waits retryBaseMs, doubling (times timeScale). */
  readonly maxAttempts?: number;
  readonly retryBaseMs?: number;
  /** After reauthorizationRequired, notifications keep flowing this long (times timeScale), then pause. */
  readonly reauthorizationGraceMs?: number;
}

/** Finds the subscriptions a change matches and delivers to them, with retries and injected faults. */
export class Notifier {
  private readonly timers = new Set<NodeJS.Timeout>();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly subscriptions: () => Map<string, Subscription>,
    private readonly faults: Faults,
    private readonly inspection: Inspection,
    private readonly timeScale: () => number,
    readonly options: Required<NotifierOptions>,
    private readonly signer: ValidationTokenSigner,
    /** Whether a change notification may go out on this subscription (false once an evaluation-mode cap is reached). */
    private readonly admit: (subscription: Subscription) => boolean = () => true,
  ) {}

  /** The validationToken handshake: true when the endpoint echoes the token as text/plain 200 in time. */
  async validate(url: string): Promise<boolean> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomBytes(16).toString('hex')}`;
    const target = `${url}${url.includes('?') ? '&' : '?'}validationToken=${encodeURIComponent(token)}`;
    const answer = await postToEndpoint(target, '', 'text/plain; charset=utf-8', this.options.validationTimeoutMs);
    const ok = answer.status === 200 && answer.contentType.toLowerCase().startsWith('text/plain') && answer.body === token;
    this.record({ subscriptionId: '', url, kind: 'validation', attempt: 1, status: answer.status, outcome: ok ? 'delivered' : 'failed', at: new Date().toISOString(), body: token });
    return ok;
  }

  publish(change: MessageChange): void {
    const subscriptions = this.subscriptions();
    if (subscriptions.size === 0) return;
    const now = Date.now();
    // Expired subscriptions notify no more and are gone (Graph deletes them).
    purgeExpired(subscriptions, now);
    for (const subscription of subscriptions.values()) {
      if (subscription.tenantId !== change.tenantId) continue;
      if (!subscription.changeTypes.includes(change.changeType) || !matches(subscription, change)) continue;
      if (subscription.pausedAfter !== null && now >= subscription.pausedAfter) {
        // Documented: paused until the app reauthorizes; changes in between are lost (catch up by listing).
        this.record({ subscriptionId: subscription.id, url: subscription.notificationUrl, kind: 'change', attempt: 0, status: 0, outcome: 'paused', at: new Date().toISOString(), body: null });
        continue;
      }
      if (!this.admit(subscription)) {
        // Evaluation mode's monthly cap reached: Graph stops notifying without telling the subscriber.
        this.record({ subscriptionId: subscription.id, url: subscription.notificationUrl, kind: 'change', attempt: 0, status: 0, outcome: 'capped', at: new Date().toISOString(), body: null });
        continue;
      }
      const item: Record<string, unknown> = {
        subscriptionId: subscription.id,
        subscriptionExpirationDateTime: subscription.expirationDateTime,
        changeType: change.changeType,
        resource: change.resource,
        clientState: subscription.clientState,
        tenantId: change.tenantId,
        resourceData: { id: change.messageId, '@odata.type': '#Microsoft.Graph.chatMessage', '@odata.id': change.resource },
      };
      const payload: Record<string, unknown> = { value: [item] };
      if (subscription.includeResourceData && subscription.encryptionCertificate) {
        const certificate = parseEncryptionCertificate(subscription.encryptionCertificate);
        item['encryptedContent'] = encryptResourceData(change.representation(), certificate, subscription.encryptionCertificateId ?? '');
        // Documented: notifications with resource data carry one validation token per app and tenant in the payload.
        payload['validationTokens'] = [this.signer.sign({ tenantId: subscription.tenantId, audience: subscription.clientId })];
      }
      this.send(subscription, subscription.notificationUrl, 'change', payload);
    }
  }

  lifecycle(subscription: Subscription, event: LifecycleEvent): void {
    if (event === 'reauthorizationRequired' && subscription.pausedAfter === null) {
      subscription.pausedAfter = Date.now() + this.options.reauthorizationGraceMs * this.timeScale();
    }
    if (!subscription.lifecycleNotificationUrl) return;
    const item = {
      subscriptionId: subscription.id,
      subscriptionExpirationDateTime: subscription.expirationDateTime,
      tenantId: subscription.tenantId,
      clientState: subscription.clientState,
      lifecycleEvent: event,
    };
    this.send(subscription, subscription.lifecycleNotificationUrl, 'lifecycle', { value: [item] });
  }

  private send(subscription: Subscription, url: string, kind: 'change' | 'lifecycle', payload: unknown): void {
    const settings = this.faults.current;
    if (this.faults.roll(settings.dropNotificationRate)) {
      this.record({ subscriptionId: subscription.id, url, kind, attempt: 0, status: 0, outcome: 'dropped', at: new Date().toISOString(), body: payload });
      return;
    }
    const copies = this.faults.roll(settings.duplicateNotificationRate) ? 2 : 1;
    const delay = this.faults.roll(settings.delayNotificationRate) ? (settings.delayNotificationMs ?? 5000) * this.timeScale() : 0;
    for (let i = 0; i < copies; i++) this.schedule(delay, () => this.attempt(subscription.id, url, kind, payload, 1));
  }

  private schedule(delayMs: number, task: () => Promise<void>): void {
    if (this.stopped) return;
    this.inFlight++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void task().finally(() => {
        this.inFlight--;
        if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }, delayMs);
    this.timers.add(timer);
  }

  private async attempt(subscriptionId: string, url: string, kind: 'change' | 'lifecycle', payload: unknown, attempt: number): Promise<void> {
    const sentAt = new Date().toISOString();
    const answer = await postToEndpoint(url, JSON.stringify(payload), 'application/json; charset=utf-8', this.options.deliveryTimeoutMs);
    const ok = answer.status >= 200 && answer.status < 300;
    const last = attempt >= this.options.maxAttempts;
    this.record({ subscriptionId, url, kind, attempt, status: answer.status, ...(answer.failure ? { failure: answer.failure } : {}), outcome: ok ? 'delivered' : last ? 'gave-up' : 'failed', at: new Date().toISOString(), sentAt, body: payload });
    if (ok || last) return;
    const wait = this.options.retryBaseMs * 2 ** (attempt - 1) * this.timeScale();
    this.schedule(wait, () => this.attempt(subscriptionId, url, kind, payload, attempt + 1));
  }

  private record(entry: DeliveryRecord): void {
    pushBounded(this.inspection.deliveries, entry);
  }

  /** Resolves once no delivery is scheduled or running. */
  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.inFlight = 0;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Cancels pending deliveries but keeps the notifier usable (reset). */
  clear(): void {
    this.stop();
    this.stopped = false;
  }
}

/** Whether a subscription's resource covers a change. */
function matches(subscription: Subscription, change: MessageChange): boolean {
  const { scope } = parseResource(subscription.resource);
  switch (scope.kind) {
    case 'allChats':
      return change.chatId !== undefined;
    case 'allChannels':
      return change.channel !== undefined;
    case 'userChats':
      return change.chatId !== undefined && !!subscription.watchedUserId && (change.chatMemberIds ?? []).includes(subscription.watchedUserId);
    case 'chat':
      return change.chatId === scope.chatId;
    case 'channel':
      return change.channel !== undefined && change.channel.teamId === scope.teamId && change.channel.channelId === scope.channelId;
  }
}
