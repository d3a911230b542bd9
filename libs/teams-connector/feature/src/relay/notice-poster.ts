import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Payload } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import { inTransaction } from '@parley/persistence';
import { DATA_SOURCE, LOGGER } from '@parley/service-runtime';
import type { GraphAccess } from '@parley/teams-connector-graph-access';
import { refusalReason } from '../failures';
import { GRAPH_ACCESS } from '../graph.providers';
import { ChatPoster } from './chat-poster';
import { escapeHtml } from './content';
import { InFlightPosts } from './in-flight-posts';
import { MessageDeliverer } from './message-deliverer';
import { messagePlace } from './message-place';
import { RelayStore } from './relay-store';

type NoticeRequested = Payload<'parley.teams.notice.requested.v1'>;

export type NoticeOutcome = 'posted' | 'failed' | 'duplicate';

/**
 * parley.teams.notice.requested.v1: the connection's service account (the team owner Parley signs in as) tells a
 * Teams person something in its 1:1 chat with them (relay.md, Who speaks as whom). The notice id is the idempotency
 * key, and the post goes through the same record-then-reconcile path as a delivery, so a notice is posted once.
 * The text is escaped; a link is built here from its URL and label, never from the text.
 */
@Injectable()
export class NoticePoster {
  private readonly store: RelayStore;
  private readonly poster: ChatPoster;

  constructor(
    @Inject(GRAPH_ACCESS) private readonly graph: GraphAccess,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(InFlightPosts) inFlight: InFlightPosts,
    @Inject(MessageDeliverer) private readonly deliverer: MessageDeliverer,
  ) {
    this.store = new RelayStore(dataSource);
    this.poster = new ChatPoster(this.store, inFlight, graph.retry, logger);
  }

  async post(notice: NoticeRequested): Promise<NoticeOutcome> {
    if ((await this.store.beginDelivery(notice.noticeId, notice.orgId, notice.connectionId, null)).completedAt) return 'duplicate';
    let doing = 'signing in as the service account (team owner)';
    let outcome: 'delivered' | 'failed' = 'delivered';
    try {
      const connection = await this.graph.forConnection(notice.orgId, notice.connectionId);
      const read = connection.teamOwner();
      const ownerUserId = await this.deliverer.userIdOf(read, `${notice.connectionId}|team-owner`);
      if (ownerUserId === notice.recipientPlatformUserId) {
        // The recipient is the service account itself (a person whose account Parley signs in as): Teams has no chat
        // of an account with itself (Graph refuses it as "duplicate users"), so there is nobody to tell this way.
        throw new NoticeRefused('the recipient is the service account Parley posts notices as; Teams has no chat of an account with itself');
      }
      doing = `opening the service account's 1:1 chat with ${notice.recipientPlatformUserId}`;
      const chatId = await this.deliverer.oneOnOne(read, ownerUserId, notice.recipientPlatformUserId);
      await this.store.recordChat(notice.noticeId, chatId);
      doing = 'posting the notice';
      const messageId = await this.poster.post(connection.teamOwner({ maxAttempts: 1 }), read, {
        deliveryId: notice.noticeId,
        slot: 'notice',
        place: messagePlace(chatId),
        senderUserId: ownerUserId,
        body: { contentType: 'html', content: noticeHtml(notice) },
      });
      this.logger.info({ noticeId: notice.noticeId, reason: notice.reason, chatId, messageId }, 'teams notice posted');
    } catch (error) {
      const reason = error instanceof NoticeRefused ? error.message : refusalReason(error, doing);
      if (reason === null) throw error;
      // Nobody else can be told: an admin reads this in the logs (and the person's status in /v1/people).
      this.logger.error({ noticeId: notice.noticeId, recipientPersonId: notice.recipientPersonId, reason }, 'teams notice could not be posted');
      outcome = 'failed';
    }
    const applied = await inTransaction(this.dataSource, (manager) => this.store.complete(manager, notice.noticeId, outcome));
    return !applied ? 'duplicate' : outcome === 'failed' ? 'failed' : 'posted';
  }
}

/** A notice that cannot be posted, for a reason found before any call to Graph. */
class NoticeRefused extends Error {}

/** The notice as HTML: its text escaped (line breaks kept), then the link Parley builds from the URL and label. */
export function noticeHtml(notice: Pick<NoticeRequested, 'text' | 'link'>): string {
  const text = `<p>${escapeHtml(notice.text).replace(/\r?\n/g, '<br>')}</p>`;
  return notice.link ? `${text}<p><a href="${escapeHtml(notice.link.url)}">${escapeHtml(notice.link.label)}</a></p>` : text;
}
