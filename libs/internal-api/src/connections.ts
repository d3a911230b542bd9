import { z } from 'zod';
import { nonEmpty, orgId, timestamp, uuid } from '@parley/contracts';

/**
 * Connections as they cross service boundaries. What an admin sends (`*ConnectionInput`) is split by identity into
 * settings (plain, returned by the API) and secrets (sealed in the vault, never returned except to a connector).
 */
const httpsOrLocalUrl = z.url({ protocol: /^https?$/ });

export const slackConnectionInput = z.strictObject({
  platform: z.literal('slack'),
  botToken: z.string().regex(/^xoxb-/, 'expected a Slack bot token (xoxb-...)'),
  signingSecret: z.string().min(8),
  /** An org-level SCIM token (scope admin): only Business+ and Enterprise plans have SCIM. */
  scimToken: z.string().min(8).optional(),
  /**
   * The app's OAuth client id and secret (Basic Information > App Credentials). Optional, together: without them
   * Parley cannot ask Teams-primary people for their Slack consent, so it can never speak as them on Slack.
   */
  clientId: z.string().regex(/^\d+\.\d+$/, 'expected a Slack client id like 1234567890.1234567890').optional(),
  clientSecret: z.string().min(8).optional(),
  apiUrl: httpsOrLocalUrl.default('https://slack.com/api/'),
  scimUrl: httpsOrLocalUrl.default('https://api.slack.com/scim/v2'),
});

/**
 * How Graph bills Parley's tenant-wide chat subscription (`/chats/getAllMessages?model=`): `A` for security and
 * compliance apps with licensed users, `B` metered (no licence needed; the default), `evaluation` for none (Graph's
 * trial: 500 notifications a month per app and tenant, then silence).
 */
export const teamsPaymentModel = z.enum(['A', 'B', 'evaluation'], { error: 'expected A, B or evaluation' });
export type TeamsPaymentModel = z.infer<typeof teamsPaymentModel>;

export const teamsConnectionInput = z.strictObject({
  platform: z.literal('teams'),
  tenantId: nonEmpty,
  clientId: nonEmpty,
  clientSecret: nonEmpty,
  /** The tenant where Parley creates the home accounts behind its guests (Guest Account Sync). */
  homeTenantId: nonEmpty,
  homeTenantDomain: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'expected a domain like parleyhome.onmicrosoft.com'),
  teamIds: z.array(nonEmpty).min(1),
  /** A service account that owns the teams: Graph adds guests to a team only with a delegated token. */
  teamOwner: z.strictObject({ username: nonEmpty, password: nonEmpty }),
  authorityUrl: httpsOrLocalUrl.default('https://login.microsoftonline.com'),
  graphUrl: httpsOrLocalUrl.default('https://graph.microsoft.com/v1.0'),
  paymentModel: teamsPaymentModel.default('B'),
});

export const connectionInput = z.discriminatedUnion('platform', [slackConnectionInput, teamsConnectionInput]);
export type SlackConnectionInput = z.output<typeof slackConnectionInput>;
export type TeamsConnectionInput = z.output<typeof teamsConnectionInput>;
export type ConnectionInput = z.output<typeof connectionInput>;

export const slackSettings = z.object({
  platform: z.literal('slack'),
  teamId: nonEmpty,
  teamName: z.string(),
  botUserId: nonEmpty,
  apiUrl: z.string(),
  scimUrl: z.string(),
  /** Whether SCIM answered with the given token (Business+ / Enterprise): mirrors are SCIM guests, else profiles. */
  scim: z.boolean(),
  scopes: z.array(z.string()),
  /** The app's OAuth client id, when the admin gave one (with its secret): Slack consent needs it. */
  clientId: nonEmpty.optional(),
});
export const teamsSettings = z.object({
  platform: z.literal('teams'),
  tenantId: nonEmpty,
  clientId: nonEmpty,
  homeTenantId: nonEmpty,
  homeTenantDomain: nonEmpty,
  teamIds: z.array(nonEmpty),
  teamOwnerUsername: nonEmpty,
  authorityUrl: z.string(),
  graphUrl: z.string(),
  /** Absent on connections stored before it existed: they mean `B`. */
  paymentModel: teamsPaymentModel.optional(),
});
export const connectionSettings = z.discriminatedUnion('platform', [slackSettings, teamsSettings]);
export type SlackSettings = z.infer<typeof slackSettings>;
export type TeamsSettings = z.infer<typeof teamsSettings>;
export type ConnectionSettings = z.infer<typeof connectionSettings>;

export const slackSecrets = z.object({ botToken: nonEmpty, signingSecret: nonEmpty, scimToken: nonEmpty.optional(), clientSecret: nonEmpty.optional() });
export const teamsSecrets = z.object({ clientSecret: nonEmpty, teamOwnerPassword: nonEmpty });
export type SlackSecrets = z.infer<typeof slackSecrets>;
export type TeamsSecrets = z.infer<typeof teamsSecrets>;

/** gateway -> connector: check credentials against the platform before anything is stored. */
export const verifyConnectionResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), settings: connectionSettings }),
  z.object({ ok: z.literal(false), problems: z.array(z.object({ field: z.string(), reason: nonEmpty })).min(1) }),
]);
export type VerifyConnectionResult = z.infer<typeof verifyConnectionResult>;

/** gateway -> identity: store a verified connection; identity seals the secrets. */
export const createConnectionRequest = z.discriminatedUnion('platform', [
  z.object({ platform: z.literal('slack'), settings: slackSettings, secrets: slackSecrets }),
  z.object({ platform: z.literal('teams'), settings: teamsSettings, secrets: teamsSecrets }),
]);
export type CreateConnectionRequest = z.infer<typeof createConnectionRequest>;

/** A connection as the API shows it: never a secret. */
export const connectionView = z.object({
  id: uuid,
  orgId,
  platform: z.enum(['slack', 'teams']),
  settings: connectionSettings,
  createdAt: timestamp,
});
export type ConnectionView = z.infer<typeof connectionView>;

/** identity -> connector only: the settings and the opened secrets. */
export const connectionWithSecrets = z.discriminatedUnion('platform', [
  z.object({ id: uuid, orgId, platform: z.literal('slack'), settings: slackSettings, secrets: slackSecrets }),
  z.object({ id: uuid, orgId, platform: z.literal('teams'), settings: teamsSettings, secrets: teamsSecrets }),
]);
export type ConnectionWithSecrets = z.infer<typeof connectionWithSecrets>;

/**
 * 409 from identity when the Slack workspace or Microsoft 365 tenant already has a live connection (of any org: the
 * answer never says which). `errors` names the settings field that identifies it (`settings.teamId`,
 * `settings.tenantId`).
 */
export const WORKSPACE_TAKEN_PROBLEM = 'https://parley.dev/problems/workspace-already-connected';

/** identity's answer to listing an org's connections. */
export const connectionList = z.object({ items: z.array(connectionView) });
export type ConnectionList = z.infer<typeof connectionList>;

/**
 * Parley's own certificates for a Teams connection's encrypted change notifications (ADR 0028): teams-connector makes
 * and rotates them, identity keeps them, the private keys sealed in the credential vault. `activeKeyId` is what new
 * and recreated subscriptions carry; the others still decrypt what subscriptions made with them send.
 */
export const teamsNotificationKeySet = z.object({
  activeKeyId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).nullable(),
  keys: z
    .array(
      z.object({
        id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
        /** base64 DER, as a subscription's `encryptionCertificate` takes it. */
        certificate: nonEmpty.max(20_000),
        /** PKCS#8 PEM. */
        privateKey: nonEmpty.max(20_000),
        createdAt: timestamp,
      }),
    )
    .max(10),
});
export type TeamsNotificationKeySet = z.infer<typeof teamsNotificationKeySet>;
