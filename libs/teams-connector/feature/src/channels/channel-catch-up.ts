import type { Logger } from '@parley/observability';
import type { GraphAccess, GraphApi } from '@parley/teams-connector-graph-access';
import type { TeamsIngressConfig } from '../ingress/ingress-config';
import type { ChatMessageObservation, ChatMessageObserver, GraphChatMessageResource } from '../relay/chat-message-observer';
import type { LinkedChannel, LinkedChannels } from './linked-channels';

interface ListedMessage extends GraphChatMessageResource {
  readonly id: string;
}

const at = (message: ListedMessage): number => Date.parse(message.lastModifiedDateTime ?? message.createdDateTime ?? '') || 0;
const created = (message: ListedMessage): number => Date.parse(message.createdDateTime ?? '') || 0;

/**
 * What a linked channel's notifications may have missed (Teams sends no `missed` event; ADR 0022 for chats, ADR 0035
 * for channels), listed after the same gaps and on the same interval as the chats, from each channel's own watermark
 * (at first its link's time, so history is never listed):
 * - the channel's top-level messages (`GET /teams/{t}/channels/{c}/messages`, newest first; Graph documents neither
 *   $filter nor $orderby for it), paged until a whole page is older than the thread window and unchanged since the
 *   watermark;
 * - the replies (`.../messages/{root}/replies`) of the roots that may have new ones: posted within the thread window
 *   (PARLEY_TEAMS_CHANNEL_THREAD_WINDOW_MINUTES, 7 days by default) or changed since the watermark.
 * Whatever changed in (watermark, now - lag) goes to the observer oldest first; the watermark moves only past what the
 * observer took, as for chats. A reply in an older thread that notifications missed is not listed: the window bounds
 * what a run costs.
 */
export class ChannelCatchUp {
  constructor(
    private readonly config: TeamsIngressConfig,
    private readonly channels: LinkedChannels,
    private readonly graph: GraphAccess,
    private readonly observer: () => Pick<ChatMessageObserver, 'observe'> | null,
    private readonly logger: Logger,
  ) {}

  /** Catches up every channel linked to the connection; answers how many messages went to the observer. */
  async run(orgId: string, connectionId: string): Promise<number> {
    const linked = await this.channels.ofConnection(connectionId);
    if (linked.length === 0) return 0;
    const observer = this.observer();
    if (!observer) {
      this.logger.error({ connectionId }, 'Teams channel catch-up has no ChatMessageObserver wired; the watermarks stay');
      return 0;
    }
    const app = (await this.graph.forConnection(orgId, connectionId)).app('customer');
    let observed = 0;
    let failure: unknown = null;
    for (const channel of linked) {
      try {
        observed += await this.runChannel(app, observer, channel);
      } catch (error) {
        // One channel's failure (a channel deleted, a refusal) does not keep the others from catching up.
        failure ??= error;
        this.logger.warn({ err: error, connectionId, channel: channel.conversationId }, 'Teams channel catch-up failed; its watermark stays');
      }
    }
    if (failure) throw failure;
    return observed;
  }

  private async runChannel(app: GraphApi, observer: Pick<ChatMessageObserver, 'observe'>, channel: LinkedChannel): Promise<number> {
    const upper = Date.now() - this.config.catchUpLagMs;
    const from = channel.watermark.getTime();
    if (upper <= from) return 0;
    const changed = (await this.changedSince(app, channel, from, upper)).sort((a, b) => at(a) - at(b) || Number(a.id) - Number(b.id));
    let observed = 0;
    for (const message of changed) {
      const observation: ChatMessageObservation = {
        orgId: channel.orgId,
        connectionId: channel.connectionId,
        chatId: channel.conversationId,
        messageId: message.id,
        ...(message.replyToId ? { threadRootId: message.replyToId } : {}),
        changeType: message.lastModifiedDateTime && message.createdDateTime && message.lastModifiedDateTime !== message.createdDateTime ? 'updated' : 'created',
        message,
        source: 'catch-up',
        eventId: `catch-up:${channel.conversationId}:${message.id}:${message.lastModifiedDateTime ?? ''}`,
      };
      try {
        await observer.observe(observation);
      } catch (error) {
        // Everything strictly older than this message was taken: the next run starts just before it.
        await this.channels.advance(channel.connectionId, channel.teamId, channel.channelId, new Date(Math.max(from, at(message) - 1)));
        throw error;
      }
      observed++;
    }
    // The listing excluded `upper` itself: the next run lists from just before it.
    await this.channels.advance(channel.connectionId, channel.teamId, channel.channelId, new Date(upper - 1));
    if (observed > 0) this.logger.info({ connectionId: channel.connectionId, channel: channel.conversationId, observed }, 'Teams channel catch-up done');
    return observed;
  }

  private async changedSince(app: GraphApi, channel: LinkedChannel, after: number, before: number): Promise<ListedMessage[]> {
    const inRange = (m: ListedMessage): boolean => at(m) > after && at(m) < before;
    const threadsFrom = after - this.config.channelThreadWindowMs;
    const base = `/teams/${encodeURIComponent(channel.teamId)}/channels/${encodeURIComponent(channel.channelId)}/messages`;
    const found: ListedMessage[] = [];
    const activeRoots: string[] = [];
    for await (const page of app.pages<ListedMessage>(`${base}?$top=50`)) {
      let current = false;
      for (const root of page.value) {
        const recent = created(root) >= threadsFrom || at(root) > after;
        if (recent) {
          current = true;
          activeRoots.push(root.id);
        }
        if (inRange(root)) found.push(root);
      }
      if (!current) break;
    }
    for (const rootId of activeRoots) {
      for await (const page of app.pages<ListedMessage>(`${base}/${encodeURIComponent(rootId)}/replies?$top=50`)) {
        for (const reply of page.value) if (inRange(reply)) found.push(reply);
      }
    }
    return found;
  }
}
