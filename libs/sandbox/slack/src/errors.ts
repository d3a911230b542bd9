/** A Slack API error: answered as HTTP 200 `{ok:false, error, ...extra}`. */
export class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code);
  }
}

export function fail(code: string, extra?: Record<string, unknown>): never {
  throw new SlackApiError(code, extra);
}
