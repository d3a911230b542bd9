import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Payload, PayloadIn } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import { inTransaction, type Outbox } from '@parley/persistence';
import { DATA_SOURCE, LOGGER, OUTBOX } from '@parley/service-runtime';
import { GraphRequestError, NeedsAttentionError, type GraphAccess, type GraphApi } from '@parley/teams-connector-graph-access';
import { refusalReason } from '../failures';
import { GRAPH_ACCESS } from '../graph.providers';
import { messagePath, messagePlace } from './message-place';
import { teamsReactionKey } from './reaction-listing';
import { ReactionStore } from './reaction-store';

type ReactionRequested = Payload<'parley.teams.reaction.deliver.requested.v1'>;
type ReactionDelivered = PayloadIn<'parley.reaction.delivered.v1'>;

export type ReactionOutcome = 'delivered' | 'unvoiced' | 'failed' | 'duplicate';

/**
 * Carries parley.teams.reaction.deliver.requested.v1 into Teams as the person who reacted (their guest or consented
 * account): `POST /chats/{chat}/messages/{id}/setReaction` or `unsetReaction` with the unicode reactionType, delegated
 * only, paced on the chat like an edit. In a channel (`{teamId}/{channelId}`) the same on the channel's message, or on
 * a reply under its root (`.../messages/{root}/replies/{id}/setReaction`) when threadRootId names one. The reaction is written to the message's last-seen reactions before the call,
 * so the update notification it causes is no change (no echo). Without a voice nothing is made: a reaction cannot be
 * given for someone else, so the outcome is `unvoiced` with the reason (ADR 0032).
 */
@Injectable()
export class ReactionDeliverer {
  private readonly store: ReactionStore;
  private readonly userIds = new Map<string, string>();

  constructor(
    @Inject(GRAPH_ACCESS) private readonly graph: GraphAccess,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.store = new ReactionStore(dataSource);
  }

  async deliver(command: ReactionRequested): Promise<ReactionOutcome> {
    if (!(await this.store.beginDelivery(command.deliveryId, command.orgId))) return 'duplicate';
    const key = teamsReactionKey(command.reaction);
    let doing = 'reading the Teams connection';
    let userId: string | undefined;
    try {
      const connection = await this.graph.forConnection(command.orgId, command.connectionId);
      const api = connection.person(command.reactorPersonId);
      doing = 'signing in as the person who reacted';
      userId = await this.userIdOf(api, `${command.connectionId}|person:${command.reactorPersonId}`);
      const on = command.change === 'add';
      if (on) await this.store.remember(command.conversationId, command.targetMessageId, userId, key, command.reaction);
      else await this.store.forget(command.conversationId, command.targetMessageId, userId, key);
      doing = `${on ? 'setting' : 'unsetting'} a reaction on message ${command.targetMessageId} in ${command.conversationId}`;
      await this.react(api, command, on);
      return this.finish(command, 'delivered');
    } catch (error) {
      // The call did not go through: what Parley last saw of the message is as it was.
      if (userId && !(isTransient(error))) await this.undo(command, userId, key);
      const noVoice = noVoiceReason(error);
      if (noVoice) return this.finish(command, 'unvoiced', noVoice);
      const reason = refusalReason(error, doing);
      if (reason === null) throw error;
      return this.finish(command, 'failed', reason);
    }
  }

  private async react(api: GraphApi, command: ReactionRequested, on: boolean): Promise<void> {
    const path = `${messagePath(messagePlace(command.conversationId, command.threadRootId), command.targetMessageId)}/${on ? 'setReaction' : 'unsetReaction'}`;
    await api.request('POST', path, { body: { reactionType: command.reaction } });
  }

  private async undo(command: ReactionRequested, userId: string, key: string): Promise<void> {
    if (command.change === 'add') await this.store.forget(command.conversationId, command.targetMessageId, userId, key);
    else await this.store.remember(command.conversationId, command.targetMessageId, userId, key, command.reaction);
  }

  /** The Entra object id a delegated token speaks as (GET /me, remembered: it never changes). */
  private async userIdOf(api: GraphApi, key: string): Promise<string> {
    const known = this.userIds.get(key);
    if (known) return known;
    const me = await api.get<{ id: string }>('/me?$select=id');
    this.userIds.set(key, me.id);
    return me.id;
  }

  private async finish(command: ReactionRequested, outcome: ReactionDelivered['outcome'], reason?: string): Promise<ReactionOutcome> {
    const event: ReactionDelivered = {
      orgId: command.orgId,
      deliveryId: command.deliveryId,
      conversation: { platform: 'teams', conversationId: command.conversationId },
      outcome,
      ...(reason ? { reason: reason.slice(0, 2000) } : {}),
      deliveredAt: new Date().toISOString(),
    };
    const applied = await inTransaction(this.dataSource, async (manager) => {
      if (!(await this.store.complete(manager, command.deliveryId, outcome))) return false;
      await this.outbox.enqueue(manager, 'parley.reaction.delivered.v1', event);
      return true;
    });
    if (!applied) return 'duplicate';
    const log = { deliveryId: command.deliveryId, change: command.change, chatId: command.conversationId, reason };
    if (outcome === 'delivered') this.logger.info(log, 'teams reaction delivered');
    else this.logger.warn(log, `teams reaction ${outcome}`);
    return outcome;
  }
}

const isTransient = (error: unknown): boolean => refusalReason(error, '') === null && noVoiceReason(error) === null;

/** Parley has no voice for the person: identity cannot sign in as them, or Graph refuses their token. */
function noVoiceReason(error: unknown): string | null {
  if (error instanceof NeedsAttentionError && error.subject.kind === 'person') return `not carried: Parley cannot sign in as the person who reacted: ${error.reason}`;
  if (error instanceof GraphRequestError && error.status === 401) {
    return `not carried: Graph refused the token of the person who reacted (${error.status}${error.code ? ` ${error.code}` : ''}): ${error.graphMessage}`;
  }
  return null;
}
