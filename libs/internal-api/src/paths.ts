/** Every internal route in one place, so caller and callee cannot drift apart on a path. */
const org = (orgId: string) => `/internal/orgs/${encodeURIComponent(orgId)}`;

export const internalPaths = {
  identity: {
    organizations: () => `/internal/orgs`,
    organization: (orgId: string) => org(orgId),
    connections: (orgId: string) => `${org(orgId)}/connections`,
    connection: (orgId: string, id: string) => `${org(orgId)}/connections/${encodeURIComponent(id)}`,
    /** Every live connection of a platform, across organizations (connectors that keep something running per connection). */
    platformConnections: (platform: 'slack' | 'teams') => `/internal/connections?platform=${platform}`,
    connectionSecrets: (orgId: string, id: string) => `${org(orgId)}/connections/${encodeURIComponent(id)}/secrets`,
    people: (orgId: string, query = '') => `${org(orgId)}/people${query ? `?${query}` : ''}`,
    resolvePeople: (orgId: string) => `${org(orgId)}/people/resolve`,
    person: (orgId: string, id: string) => `${org(orgId)}/people/${encodeURIComponent(id)}`,
    consentLink: (orgId: string, id: string) => `${org(orgId)}/people/${encodeURIComponent(id)}/consent-link`,
    guestPassword: (orgId: string, id: string) => `${org(orgId)}/people/${encodeURIComponent(id)}/guest-password`,
    tokens: (orgId: string) => `${org(orgId)}/tokens`,
    slackUserToken: (orgId: string) => `${org(orgId)}/slack-user-tokens`,
    consent: () => `/internal/consent`,
    slackConsent: () => `/internal/consent/slack`,
    slackConsentPrompt: () => `/internal/consent/slack/prompts`,
  },
  provisioning: {
    userSyncs: (orgId: string) => `${org(orgId)}/user-syncs`,
    userSync: (orgId: string, id: string) => `${org(orgId)}/user-syncs/${encodeURIComponent(id)}`,
  },
  relay: {
    conversations: (orgId: string, query = '') => `${org(orgId)}/conversations${query ? `?${query}` : ''}`,
    conversationMessages: (orgId: string, id: string, query = '') =>
      `${org(orgId)}/conversations/${encodeURIComponent(id)}/messages${query ? `?${query}` : ''}`,
  },
  connector: {
    verify: () => `/internal/connections/verify`,
  },
} as const;

/**
 * Public paths a platform calls, served by a connector and published through the gateway (embedded mode and the
 * Ingress both send them to the gateway, which forwards them as they came).
 */
export const publicPaths = {
  /** Microsoft Graph change notifications (and their validation handshake), served by teams-connector. */
  teamsNotifications: '/teams/notifications',
  /** Microsoft Graph lifecycle notifications, served by teams-connector. */
  teamsLifecycle: '/teams/lifecycle',
} as const;
