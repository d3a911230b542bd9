import { z } from 'zod';
import { email, orgId, platform, timestamp, uuid } from '@parley/contracts';

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
  /** Account Sync: whether Parley holds this person's delegated Teams consent. */
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

export const updatePersonRequest = z.strictObject({ primaryPlatform: platform });

export const consentLink = z.object({ url: z.url(), expiresAt: timestamp });
export const completeConsentRequest = z.strictObject({ code: z.string().min(1), state: z.string().min(1) });
export const completeConsentResult = z.object({ orgId, personId: uuid, email });

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
/** A 409 from the token endpoint: Parley cannot sign in as that subject until an admin acts. */
export const NEEDS_ATTENTION_PROBLEM = 'https://parley.dev/problems/needs-attention';
