/**
 * Public paths a platform calls, served by a connector and published through the gateway (embedded mode and the
 * Ingress both send them to the gateway, which forwards them as they came). Not internal routes: no bearer, the
 * connector verifies each request itself.
 */
export const publicPaths = {
  /** Slack's Events API request URL, served by slack-connector (ADR 0019). */
  slackEvents: '/slack/events',
  /** Microsoft Graph change notifications (and their validation handshake), served by teams-connector. */
  teamsNotifications: '/teams/notifications',
  /** Microsoft Graph lifecycle notifications, served by teams-connector. */
  teamsLifecycle: '/teams/lifecycle',
} as const;
