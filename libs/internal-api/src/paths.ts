/** Every internal route in one place, so caller and callee cannot drift apart on a path. */
const org = (orgId: string) => `/internal/orgs/${encodeURIComponent(orgId)}`;

export const internalPaths = {
  identity: {
    organizations: () => `/internal/orgs`,
    organization: (orgId: string) => org(orgId),
    connections: (orgId: string) => `${org(orgId)}/connections`,
    connection: (orgId: string, id: string) => `${org(orgId)}/connections/${encodeURIComponent(id)}`,
    connectionSecrets: (orgId: string, id: string) => `${org(orgId)}/connections/${encodeURIComponent(id)}/secrets`,
    people: (orgId: string, query = '') => `${org(orgId)}/people${query ? `?${query}` : ''}`,
    person: (orgId: string, id: string) => `${org(orgId)}/people/${encodeURIComponent(id)}`,
    consentLink: (orgId: string, id: string) => `${org(orgId)}/people/${encodeURIComponent(id)}/consent-link`,
    guestPassword: (orgId: string, id: string) => `${org(orgId)}/people/${encodeURIComponent(id)}/guest-password`,
    tokens: (orgId: string) => `${org(orgId)}/tokens`,
    slackUserToken: (orgId: string) => `${org(orgId)}/slack-user-tokens`,
    /** slack-connector's Events API ingress: the live connection of the workspace an event names (its view). */
    slackWorkspaceConnection: (teamId: string) => `/internal/slack-workspaces/${encodeURIComponent(teamId)}/connection`,
    consent: () => `/internal/consent`,
    slackConsent: () => `/internal/consent/slack`,
  },
  provisioning: {
    userSyncs: (orgId: string) => `${org(orgId)}/user-syncs`,
    userSync: (orgId: string, id: string) => `${org(orgId)}/user-syncs/${encodeURIComponent(id)}`,
  },
  connector: {
    verify: () => `/internal/connections/verify`,
  },
} as const;
