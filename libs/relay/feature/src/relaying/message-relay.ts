import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { Payload, SharedFile } from '@parley/contracts';
import type { PersonView } from '@parley/internal-api';
import type { Logger } from '@parley/observability';
import type { IdempotentConsumer, Outbox } from '@parley/persistence';
import { DATA_SOURCE, IDEMPOTENT_CONSUMER, LOGGER, OUTBOX } from '@parley/service-runtime';
import { planPartChanges } from '../planning/part-changes';
import { accountOnTarget, accountWithId, otherPlatform, type Platform } from '../planning/people';
import { contentHash, mentionedUserIds, translateBody, type TargetBody } from '../planning/translation';
import { planTwinMembership, unreachedText, type LeftOutMember, type TwinMember } from '../planning/twin-membership';
import { chooseVoice, type Voice } from '../planning/voice';
import { RELAY_CONFIG, type RelayConfig } from '../config';
import { chooseFiles, leftBehindNote, withNote, type LeftBehind } from '../planning/file-rules';
import { RelayDirectory } from '../people/relay-directory';
import { RelaySettings } from '../settings/relay-settings';
import { liveLinkOfConversation } from '../store/channel-link-store';
import {
  fileStates,
  findOrCreateTwin,
  insertDelivery,
  insertMessage,
  insertQueuedDelivery,
  messageBySource,
  messageOfFallbackPost,
  twinById,
  type MessageRow,
  type TwinRow,
} from '../store/relay-store';
import { ReactionRelay } from './reaction-relay';
import { LaneDispatcher, type QueuedRequest } from './lane-dispatcher';

/** v1 or v2 (v2 adds files; a v1 event is a v2 one without them). */
type Received = Payload<'parley.message.received.v2'>;

/**
 * How long before its DM or group DM became a twin a message may have been written and still be one Parley carries:
 * the first messages of a conversation are written before the event that makes its twin is handled.
 */
const FIRST_MESSAGES_GRACE_MS = 10 * 60_000;

/**
 * Whether a message was written while its conversation was relayed, so that an edit of it Parley never saw created
 * stands for its creation. Not for one written before (history from before Parley, or before a channel's link), nor
 * when the connector does not say when it was written.
 */
function writtenWhileRelayed(event: Received, twin: TwinRow): boolean {
  const written = event.writtenAt ? Date.parse(event.writtenAt) : Number.NaN;
  const grace = twin.kind === 'channel' ? 0 : FIRST_MESSAGES_GRACE_MS;
  return !Number.isNaN(written) && written >= new Date(twin.created_at).getTime() - grace;
}

/** Where a received message goes: its twin's other side, as whom, to whom. Worked out before the transaction. */
interface Route {
  readonly target: Platform;
  readonly targetConnectionId: string;
  readonly voice: Voice;
  /** Whom to open the twin's side with; absent for a channel, whose twin has both sides from its link. */
  readonly open?: QueuedRequest['open'];
  /** The body's parts in the target's format; `undefined` is a part with files and no text. */
  readonly parts: (TargetBody | undefined)[];
  /** The files going with the first part, and where their bytes are (ADR 0039). */
  readonly files?: { readonly carried: readonly SharedFile[]; readonly left: readonly LeftBehind[] };
  readonly senderPersonId: string;
  /** A reply in a fallback post's thread: the original message, whose conversation the reply goes back to. */
  readonly fallbackOriginal?: MessageRow;
  /** A linked channel: its link's twin. */
  readonly channelTwinId?: string;
  /** A new DM or group DM: the twin to find or make, and who is left out of it. */
  readonly twin?: { members: readonly TwinMember[]; memberKey: string; leftOut: readonly LeftOutMember[] };
}

/**
 * parley.message.received.v1 -> deliveries. Looks the people up in identity (members, sender, mentions), decides
 * whether the conversation is relayed, finds or makes its twin, translates and splits the body, and queues one
 * delivery per part in the target conversation's lane; the lane sends it when nothing else is in flight there.
 * The message, its deliveries, the notice and the outbox rows commit with the record of the event, once per
 * platform event.
 */
@Injectable()
export class MessageRelay {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(IDEMPOTENT_CONSUMER) private readonly idempotent: IdempotentConsumer,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(RelayDirectory) private readonly directory: RelayDirectory,
    @Inject(LaneDispatcher) private readonly lanes: LaneDispatcher,
    @Inject(RelaySettings) private readonly settings: RelaySettings,
    @Inject(RELAY_CONFIG) private readonly config: RelayConfig,
    @Inject(ReactionRelay) private readonly reactions: ReactionRelay,
  ) {}

  async receive(event: Received): Promise<void> {
    const source = event.conversation.platform;
    const eventKey = `${source}:${event.platformEventId}`;
    // No look at processed_messages first: routing reads only identity's cached directory, so a redelivered event
    // costs little more than the round trip such a look would add to every event; `run` below is the authority.
    const found = await this.route(event);
    if (!found) return;
    const route = await this.withFiles(event, found);
    await this.idempotent.run('relay.message-received', eventKey, (manager) => this.apply(manager, event, route));
  }

  /** Everything that needs identity, read before the transaction opens; undefined when the message is not relayed. */
  private async route(event: Received): Promise<Route | undefined> {
    const source = event.conversation.platform;
    const target = otherPlatform(source);
    const log = { orgId: event.orgId, platform: source, conversationId: event.conversation.conversationId, messageId: event.messageId };
    const connectionId = (await this.directory.connectionIds(event.orgId))[target];
    if (!connectionId) {
      this.logger.info({ ...log, target }, 'relay: no connection on the other platform, message not relayed');
      return undefined;
    }
    // A reply in the thread of a fallback post (the app's DM with the recipient) goes back to the original's sender.
    if (event.threadRootId && event.conversation.kind === 'dm') {
      const original = await messageOfFallbackPost(this.dataSource, event.orgId, source, event.conversation.conversationId, event.threadRootId);
      if (original) return this.fallbackReplyRoute(event, original, connectionId);
    }
    if (event.conversation.kind === 'channel') return this.channelRoute(event);
    const members = event.conversation.members ?? [];
    const people = await this.directory.resolve(event.orgId, source, [...members, event.senderPlatformUserId, ...mentionedUserIds(event.body)]);
    const lookup = (id: string) => people.get(id);
    const plan = planTwinMembership(source, members, event.senderPlatformUserId, lookup);
    if (!plan.relayed) {
      this.logger.debug({ ...log, why: plan.why }, 'relay: conversation not relayed');
      return undefined;
    }
    const sender = people.get(event.senderPlatformUserId) as PersonView;
    return {
      target,
      targetConnectionId: connectionId,
      voice: chooseVoice(plan.members, sender.id),
      open: { conversationKind: event.conversation.kind === 'dm' ? 'dm' : 'group', memberPlatformUserIds: plan.members.map((m) => m.targetUserId) },
      parts: event.body ? translateBody(event.body, source, lookup) : [],
      senderPersonId: sender.id,
      twin: { members: plan.members, memberKey: plan.memberKey, leftOut: plan.leftOut },
    };
  }

  /**
   * A new message's files (ADR 0039): those the organization and the size limit let through go with its first part,
   * the others are named in a note added to the text (and recorded with why). A message with files and no text is one
   * part with no body. An edit carries text only: files do not change with an edit.
   */
  private async withFiles(event: Received, route: Route): Promise<Route> {
    const files = event.files ?? [];
    if (files.length === 0 || event.change !== 'created') return route;
    const settings = await this.settings.view(event.orgId);
    const choice = chooseFiles(files, { fileRelay: settings.fileRelay, maxBytes: this.config.fileMaxBytes });
    const parts = withNote(route.parts as TargetBody[], leftBehindNote(choice.left, route.target));
    return { ...route, parts: parts.length === 0 ? [undefined] : parts, files: choice };
  }

  /**
   * A message in a linked channel goes to the other channel of its link, as its author (the connector falls back to
   * the app, in the channel itself, when it cannot speak as them). A channel that is not linked is not relayed.
   */
  private async channelRoute(event: Received): Promise<Route | undefined> {
    const source = event.conversation.platform;
    const target = otherPlatform(source);
    const log = { orgId: event.orgId, platform: source, conversationId: event.conversation.conversationId, messageId: event.messageId };
    const link = await liveLinkOfConversation(this.dataSource, event.orgId, source, event.conversation.conversationId);
    if (!link) {
      this.logger.debug(log, 'relay: a channel with no live link, message not relayed');
      return undefined;
    }
    const people = await this.directory.resolve(event.orgId, source, [event.senderPlatformUserId, ...mentionedUserIds(event.body)]);
    const sender = people.get(event.senderPlatformUserId);
    if (!sender) {
      this.logger.info({ ...log, linkId: link.id }, 'relay: a channel message from someone Parley does not know (not in a user sync), not relayed');
      return undefined;
    }
    return {
      target,
      targetConnectionId: target === 'slack' ? link.slack_connection_id : link.teams_connection_id,
      voice: { senderPersonId: sender.id, senderDisplayName: sender.displayName, recipientPlatformUserIds: [] },
      parts: event.body ? translateBody(event.body, source, (id) => people.get(id)) : [],
      senderPersonId: sender.id,
      channelTwinId: link.twin_id,
    };
  }

  private async fallbackReplyRoute(event: Received, original: MessageRow, connectionId: string): Promise<Route | undefined> {
    const source = event.conversation.platform;
    const target = original.source_platform;
    const people = await this.directory.resolve(event.orgId, source, [event.senderPlatformUserId, ...mentionedUserIds(event.body)]);
    const sender = people.get(event.senderPlatformUserId);
    const voiceAccount = sender ? accountOnTarget(sender, accountWithId(sender, source, event.senderPlatformUserId), target) : undefined;
    if (!sender || !voiceAccount) {
      this.logger.info({ orgId: event.orgId, messageId: event.messageId }, 'relay: reply to a fallback post from someone with no account on the other side');
      return undefined;
    }
    return {
      target,
      targetConnectionId: connectionId,
      voice: { senderPersonId: sender.id, senderDisplayName: sender.displayName, recipientPlatformUserIds: [original.sender_platform_user_id] },
      open: { conversationKind: 'dm', memberPlatformUserIds: [voiceAccount.platformUserId, original.sender_platform_user_id] },
      parts: event.body ? translateBody(event.body, source, (id) => people.get(id)) : [],
      senderPersonId: sender.id,
      fallbackOriginal: original,
    };
  }

  private async apply(manager: EntityManager, received: Received, route: Route): Promise<void> {
    const source = received.conversation.platform;
    let twin: TwinRow;
    let leftOut: readonly LeftOutMember[] = [];
    if (route.fallbackOriginal) {
      twin = (await twinById(manager, route.fallbackOriginal.twin_id)) as TwinRow;
    } else if (route.channelTwinId) {
      twin = (await twinById(manager, route.channelTwinId)) as TwinRow;
    } else {
      const plan = route.twin as NonNullable<Route['twin']>;
      const connections = await this.directory.connectionIds(received.orgId);
      twin = await findOrCreateTwin(manager, {
        orgId: received.orgId,
        kind: received.conversation.kind === 'dm' ? 'dm' : 'group',
        source,
        conversationId: received.conversation.conversationId,
        connections: { ...connections, [source]: received.connectionId },
        memberPersonIds: plan.members.map((m) => m.personId),
        memberKey: plan.memberKey,
      });
      leftOut = plan.leftOut;
    }

    // A new message is inserted at once below (a conflict means it is known); only a change needs to look for it first.
    let message = received.change === 'created' ? null : await messageBySource(manager, received.orgId, source, received.conversation.conversationId, received.messageId);
    // An edit of a message Parley never saw, written while its conversation was relayed: its creation is late (the
    // platform sent the edit first) or lost. The edit has the whole message: it is carried as the message, and the
    // creation, if it comes, finds it done (ADR 0044).
    const event: Received = !message && received.change === 'edited' && writtenWhileRelayed(received, twin) ? { ...received, change: 'created' } : received;
    if (event !== received) {
      this.logger.info({ orgId: event.orgId, conversationId: event.conversation.conversationId, messageId: event.messageId }, 'relay: an edit came before its message; carried as the message');
    }
    if (leftOut.length > 0 && event.change === 'created') await this.noticeUnreached(manager, event, route, leftOut);
    // A new message is recorded with its parts at once: no second write of the row it was just given.
    let recordedNow = false;
    if (event.change === 'created') {
      message = await insertMessage(manager, { ...this.newMessage(event, twin, route), parts: route.parts.length });
      if (!message) return; // the same message through another event (or its delete came first, ADR 0044)
      recordedNow = true;
    } else if (!message) {
      // A change of a message Parley never carried: recorded as failed, so an admin sees it. A delete is recorded as
      // such: when it overtook its message (the platform sent the creation or an edit late), those find the message
      // gone and carry nothing, rather than bring back what its author deleted.
      message = (await insertMessage(manager, { ...this.newMessage(event, twin, route), deleted: event.change === 'deleted' })) as MessageRow;
      const change = event.change === 'edited' ? 'edit' : 'delete';
      await insertDelivery(manager, {
        id: randomUUID(),
        orgId: event.orgId,
        messageId: message.id,
        twinId: twin.id,
        part: 0,
        change,
        targetPlatform: route.target,
        sourceOccurredAt: event.occurredAt,
        contentHash: null,
        failedReason: `the original message was never relayed, so the ${change} cannot be carried`,
      });
      return;
    }

    if (message.deleted && event.change !== 'created') return; // nothing left on the other side to change
    if (event.change === 'edited' && route.parts.length === 0 && (event.files ?? []).length > 0) {
      // The text of a message with files was cleared: its files stay, and a part cannot be edited to nothing.
      this.logger.info({ orgId: event.orgId, messageId: event.messageId }, 'relay: an edit that clears the text of a message with files is not carried');
      return;
    }
    const before = recordedNow ? 0 : message.parts;
    const after = event.change === 'deleted' ? 0 : route.parts.length;
    if (event.change === 'created' && after === 0) {
      await insertDelivery(manager, {
        id: randomUUID(),
        orgId: event.orgId,
        messageId: message.id,
        twinId: twin.id,
        part: 0,
        change: 'create',
        targetPlatform: route.target,
        sourceOccurredAt: event.occurredAt,
        contentHash: null,
        failedReason: 'the message has nothing to carry (no text, no files; cards are not relayed)',
      });
      return;
    }
    if (!recordedNow) {
      await manager.query(`UPDATE relay.messages SET parts = $2, deleted = $3, updated_at = now() WHERE id = $1`, [message.id, after, event.change === 'deleted']);
    }
    for (const { part, change } of planPartChanges(event.change, before, after)) {
      const body = change === 'delete' ? undefined : route.parts[part];
      const deliveryId = randomUUID();
      const files = change === 'create' && part === 0 ? route.files : undefined;
      const delivery = {
        id: deliveryId,
        orgId: event.orgId,
        messageId: message.id,
        twinId: twin.id,
        part,
        change,
        targetPlatform: route.target,
        sourceOccurredAt: event.occurredAt,
        contentHash: contentHash(body),
        ...(files ? { files: fileStates(files.carried, files.left) } : {}),
      };
      const request: QueuedRequest = {
        payload: {
          orgId: event.orgId,
          connectionId: route.targetConnectionId,
          deliveryId,
          change,
          senderPersonId: route.voice.senderPersonId,
          senderDisplayName: route.voice.senderDisplayName,
          recipientPlatformUserIds: route.voice.recipientPlatformUserIds,
          ...(body ? { body } : {}),
          ...(files && files.carried.length > 0 ? { files: [...files.carried], filesFrom: { platform: source, connectionId: event.connectionId } } : {}),
        },
        ...(route.open ? { open: route.open } : {}),
        ...(route.fallbackOriginal ? { threadRootTargetId: route.fallbackOriginal.source_message_id } : {}),
        // Graph addresses a channel reply under its root, so in a channel an edit or delete of a reply names it too.
        ...(!route.fallbackOriginal && event.threadRootId && (change === 'create' || route.channelTwinId) ? { threadRootSourceId: event.threadRootId } : {}),
      };
      await insertQueuedDelivery(manager, delivery, request);
    }
    // Reactions that came before the message go with it now (ADR 0060): they wait for its delivery like any other.
    if (recordedNow) await this.reactions.replayEarly(manager, event.orgId, source, event.conversation.conversationId, event.messageId);
    await this.lanes.pump(manager, twin.id, route.target);
  }

  private newMessage(event: Received, twin: TwinRow, route: Route) {
    return {
      orgId: event.orgId,
      twinId: twin.id,
      platform: event.conversation.platform,
      conversationId: event.conversation.conversationId,
      messageId: event.messageId,
      threadRootId: event.threadRootId ?? null,
      senderPersonId: route.senderPersonId,
      senderPlatformUserId: event.senderPlatformUserId,
    };
  }

  /** Tells the sender who did not get the message, once per conversation and set of people left out. */
  private async noticeUnreached(manager: EntityManager, event: Received, route: Route, leftOut: readonly LeftOutMember[]): Promise<void> {
    const source = event.conversation.platform;
    const key = leftOut.map((m) => m.personId ?? m.sourceUserId).sort().join(',');
    const inserted: unknown[] = await manager.query(
      `INSERT INTO relay.unreached_notices (org_id, source_platform, source_conversation_id, left_out_key) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [event.orgId, source, event.conversation.conversationId, key],
    );
    if (inserted.length === 0) return;
    const notice = {
      orgId: event.orgId,
      connectionId: event.connectionId,
      noticeId: randomUUID(),
      recipientPersonId: route.senderPersonId,
      recipientPlatformUserId: event.senderPlatformUserId,
      reason: 'recipients-unreached' as const,
      text: unreachedText(leftOut, route.target),
      about: { conversationId: event.conversation.conversationId, messageId: event.messageId },
      requestedAt: new Date().toISOString(),
    };
    if (source === 'slack') await this.outbox.enqueue(manager, 'parley.slack.notice.requested.v1', notice);
    else await this.outbox.enqueue(manager, 'parley.teams.notice.requested.v1', notice);
  }
}
