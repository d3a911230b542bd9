import { z } from 'zod';
import { apiSchemas } from '../openapi/registry';

export const CreateOrgRequest = z
  .strictObject({
    name: z.string().trim().min(1).max(200).describe('Display name of the organization.'),
  })
  .register(apiSchemas, { id: 'CreateOrgRequest' });

export const Org = z
  .strictObject({
    id: z.string().regex(/^org_[A-Za-z0-9]{8,40}$/).describe('`org_` followed by base62 characters.'),
    name: z.string(),
    createdAt: z.iso.datetime(),
  })
  .register(apiSchemas, { id: 'Org' });

export const CreatedOrg = Org.extend({
  adminApiKey: z.string().describe('The organization\'s first admin API key. Shown once: store it now, Parley keeps only a hash.'),
}).register(apiSchemas, { id: 'CreatedOrg' });
