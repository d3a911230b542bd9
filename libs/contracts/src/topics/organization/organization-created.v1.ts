import { z } from 'zod';
import { defineTopic } from '../../topic';
import { nonEmpty, orgId, timestamp } from '../../primitives';

export const OrganizationCreatedV1 = defineTopic({
  name: 'parley.organization.created.v1',
  description:
    'identity recorded an organization: one the operator created, or one handed over from the gateway schema of an earlier version (with its original createdAt). Published once per organization, through identity\'s outbox, for services that keep per-organization state.',
  producers: ['identity'],
  // None yet: no service keeps per-organization state of its own (the relay asks identity). The announcement stays so
  // that one can start without a backfill; tools/boundary-checks compares this list with the real handlers.
  consumers: [],
  schema: z.object({
    orgId,
    name: nonEmpty,
    createdAt: timestamp,
  }),
  key: (p) => p.orgId,
  example: {
    orgId: 'org_3f9a2c1b7d',
    name: 'Contoso',
    createdAt: '2026-11-27T10:00:00.000Z',
  },
});
