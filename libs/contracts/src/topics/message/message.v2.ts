import { z } from 'zod';
import { defineTopic } from '../../topic';
import { nonEmpty, platform, timestamp, uuid } from '../../primitives';
import { conversationKey, deliverExample, deliverRequested, messageDelivered, messageReceived, targetKey } from './message.v1';

// v2 of the message topics carries files (ADR 0039). A file's bytes never travel on the bus nor rest in a database:
// the message names each file by the source connector's handle (`ref`), and the target connector reads the bytes from
// the source connector's `fileContent` route while it posts. Everything else is v1's, unchanged.
//
// Migration: a connector that speaks v2 publishes every message of a conversation on v2 (one topic, so the source's
// order holds); the relay reads both versions. The relay asks for a v2 delivery only for a message with files (its
// lanes, one delivery in flight per conversation, keep the order across the two deliver topics), and a connector
// answers a v2 request with a v2 outcome.

/** A file or image shared with a message, as the source platform described it. */
export const sharedFile = z.object({
  /** The source connector's handle: opaque to everyone else, readable through its `fileContent` route for a while. */
  ref: nonEmpty.max(200),
  name: z.string().min(1).max(255),
  mimeType: z.string().min(1).max(255),
  sizeBytes: z.number().int().min(0),
  /** `image`: shown inline where the target can (Teams hostedContents, a Slack image); `file`: attached. */
  kind: z.enum(['image', 'file']),
  /** The file on the source platform, for a "too large to carry" note; absent when the platform gives no link. */
  permalink: z.url().optional(),
});
export type SharedFile = z.infer<typeof sharedFile>;

/** At most what Slack lets one message share (files.completeUploadExternal takes up to 10 files at once; 20 to be safe). */
const files = z.array(sharedFile).max(20);

const receivedV2 = messageReceived.extend({
  /** Files and images shared with the message (created, or an edit that changed them); absent or empty for text only. */
  files: files.optional(),
  /**
   * When the message itself was written (Slack: its `ts`; Teams: its createdDateTime), whatever the change: for an
   * edit, the original's time. The relay carries an edit of a message it never saw as the message itself when it was
   * written while its conversation was relayed: its creation came late, or not at all (ADR 0044). Absent: not known.
   */
  writtenAt: timestamp.optional(),
});

export const MessageReceivedV2 = defineTopic({
  name: 'parley.message.received.v2',
  description: 'v1 plus the files shared with the message: a connector saw a message event that Parley did not post itself.',
  producers: ['slack-connector', 'teams-connector'],
  consumers: ['relay'],
  schema: receivedV2,
  key: (p) => conversationKey(p.conversation),
  example: {
    orgId: 'org_3f9a2c1b7d',
    connectionId: '0d3c2b1a-9f8e-4d7c-8b6a-5f4e3d2c1b0a',
    conversation: { platform: 'slack', conversationId: 'C024BE91L', kind: 'channel' },
    change: 'created',
    messageId: '1732700000.000100',
    senderPlatformUserId: 'U024BE7LH',
    body: { format: 'slack-mrkdwn', content: 'the *mockups*' },
    files: [{ ref: 'F0CH8E3B1', name: 'mockup.png', mimeType: 'image/png', sizeBytes: 48213, kind: 'image', permalink: 'https://acme.slack.com/files/U024BE7LH/F0CH8E3B1/mockup.png' }],
    platformEventId: 'Ev08MFMKH6',
    occurredAt: '2026-12-05T10:00:02.000Z',
  },
});

const deliverRequestedV2 = deliverRequested.extend({
  /**
   * The files to post with the message (creates only), already chosen by the relay: those it will not carry (file
   * relay off, too large) are named in the body's note instead and recorded in the delivery state.
   */
  files: files.min(1),
  /** Where the bytes are: the source platform and connection, whose connector's `fileContent` route serves each `ref`. */
  filesFrom: z.object({ platform, connectionId: uuid }),
});
const deliverV2Example = {
  ...deliverExample,
  files: [{ ref: 'F0CH8E3B1', name: 'mockup.png', mimeType: 'image/png', sizeBytes: 48213, kind: 'image' as const }],
  filesFrom: { platform: 'slack' as const, connectionId: '0d3c2b1a-9f8e-4d7c-8b6a-5f4e3d2c1b0a' },
};

export const TeamsMessageDeliverRequestedV2 = defineTopic({
  name: 'parley.teams.message.deliver.requested.v2',
  description: 'v1 plus files: relay asks teams-connector to post a message with files (images inline, files by reference).',
  producers: ['relay'],
  consumers: ['teams-connector'],
  schema: deliverRequestedV2,
  key: targetKey('teams'),
  example: deliverV2Example,
});

export const SlackMessageDeliverRequestedV2 = defineTopic({
  name: 'parley.slack.message.deliver.requested.v2',
  description: 'v1 plus files: relay asks slack-connector to post a message with files (uploaded into the conversation and thread).',
  producers: ['relay'],
  consumers: ['slack-connector'],
  schema: deliverRequestedV2,
  key: targetKey('slack'),
  example: {
    ...deliverV2Example,
    target: { kind: 'existing' as const, conversationId: 'C024BE91L' },
    recipientPlatformUserIds: [],
    body: { format: 'slack-mrkdwn' as const, content: 'the *mockups*' },
    files: [{ ref: 'AAMkADk0-hosted-1', name: 'image.png', mimeType: 'image/png', sizeBytes: 48213, kind: 'image' as const }],
    filesFrom: { platform: 'teams' as const, connectionId: '7c6b5a49-3827-4615-9a0b-c1d2e3f4a5b6' },
  },
});

export const MessageDeliveredV2 = defineTopic({
  name: 'parley.message.delivered.v2',
  description: 'v1 plus the files a connector could not carry: the outcome of a v2 delivery.',
  producers: ['slack-connector', 'teams-connector'],
  consumers: ['relay'],
  schema: messageDelivered.extend({
    /** Files of the request that did not make it, each with the platform's or the connector's reason. */
    filesNotCarried: z.array(z.object({ ref: nonEmpty.max(200), reason: z.string().min(1).max(500) })).max(20).optional(),
  }),
  key: (p) => conversationKey(p.conversation),
  example: {
    orgId: 'org_3f9a2c1b7d',
    deliveryId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    conversation: { platform: 'teams', conversationId: '19:abc@thread.v2' },
    outcome: 'delivered',
    platformMessageId: '1732700000123',
    voice: 'person',
    filesNotCarried: [{ ref: 'F0CH8E3B2', reason: 'OneDrive refused the upload: quotaLimitReached' }],
    deliveredAt: '2026-12-05T10:00:03.000Z',
  },
});
