import type { CredentialKey } from '@parley/identity-credential-vault';

/**
 * Where each token lives in the vault. Tokens obtained through a connection carry its id in the purpose
 * (`.../<connectionId>`), so deleting the connection deletes them; a guest's home password is the person's and
 * outlives a reconnect (the home account keeps it).
 */
export const credentialKeys = {
  appToken: (orgId: string, connectionId: string, tenant: 'customer' | 'home'): CredentialKey => ({
    orgId,
    ownerKind: 'connection',
    ownerId: connectionId,
    purpose: `teams.app-access-token.${tenant}`,
  }),
  teamOwnerAccess: (orgId: string, connectionId: string): CredentialKey => ({ orgId, ownerKind: 'connection', ownerId: connectionId, purpose: 'teams.team-owner.access-token' }),
  teamOwnerRefresh: (orgId: string, connectionId: string): CredentialKey => ({ orgId, ownerKind: 'connection', ownerId: connectionId, purpose: 'teams.team-owner.refresh-token' }),
  personAccess: (orgId: string, personId: string, connectionId: string): CredentialKey => ({
    orgId,
    ownerKind: 'account',
    ownerId: personId,
    purpose: `teams.access-token/${connectionId}`,
  }),
  personRefresh: (orgId: string, personId: string, connectionId: string): CredentialKey => ({
    orgId,
    ownerKind: 'account',
    ownerId: personId,
    purpose: `teams.refresh-token/${connectionId}`,
  }),
  /** A Teams-primary person's Slack user token (xoxp-), from their Slack consent through this Slack connection. */
  slackUserToken: (orgId: string, personId: string, connectionId: string): CredentialKey => ({
    orgId,
    ownerKind: 'account',
    ownerId: personId,
    purpose: `slack.user-token/${connectionId}`,
  }),
  guestHomePassword: (orgId: string, personId: string): CredentialKey => ({ orgId, ownerKind: 'account', ownerId: personId, purpose: 'teams.guest-home-password' }),
};

/** Graph's resource with every delegated permission the app was consented (guests, the team owner). */
export const DELEGATED_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default offline_access';
export const APP_SCOPE = 'https://graph.microsoft.com/.default';
/** What a person consents to for Account Sync. */
export const CONSENT_SCOPE = 'offline_access openid User.Read Chat.ReadWrite ChatMessage.Send ChannelMessage.Send';
/**
 * What a Teams-primary person grants on Slack so Parley can speak as them: post, read and open their DMs and group
 * DMs (user-token events need the history scopes), react and see reactions, share files, look people up.
 */
export const SLACK_USER_SCOPES = [
  'chat:write',
  'im:history',
  'im:read',
  'im:write',
  'mpim:history',
  'mpim:read',
  'mpim:write',
  'reactions:read',
  'reactions:write',
  'files:read',
  'files:write',
  'users:read',
] as const;
/** A cached access token is used while more than this is left. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
