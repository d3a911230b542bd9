import { z } from 'zod';
import { defineTopic } from '../../topic';
import { nonEmpty, timestamp } from '../../primitives';

export const DeadLetterV1 = defineTopic({
  name: 'parley.messaging.message.dead-lettered.v1',
  description:
    'A message that a consumer could not handle (invalid payload, or failed after its retries), with the reason. ' +
    'The original bytes and headers are kept so nothing is lost and the message can be replayed.',
  producers: ['gateway', 'identity', 'provisioning', 'slack-connector', 'teams-connector', 'relay'],
  // gateway keeps every one for the operator; provisioning ends the task of a command it sent.
  consumers: ['gateway', 'provisioning'],
  schema: z.object({
    originalTopic: nonEmpty,
    partition: z.number().int().min(0).optional(),
    offset: z.string().optional(),
    key: z.string().nullable(),
    /** The original value as UTF-8 text when it was text, else base64 (see valueEncoding). */
    value: z.string().nullable(),
    valueEncoding: z.enum(['utf8', 'base64']),
    headers: z.record(z.string(), z.string()),
    consumerGroup: nonEmpty,
    reason: nonEmpty,
    /** `invalid-payload` is never retried; `handler-failed` was retried `attempts` times. */
    failure: z.enum(['invalid-payload', 'handler-failed']),
    attempts: z.number().int().min(1),
    deadLetteredAt: timestamp,
  }),
  key: (p) => `${p.originalTopic}:${p.key ?? ''}`,
  example: {
    originalTopic: 'parley.directory.user.observed.v1',
    partition: 3,
    offset: '42',
    key: 'org_3f9a2c1b7d:ada@example.com',
    value: '{"orgId":"nope"}',
    valueEncoding: 'utf8',
    headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    consumerGroup: 'identity',
    reason: 'orgId: expected an org id like org_XXXXXXXX',
    failure: 'invalid-payload',
    attempts: 1,
    deadLetteredAt: '2026-11-27T10:00:04.000Z',
  },
});
