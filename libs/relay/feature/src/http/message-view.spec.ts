import type { DeliveryRow, MessageRow } from '../store/relay-store';
import { relayedMessageView } from '@parley/internal-api';
import { messageView, reactionView } from './conversations-reader';

const at = new Date('2026-12-04T10:00:00.000Z');
const message: MessageRow = {
  id: '00000000-0000-4000-8000-000000000001',
  org_id: 'org_demo0001',
  twin_id: '00000000-0000-4000-8000-000000000002',
  source_platform: 'slack',
  source_conversation_id: 'D0ADAFRA',
  source_message_id: '100.1',
  source_thread_root_id: null,
  sender_person_id: '00000000-0000-4000-8000-000000000003',
  sender_platform_user_id: 'U0ADA',
  parts: 2,
  deleted: false,
  created_at: at,
};
let n = 10;
const delivery = (part: number, change: DeliveryRow['change'], state: DeliveryRow['state'], extra: Partial<DeliveryRow> = {}): DeliveryRow => ({
  id: `00000000-0000-4000-8000-0000000000${++n}`,
  org_id: message.org_id,
  message_id: message.id,
  twin_id: message.twin_id,
  part,
  change,
  target_platform: 'teams',
  state,
  reason: null,
  target_conversation_id: '19:chat',
  target_message_id: null,
  voice: null,
  content_hash: null,
  requested_at: at,
  dispatched_at: null,
  finished_at: null,
  attempts: 0,
  outcome_due_at: null,
  gave_up_at: null,
  source_occurred_at: null,
  files: null,
  ...extra,
});

describe('messageView', () => {
  it('is delivered when the latest change of every part is, with the other side ids in part order', () => {
    const view = messageView(message, [delivery(0, 'create', 'delivered', { target_message_id: 'T1' }), delivery(1, 'create', 'delivered', { target_message_id: 'T2' })], ['T1', 'T2']);
    expect(view).toMatchObject({ state: 'delivered', targetMessageIds: ['T1', 'T2'], source: { platform: 'slack', conversationId: 'D0ADAFRA', messageId: '100.1' } });
    expect(view).not.toHaveProperty('reason');
  });

  it('is pending while any part is on its way, and failed with the reason when the latest change of a part failed', () => {
    expect(messageView(message, [delivery(0, 'create', 'delivered'), delivery(1, 'create', 'pending')], []).state).toBe('pending');
    const failed = messageView(message, [delivery(0, 'create', 'delivered'), delivery(0, 'edit', 'failed', { reason: 'Forbidden' }), delivery(1, 'create', 'pending')], []);
    expect(failed).toMatchObject({ state: 'failed', reason: 'Forbidden' });
    // A later success of the same part replaces an earlier failure.
    expect(messageView(message, [delivery(0, 'create', 'failed', { reason: 'x' }), delivery(0, 'create', 'delivered')], []).state).toBe('delivered');
  });
});

describe('reactionView', () => {
  it('shows a reaction change that was not carried with its reason, as the API schema allows', () => {
    const view = reactionView({
      id: '00000000-0000-4000-8000-000000000099',
      seq: '1',
      org_id: message.org_id,
      message_id: message.id,
      twin_id: message.twin_id,
      source_platform: 'slack',
      reactor_platform_user_id: 'U0ADA',
      reactor_person_id: message.sender_person_id,
      reaction_key: 'slack:partyparrot',
      change: 'add',
      target_platform: 'teams',
      target_reaction: null,
      state: 'failed',
      reason: 'not carried: :partyparrot: is a custom Slack emoji with no Teams equivalent',
      target_conversation_id: '19:chat',
      target_message_id: '1700',
      requested_at: at,
      dispatched_at: null,
      finished_at: at,
    });
    expect(view).toMatchObject({ change: 'add', state: 'failed', reaction: 'slack:partyparrot', source: { platform: 'slack', reactorPlatformUserId: 'U0ADA' } });
    const withReactions = { ...messageView(message, [delivery(0, 'create', 'delivered')], ['1700']), reactions: [view] };
    expect(relayedMessageView.parse(withReactions).reactions).toEqual([view]);
  });
});
