import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { teamsChannelConversationId } from '@parley/contracts';
import {
  CHANNEL_ALREADY_LINKED_PROBLEM,
  CHANNEL_NAME_TAKEN_PROBLEM,
  CHANNEL_NOT_LINKABLE_PROBLEM,
  InternalApiError,
  internalRoutes,
  type ChannelLinkPage,
  type ChannelLinkView,
  type CreateChannelLinkRequest,
  type RelayPageQuery,
  type SlackChannelView,
  type TeamsChannelView,
} from '@parley/internal-api';
import type { Logger } from '@parley/observability';
import type { Outbox } from '@parley/persistence';
import { DATA_SOURCE, INTERNAL_API, LOGGER, notFound, OUTBOX, ProblemException, type InternalApiAccess } from '@parley/service-runtime';
import { decodeCursor, encodeCursor, UUID } from '../http/page-cursor';
import { RelayDirectory } from '../people/relay-directory';
import {
  channelLinkView,
  insertChannelLink,
  liveLinkOf,
  relink,
  unlink,
  unlinkedPair,
  type ChannelLinkRow,
  type NewChannelLink,
} from '../store/channel-link-store';
import { firstRow, rows, type Sql } from '../store/relay-store';
import { slackChannelName, teamsChannelName } from './channel-names';

type Side = 'slack' | 'teams';

const unlinkable = (field: string, detail: string) =>
  new ProblemException(422, detail, CHANNEL_NOT_LINKABLE_PROBLEM, [{ field, reason: detail }]);

/**
 * Channel Sync's links: an admin names a Slack channel and a Teams channel (or one of them and "create the twin").
 * Both are read from their platforms through the connectors before anything is stored, so a link never names a channel
 * that is not there, or one the app cannot hear. The link, its twin and `parley.channel.link.changed.v1` commit
 * together; the connectors start listening when they read the event.
 */
@Injectable()
export class ChannelLinks {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(INTERNAL_API) private readonly access: InternalApiAccess,
    @Inject(RelayDirectory) private readonly directory: RelayDirectory,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async create(orgId: string, request: CreateChannelLinkRequest): Promise<ChannelLinkView> {
    const connections = await this.directory.connectionIds(orgId, { fresh: true });
    const slackConnectionId = connections.slack;
    const teamsConnectionId = connections.teams;
    if (!slackConnectionId || !teamsConnectionId) {
      const missing = !slackConnectionId ? 'slack' : 'teams';
      throw new ProblemException(409, `Connect a ${missing === 'slack' ? 'Slack workspace' : 'Microsoft 365 tenant'} first: a channel link needs both platforms.`, CHANNEL_NOT_LINKABLE_PROBLEM, [
        { field: missing, message: 'no connection on this platform' },
      ]);
    }
    const slackGiven = 'channelId' in request.slack ? await this.slackChannel(orgId, slackConnectionId, request.slack.channelId) : null;
    const teamsGiven =
      'channelId' in request.teams ? await this.teamsChannel(orgId, teamsConnectionId, request.teams.teamId, request.teams.channelId) : null;
    // Refused before anything is created on a platform: a twin made for a channel that is linked already would be left over.
    if (slackGiven) await this.refuseLive('slack', slackConnectionId, slackGiven.id);
    if (teamsGiven) await this.refuseLive('teams', teamsConnectionId, teamsGiven.id, teamsGiven.teamId);

    let createdSide: Side | null = null;
    let slack: SlackChannelView;
    let teams: TeamsChannelView;
    if (slackGiven && teamsGiven) {
      if (slackGiven.private !== (teamsGiven.membershipType === 'private')) {
        throw unlinkable('teams.channelId', 'A private channel can be linked only with a private channel: the other is not, and its members would read what the private one says.');
      }
      slack = slackGiven;
      teams = teamsGiven;
    } else if (slackGiven) {
      const create = request.teams as { teamId?: string; displayName?: string };
      const teamId = create.teamId ?? (await this.defaultTeam(orgId, teamsConnectionId));
      teams = await this.createTeamsChannel(orgId, teamsConnectionId, teamId, create.displayName ?? teamsChannelName(slackGiven.name), slackGiven.private);
      slack = slackGiven;
      createdSide = 'teams';
    } else {
      const given = teamsGiven as TeamsChannelView;
      const create = request.slack as { name?: string };
      slack = await this.createSlackChannel(orgId, slackConnectionId, create.name ?? slackChannelName(given.displayName), given.membershipType === 'private');
      teams = given;
      createdSide = 'slack';
    }

    const link: NewChannelLink = {
      id: randomUUID(),
      orgId,
      slack: { connectionId: slackConnectionId, channelId: slack.id, name: slack.name },
      teams: { connectionId: teamsConnectionId, teamId: teams.teamId, channelId: teams.id, displayName: teams.displayName },
      private: slack.private,
      createdSide,
      teamsConversationId: teamsChannelConversationId(teams.teamId, teams.id),
    };
    const row = await this.dataSource.transaction(async (manager) => {
      // Two admins linking the same channel at once: one waits for the other, then sees its link and is refused.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1)), pg_advisory_xact_lock(hashtext($2))`, [
        `relay.channel:slack:${slack.id}`,
        `relay.channel:teams:${teams.teamId}/${teams.id}`,
      ]);
      await this.refuseLive('slack', slackConnectionId, slack.id, undefined, manager);
      await this.refuseLive('teams', teamsConnectionId, teams.id, teams.teamId, manager);
      const earlier = await unlinkedPair(manager, orgId, link);
      const saved = earlier ? await relink(manager, earlier.id) : await insertChannelLink(manager, link);
      await this.announce(manager, saved, 'linked');
      return saved;
    });
    this.logger.info({ orgId, linkId: row.id, createdSide, private: row.private }, 'relay: channels linked');
    return channelLinkView(row);
  }

  async list(orgId: string, query: RelayPageQuery): Promise<ChannelLinkPage> {
    const params: unknown[] = [orgId];
    let where = 'org_id = $1 AND unlinked_at IS NULL';
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor);
      params.push(cursor.at, cursor.id);
      where += ` AND (created_at, id) < ($2::timestamptz, $3::uuid)`;
    }
    params.push(query.limit + 1);
    const found = await rows<ChannelLinkRow & { at: string }>(
      this.dataSource,
      `SELECT *, created_at::text AS at FROM relay.channel_links WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const page = found.slice(0, query.limit);
    const last = page[page.length - 1];
    return { items: page.map(channelLinkView), nextCursor: found.length > query.limit && last ? encodeCursor(last.at, last.id) : null };
  }

  async get(orgId: string, linkId: string): Promise<ChannelLinkView> {
    return channelLinkView(await this.live(this.dataSource, orgId, linkId));
  }

  /** Stops the flow: the link is kept as unlinked (its history stays readable), and the connectors stop listening. */
  async remove(orgId: string, linkId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const row = await this.live(manager, orgId, linkId, true);
      await this.announce(manager, await unlink(manager, row.id), 'unlinked');
    });
    this.logger.info({ orgId, linkId }, 'relay: channels unlinked');
  }

  private async live(db: Sql, orgId: string, linkId: string, lock = false): Promise<ChannelLinkRow> {
    if (!UUID.test(linkId)) throw notFound('channel link');
    const row = await firstRow<ChannelLinkRow>(
      db,
      `SELECT * FROM relay.channel_links WHERE id = $1 AND org_id = $2 AND unlinked_at IS NULL${lock ? ' FOR UPDATE' : ''}`,
      [linkId, orgId],
    );
    if (!row) throw notFound('channel link');
    return row;
  }

  private async announce(manager: EntityManager, row: ChannelLinkRow, change: 'linked' | 'unlinked'): Promise<void> {
    await this.outbox.enqueue(manager, 'parley.channel.link.changed.v1', {
      orgId: row.org_id,
      linkId: row.id,
      change,
      slack: { connectionId: row.slack_connection_id, channelId: row.slack_channel_id },
      teams: { connectionId: row.teams_connection_id, teamId: row.team_id, channelId: row.teams_channel_id },
      private: row.private,
      occurredAt: new Date().toISOString(),
    });
  }

  private async refuseLive(side: Side, connectionId: string, channelId: string, teamId?: string, db: Sql = this.dataSource): Promise<void> {
    const existing = await liveLinkOf(db, side, connectionId, channelId, teamId);
    if (!existing) return;
    const field = `${side}.channelId`;
    throw new ProblemException(409, `This ${side === 'slack' ? 'Slack' : 'Teams'} channel is linked already (link ${existing.id}); unlink it first.`, CHANNEL_ALREADY_LINKED_PROBLEM, [
      { field, message: 'the channel is in another link' },
    ]);
  }

  private async slackChannel(orgId: string, connectionId: string, channelId: string): Promise<SlackChannelView> {
    const channel = await this.read(() => this.access.send(internalRoutes['slack-connector'].channel, { params: { orgId, connectionId, channelId } }), 'slack.channelId');
    if (channel.archived) throw unlinkable('slack.channelId', 'The Slack channel is archived.');
    if (channel.private && !channel.appIsMember) {
      throw unlinkable('slack.channelId', 'The Slack channel is private and the Parley app is not in it: a member must add the app (/invite @Parley) first.');
    }
    return channel;
  }

  private async teamsChannel(orgId: string, connectionId: string, teamId: string, channelId: string): Promise<TeamsChannelView> {
    const channel = await this.read(
      () => this.access.send(internalRoutes['teams-connector'].channel, { params: { orgId, connectionId, teamId, channelId } }),
      'teams.channelId',
    );
    if (channel.membershipType === 'shared') throw unlinkable('teams.channelId', 'Shared Teams channels cannot be linked yet: Graph gives no per-channel guest membership for them.');
    return channel;
  }

  private async createSlackChannel(orgId: string, connectionId: string, name: string, isPrivate: boolean): Promise<SlackChannelView> {
    return this.read(
      () => this.access.send(internalRoutes['slack-connector'].createChannel, { params: { orgId, connectionId }, body: { name, private: isPrivate } }),
      'slack.name',
    );
  }

  private async createTeamsChannel(orgId: string, connectionId: string, teamId: string, displayName: string, isPrivate: boolean): Promise<TeamsChannelView> {
    return this.read(
      () => this.access.send(internalRoutes['teams-connector'].createChannel, { params: { orgId, connectionId, teamId }, body: { displayName, private: isPrivate } }),
      'teams.displayName',
    );
  }

  private async defaultTeam(orgId: string, connectionId: string): Promise<string> {
    const connection = await this.access.send(internalRoutes.identity.connection, { params: { orgId, connectionId } });
    const teamIds = 'teamIds' in connection.settings ? connection.settings.teamIds : [];
    if (!teamIds[0]) throw unlinkable('teams.teamId', 'The Teams connection names no team; give teams.teamId.');
    return teamIds[0];
  }

  /** A connector's answer, its refusals named by the field the admin sent. */
  private async read<T>(call: () => Promise<T>, field: string): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof InternalApiError)) throw error;
      const detail = String(error.problem.detail ?? error.message);
      if (error.status === 404) throw unlinkable(field, `No such channel: ${detail}`);
      if (error.status === 409) throw new ProblemException(409, detail, CHANNEL_NAME_TAKEN_PROBLEM, [{ field, message: 'the name is taken' }]);
      if (error.status === 400 || error.status === 422) throw unlinkable(field, detail);
      throw new ProblemException(502, `The platform could not be reached to check the channel: ${detail}`);
    }
  }
}
