import { z } from 'zod';
import type { Secret } from '@parley/config';
import type { FetchFunction } from '@parley/entra-token';

/** What oauth.v2.access answers for a user-scope install: the person's id and user token under `authed_user`. */
const accessAnswer = z.union([
  z.object({
    ok: z.literal(true),
    authed_user: z.object({ id: z.string().min(1), access_token: z.string().regex(/^xoxp-/), scope: z.string().default('') }),
  }),
  z.object({ ok: z.literal(false), error: z.string().default('unknown_error') }),
]);

export interface SlackUserGrant {
  readonly slackUserId: string;
  readonly accessToken: string;
  readonly scopes: readonly string[];
}

/** Slack refused the exchange (`invalid_code`, `bad_client_secret`, ...) or did not answer usefully (`error` is null). */
export class SlackOAuthError extends Error {
  constructor(readonly error: string | null) {
    super(error ? `oauth.v2.access refused: ${error}` : 'oauth.v2.access did not answer usefully');
    this.name = 'SlackOAuthError';
  }
}

/** Where a Slack connection's authorize page is: beside its Web API (`https://slack.com/api/` -> `/oauth/v2/authorize`). */
export function slackAuthorizeUrl(apiUrl: string): URL {
  return new URL('../oauth/v2/authorize', apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`);
}

/**
 * Redeems a Slack authorization code with oauth.v2.access. Client credentials go as HTTP Basic auth (Slack's
 * preferred way), never in a URL; the answer's tokens are handed back and never logged.
 */
export class SlackOAuthClient {
  constructor(private readonly fetchFn: FetchFunction = fetch) {}

  async access(apiUrl: string, client: { id: string; secret: Secret }, code: string, redirectUri: string): Promise<SlackUserGrant> {
    const url = new URL('oauth.v2.access', apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`);
    let body: unknown;
    try {
      const response = await this.fetchFn(url.toString(), {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${client.id}:${client.secret.reveal()}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ code, redirect_uri: redirectUri }).toString(),
        signal: AbortSignal.timeout(15_000),
      });
      if (!response.ok) throw new SlackOAuthError(null);
      body = await response.json();
    } catch (error) {
      if (error instanceof SlackOAuthError) throw error;
      throw new SlackOAuthError(null);
    }
    const answer = accessAnswer.safeParse(body);
    if (!answer.success) throw new SlackOAuthError(null);
    if (!answer.data.ok) throw new SlackOAuthError(answer.data.error);
    const user = answer.data.authed_user;
    return { slackUserId: user.id, accessToken: user.access_token, scopes: user.scope.split(',').filter(Boolean) };
  }
}
