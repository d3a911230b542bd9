/** Injection token of identity's oauth.v2.access client. */
export const SLACK_OAUTH = Symbol('SLACK_OAUTH');
