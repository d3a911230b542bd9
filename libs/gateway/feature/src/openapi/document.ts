import { z } from 'zod';
import '../dead-letters/dead-letter.schemas';
import '../http/problem.schema';
import '../orgs/org.schemas';
import { publicPaths } from '@parley/internal-api';
import { apiInputSchemas, apiSchemas } from './registry';
import './shared-schemas';

type JsonObject = Record<string, unknown>;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string) => ({ 'application/json': { schema: ref(id) } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('ProblemDetails') } } });

const unauthorized = problem('No API key, or one that is not valid.');
const invalid = problem('The request is malformed: `errors` names each bad field.');
const notFound = problem('No such resource, or one that belongs to another organization.');
const forbidden = problem('The route needs the operator API key.');
const orgOnly = problem('The route needs an organization admin API key (the operator key belongs to no organization).');
const unavailable = problem('Another Parley service did not answer (503) or answered something unusable (502); try again shortly.');
const id = (what: string) => ({ name: 'id', in: 'path', required: true, description: `The ${what}'s id.`, schema: { type: 'string', format: 'uuid' } });
const deadLetterId = { name: 'id', in: 'path', required: true, description: 'The dead letter\'s id (`id` in the listing).', schema: { type: 'string' } };
const pageParameters = [
  { name: 'cursor', in: 'query', required: false, description: '`nextCursor` of the previous page.', schema: { type: 'string', maxLength: 500 } },
  { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
];
const orgScoped = { '401': unauthorized, '403': orgOnly, '502': unavailable, '503': unavailable };
/** What Graph's change and lifecycle notification URLs share: public, the validation handshake, the same answers. */
const graphCallback = {
  security: [],
  parameters: [{ name: 'validationToken', in: 'query', required: false, schema: { type: 'string' } }],
  requestBody: { required: false, content: { 'application/json': { schema: { type: 'object' } } } },
  responses: {
    '200': { description: 'The validation handshake, answered with the token (text/plain).' },
    '202': { description: 'Notifications taken.' },
    '400': problem('Not a notification collection, or a `validationToken` longer than Graph sends.'),
    '401': problem('A `clientState` or a validation token did not match.'),
    '503': problem('teams-connector did not answer; Graph sends the notification again.'),
  },
};
const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });

/**
 * The gateway's OpenAPI 3.1 document, built from the same zod schemas that validate requests, so the two cannot
 * disagree. Deterministic: docs/api/openapi.json is this function's output, and a unit test keeps them equal.
 */
export function buildOpenApiDocument(): JsonObject {
  const uri = (schemaId: string) => `#/components/schemas/${schemaId}`;
  const generated = {
    ...z.toJSONSchema(apiSchemas, { uri, unrepresentable: 'any' }).schemas,
    ...z.toJSONSchema(apiInputSchemas, { uri, unrepresentable: 'any', io: 'input' }).schemas,
  };
  const schemas: Record<string, JsonObject> = {};
  for (const schemaId of Object.keys(generated).sort()) {
    const { $schema: _s, $id: _i, ...schema } = generated[schemaId] as JsonObject;
    schemas[schemaId] = schema;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Parley gateway API',
      version: '1.0.0',
      description:
        'The admin API of Parley (Slack <-> Microsoft Teams). Every `/v1` request carries `Authorization: Bearer <api key>`: ' +
        'the operator key (configuration `PARLEY_OPERATOR_API_KEY`) creates organizations; an organization admin key sees ' +
        'only its own organization, and another organization\'s resources answer 404. Errors are RFC 9457 problem details.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'orgs', description: 'Organizations and their admin keys.' },
      { name: 'connections', description: 'Connect Platforms: the Slack workspace and the Teams tenant of an organization.' },
      { name: 'user-syncs', description: 'User Sync jobs: make every person present on both platforms.' },
      { name: 'people', description: 'The organization\'s people and their account on each platform.' },
      { name: 'conversations', description: 'Relayed conversations and the delivery state of each message on the other side.' },
      { name: 'channel-links', description: 'Channel Sync: a Slack channel and a Teams channel carried both ways.' },
      { name: 'consent', description: 'Account Sync: where a person\'s browser lands after consenting (no API key).' },
      { name: 'operations', description: 'For the operator running Parley.' },
      { name: 'platform-callbacks', description: 'Where Slack and Microsoft Graph call Parley. Not for API clients: each request is verified by its platform\'s own means.' },
    ],
    paths: {
      '/v1/orgs': {
        post: {
          operationId: 'createOrg',
          tags: ['orgs'],
          summary: 'Create an organization (operator key)',
          description: 'Answers with the organization and its first admin API key, which is shown this once.',
          requestBody: { required: true, content: json('CreateOrgRequest') },
          responses: {
            '201': { description: 'Created.', content: json('CreatedOrg') },
            '400': invalid,
            '401': unauthorized,
            '403': forbidden,
            '502': unavailable,
            '503': unavailable,
          },
        },
      },
      '/v1/orgs/{id}': {
        get: {
          operationId: 'getOrg',
          tags: ['orgs'],
          summary: 'Get an organization (operator key or that organization\'s key)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^org_[A-Za-z0-9]{8,40}$' } }],
          responses: {
            '200': { description: 'The organization.', content: json('Org') },
            '401': unauthorized,
            '404': notFound,
            '502': unavailable,
            '503': unavailable,
          },
        },
      },
      '/v1/connections': {
        post: {
          operationId: 'createConnection',
          tags: ['connections'],
          summary: 'Connect a platform (org key)',
          description:
            'Parley checks the credentials against the platform first (Slack: auth.test, granted scopes, SCIM if a token is ' +
            'given; Teams: app tokens in both tenants, the roles Guest Account Sync needs, each team, the team owner\'s ' +
            'sign-in). Answers the connection without its secrets, or 422 naming each refused field. One connection per ' +
            'platform: a second one answers 409. A Slack workspace or Microsoft 365 tenant belongs to one organization at a ' +
            'time: connecting one that is connected already answers 409 naming the field (`botToken`, `tenantId`), without ' +
            'saying which organization holds it; deleting that connection frees it.',
          requestBody: { required: true, content: json('ConnectionInput') },
          responses: {
            '201': { description: 'Connected.', content: json('Connection') },
            '400': invalid,
            ...orgScoped,
            '409': problem(
              'The organization already has a connection for this platform, or the workspace or tenant is connected already ' +
                '(type `https://parley.dev/problems/workspace-already-connected`, `errors` names the field).',
            ),
            '422': problem('The platform refused the credentials: `errors` names each field (`field`, `reason`).'),
          },
        },
        get: {
          operationId: 'listConnections',
          tags: ['connections'],
          summary: 'List the organization\'s connections (org key)',
          responses: { '200': { description: 'The connections.', content: json('ConnectionList') }, ...orgScoped },
        },
      },
      '/v1/connections/{id}': {
        get: {
          operationId: 'getConnection',
          tags: ['connections'],
          summary: 'Get a connection (org key)',
          parameters: [id('connection')],
          responses: { '200': { description: 'The connection.', content: json('Connection') }, '404': notFound, ...orgScoped },
        },
        delete: {
          operationId: 'deleteConnection',
          tags: ['connections'],
          summary: 'Disconnect a platform (org key)',
          description: 'Parley forgets the connection and its sealed secrets.',
          parameters: [id('connection')],
          responses: { '204': { description: 'Deleted.' }, '404': notFound, ...orgScoped },
        },
      },
      '/v1/user-syncs': {
        post: {
          operationId: 'startUserSync',
          tags: ['user-syncs'],
          summary: 'Start a user sync (org key)',
          description:
            'Imports both directories, matches people by email and provisions what is missing: a Teams guest for each ' +
            'Slack-only person, a Slack mirror for each Teams-only person. Runs in the background: poll the Location. ' +
            'Only one sync per organization at a time.',
          requestBody: { required: true, content: json('CreateUserSyncRequest') },
          responses: {
            '202': {
              description: 'Queued.',
              headers: { Location: { description: 'The sync: `/v1/user-syncs/{id}`.', schema: { type: 'string' } } },
              content: json('UserSync'),
            },
            '400': invalid,
            ...orgScoped,
            '409': problem('A sync is already queued or running for the organization: `activeSyncId` names it.'),
          },
        },
        get: {
          operationId: 'listUserSyncs',
          tags: ['user-syncs'],
          summary: 'List the organization\'s user syncs (org key)',
          responses: { '200': { description: 'The syncs, newest first.', content: json('UserSyncList') }, ...orgScoped },
        },
      },
      '/v1/user-syncs/{id}': {
        get: {
          operationId: 'getUserSync',
          tags: ['user-syncs'],
          summary: 'Get a user sync and its progress (org key)',
          parameters: [id('user sync')],
          responses: { '200': { description: 'The sync.', content: json('UserSync') }, '404': notFound, ...orgScoped },
        },
      },
      '/v1/people': {
        get: {
          operationId: 'listPeople',
          tags: ['people'],
          summary: 'List people (org key)',
          parameters: [
            { name: 'query', in: 'query', required: false, description: 'Part of a name or email.', schema: { type: 'string', maxLength: 200 } },
            { name: 'primaryPlatform', in: 'query', required: false, schema: { type: 'string', enum: ['slack', 'teams'] } },
            {
              name: 'status',
              in: 'query',
              required: false,
              description: '`needs_attention`: people with an account an admin must look at.',
              schema: { type: 'string', enum: ['active', 'deactivated', 'needs_attention'] },
            },
            { name: 'cursor', in: 'query', required: false, description: '`nextCursor` of the previous page.', schema: { type: 'string', maxLength: 200 } },
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
          ],
          responses: { '200': { description: 'A page of people.', content: json('PeoplePage') }, '400': invalid, ...orgScoped },
        },
      },
      '/v1/people/{id}': {
        get: {
          operationId: 'getPerson',
          tags: ['people'],
          summary: 'Get a person and their accounts (org key)',
          parameters: [id('person')],
          responses: { '200': { description: 'The person.', content: json('Person') }, '404': notFound, ...orgScoped },
        },
        patch: {
          operationId: 'updatePerson',
          tags: ['people'],
          summary: 'Set a person\'s primary platform (org key)',
          parameters: [id('person')],
          requestBody: { required: true, content: json('UpdatePersonRequest') },
          responses: { '200': { description: 'The person.', content: json('Person') }, '400': invalid, '404': notFound, ...orgScoped },
        },
      },
      '/v1/conversations': {
        get: {
          operationId: 'listConversations',
          tags: ['conversations'],
          summary: 'List relayed conversations (org key)',
          parameters: pageParameters,
          responses: { '200': { description: 'A page of conversations, newest first.', content: json('ConversationPage') }, '400': invalid, ...orgScoped },
        },
      },
      '/v1/conversations/{id}/messages': {
        get: {
          operationId: 'listConversationMessages',
          tags: ['conversations'],
          summary: 'List the messages of a relayed conversation with their state on the other side (org key)',
          parameters: [id('conversation'), ...pageParameters],
          responses: {
            '200': { description: 'A page of messages, newest first.', content: json('RelayedMessagePage') },
            '400': invalid,
            '404': notFound,
            ...orgScoped,
          },
        },
      },
      '/v1/channel-links': {
        post: {
          operationId: 'createChannelLink',
          tags: ['channel-links'],
          summary: 'Link a Slack channel with a Teams channel, or create the twin of one (org key)',
          description:
            'Parley reads both channels from their platforms (or creates the missing one), then carries every new message, ' +
            'reply, edit, delete and reaction both ways, posted as its author: a Slack-primary person as their Teams guest ' +
            '(added to the team when needed), a Teams-primary person with their consented Slack token, else the app with ' +
            'their name and picture. History from before the link is not carried.',
          requestBody: { required: true, content: json('CreateChannelLinkRequest') },
          responses: {
            '201': { description: 'Linked.', content: json('ChannelLink') },
            '400': invalid,
            '409': problem('A channel is linked already (unlink it first), the name for a created channel is taken, or a platform is not connected; `errors` names the field.'),
            '422': problem('A channel cannot be linked: no such channel, archived, private without the app in it, or private with public; `errors` names the field.'),
            ...orgScoped,
          },
        },
        get: {
          operationId: 'listChannelLinks',
          tags: ['channel-links'],
          summary: 'List channel links (org key)',
          parameters: pageParameters,
          responses: { '200': { description: 'A page of links, newest first.', content: json('ChannelLinkPage') }, '400': invalid, ...orgScoped },
        },
      },
      '/v1/channel-links/{id}': {
        get: {
          operationId: 'getChannelLink',
          tags: ['channel-links'],
          summary: 'Get a channel link (org key)',
          parameters: [id('channel link')],
          responses: { '200': { description: 'The link.', content: json('ChannelLink') }, '404': notFound, ...orgScoped },
        },
        delete: {
          operationId: 'deleteChannelLink',
          tags: ['channel-links'],
          summary: 'Unlink two channels (org key)',
          description: 'The flow stops; both channels and what was carried stay as they are. Linking the same pair again resumes it.',
          parameters: [id('channel link')],
          responses: { '204': { description: 'Unlinked.' }, '404': notFound, ...orgScoped },
        },
      },
      '/v1/relay-settings': {
        get: {
          operationId: 'getRelaySettings',
          tags: ['conversations'],
          summary: 'Get the organization\'s relay settings (org key)',
          responses: { '200': { description: 'The settings.', content: json('RelaySettings') }, ...orgScoped },
        },
        patch: {
          operationId: 'updateRelaySettings',
          tags: ['conversations'],
          summary: 'Turn file relay on or off (org key)',
          description:
            'With `fileRelay: false`, messages are still carried but their files and images are not: each is named in a ' +
            'note in the message, and the delivery state says why. Takes effect for the next message.',
          requestBody: { required: true, content: json('UpdateRelaySettingsRequest') },
          responses: { '200': { description: 'The settings.', content: json('RelaySettings') }, '400': invalid, ...orgScoped },
        },
      },
      '/v1/people/{id}/consent-link': {
        get: {
          operationId: 'getConsentLink',
          tags: ['people'],
          summary: 'Get a single-use consent link for Teams (Account Sync) or Slack (org key)',
          description:
            'The link the person opens once to let Parley act for them. `platform=teams` (the default): Account Sync, on ' +
            'Microsoft sign-in, back to `<PARLEY_PUBLIC_URL>/auth/callback`. `platform=slack`: a Teams-primary person lets ' +
            'Parley speak as their Slack account (a user token with OAuth v2 user scopes), on Slack\'s authorize page, back ' +
            'to `<PARLEY_PUBLIC_URL>/auth/slack/callback`; the Slack connection needs the app\'s `clientId` and `clientSecret`.',
          parameters: [
            id('person'),
            { name: 'platform', in: 'query', required: false, description: 'Whose consent: Teams (default) or Slack.', schema: { type: 'string', enum: ['teams', 'slack'], default: 'teams' } },
          ],
          responses: {
            '200': { description: 'The link.', content: json('ConsentLink') },
            '400': invalid,
            '404': notFound,
            '409': problem(
              'The person cannot consent on that platform (no Teams account, no Slack account Parley can speak as, not Teams-primary ' +
                'for Slack, no connection, or a Slack connection without the app client credentials).',
            ),
            ...orgScoped,
          },
        },
      },
      '/auth/callback': {
        get: {
          operationId: 'consentCallback',
          tags: ['consent'],
          summary: 'Where the person\'s browser lands after consent (public)',
          description: 'Called by the identity platform\'s redirect, not by API clients. Answers a page for the person.',
          security: [],
          parameters: [
            { name: 'code', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'state', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'error', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'error_description', in: 'query', required: false, schema: { type: 'string' } },
          ],
          responses: {
            '200': html('Consent stored: Parley can act for the person in Teams.'),
            '400': html('Consent was refused, or the link is incomplete, used or expired.'),
            '503': html('Parley could not store the consent now; the person tries again later.'),
          },
        },
      },
      '/auth/slack/start': {
        get: {
          operationId: 'slackConsentPromptStart',
          tags: ['consent'],
          summary: 'Where the link in a person\'s Slack consent prompt leads (public)',
          description:
            'Opened by the person from the prompt Parley posts them on Teams, not by API clients. Trades the prompt for a fresh ' +
            'single-use consent link and redirects to Slack\'s authorize page, which returns to `/auth/slack/callback`.',
          security: [],
          parameters: [{ name: 'prompt', in: 'query', required: true, schema: { type: 'string' } }],
          responses: {
            '302': { description: 'Redirect to Slack\'s authorize page.' },
            '400': html('The prompt is unknown or has expired; the person asks their admin for a new link.'),
            '503': html('Parley could not issue the consent link now; the person tries again later.'),
          },
        },
      },
      '/auth/slack/callback': {
        get: {
          operationId: 'slackConsentCallback',
          tags: ['consent'],
          summary: 'Where the person\'s browser lands after Slack consent (public)',
          description: 'Called by Slack\'s redirect, not by API clients. Answers a page for the person.',
          security: [],
          parameters: [
            { name: 'code', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'state', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'error', in: 'query', required: false, schema: { type: 'string' } },
          ],
          responses: {
            '200': html('Consent stored: Parley can speak as the person on Slack.'),
            '400': html('Consent was refused, the person signed in to Slack as someone else, or the link is incomplete, used or expired.'),
            '503': html('Parley could not store the consent now; the person tries again later.'),
          },
        },
      },
      [publicPaths.slackEvents]: {
        post: {
          operationId: 'slackEvents',
          tags: ['platform-callbacks'],
          summary: 'Slack\'s Events API request URL (public, signed by Slack)',
          description:
            'Configured as the Slack app\'s Event Subscriptions request URL. Each request must carry a valid v0 ' +
            '`X-Slack-Signature` over the exact body made with the workspace\'s signing secret, and an ' +
            '`X-Slack-Request-Timestamp` within 5 minutes; anything else is refused and nothing is relayed. Answers ' +
            '`url_verification` with its challenge; events are acknowledged within Slack\'s 3 seconds and a retry of an ' +
            'event already taken (same `event_id`) is acknowledged without relaying it again.',
          security: [],
          parameters: [
            { name: 'X-Slack-Signature', in: 'header', required: true, schema: { type: 'string', pattern: '^v0=[0-9a-f]{64}$' } },
            { name: 'X-Slack-Request-Timestamp', in: 'header', required: true, schema: { type: 'string', pattern: '^[0-9]+$' } },
            { name: 'X-Slack-Retry-Num', in: 'header', required: false, schema: { type: 'string' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
          responses: {
            '200': { description: 'Taken (or a `url_verification` challenge answered).' },
            '400': problem('The body is not a JSON object, or it names no workspace.'),
            '401': problem('The signature or timestamp is missing, forged or stale, or the workspace has no Parley connection.'),
            '503': problem('slack-connector did not answer; Slack sends the event again.'),
          },
        },
      },
      [publicPaths.teamsNotifications]: {
        post: {
          operationId: 'teamsNotifications',
          tags: ['platform-callbacks'],
          summary: 'Microsoft Graph change notifications (public, verified by clientState and validation tokens)',
          description:
            'The `notificationUrl` of Parley\'s chat-message subscriptions. With `validationToken` in the query it is ' +
            'Graph\'s validation handshake, answered with the token as text/plain. Otherwise each notification must ' +
            'carry its subscription\'s `clientState`, and `validationTokens` must be valid tokens issued to Parley\'s app; ' +
            'encrypted resource data is decrypted with Parley\'s own certificate. Refused notifications relay nothing.',
          ...graphCallback,
        },
      },
      [publicPaths.teamsLifecycle]: {
        post: {
          operationId: 'teamsLifecycleNotifications',
          tags: ['platform-callbacks'],
          summary: 'Microsoft Graph lifecycle notifications (public)',
          description:
            'The `lifecycleNotificationUrl` of Parley\'s subscriptions: `reauthorizationRequired` and ' +
            '`subscriptionRemoved` (Teams sends no `missed`; Parley catches up by listing after any gap). Verified as ' +
            'change notifications are.',
          ...graphCallback,
        },
      },
      '/v1/dead-letters': {
        get: {
          operationId: 'listDeadLetters',
          tags: ['operations'],
          summary: 'List recent dead letters, newest first (operator key)',
          description: 'Messages a consumer could not handle, with the reason. The original value stays in the database for replay.',
          parameters: [
            { name: 'cursor', in: 'query', required: false, description: '`nextCursor` of the previous page.', schema: { type: 'string' } },
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
            {
              name: 'includeDiscarded',
              in: 'query',
              required: false,
              description: '`true` also lists the dead letters the operator discarded.',
              schema: { type: 'string', enum: ['true', 'false'], default: 'false' },
            },
          ],
          responses: {
            '200': { description: 'A page of dead letters.', content: json('DeadLetterPage') },
            '400': invalid,
            '401': unauthorized,
            '403': forbidden,
          },
        },
      },
      '/v1/dead-letters/{id}': {
        delete: {
          operationId: 'discardDeadLetter',
          tags: ['operations'],
          summary: 'Discard a dead letter (operator key)',
          description: 'It leaves the default listing and can no longer be retried. Discarding again changes nothing.',
          parameters: [deadLetterId],
          responses: {
            '200': { description: 'The dead letter, with `discardedAt`.', content: json('DeadLetter') },
            '401': unauthorized,
            '403': forbidden,
            '404': problem('No such dead letter.'),
          },
        },
      },
      '/v1/dead-letters/{id}/retry': {
        post: {
          operationId: 'retryDeadLetter',
          tags: ['operations'],
          summary: 'Send a dead letter again to its original topic (operator key)',
          description:
            'Publishes the original message unchanged (key, headers, bytes) to its original topic, where every consumer group ' +
            'of that topic receives it; the envelope keeps its event id, so consumers that already applied it do not apply ' +
            'it again. Records `retriedAt`. Only the first retry publishes: a second one answers the recorded state.',
          parameters: [deadLetterId],
          responses: {
            '200': { description: 'The dead letter, with `retriedAt`.', content: json('DeadLetter') },
            '401': unauthorized,
            '403': forbidden,
            '404': problem('No such dead letter.'),
            '409': problem('The dead letter was discarded, or its original topic no longer exists; nothing was published.'),
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The operator key or an organization admin key.' } },
      schemas,
    },
  };
}

/** The document as committed: two-space JSON with a trailing newline. */
export function renderOpenApiDocument(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}
