import { z } from 'zod';
import { orgId, timestamp } from '@parley/contracts';

/** Organizations, owned by identity; the gateway creates and reads them for the operator and keeps only API keys. */
const organizationName = z.string().trim().min(1).max(200);

/** gateway -> identity: a new organization; identity makes its id. */
export const createOrganizationRequest = z.strictObject({ name: organizationName });
export type CreateOrganizationRequest = z.infer<typeof createOrganizationRequest>;

/**
 * gateway -> identity, `PUT /internal/orgs/{orgId}`: an organization an earlier version kept in the gateway's schema,
 * with the id its API keys and every row already carry. Idempotent: an org identity already has is answered as is.
 */
export const adoptOrganizationRequest = z.strictObject({ name: organizationName, createdAt: timestamp });
export type AdoptOrganizationRequest = z.infer<typeof adoptOrganizationRequest>;

export const organizationView = z.object({ id: orgId, name: z.string(), createdAt: timestamp });
export type OrganizationView = z.infer<typeof organizationView>;
