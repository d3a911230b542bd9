import { z } from 'zod';
import { apiSchemas } from '../openapi/registry';

export const DeadLetterQuery = z.strictObject({
  cursor: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/).optional().describe('`nextCursor` of the previous page.'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  includeDiscarded: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true')
    .describe('`true` also lists the dead letters the operator discarded.'),
});

export const DeadLetter = z
  .strictObject({
    id: z.string().describe('Event id of the dead-letter event.'),
    originalTopic: z.string(),
    partition: z.number().int().nullable(),
    offset: z.string().nullable(),
    key: z.string().nullable(),
    consumerGroup: z.string(),
    reason: z.string(),
    failure: z.enum(['invalid-payload', 'handler-failed']),
    attempts: z.int(),
    deadLetteredAt: z.iso.datetime(),
    retriedAt: z.iso.datetime().nullable().describe('When the operator sent the message again to its original topic (at most once); null if never.'),
    discardedAt: z.iso.datetime().nullable().describe('When the operator discarded it; null if not.'),
  })
  .register(apiSchemas, { id: 'DeadLetter' });

export const DeadLetterPage = z
  .strictObject({
    items: z.array(DeadLetter).describe('Newest first.'),
    nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
  })
  .register(apiSchemas, { id: 'DeadLetterPage' });

export type DeadLetterView = z.output<typeof DeadLetter>;
export type DeadLetterPage = z.output<typeof DeadLetterPage>;
