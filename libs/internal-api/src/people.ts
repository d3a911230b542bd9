import { z } from 'zod';
import { email, nonEmpty, orgId, platform, timestamp, uuid } from '@parley/contracts';

export const accountKind = z.enum(['native', 'guest', 'mirror']);
export const accountStatus = z.enum(['active', 'deactivated', 'needs_attention']);

export const accountView = z.object({
  platform,
  kind: accountKind,
  status: accountStatus,
  /**
   * Slack user id, Entra object id, or Parley's mirror id for a profile mirror. Null for a guest or mirror Parley was
   * asked to make but could not (its command was dead-lettered): the account needs attention and does not exist yet.
   */
  platformUserId: z.string().nullable(),
  userPrincipalName: z.string().optional(),
  /** Why the account needs an admin (expired consent, an MFA policy on guests...). */
  attentionReason: z.string().optional(),
  /**
   * Whether Parley holds the person's consent to act as this account: Account Sync's delegated Teams consent on a
   * native Teams account; a Slack user token on the Slack account (native or mirror) of a Teams-primary person.
   */
  consented: z.boolean().optional(),
  /** Mirrors: a SCIM user on Slack, or a profile (name and avatar) Parley posts under. */
  mirrorKind: z.enum(['scim', 'profile']).optional(),
});
export type AccountView = z.infer<typeof accountView>;

export const personView = z.object({
  id: uuid,
  orgId,
  email,
  displayName: z.string(),
  primaryPlatform: platform.nullable(),
  status: z.enum(['active', 'deactivated']),
  accounts: z.array(accountView),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type PersonView = z.infer<typeof personView>;

export const personStatusFilter = z.enum(['active', 'deactivated', 'needs_attention']);
export const listPeopleQuery = z.strictObject({
  query: z.string().max(200).optional(),
  primaryPlatform: platform.optional(),
  status: personStatusFilter.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type ListPeopleQuery = z.output<typeof listPeopleQuery>;

export const peoplePage = z.object({ items: z.array(personView), nextCursor: z.string().nullable() });
export type PeoplePage = z.infer<typeof peoplePage>;

/**
 * relay -> identity, `internalRoutes.identity.resolvePeople`: who these platform user ids are, in one call. Ids of no
 * person in the org are simply absent from the answer.
 */
export const resolvePeopleRequest = z.strictObject({ platform, platformUserIds: z.array(nonEmpty).min(1).max(200) });
export type ResolvePeopleRequest = z.infer<typeof resolvePeopleRequest>;
export const resolvedPeople = z.object({ items: z.array(z.object({ platformUserId: z.string(), person: personView })) });
export type ResolvedPeople = z.infer<typeof resolvedPeople>;

export const updatePersonRequest = z.strictObject({ primaryPlatform: platform });

/** Which platform a consent link is for: Teams (Account Sync, the default) or Slack (a Teams-primary person's voice). */
export const consentPlatform = z.enum(['teams', 'slack']);
export type ConsentPlatform = z.infer<typeof consentPlatform>;
/** gateway -> identity, `internalRoutes.identity.consentLink`: the callback the platform sends the browser back to. */
export const consentLinkQuery = z.strictObject({ redirectUri: z.url({ protocol: /^https?$/ }), platform: consentPlatform.default('teams') });
export const consentLink = z.object({ url: z.url(), expiresAt: timestamp });
export const completeConsentRequest = z.strictObject({ code: z.string().min(1), state: z.string().min(1) });
export const completeConsentResult = z.object({ orgId, personId: uuid, email });

/**
 * gateway -> identity, `internalRoutes.identity.redeemSlackConsentPrompt`: the person clicked the link in their Slack consent
 * prompt; identity answers a fresh consent link (`consentLink`) for the browser to follow.
 */
export const redeemConsentPromptRequest = z.strictObject({ prompt: z.string().min(20).max(200), redirectUri: z.url({ protocol: /^https?$/ }) });
export type RedeemConsentPromptRequest = z.infer<typeof redeemConsentPromptRequest>;

/** teams-connector -> identity: the home account's password for a guest, made once and kept in the vault. */
export const guestPasswordRequest = z.strictObject({ connectionId: uuid, homeUserPrincipalName: z.string().min(3) });
export const guestPasswordResult = z.object({ password: z.string().min(16) });

/** A connector asks identity for an access token to act as the app, the team owner or a person. */
export const tokenSubject = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('app'), tenant: z.enum(['customer', 'home']) }),
  z.object({ kind: z.literal('team-owner') }),
  z.object({ kind: z.literal('person'), personId: uuid }),
]);
export const tokenRequest = z.strictObject({ connectionId: uuid, subject: tokenSubject });
export type TokenRequest = z.infer<typeof tokenRequest>;
export const tokenResult = z.object({ accessToken: z.string().min(1), expiresAt: timestamp });
export type TokenResult = z.infer<typeof tokenResult>;
/**
 * slack-connector -> identity, `internalRoutes.identity.slackUserToken`: the user token (xoxp-) a Teams-primary person
 * gave through Slack consent, to post as them. 409 NEEDS_ATTENTION_PROBLEM until they consent.
 */
export const slackUserTokenRequest = z
  .strictObject({
    connectionId: uuid,
    personId: uuid.optional(),
    /** Instead of personId: the Slack account an event came through (an `authorizations[].user_id`). */
    slackUserId: z.string().regex(/^[UW][A-Z0-9]+$/, 'expected a Slack user id').optional(),
  })
  .refine((r) => (r.personId === undefined) !== (r.slackUserId === undefined), { message: 'give either personId or slackUserId', path: ['personId'] });
export type SlackUserTokenRequest = z.infer<typeof slackUserTokenRequest>;
export const slackUserTokenResult = z.object({ accessToken: z.string().regex(/^xoxp-/), slackUserId: z.string().min(1), personId: uuid.optional() });
export type SlackUserTokenResult = z.infer<typeof slackUserTokenResult>;
/** 409 from identity's Slack consent: the person approved while signed in to Slack as someone else; nothing was stored. */
export const SLACK_CONSENT_WRONG_ACCOUNT_PROBLEM = 'https://parley.dev/problems/slack-consent-wrong-account';
/** A 409 from the token endpoint: Parley cannot sign in as that subject until an admin acts. */
export const NEEDS_ATTENTION_PROBLEM = 'https://parley.dev/problems/needs-attention';
