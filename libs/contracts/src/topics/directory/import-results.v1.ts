import { z } from 'zod';
import { defineTopic } from '../../topic';
import { nonEmpty, orgId, platform, uuid } from '../../primitives';

/** As many user ids as identity applies in one transaction (ADR 0031), with room to grow. */
export const MAX_APPLIED_USERS = 200;

const exampleBase = {
  orgId: 'org_3f9a2c1b7d',
  syncId: '0b6f3a52-6d8e-4c61-9f0e-2a1f4b7c9d10',
  connectionId: '7c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e',
  platform: 'teams' as const,
};

export const DirectoryImportCompletedV1 = defineTopic({
  name: 'parley.directory.import.completed.v1',
  description:
    'A connector published every user of one directory import as parley.directory.user.observed.v1; `observed` is how many, so identity knows when it has applied them all.',
  producers: ['slack-connector', 'teams-connector'],
  consumers: ['identity'],
  schema: z.object({
    orgId,
    syncId: uuid,
    connectionId: uuid,
    platform,
    observed: z.number().int().nonnegative(),
    /** True when only changes since the previous import were read (Graph delta link). */
    incremental: z.boolean(),
  }),
  key: (p) => `${p.orgId}:${p.syncId}`,
  example: { ...exampleBase, observed: 28, incremental: false },
});

export const DirectoryImportFailedV1 = defineTopic({
  name: 'parley.directory.import.failed.v1',
  description: 'A connector could not read a directory; the reason is meant for an admin.',
  producers: ['slack-connector', 'teams-connector'],
  consumers: ['provisioning'],
  schema: z.object({ orgId, syncId: uuid, connectionId: uuid, platform, reason: nonEmpty }),
  key: (p) => `${p.orgId}:${p.syncId}`,
  example: { ...exampleBase, reason: 'the Graph app lacks User.Read.All in the customer tenant' },
});

export const DirectoryReconciledV1 = defineTopic({
  name: 'parley.identity.directory.reconciled.v1',
  description: "identity applied every observation of one directory import: people and native accounts are current for that platform.",
  producers: ['identity'],
  consumers: ['provisioning'],
  schema: z.object({ orgId, syncId: uuid, platform, observed: z.number().int().nonnegative() }),
  key: (p) => `${p.orgId}:${p.syncId}`,
  example: { orgId: exampleBase.orgId, syncId: exampleBase.syncId, platform: 'slack', observed: 31 },
});

export const DirectoryPeopleAppliedV1 = defineTopic({
  name: 'parley.identity.directory.people.applied.v1',
  description:
    "identity applied these users of one directory import while the sync's import of the other platform was already reconciled: the people behind them are final for this sync, so provisioning plans them before this import ends (ADR 0050). Published in the applying transaction; users applied before the other import was reconciled are planned with the rest once both are.",
  producers: ['identity'],
  consumers: ['provisioning'],
  schema: z.object({ orgId, syncId: uuid, platform, platformUserIds: z.array(nonEmpty).min(1).max(MAX_APPLIED_USERS) }),
  // Spread over partitions: announcements need no order among themselves, and the consumer plans those that arrive together at once.
  key: (p) => `${p.orgId}:${p.syncId}:${p.platformUserIds[0] ?? ''}`,
  example: { orgId: exampleBase.orgId, syncId: exampleBase.syncId, platform: 'slack', platformUserIds: ['U07ADA1', 'U07GRACE2'] },
});
