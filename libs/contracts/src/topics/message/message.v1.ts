import { z } from 'zod';
import { defineTopic } from '../../topic';
import { nonEmpty, orgId, platform, timestamp, uuid } from '../../primitives';

/** A conversation on one platform: the order lane for everything said in it. */
const conversationRef = z.object({ platform, conversationId: nonEmpty });
const conversationKey = (c: z.infer<typeof conversationRef>) => `${c.platform}:${c.conversationId}`;

const messageBody = z.object({
  format: z.enum(['slack-mrkdwn', 'teams-html', 'plain']),
  content: z.string(),
});

export const MessageReceivedV1 = defineTopic({
  name: 'parley.message.received.v1',
  description: 'A connector saw a message event (new, edited or deleted) that Parley did not post itself.',
  producers: ['slack-connector', 'teams-connector'],
  consumers: ['relay'],
  schema: z.object({
    orgId,
    conversation: conversationRef,
    change: z.enum(['created', 'edited', 'deleted']),
    messageId: nonEmpty,
    threadRootId: nonEmpty.optional(),
    senderPlatformUserId: nonEmpty,
    body: messageBody.optional(),
    platformEventId: nonEmpty,
    occurredAt: timestamp,
  }),
  key: (p) => conversationKey(p.conversation),
  example: {
    orgId: 'org_3f9a2c1b7d',
    conversation: { platform: 'slack', conversationId: 'C024BE91L' },
    change: 'created',
    messageId: '1732700000.000100',
    senderPlatformUserId: 'U024BE7LH',
    body: { format: 'slack-mrkdwn', content: 'hello *world*' },
    platformEventId: 'Ev08MFMKH6',
    occurredAt: '2026-11-27T10:00:02.000Z',
  },
});

const deliverRequested = z.object({
  orgId,
  deliveryId: uuid,
  conversationId: nonEmpty,
  change: z.enum(['create', 'edit', 'delete']),
  /** Set for edits and deletes: the id Parley got back when it posted the message. */
  targetMessageId: nonEmpty.optional(),
  threadRootId: nonEmpty.optional(),
  /** The person Parley speaks as (their guest or consented account on Teams, their mirror on Slack). */
  senderPersonId: uuid,
  body: messageBody.optional(),
});
const deliverExample = {
  orgId: 'org_3f9a2c1b7d',
  deliveryId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  conversationId: '19:abc@thread.v2',
  change: 'create' as const,
  senderPersonId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
  body: { format: 'teams-html' as const, content: 'hello <strong>world</strong>' },
};

export const TeamsMessageDeliverRequestedV1 = defineTopic({
  name: 'parley.teams.message.deliver.requested.v1',
  description: 'Relay asks teams-connector to post, edit or delete a message in a Teams chat or channel.',
  producers: ['relay'],
  consumers: ['teams-connector'],
  schema: deliverRequested,
  key: (p) => `teams:${p.conversationId}`,
  example: deliverExample,
});

export const SlackMessageDeliverRequestedV1 = defineTopic({
  name: 'parley.slack.message.deliver.requested.v1',
  description: 'Relay asks slack-connector to post, edit or delete a message in a Slack conversation.',
  producers: ['relay'],
  consumers: ['slack-connector'],
  schema: deliverRequested,
  key: (p) => `slack:${p.conversationId}`,
  example: {
    ...deliverExample,
    conversationId: 'C024BE91L',
    body: { format: 'slack-mrkdwn' as const, content: 'hello *world*' },
  },
});

export const MessageDeliveredV1 = defineTopic({
  name: 'parley.message.delivered.v1',
  description: 'A connector finished (or gave up on) a delivery; relay records the id on the other side.',
  producers: ['slack-connector', 'teams-connector'],
  consumers: ['relay'],
  schema: z.object({
    orgId,
    deliveryId: uuid,
    conversation: conversationRef,
    outcome: z.enum(['delivered', 'failed']),
    platformMessageId: nonEmpty.optional(),
    reason: z.string().optional(),
    deliveredAt: timestamp,
  }),
  key: (p) => conversationKey(p.conversation),
  example: {
    orgId: 'org_3f9a2c1b7d',
    deliveryId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    conversation: { platform: 'teams', conversationId: '19:abc@thread.v2' },
    outcome: 'delivered',
    platformMessageId: '1732700000123',
    deliveredAt: '2026-11-27T10:00:03.000Z',
  },
});
