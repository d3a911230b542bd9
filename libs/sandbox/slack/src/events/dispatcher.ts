import type { App, Conversation } from '../model';
import type { SlackStore } from '../store';
import type { EventDeliverer } from './delivery';
import { RateLimiter } from '../rate-limiter';
import { encodeEventContext, visibleInstallations } from './visibility';

/** Slack's Events API cap: events per app per workspace per hour (30,000), scaled like the Web API limits. */
export interface EventLimitSettings {
  readonly enabled: boolean;
  readonly timeScale: number;
  readonly eventsPerHour: number;
}

/** A Slack event as it sits inside the envelope's `event` field. */
export type SlackEvent = { type: string } & Record<string, unknown>;

/**
 * Events tied to a conversation reach an app whose bot is a member of it, or when a person in it installed the app
 * with the user scope that event needs (see visibility.ts).
 */
export interface EventScope {
  readonly conversation?: Conversation;
}

/**
 * Turns state changes into event_callback envelopes for every app that should see them, then hands them to the
 * deliverer. Each app gets its own envelope with its own event_id, as each app's subscription is separate in Slack.
 */
export class EventDispatcher {
  private counter = 0;
  private readonly limiter = new RateLimiter();
  /** Minute (epoch seconds) for which each app was last told app_rate_limited. */
  private readonly announced = new Map<string, number>();

  constructor(
    private readonly store: SlackStore,
    private readonly deliverer: EventDeliverer,
    private readonly limits: () => EventLimitSettings,
  ) {}

  reset(): void {
    this.limiter.clear();
    this.announced.clear();
  }

  /**
   * Over the cap Slack drops the app's events and sends one `app_rate_limited` (no inner event) for the minute.
   * Returns whether the event may go out.
   */
  private withinCap(teamId: string, app: App): boolean {
    const settings = this.limits();
    if (!settings.enabled) return true;
    const decision = this.limiter.take(`${teamId}:${app.id}`, settings.eventsPerHour, 3_600_000 * settings.timeScale);
    if (decision.allowed) return true;
    const minute = Math.floor(Date.now() / 60_000) * 60;
    const key = `${teamId}:${app.id}`;
    if (this.announced.get(key) !== minute) {
      this.announced.set(key, minute);
      const body = JSON.stringify({ token: app.verificationToken, type: 'app_rate_limited', team_id: teamId, minute_rate_limited: minute, api_app_id: app.id });
      this.deliverer.deliver(app, '', 'app_rate_limited', body);
    }
    return false;
  }

  /** `event` may be built per app, for fields that depend on the app's scopes (emails in user objects). */
  emit(teamId: string, event: SlackEvent | ((app: App) => SlackEvent), scope: EventScope = {}): void {
    let eventTs: string | undefined;
    for (const app of this.store.apps.values()) {
      if (app.teamId !== teamId || !app.eventsUrl) continue;
      const built = typeof event === 'function' ? event(app) : event;
      if (app.eventTypes && !app.eventTypes.includes(built.type)) continue;
      const visibleTo = visibleInstallations(this.store, app, built.type, scope.conversation);
      if (visibleTo.length === 0) continue;
      if (!this.withinCap(teamId, app)) continue;
      eventTs ??= typeof built['event_ts'] === 'string' ? built['event_ts'] : this.store.ids.ts();
      const body = { ...built, event_ts: eventTs };
      const eventId = `Ev${this.store.ids.id('').slice(0, 8)}${String(++this.counter).padStart(4, '0')}`;
      const envelope = {
        token: app.verificationToken,
        team_id: teamId,
        context_team_id: teamId,
        context_enterprise_id: null,
        api_app_id: app.id,
        event: body,
        type: 'event_callback',
        event_id: eventId,
        event_time: Math.floor(Date.now() / 1000),
        // One installation only, as Slack sends it; apps.event.authorizations.list (with event_context) has them all.
        authorizations: visibleTo.slice(0, 1),
        is_ext_shared_channel: false,
        event_context: encodeEventContext({ et: built.type, tid: teamId, aid: app.id, cid: scope.conversation?.id }),
      };
      this.deliverer.deliver(app, eventId, built.type, JSON.stringify(envelope));
    }
  }
}

export function channelType(conversation: Conversation): string {
  switch (conversation.kind) {
    case 'public':
      return 'channel';
    case 'private':
      return 'group';
    default:
      return conversation.kind;
  }
}
