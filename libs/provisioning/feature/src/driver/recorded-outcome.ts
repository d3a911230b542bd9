import type { Payload } from '@parley/contracts';
import type { TaskResult } from './task-results';

/** What identity's record of a connector's result means for its task. */
export function outcomeOf(event: Payload<'parley.identity.account.recorded.v1'>): TaskResult['outcome'] {
  const { account } = event;
  // A dead-lettered command: identity marked the account needs_attention with the reason the task fails with.
  if (event.failedBecause) return { kind: 'failed', reason: event.failedBecause, retryable: false };
  // identity no longer knows the person (deleted since the plan): nothing will ever be recorded for this result.
  if (!account) return { kind: 'failed', reason: 'identity does not know this person any more; the account was not recorded', retryable: false };
  // A guest Parley cannot sign in as is of no use yet: the task fails with the reason an admin can act on.
  if (account.status === 'needs_attention') {
    return { kind: 'failed', reason: `the guest cannot sign in: ${account.attentionReason ?? 'identity marked it needs_attention'}`, retryable: false };
  }
  const undoing = event.action === 'disable_guest' || event.action === 'deactivate_mirror';
  return { kind: 'done', counts: undoing ? 'disabled' : 'created' };
}
