import { randomBytes, randomUUID } from 'node:crypto';
import { internalRoutes, type TeamsSettings } from '@parley/internal-api';
import type { Logger } from '@parley/observability';
import type { InternalApiAccess } from '@parley/service-runtime';
import { GraphRequestError, type GraphAccess, type GraphApi } from '@parley/teams-connector-graph-access';
import type { ChannelCatchUp } from '../channels/channel-catch-up';
import { channelMessagesResource } from '../channels/channel-resource';
import type { LinkedChannel, LinkedChannels } from '../channels/linked-channels';
import type { CatchUp } from './catch-up';
import type { TeamsIngressConfig } from './ingress-config';
import type { NotificationKeySource } from './notification-key-source';
import { TEAMS_LIFECYCLE_PATH, TEAMS_NOTIFICATION_PATH } from './notification.controller';
import type { StoredSubscription, SubscriptionStore } from './subscription-store';

/** Graph keeps retrying a notification for up to 4 hours: a retired subscription's clientState is kept that long. */
const IN_FLIGHT_GRACE_MS = 4 * 60 * 60_000;

export type PaymentModel = 'A' | 'B' | 'evaluation';

/** `/chats/getAllMessages` with the connection's payment model (`evaluation`: none, Graph's 500-a-month trial). */
export function chatsResource(model: PaymentModel): string {
  return model === 'evaluation' ? '/chats/getAllMessages' : `/chats/getAllMessages?model=${model}`;
}

interface TeamsConnection {
  readonly orgId: string;
  readonly connectionId: string;
  readonly settings: TeamsSettings;
  /** When the admin connected the tenant: what people said from then on is Parley's to relay. */
  readonly connectedAt: Date;
}

interface CreatedSubscription {
  id: string;
  expirationDateTime: string;
}

/** What one subscription watches: the connection's chats (tenant-wide), or one linked channel. */
interface Watch {
  readonly resource: string;
  readonly channel: LinkedChannel | null;
}

/** Parley's own cap on subscriptions in a tenant (PARLEY_TEAMS_SUBSCRIPTION_QUOTA, at most Graph's 10,000) is reached. */
export class SubscriptionQuotaError extends Error {
  constructor(
    readonly tenantId: string,
    readonly quota: number,
  ) {
    super(`Parley holds ${quota} subscriptions in tenant ${tenantId} already, its quota (Graph allows 10,000 per organization); unlink channels or raise PARLEY_TEAMS_SUBSCRIPTION_QUOTA`);
    this.name = 'SubscriptionQuotaError';
  }
}

/**
 * Keeps one tenant-wide chat-message subscription per Teams connection, and one per channel linked to it
 * (`/teams/{t}/channels/{c}/messages`, deleted when the channel is unlinked): creates each (with resource data encrypted
 * under Parley's active certificate, the connection's payment model and a fresh clientState), renews it well before
 * it expires, reauthorizes it on `reauthorizationRequired`, and makes a new one when Graph removed it, when renewing
 * fails, when the payment model or the active certificate changed, or when it expired. Only the replica holding a
 * connection's lease (teams_connector.subscription_leases) acts on it; every gap (start, a new subscription, paused
 * notifications) and a fixed interval trigger the connection's catch-up.
 */
export class SubscriptionManager {
  readonly holder = `teams-connector-${randomUUID()}`;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  /** Connections whose next catch-up is due whatever the interval says (a gap was seen). */
  private readonly gaps = new Set<string>();
  /** Connections this replica has not caught up since it took their lease: a start is a gap. */
  private readonly seen = new Set<string>();
  /** When each subscription was last read back from Graph (verifyStillThere). */
  private readonly verifiedAt = new Map<string, number>();

  constructor(
    private readonly config: TeamsIngressConfig,
    private readonly store: SubscriptionStore,
    private readonly keys: NotificationKeySource,
    private readonly graph: GraphAccess,
    private readonly internalApi: InternalApiAccess,
    private readonly catchUp: CatchUp,
    private readonly logger: Logger,
    private readonly channels: LinkedChannels,
    private readonly channelCatchUp: ChannelCatchUp,
  ) {}

  start(): void {
    if (!this.config.publicBaseUrl) {
      this.logger.warn({ publicUrl: false }, 'Teams subscriptions are off: PARLEY_TEAMS_PUBLIC_URL is needed');
      return;
    }
    this.timer = setInterval(() => this.poke(), this.config.tickMs);
    this.timer.unref();
    // The first pass waits a moment: Graph validates the endpoint on creation, and this process must be listening.
    setTimeout(() => this.poke(), Math.min(1_000, this.config.tickMs)).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    await this.store.release(this.holder).catch(() => undefined);
  }

  /** Runs a pass now (or right after the running one): a lifecycle event arrived, or a test wants one. */
  poke(): void {
    if (this.stopped || !this.config.publicBaseUrl) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'Teams subscription pass failed; trying again next tick'))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.poke();
        }
      });
  }

  /** Resolves once no pass is running (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** One look at every Teams connection this replica can lease. */
  async pass(): Promise<void> {
    const { items } = await this.internalApi.send(internalRoutes.identity.platformConnections, { query: { platform: 'teams' } });
    const forgotten = await this.store.forgetConnectionsExcept(items.map((item) => item.id));
    await this.channels.forgetConnectionsExcept(items.map((item) => item.id));
    if (forgotten > 0) this.logger.info({ subscriptions: forgotten }, 'Teams subscriptions of deleted connections forgotten; their notifications are refused');
    for (const item of items) {
      if (this.stopped) return;
      if (item.settings.platform !== 'teams') continue;
      const connection = { orgId: item.orgId, connectionId: item.id, settings: item.settings, connectedAt: new Date(item.createdAt) };
      if (!(await this.store.lease(connection.connectionId, this.holder, this.config.leaseTtlMs))) {
        this.seen.delete(connection.connectionId);
        continue;
      }
      if (!this.seen.has(connection.connectionId)) {
        this.seen.add(connection.connectionId);
        this.gaps.add(connection.connectionId);
      }
      try {
        await this.maintain(connection);
      } catch (error) {
        this.logger.warn({ err: error, connectionId: connection.connectionId }, 'Teams subscription upkeep failed for a connection');
      }
      try {
        await this.catchUpIfDue(connection);
      } catch (error) {
        this.logger.warn({ err: error, connectionId: connection.connectionId }, 'Teams catch-up failed for a connection; the watermark stays');
      }
    }
    await this.store.forgetRetired(IN_FLIGHT_GRACE_MS);
  }

  private async maintain(connection: TeamsConnection): Promise<void> {
    const app = (await this.graph.forConnection(connection.orgId, connection.connectionId)).app('customer');
    // The connection's key, made or rotated here (the lease holder); keys still named by a subscription are kept.
    const active = await this.keys.active(connection.orgId, connection.connectionId, await this.store.certificatesInUse(connection.connectionId));
    let failed: unknown = null;
    try {
      await this.keep(connection, app, active, { resource: chatsResource(connection.settings.paymentModel ?? 'B'), channel: null });
    } catch (error) {
      failed = error;
    }
    // A failing chat subscription does not hold back the channels' (nor they it).
    await this.maintainChannels(connection, app, active);
    if (failed) throw failed;
  }

  /**
   * One subscription per linked channel; an unlinked channel's is deleted (its row stays, retired, for notifications
   * in flight, which ingest then drops). A channel Graph refuses (the quota, a channel gone) is logged and recorded
   * with the reason, and the others carry on; it is tried again on the next pass.
   */
  private async maintainChannels(connection: TeamsConnection, app: GraphApi, active: { id: string; certificate: string }): Promise<void> {
    const linked = await this.channels.ofConnection(connection.connectionId);
    const wanted = new Set(linked.map((c) => c.conversationId));
    for (const subscription of await this.store.currentOfChannels(connection.connectionId)) {
      if (subscription.channel && wanted.has(subscription.channel)) continue;
      try {
        await this.deleteQuietly(app, subscription.subscriptionId);
        await this.store.retire(subscription.subscriptionId);
        this.verifiedAt.delete(subscription.subscriptionId);
        this.logger.info({ connectionId: connection.connectionId, subscriptionId: subscription.subscriptionId, channel: subscription.channel }, 'Teams channel unlinked: its subscription deleted');
      } catch (error) {
        // Still current here, so the next pass deletes it again; until then ingest drops what it brings (not linked).
        this.logger.warn({ err: error, connectionId: connection.connectionId, subscriptionId: subscription.subscriptionId }, 'Teams subscription of an unlinked channel could not be deleted; trying again next pass');
      }
    }
    for (const channel of linked) {
      if (this.stopped) return;
      try {
        await this.keep(connection, app, active, { resource: channelMessagesResource(channel.teamId, channel.channelId), channel });
        if (channel.refusal) await this.channels.refused(connection.connectionId, channel.teamId, channel.channelId, null);
      } catch (error) {
        const refusal = subscriptionRefusal(error);
        if (refusal) await this.channels.refused(connection.connectionId, channel.teamId, channel.channelId, refusal);
        // Said once as a warning; the same refusal on every later pass is no news.
        const level = refusal !== null && refusal === channel.refusal ? 'debug' : 'warn';
        this.logger[level]({ err: error, connectionId: connection.connectionId, channel: channel.conversationId, refusal }, 'Teams channel subscription could not be made or kept; trying again next pass');
      }
    }
  }

  /** Creates, renews, reauthorizes or replaces the subscription of one watch. */
  private async keep(connection: TeamsConnection, app: GraphApi, active: { id: string; certificate: string }, watch: Watch): Promise<void> {
    const { resource } = watch;
    const current = await this.store.current(connection.connectionId, watch.channel?.conversationId ?? null);
    const now = Date.now();
    if (!current) return this.create(connection, app, watch, active, null, 'none yet');
    if (current.pendingEvent === 'subscriptionRemoved') return this.create(connection, app, watch, active, current, 'Graph removed it');
    if (current.expiresAt.getTime() <= now) return this.create(connection, app, watch, active, current, 'it expired');
    if (current.resource !== resource) return this.create(connection, app, watch, active, current, 'the payment model changed');
    if (current.certificateId !== active.id) return this.create(connection, app, watch, active, current, 'the notification certificate rotated');
    if (current.pendingEvent === 'missed') {
      this.gaps.add(connection.connectionId);
      await this.store.clearEvent(current.subscriptionId, 'missed');
    }
    if (current.pendingEvent === 'reauthorizationRequired') {
      try {
        await app.request('POST', `/subscriptions/${encodeURIComponent(current.subscriptionId)}/reauthorize`);
        await this.store.clearEvent(current.subscriptionId, 'reauthorizationRequired');
        // Notifications may have paused before the reauthorization: list what they would have said.
        this.gaps.add(connection.connectionId);
        this.logger.info({ connectionId: connection.connectionId, subscriptionId: current.subscriptionId }, 'Teams subscription reauthorized');
      } catch (error) {
        this.logger.warn({ err: error, connectionId: connection.connectionId, subscriptionId: current.subscriptionId }, 'Teams subscription reauthorization failed; making a new one');
        return this.create(connection, app, watch, active, current, 'reauthorization failed');
      }
    }
    if (!(await this.verifyStillThere(app, current.subscriptionId, now))) return this.create(connection, app, watch, active, current, 'Graph no longer has it');
    if (current.expiresAt.getTime() - now < this.config.renewBeforeMs) {
      try {
        const renewed = await app.patch<CreatedSubscription>(`/subscriptions/${encodeURIComponent(current.subscriptionId)}`, { expirationDateTime: this.expiry() });
        await this.store.renewed(current.subscriptionId, new Date(renewed.expirationDateTime));
        this.logger.info({ connectionId: connection.connectionId, subscriptionId: current.subscriptionId, expiresAt: renewed.expirationDateTime }, 'Teams subscription renewed');
      } catch (error) {
        this.logger.warn({ err: error, connectionId: connection.connectionId, subscriptionId: current.subscriptionId }, 'Teams subscription renewal failed; making a new one');
        return this.create(connection, app, watch, active, current, 'renewal failed');
      }
    }
  }

  /**
   * Whether Graph still has the subscription, read back once a tick at most. Graph can end a subscription before the
   * expiry Parley recorded (it expired while renewals failed, an admin or a tenant policy removed it) and may send no
   * lifecycle event for it: notifications just stop. Trusting the record, the connector would leave it to catch-up
   * until the next renewal, a day or more away. False only on 404 or an expiry already past; any other failure says
   * nothing about it (the next tick reads again).
   */
  private async verifyStillThere(app: GraphApi, subscriptionId: string, now: number): Promise<boolean> {
    if (now - (this.verifiedAt.get(subscriptionId) ?? 0) < this.config.tickMs) return true;
    try {
      const read = await app.get<CreatedSubscription>(`/subscriptions/${encodeURIComponent(subscriptionId)}`);
      this.verifiedAt.set(subscriptionId, now);
      return Date.parse(read.expirationDateTime) > now;
    } catch (error) {
      if (error instanceof GraphRequestError && error.status === 404) {
        this.verifiedAt.delete(subscriptionId);
        return false;
      }
      this.logger.debug({ err: error, subscriptionId }, 'could not read the Teams subscription back; reading it again next tick');
      return true;
    }
  }

  private expiry(): string {
    return new Date(Date.now() + this.config.subscriptionLifetimeMs).toISOString();
  }

  private async create(
    connection: TeamsConnection,
    app: GraphApi,
    watch: Watch,
    active: { id: string; certificate: string },
    previous: StoredSubscription | null,
    why: string,
  ): Promise<void> {
    if (!this.config.publicBaseUrl) return;
    const { resource } = watch;
    // A replacement frees its predecessor's place; a new one needs room under the quota (Graph would answer 403).
    if (!previous && (await this.store.liveInTenant(connection.settings.tenantId)) >= this.config.subscriptionQuota) {
      throw new SubscriptionQuotaError(connection.settings.tenantId, this.config.subscriptionQuota);
    }
    const clientState = randomBytes(32).toString('base64url');
    const body = {
      changeType: 'created,updated,deleted',
      notificationUrl: `${this.config.publicBaseUrl}${TEAMS_NOTIFICATION_PATH}`,
      lifecycleNotificationUrl: `${this.config.publicBaseUrl}${TEAMS_LIFECYCLE_PATH}`,
      resource,
      expirationDateTime: this.expiry(),
      clientState,
      includeResourceData: true,
      encryptionCertificate: active.certificate,
      encryptionCertificateId: active.id,
    };
    // The old subscription goes first: Graph allows one per app and resource (409 otherwise). Its notifications still
    // in flight are accepted (its row stays, retired) and catch-up covers the moment between the two.
    if (previous) {
      await this.deleteQuietly(app, previous.subscriptionId);
      this.verifiedAt.delete(previous.subscriptionId);
    }
    let created: CreatedSubscription;
    try {
      created = await app.post<CreatedSubscription>('/subscriptions', body);
    } catch (error) {
      if (!(error instanceof GraphRequestError) || error.status !== 409) throw error;
      // One we lost track of (a crash between Graph's answer and our insert): remove it and try once more.
      await this.removeStrays(app, resource);
      created = await app.post<CreatedSubscription>('/subscriptions', body);
    }
    await this.store.saveCurrent(
      {
        subscriptionId: created.id,
        orgId: connection.orgId,
        connectionId: connection.connectionId,
        tenantId: connection.settings.tenantId,
        clientId: connection.settings.clientId,
        authorityUrl: connection.settings.authorityUrl,
        resource,
        channel: watch.channel?.conversationId ?? null,
        certificateId: active.id,
        expiresAt: new Date(created.expirationDateTime),
      },
      clientState,
    );
    this.gaps.add(connection.connectionId);
    this.logger.info({ connectionId: connection.connectionId, subscriptionId: created.id, previous: previous?.subscriptionId ?? null, why, resource }, 'Teams subscription created');
  }

  private async deleteQuietly(app: GraphApi, subscriptionId: string): Promise<void> {
    try {
      await app.request('DELETE', `/subscriptions/${encodeURIComponent(subscriptionId)}`);
    } catch (error) {
      if (!(error instanceof GraphRequestError) || error.status !== 404) throw error;
    }
  }

  private async removeStrays(app: GraphApi, resource: string): Promise<void> {
    const listed = await app.get<{ value: { id: string; resource: string }[] }>('/subscriptions');
    const base = resource.split('?')[0]?.toLowerCase();
    for (const s of listed.value) {
      if (s.resource.split('?')[0]?.replace(/^\//, '').toLowerCase() === base?.replace(/^\//, '')) await this.deleteQuietly(app, s.id);
    }
  }

  private async catchUpIfDue(connection: TeamsConnection): Promise<void> {
    const mark = await this.store.watermark(connection.connectionId);
    const due = this.gaps.has(connection.connectionId) || !mark || Date.now() - mark.lastRunAt.getTime() >= this.config.catchUpIntervalMs;
    if (!due) return;
    this.gaps.delete(connection.connectionId);
    try {
      await this.catchUp.run(connection.orgId, connection.connectionId, connection.connectedAt);
      // Linked channels after the chats, each from its own watermark: the same gaps silenced them.
      await this.channelCatchUp.run(connection.orgId, connection.connectionId);
    } catch (error) {
      this.gaps.add(connection.connectionId);
      throw error;
    }
  }
}

/**
 * Why a channel's subscription cannot be made, as an admin should read it, or null when trying again may do: the
 * quota (Parley's, or Graph's 403), or another refusal by Graph (a channel deleted, a permission taken away).
 */
export function subscriptionRefusal(error: unknown): string | null {
  if (error instanceof SubscriptionQuotaError) return error.message;
  if (!(error instanceof GraphRequestError) || error.status === 0 || error.status === 429 || error.status >= 500) return null;
  const hint = error.status === 403 ? ' (the tenant may hold 10,000 subscriptions already, Graph\'s limit per organization, or the app lacks ChannelMessage.Read.All)' : '';
  return `Graph refused the channel's subscription: ${error.status}${error.code ? ` ${error.code}` : ''}${hint}: ${error.graphMessage}`;
}
