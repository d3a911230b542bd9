import type { SlackStore } from './store';
import type { DeliveryRecord } from './events/delivery';
import { conversationJson, messageJson, userJson } from './serializers';
import { resolveConversation } from './control/people';

/** One Web API / SCIM / control request the sandbox answered. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly at: number;
}

/** A delivered (or attempted) event, with its envelope parsed for assertions. */
export interface InspectedDelivery extends Omit<DeliveryRecord, 'body'> {
  readonly envelope: Record<string, unknown>;
}

const MAX_REQUESTS = 10_000;

/** Read-only views for tests: what is in the workspace, what was delivered, what was asked. */
export class SlackInspector {
  private readonly seen: SeenRequest[] = [];

  constructor(
    private readonly store: SlackStore,
    private readonly deliveries: () => readonly DeliveryRecord[],
  ) {}

  recordRequest(request: SeenRequest): void {
    this.seen.push(request);
    // Trim in chunks so a long benchmark keeps a bounded log at O(1) amortised cost.
    if (this.seen.length > MAX_REQUESTS + 1000) this.seen.splice(0, 1000);
  }

  clear(): void {
    this.seen.length = 0;
  }

  /** Every message of a conversation (top level and replies), oldest first, metadata included. */
  messages(channel: string): Record<string, unknown>[] {
    return resolveConversation(this.store, channel).messages.map((m) => messageJson(m, true, this.store));
  }

  users(): Record<string, unknown>[] {
    return [...this.store.users.values()].map((u) => userJson(u, true));
  }

  channels(): Record<string, unknown>[] {
    return [...this.store.conversations.values()].map((c) => ({ ...conversationJson(c, ''), members: [...c.members] }));
  }

  events(filter: { type?: string; appId?: string } = {}): InspectedDelivery[] {
    return this.deliveries()
      .filter((d) => (!filter.type || d.type === filter.type) && (!filter.appId || d.appId === filter.appId))
      .map(({ body, ...rest }) => ({ ...rest, envelope: JSON.parse(body) as Record<string, unknown> }));
  }

  /** Who installed which app with user scopes (their tokens are left out: read them from oauth.v2.access). */
  installations(): Array<{ appId: string; userId: string; scopes: string[]; revoked: boolean }> {
    return [...this.store.installations.values()].map((i) => ({ appId: i.appId, userId: i.userId, scopes: [...i.scopes], revoked: this.store.tokens.get(i.token)?.revoked === true }));
  }

  requests(): readonly SeenRequest[] {
    return [...this.seen];
  }
}
