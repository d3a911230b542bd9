import { z } from 'zod';
import { defineTopic } from '../../topic';
import { nonEmpty, orgId, timestamp, uuid } from '../../primitives';

/**
 * Parley tells one person something on their primary platform: who did not get their message, that a delivery failed,
 * or the single-use link to give their consent. Slack notices come from the app's DM with the person; Teams notices
 * from the connection's service account in a 1:1 chat with them (relay.md, Who speaks as whom).
 */
const noticeRequested = z.object({
  orgId,
  connectionId: uuid,
  /** Makes the notice idempotent: the same notice id is posted once. */
  noticeId: uuid,
  recipientPersonId: uuid,
  recipientPlatformUserId: nonEmpty,
  reason: z.enum(['recipients-unreached', 'delivery-failed', 'consent-needed']),
  /** Plain text; the connector escapes it for its platform. */
  text: z.string().min(1).max(4000),
  /** A link the notice offers (a consent link), shown as a link the connector builds itself. */
  link: z.object({ url: z.url({ protocol: /^https?$/ }), label: z.string().min(1).max(100) }).optional(),
  /** Where the notice refers to (the source conversation and message), when it is about a message. */
  about: z.object({ conversationId: nonEmpty, messageId: nonEmpty.optional() }).optional(),
  requestedAt: timestamp,
});
const example = {
  orgId: 'org_3f9a2c1b7d',
  connectionId: '0d3c2b1a-9f8e-4d7c-8b6a-5f4e3d2c1b0a',
  noticeId: '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e',
  recipientPersonId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
  recipientPlatformUserId: 'U024BE7LH',
  reason: 'recipients-unreached' as const,
  text: 'Grace Hopper did not get your message: she has no Teams account Parley can reach.',
  about: { conversationId: 'G024BE91L', messageId: '1732700000.000100' },
  requestedAt: '2026-11-27T10:00:04.000Z',
};

export const SlackNoticeRequestedV1 = defineTopic({
  name: 'parley.slack.notice.requested.v1',
  description: "Parley tells a Slack-primary person something in the app's DM with them.",
  producers: ['relay', 'identity'],
  consumers: ['slack-connector'],
  schema: noticeRequested,
  key: (p) => `slack:${p.recipientPlatformUserId}`,
  example,
});

export const TeamsNoticeRequestedV1 = defineTopic({
  name: 'parley.teams.notice.requested.v1',
  description: "Parley tells a Teams-primary person something in a 1:1 chat with the connection's service account.",
  producers: ['relay', 'identity'],
  consumers: ['teams-connector'],
  schema: noticeRequested,
  key: (p) => `teams:${p.recipientPlatformUserId}`,
  example: {
    ...example,
    recipientPlatformUserId: '8f2d1c3b-5a4e-4f6d-9b8a-7c6d5e4f3a2b',
    reason: 'consent-needed' as const,
    text: 'To let Parley post your replies on Slack as you, give your consent once.',
    link: { url: 'https://parley.example.com/auth/slack/start?state=abc', label: 'Connect Slack' },
    about: undefined,
  },
});
