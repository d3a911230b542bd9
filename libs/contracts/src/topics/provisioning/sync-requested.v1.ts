import { z } from 'zod';
import { defineTopic } from '../../topic';
import { nonEmpty, orgId, timestamp, uuid } from '../../primitives';

export const SyncRequestedV1 = defineTopic({
  name: 'parley.provisioning.sync.requested.v1',
  description:
    'An admin asked for a user sync (guest or account mode). provisioning records the job when the gateway asks, then publishes this through its outbox so any replica drives it.',
  producers: ['provisioning'],
  consumers: ['provisioning'],
  schema: z.object({
    orgId,
    syncId: uuid,
    mode: z.enum(['guest', 'account']),
    requestedBy: nonEmpty,
    requestedAt: timestamp,
  }),
  key: (p) => p.orgId,
  example: {
    orgId: 'org_3f9a2c1b7d',
    syncId: '0b6f3a52-6d8e-4c61-9f0e-2a1f4b7c9d10',
    mode: 'guest',
    requestedBy: 'key_admin_1',
    requestedAt: '2026-11-27T10:00:00.000Z',
  },
});
