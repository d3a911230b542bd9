import { z } from 'zod';
import { orgId } from '@parley/contracts';
import {
  channelLinkPage,
  channelLinkView,
  createChannelLinkRequest,
  createSlackChannelRequest,
  createTeamsChannelRequest,
  slackChannelView,
  teamsChannelView,
} from './channel-links';
import { conversationPage, relayedMessagePage, relayPageQuery, relaySettingsView, updateRelaySettingsRequest } from './conversations';
import {
  connectionList,
  connectionView,
  connectionWithSecrets,
  createConnectionRequest,
  slackConnectionInput,
  teamsConnectionInput,
  teamsNotificationKeySet,
  verifyConnectionResult,
} from './connections';
import { adoptOrganizationRequest, createOrganizationRequest, organizationView } from './organizations';
import {
  completeConsentRequest,
  completeConsentResult,
  consentLink,
  consentLinkQuery,
  guestPasswordRequest,
  guestPasswordResult,
  listPeopleQuery,
  peoplePage,
  personView,
  redeemConsentPromptRequest,
  resolvedPeople,
  resolvePeopleRequest,
  slackUserTokenRequest,
  slackUserTokenResult,
  tokenRequest,
  tokenResult,
  updatePersonRequest,
} from './people';
import { defineRoute, type AnyInternalRoute, type InternalService } from './route';
import { startUserSyncRequest, userSyncList, userSyncView } from './user-syncs';

/**
 * Ids other than the org's are not checked by their shape: an id that names nothing (a malformed one included) is
 * the callee's plain 404, so a caller cannot tell "malformed" from "not yours".
 */
const id = z.string().min(1);
const noParams = z.object({});
const org = z.object({ orgId });

/**
 * A connector's `fileContent` route (ADR 0039): the bytes of a file it named in parley.message.received.v2 (`ref`),
 * streamed from its platform with a token that can read it; 404 once the handle is gone or the file was deleted. It
 * answers bytes, not JSON: call it with `InternalApiClient.stream`. 200, not the 204 of a route without a JSON answer,
 * which would make HTTP drop the body.
 */
const fileContentRoute = <S extends 'slack-connector' | 'teams-connector'>(service: S) =>
  defineRoute({
    service,
    method: 'GET',
    path: '/internal/orgs/:orgId/connections/:connectionId/files/:ref/content',
    params: z.object({ orgId, connectionId: id, ref: id }),
    response: null,
    status: 200,
  });

/**
 * Every internal HTTP route, grouped by the service that answers it: the one place a path, method or schema is
 * written (ADR 0016). Callers use `InternalApiClient.send(route, ...)`, controllers `@InternalRoute(route)`, test fakes
 * `matchRoute(route, method, path)`; a unit test per service fails when a route has no handler or a handler no route.
 */
export const internalRoutes = {
  identity: {
    /** gateway, for the operator's /v1/orgs: a new organization; identity makes its id. */
    createOrganization: defineRoute({ service: 'identity', method: 'POST', path: '/internal/orgs', params: noParams, body: createOrganizationRequest, response: organizationView }),
    organization: defineRoute({ service: 'identity', method: 'GET', path: '/internal/orgs/:orgId', params: org, response: organizationView }),
    /** gateway: an organization an earlier version kept in its own schema, with its id (ADR 0009). Idempotent. */
    adoptOrganization: defineRoute({
      service: 'identity',
      method: 'PUT',
      path: '/internal/orgs/:orgId',
      params: org,
      body: adoptOrganizationRequest,
      response: organizationView,
    }),
    /** gateway, after the connector verified the credentials: identity seals the secrets, answers the view. */
    createConnection: defineRoute({
      service: 'identity',
      method: 'POST',
      path: '/internal/orgs/:orgId/connections',
      params: org,
      body: createConnectionRequest,
      response: connectionView,
    }),
    connections: defineRoute({ service: 'identity', method: 'GET', path: '/internal/orgs/:orgId/connections', params: org, response: connectionList }),
    /**
     * slack-connector's Events API ingress: the live connection of the workspace an event names (`team_id`); the view,
     * never a secret. 404 when no organization connected it.
     */
    slackWorkspaceConnection: defineRoute({
      service: 'identity',
      method: 'GET',
      path: '/internal/slack-workspaces/:teamId/connection',
      params: z.object({ teamId: id }),
      response: connectionView,
    }),
    /** Connectors that keep something running per connection (Teams subscriptions): every live one of a platform. */
    platformConnections: defineRoute({
      service: 'identity',
      method: 'GET',
      path: '/internal/connections',
      params: noParams,
      query: z.strictObject({ platform: z.enum(['slack', 'teams']) }),
      response: connectionList,
    }),
    connection: defineRoute({
      service: 'identity',
      method: 'GET',
      path: '/internal/orgs/:orgId/connections/:connectionId',
      params: z.object({ orgId, connectionId: id }),
      response: connectionView,
    }),
    deleteConnection: defineRoute({
      service: 'identity',
      method: 'DELETE',
      path: '/internal/orgs/:orgId/connections/:connectionId',
      params: z.object({ orgId, connectionId: id }),
      response: null,
    }),
    /** slack-connector only, for a command about to call Slack with the tokens (ADR 0011). */
    connectionSecrets: defineRoute({
      service: 'identity',
      method: 'GET',
      path: '/internal/orgs/:orgId/connections/:connectionId/secrets',
      params: z.object({ orgId, connectionId: id }),
      response: connectionWithSecrets,
    }),
    /**
     * teams-connector only: Parley's notification certificates for a Teams connection, private keys opened from the
     * vault (ADR 0028). An empty set (`activeKeyId: null`) until the connector made the first one.
     */
    teamsNotificationKeys: defineRoute({
      service: 'identity',
      method: 'GET',
      path: '/internal/orgs/:orgId/connections/:connectionId/teams-notification-keys',
      params: z.object({ orgId, connectionId: id }),
      response: teamsNotificationKeySet,
    }),
    /** teams-connector only: the whole set after a rotation (a new active key, keys no subscription uses dropped). */
    putTeamsNotificationKeys: defineRoute({
      service: 'identity',
      method: 'PUT',
      path: '/internal/orgs/:orgId/connections/:connectionId/teams-notification-keys',
      params: z.object({ orgId, connectionId: id }),
      body: teamsNotificationKeySet,
      response: null,
    }),
    people: defineRoute({ service: 'identity', method: 'GET', path: '/internal/orgs/:orgId/people', params: org, query: listPeopleQuery, response: peoplePage }),
    person: defineRoute({
      service: 'identity',
      method: 'GET',
      path: '/internal/orgs/:orgId/people/:personId',
      params: z.object({ orgId, personId: id }),
      response: personView,
    }),
    /** relay: who the platform user ids of one platform are (people with their accounts), in one call. */
    resolvePeople: defineRoute({
      service: 'identity',
      method: 'POST',
      path: '/internal/orgs/:orgId/people/resolve',
      params: org,
      body: resolvePeopleRequest,
      response: resolvedPeople,
      status: 200,
    }),
    /** An admin's explicit primary platform; later syncs keep it. */
    updatePerson: defineRoute({
      service: 'identity',
      method: 'PATCH',
      path: '/internal/orgs/:orgId/people/:personId',
      params: z.object({ orgId, personId: id }),
      body: updatePersonRequest,
      response: personView,
    }),
    consentLink: defineRoute({
      service: 'identity',
      method: 'GET',
      path: '/internal/orgs/:orgId/people/:personId/consent-link',
      params: z.object({ orgId, personId: id }),
      query: consentLinkQuery,
      response: consentLink,
    }),
    /** teams-connector: the home account's password behind a person's guest (the same on every call). */
    guestPassword: defineRoute({
      service: 'identity',
      method: 'POST',
      path: '/internal/orgs/:orgId/people/:personId/guest-password',
      params: z.object({ orgId, personId: id }),
      body: guestPasswordRequest,
      response: guestPasswordResult,
      status: 200,
    }),
    /** Connectors: an access token for the app, the team owner or a person. */
    token: defineRoute({ service: 'identity', method: 'POST', path: '/internal/orgs/:orgId/tokens', params: org, body: tokenRequest, response: tokenResult, status: 200 }),
    /** slack-connector: a consented Teams-primary person's Slack user token; 409 NEEDS_ATTENTION_PROBLEM until then. */
    slackUserToken: defineRoute({
      service: 'identity',
      method: 'POST',
      path: '/internal/orgs/:orgId/slack-user-tokens',
      params: org,
      body: slackUserTokenRequest,
      response: slackUserTokenResult,
      status: 200,
    }),
    /** The gateway's OAuth callback (Account Sync) hands over the code and state. */
    completeConsent: defineRoute({
      service: 'identity',
      method: 'POST',
      path: '/internal/consent',
      params: noParams,
      body: completeConsentRequest,
      response: completeConsentResult,
      status: 200,
    }),
    /** The gateway's Slack callback hands over the code and state. */
    completeSlackConsent: defineRoute({
      service: 'identity',
      method: 'POST',
      path: '/internal/consent/slack',
      params: noParams,
      body: completeConsentRequest,
      response: completeConsentResult,
      status: 200,
    }),
    /** The gateway's /auth/slack/start: a consent prompt's token traded for a fresh Slack consent link. */
    redeemSlackConsentPrompt: defineRoute({
      service: 'identity',
      method: 'POST',
      path: '/internal/consent/slack/prompts',
      params: noParams,
      body: redeemConsentPromptRequest,
      response: consentLink,
      status: 200,
    }),
  },
  provisioning: {
    /** 202 with the queued job; 409 SYNC_CONFLICT_PROBLEM naming the active job while one is queued or running. */
    startUserSync: defineRoute({
      service: 'provisioning',
      method: 'POST',
      path: '/internal/orgs/:orgId/user-syncs',
      params: org,
      body: startUserSyncRequest,
      response: userSyncView,
      status: 202,
    }),
    userSyncs: defineRoute({ service: 'provisioning', method: 'GET', path: '/internal/orgs/:orgId/user-syncs', params: org, response: userSyncList }),
    userSync: defineRoute({
      service: 'provisioning',
      method: 'GET',
      path: '/internal/orgs/:orgId/user-syncs/:syncId',
      params: z.object({ orgId, syncId: id }),
      response: userSyncView,
    }),
  },
  'slack-connector': {
    /** gateway: check Slack credentials against Slack before identity stores them. */
    verifyConnection: defineRoute({
      service: 'slack-connector',
      method: 'POST',
      path: '/internal/connections/verify',
      params: noParams,
      body: slackConnectionInput,
      response: verifyConnectionResult,
      status: 200,
    }),
    /** relay, linking a channel: the channel as the bot sees it; 404 when the workspace has no such channel. */
    channel: defineRoute({
      service: 'slack-connector',
      method: 'GET',
      path: '/internal/orgs/:orgId/connections/:connectionId/slack-channels/:channelId',
      params: z.object({ orgId, connectionId: id, channelId: id }),
      response: slackChannelView,
    }),
    /** teams-connector, posting a message with files from Slack (ADR 0039). */
    fileContent: fileContentRoute('slack-connector'),
    /** relay, "create the twin": a new channel made by the bot (the app is its member); 409 when the name is taken. */
    createChannel: defineRoute({
      service: 'slack-connector',
      method: 'POST',
      path: '/internal/orgs/:orgId/connections/:connectionId/slack-channels',
      params: z.object({ orgId, connectionId: id }),
      body: createSlackChannelRequest,
      response: slackChannelView,
      status: 201,
    }),
  },
  'teams-connector': {
    /** gateway: check Teams credentials against Microsoft before identity stores them. */
    verifyConnection: defineRoute({
      service: 'teams-connector',
      method: 'POST',
      path: '/internal/connections/verify',
      params: noParams,
      body: teamsConnectionInput,
      response: verifyConnectionResult,
      status: 200,
    }),
    /** relay, linking a channel: the channel as the app reads it; 404 when the team has no such channel. */
    channel: defineRoute({
      service: 'teams-connector',
      method: 'GET',
      path: '/internal/orgs/:orgId/connections/:connectionId/teams/:teamId/channels/:channelId',
      params: z.object({ orgId, connectionId: id, teamId: id, channelId: id }),
      response: teamsChannelView,
    }),
    /** slack-connector, posting a message with files from Teams (ADR 0039): as slack-connector's `fileContent`. */
    fileContent: fileContentRoute('teams-connector'),
    /** relay, "create the twin": a new channel in the team, made by the team owner Parley signs in as. */
    createChannel: defineRoute({
      service: 'teams-connector',
      method: 'POST',
      path: '/internal/orgs/:orgId/connections/:connectionId/teams/:teamId/channels',
      params: z.object({ orgId, connectionId: id, teamId: id }),
      body: createTeamsChannelRequest,
      response: teamsChannelView,
      status: 201,
    }),
  },
  relay: {
    /** gateway, for /v1/conversations: the org's relayed twins, newest first. */
    conversations: defineRoute({ service: 'relay', method: 'GET', path: '/internal/orgs/:orgId/conversations', params: org, query: relayPageQuery, response: conversationPage }),
    /** gateway, for /v1/conversations/{id}/messages: each message with its delivery state on the other side. */
    conversationMessages: defineRoute({
      service: 'relay',
      method: 'GET',
      path: '/internal/orgs/:orgId/conversations/:conversationId/messages',
      params: z.object({ orgId, conversationId: id }),
      query: relayPageQuery,
      response: relayedMessagePage,
    }),
    /** gateway, POST /v1/channel-links: both channels checked (or one created), then the link made; 201. */
    createChannelLink: defineRoute({
      service: 'relay',
      method: 'POST',
      path: '/internal/orgs/:orgId/channel-links',
      params: org,
      body: createChannelLinkRequest,
      response: channelLinkView,
      status: 201,
    }),
    channelLinks: defineRoute({ service: 'relay', method: 'GET', path: '/internal/orgs/:orgId/channel-links', params: org, query: relayPageQuery, response: channelLinkPage }),
    channelLink: defineRoute({
      service: 'relay',
      method: 'GET',
      path: '/internal/orgs/:orgId/channel-links/:linkId',
      params: z.object({ orgId, linkId: id }),
      response: channelLinkView,
    }),
    /** gateway, /v1/relay-settings: the organization's relay settings (defaults until an admin changes them). */
    relaySettings: defineRoute({ service: 'relay', method: 'GET', path: '/internal/orgs/:orgId/relay-settings', params: org, response: relaySettingsView }),
    updateRelaySettings: defineRoute({
      service: 'relay',
      method: 'PATCH',
      path: '/internal/orgs/:orgId/relay-settings',
      params: org,
      body: updateRelaySettingsRequest,
      response: relaySettingsView,
    }),
    /** Unlinking stops the flow and leaves both channels and their history alone; 204. */
    deleteChannelLink: defineRoute({
      service: 'relay',
      method: 'DELETE',
      path: '/internal/orgs/:orgId/channel-links/:linkId',
      params: z.object({ orgId, linkId: id }),
      response: null,
    }),
  },
} as const;

export type InternalRoutes = typeof internalRoutes;

/**
 * Each route is grouped under the service that answers it. Checked here rather than with `satisfies`, which would
 * give every route's absent query and body the contextual type `any`.
 */
type GroupedByService = { readonly [S in InternalService]: Readonly<Record<string, AnyInternalRoute & { readonly service: S }>> };
const groupedByService: GroupedByService = internalRoutes;
void groupedByService;

/** The routes a service answers. */
export function routesOf(service: InternalService): AnyInternalRoute[] {
  return Object.values(internalRoutes[service]);
}

/** Every route of every service. */
export function allInternalRoutes(): AnyInternalRoute[] {
  return (Object.keys(internalRoutes) as InternalService[]).flatMap(routesOf);
}
