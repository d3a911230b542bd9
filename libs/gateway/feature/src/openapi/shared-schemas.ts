import {
  accountView,
  channelLinkPage,
  channelLinkView,
  createChannelLinkRequest,
  relaySettingsView,
  updateRelaySettingsRequest,
  connectionInput,
  consentLink,
  createUserSyncRequest,
  connectionView,
  conversationPage,
  conversationView,
  deliveryView,
  peoplePage,
  reactionDeliveryView,
  relayedMessagePage,
  relayedMessageView,
  personView,
  slackConnectionInput,
  slackSettings,
  teamsConnectionInput,
  teamsSettings,
  updatePersonRequest,
  userSyncList,
  userSyncView,
} from '@parley/internal-api';
import { connectionList } from '../connections/connection.schemas';
import { apiInputSchemas, apiSchemas } from './registry';

// The public API answers the views the owning services define in @parley/internal-api (parsed on the way through),
// so they are documented from the same schemas.

apiInputSchemas.add(slackConnectionInput, {
  id: 'SlackConnectionInput',
  description:
    'A Slack workspace. `botToken` needs the scopes users:read, users:read.email, chat:write and chat:write.customize. ' +
    '`scimToken` (an org-level token, Business+ or Enterprise) lets Parley make SCIM guest users as mirrors; without it ' +
    'mirrors are profiles on impersonated posts. `clientId` and `clientSecret` (the app\'s OAuth credentials, both or ' +
    'neither) let Teams-primary people give Parley their Slack consent (`GET /v1/people/{id}/consent-link?platform=slack`). ' +
    'Secrets are sealed by Parley and never returned.',
});
apiInputSchemas.add(teamsConnectionInput, {
  id: 'TeamsConnectionInput',
  description:
    'A Microsoft Teams tenant: an app registration in the customer tenant (`clientId`, `clientSecret`), the tenant where ' +
    'Parley creates the home accounts behind its guests (`homeTenantId`, `homeTenantDomain`), the teams guests join ' +
    '(`teamIds`) and a service account that owns them (`teamOwner`). Secrets are sealed by Parley and never returned.',
});
apiInputSchemas.add(connectionInput, { id: 'ConnectionInput', description: 'One of the platforms, by `platform`.' });
apiInputSchemas.add(createUserSyncRequest, {
  id: 'CreateUserSyncRequest',
  description:
    '`guest`: Guest Account Sync (each Slack-only person gets a Teams guest Parley speaks as). `account`: Account Sync ' +
    '(people with Teams accounts consent once through their consent link).',
});
apiInputSchemas.add(updatePersonRequest, { id: 'UpdatePersonRequest', description: 'An explicit primary platform survives later syncs.' });

apiSchemas.add(slackSettings, { id: 'SlackSettings', description: 'What Parley found when it checked the Slack credentials.' });
apiSchemas.add(teamsSettings, { id: 'TeamsSettings', description: 'The Teams connection as checked, without its secrets.' });
apiSchemas.add(connectionView, { id: 'Connection', description: 'A connected platform. Never holds a secret.' });
apiSchemas.add(connectionList, { id: 'ConnectionList' });
apiSchemas.add(userSyncView, {
  id: 'UserSync',
  description: 'A user sync job and its progress. `status` ends as succeeded, partially_failed or failed; `errors` names each person that failed.',
});
apiSchemas.add(userSyncList, { id: 'UserSyncList' });
apiSchemas.add(accountView, { id: 'PlatformAccount', description: 'A person\'s account on one platform: native, a guest Parley made, or a mirror.' });
apiSchemas.add(personView, { id: 'Person' });
apiSchemas.add(peoplePage, { id: 'PeoplePage', description: '`nextCursor` is passed as `cursor` for the next page; null on the last one.' });
apiSchemas.add(consentLink, { id: 'ConsentLink', description: 'The link the person opens once; it expires at `expiresAt`.' });
apiSchemas.add(conversationView, {
  id: 'Conversation',
  description:
    'A relayed DM or group DM: the conversation on each platform (null until its first message opens it) and the people in ' +
    'it. People with no account on one side are left out, and the sender is told.',
});
apiSchemas.add(conversationPage, { id: 'ConversationPage', description: '`nextCursor` is passed as `cursor` for the next page; null on the last one.' });
apiSchemas.add(deliveryView, {
  id: 'Delivery',
  description: 'One post, edit or delete of one part of a message on the other side, with the platform\'s reason if it failed.',
});
apiSchemas.add(reactionDeliveryView, {
  id: 'ReactionDelivery',
  description:
    'One reaction added or removed, carried to the other side as the same person: `waiting` for the message, `pending`, ' +
    '`delivered`, `failed` (a custom emoji, a refusal) or `unvoiced` (Parley has no voice for the person there), with the reason.',
});
apiSchemas.add(relayedMessageView, {
  id: 'RelayedMessage',
  description:
    'A message carried to the other side: `pending`, `delivered` (with the other side\'s ids, one per part when it was split) ' +
    'or `failed` (with the platform\'s reason). Parley keeps no message text.',
});
apiSchemas.add(relayedMessagePage, { id: 'RelayedMessagePage', description: 'Newest first. `nextCursor` is passed as `cursor` for the next page.' });

apiInputSchemas.add(createChannelLinkRequest, {
  id: 'CreateChannelLinkRequest',
  description:
    'Both channels by id (`slack.channelId`; `teams.teamId` and `teams.channelId`), or one of them plus `create: true` on the ' +
    'other side: Parley makes that channel (named after the given one unless a name is sent; a Teams channel in ' +
    '`teams.teamId` or the connection\'s first team), private when the given one is. A private Slack channel must have ' +
    'the Parley app in it. A private channel links only with a private one.',
});
apiSchemas.add(channelLinkView, {
  id: 'ChannelLink',
  description:
    'A Slack channel and a Teams channel whose messages Parley carries both ways, from their authors. `conversationId` is ' +
    'the relayed conversation: `/v1/conversations/{conversationId}/messages` lists its messages and their delivery state.',
});
apiSchemas.add(channelLinkPage, { id: 'ChannelLinkPage', description: 'Newest first. `nextCursor` is passed as `cursor` for the next page.' });

apiInputSchemas.add(updateRelaySettingsRequest, { id: 'UpdateRelaySettingsRequest', description: '`fileRelay: false` stops carrying files and images; each is named in a note instead.' });
apiSchemas.add(relaySettingsView, { id: 'RelaySettings', description: 'The organization\'s relay settings; `updatedAt` is null while they are the defaults.' });
