import { z } from 'zod';
import { defineTopic } from '../../topic';
import { orgId, uuid } from '../../primitives';

const importRequested = z.object({
  orgId,
  syncId: uuid,
  connectionId: uuid,
  /** Read only what changed since the last import when the platform supports it (Graph delta links). */
  incremental: z.boolean(),
});

const example = {
  orgId: 'org_3f9a2c1b7d',
  syncId: '0b6f3a52-6d8e-4c61-9f0e-2a1f4b7c9d10',
  connectionId: '7c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e',
  incremental: true,
};

export const SlackDirectoryImportRequestedV1 = defineTopic({
  name: 'parley.slack.directory.import.requested.v1',
  description: "Provisioning asks slack-connector to read the workspace's users (users.list).",
  producers: ['provisioning'],
  consumers: ['slack-connector'],
  schema: importRequested,
  key: (p) => p.orgId,
  example,
});

export const TeamsDirectoryImportRequestedV1 = defineTopic({
  name: 'parley.teams.directory.import.requested.v1',
  description: "Provisioning asks teams-connector to read the tenant's users (/users/delta).",
  producers: ['provisioning'],
  consumers: ['teams-connector'],
  schema: importRequested,
  key: (p) => p.orgId,
  example,
});
