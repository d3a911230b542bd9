import { z } from 'zod';
import { defineTopic } from '../../topic';
import { email, nonEmpty, orgId, uuid } from '../../primitives';

const base = { orgId, syncId: uuid, personId: uuid };
const exampleBase = {
  orgId: 'org_3f9a2c1b7d',
  syncId: '0b6f3a52-6d8e-4c61-9f0e-2a1f4b7c9d10',
  personId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
};

/** `scim`: a Slack guest user made through SCIM; `profile`: a name and avatar Parley posts under (no Slack user). */
export const mirrorKind = z.enum(['scim', 'profile']);

export const SlackMirrorCreateRequestedV1 = defineTopic({
  name: 'parley.slack.mirror.create.requested.v1',
  description: 'Provisioning asks slack-connector to represent a Teams-primary person on Slack.',
  producers: ['provisioning'],
  consumers: ['slack-connector'],
  schema: z.object({
    ...base,
    connectionId: uuid,
    email,
    displayName: nonEmpty,
    avatarUrl: z.url().optional(),
  }),
  key: (p) => `${p.orgId}:${p.personId}`,
  example: { ...exampleBase, connectionId: '7c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e', email: 'grace@example.com', displayName: 'Grace Hopper' },
});

export const SlackMirrorCreatedV1 = defineTopic({
  name: 'parley.slack.mirror.created.v1',
  description: 'The mirror exists (new, or found from an earlier attempt).',
  producers: ['slack-connector'],
  consumers: ['identity'],
  schema: z.object({
    ...base,
    kind: mirrorKind,
    /** The Slack user id of a SCIM mirror; for a profile mirror, Parley's own mirror id. */
    mirrorId: nonEmpty,
    reused: z.boolean(),
  }),
  key: (p) => `${p.orgId}:${p.personId}`,
  example: { ...exampleBase, kind: 'scim', mirrorId: 'W0123ABCD', reused: false },
});

export const SlackMirrorFailedV1 = defineTopic({
  name: 'parley.slack.mirror.failed.v1',
  description: 'A mirror could not be created or deactivated; the reason is meant for an admin.',
  producers: ['slack-connector'],
  consumers: ['provisioning'],
  schema: z.object({ ...base, operation: z.enum(['create', 'deactivate']), reason: nonEmpty, retryable: z.boolean() }),
  key: (p) => `${p.orgId}:${p.personId}`,
  example: { ...exampleBase, operation: 'create', reason: 'the SCIM token was revoked', retryable: false },
});

export const SlackMirrorDeactivateRequestedV1 = defineTopic({
  name: 'parley.slack.mirror.deactivate.requested.v1',
  description: 'The person was deactivated on their primary platform: deactivate their Slack mirror.',
  producers: ['provisioning'],
  consumers: ['slack-connector'],
  schema: z.object({ ...base, connectionId: uuid, kind: mirrorKind, mirrorId: nonEmpty }),
  key: (p) => `${p.orgId}:${p.personId}`,
  example: { ...exampleBase, connectionId: '7c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e', kind: 'scim', mirrorId: 'W0123ABCD' },
});

export const SlackMirrorDeactivatedV1 = defineTopic({
  name: 'parley.slack.mirror.deactivated.v1',
  description: 'The mirror is deactivated (or already was).',
  producers: ['slack-connector'],
  consumers: ['identity'],
  schema: z.object({ ...base, kind: mirrorKind, mirrorId: nonEmpty }),
  key: (p) => `${p.orgId}:${p.personId}`,
  example: { ...exampleBase, kind: 'scim', mirrorId: 'W0123ABCD' },
});
