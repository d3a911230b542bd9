import { IdentityAccountRecordedV1, parsePayload, type Payload } from '@parley/contracts';
import { outcomeOf } from './recorded-outcome';

const recorded = (patch: Partial<Payload<'parley.identity.account.recorded.v1'>>) =>
  ({ ...parsePayload('parley.identity.account.recorded.v1', IdentityAccountRecordedV1.example), ...patch }) as Payload<'parley.identity.account.recorded.v1'>;
const guest = { platform: 'teams', kind: 'guest', platformUserId: 'g-1' } as const;
const mirror = { platform: 'slack', kind: 'mirror', platformUserId: 'W1' } as const;

describe("identity's record of a connector result, as a task outcome", () => {
  it('counts a recorded guest or mirror as created (reused ones too: identity records them the same way)', () => {
    expect(outcomeOf(recorded({ action: 'create_guest', account: { ...guest, status: 'active' } }))).toEqual({ kind: 'done', counts: 'created' });
    expect(outcomeOf(recorded({ action: 'create_mirror', account: { ...mirror, status: 'active' } }))).toEqual({ kind: 'done', counts: 'created' });
  });

  it('counts a recorded disable or deactivation as disabled', () => {
    expect(outcomeOf(recorded({ action: 'disable_guest', account: { ...guest, status: 'deactivated' } }))).toEqual({ kind: 'done', counts: 'disabled' });
    expect(outcomeOf(recorded({ action: 'deactivate_mirror', account: { ...mirror, status: 'deactivated' } }))).toEqual({ kind: 'done', counts: 'disabled' });
  });

  it('fails the task for good when the guest cannot sign in, with the reason identity shows', () => {
    const outcome = outcomeOf(recorded({ action: 'create_guest', account: { ...guest, status: 'needs_attention', attentionReason: 'AADSTS50076: MFA required' } }));
    expect(outcome).toEqual({ kind: 'failed', reason: 'the guest cannot sign in: AADSTS50076: MFA required', retryable: false });
  });

  it('fails the task with the reason identity recorded for a dead-lettered command, whatever the account shows', () => {
    const reason = 'the command was dead-lettered by slack-connector: boom';
    const attention = { ...mirror, platformUserId: null, status: 'needs_attention', attentionReason: reason } as const;
    expect(outcomeOf(recorded({ action: 'create_mirror', account: attention, failedBecause: reason }))).toEqual({ kind: 'failed', reason, retryable: false });
    expect(outcomeOf(recorded({ action: 'create_mirror', account: null, failedBecause: reason }))).toEqual({ kind: 'failed', reason, retryable: false });
  });

  it('fails the task for good when identity recorded nothing (it does not know the person): no answer would ever come', () => {
    expect(outcomeOf(recorded({ action: 'create_mirror', account: null }))).toEqual({
      kind: 'failed',
      reason: 'identity does not know this person any more; the account was not recorded',
      retryable: false,
    });
  });
});
