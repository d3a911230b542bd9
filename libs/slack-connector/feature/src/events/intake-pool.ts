import { DedicatedPool } from '@parley/persistence';

/**
 * The connections the Events API endpoint works through before its 200 (ADR 0052): whether a channel is linked, and
 * the group commit that stores the event (2 transactions), never waiting behind the lanes and handlers that hold the
 * service's own pool.
 */
export class SlackIntakePool extends DedicatedPool {}

export const SLACK_INTAKE_POOL_SIZE = 3;
