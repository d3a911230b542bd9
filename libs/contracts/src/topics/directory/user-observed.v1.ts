import { z } from 'zod';
import { defineTopic } from '../../topic';
import { email, nonEmpty, orgId, platform, timestamp, uuid } from '../../primitives';

export const DirectoryUserObservedV1 = defineTopic({
  name: 'parley.directory.user.observed.v1',
  description: 'A connector read one person from a platform directory; identity matches people by email.',
  producers: ['slack-connector', 'teams-connector'],
  consumers: ['identity'],
  schema: z.object({
    orgId,
    syncId: uuid.optional(),
    platform,
    platformUserId: nonEmpty,
    email,
    displayName: z.string(),
    realName: z.string().optional(),
    avatarUrl: z.url().optional(),
    isBot: z.boolean(),
    isDeactivated: z.boolean(),
    observedAt: timestamp,
  }),
  // Order matters per person, not per org: all observations of one email land on one partition.
  key: (p) => `${p.orgId}:${p.email}`,
  example: {
    orgId: 'org_3f9a2c1b7d',
    platform: 'slack',
    platformUserId: 'U024BE7LH',
    email: 'ada@example.com',
    displayName: 'Ada',
    realName: 'Ada Lovelace',
    isBot: false,
    isDeactivated: false,
    observedAt: '2026-11-27T10:00:01.000Z',
  },
});
