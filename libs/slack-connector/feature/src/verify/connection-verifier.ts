import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Secret } from '@parley/config';
import type { SlackConnectionInput, VerifyConnectionResult } from '@parley/internal-api';
import {
  normalizeApiUrl,
  ScimRequestError,
  SlackApiError,
  SlackUnavailableError,
  TOKEN_REFUSED_CODES,
  type AuthTestResult,
} from '@parley/slack-connector-slack-access';
import { SlackClients } from '../connections/slack-clients';

/** What Guest Account Sync needs from the bot token: read people and their emails, post as them. */
export const REQUIRED_BOT_SCOPES = ['users:read', 'users:read.email', 'chat:write', 'chat:write.customize'] as const;

type Problem = { field: string; reason: string };

/** Which required scopes a token's granted scopes lack, in the order they are listed. */
export function missingScopes(granted: readonly string[]): string[] {
  const have = new Set(granted.map((s) => s.trim()));
  return REQUIRED_BOT_SCOPES.filter((scope) => !have.has(scope));
}

/**
 * Checks Slack credentials against Slack before anything is stored: auth.test with the bot token, its granted
 * scopes, and SCIM with the SCIM token when one is given. Answers settings (never a secret) or the problems, each
 * naming the input field an admin must fix. Throws SlackUnavailableError when Slack itself failed (5xx).
 */
@Injectable()
export class ConnectionVerifier {
  constructor(private readonly clients: SlackClients) {}

  async verify(input: SlackConnectionInput): Promise<VerifyConnectionResult> {
    const apiUrl = normalizeApiUrl(input.apiUrl);
    const scimUrl = input.scimUrl.replace(/\/+$/, '');
    const botToken = new Secret(input.botToken);
    // Before auth.test the workspace is unknown: pace on a digest of the token (never the token itself).
    const provisional = `token-${createHash('sha256').update(botToken.reveal()).digest('hex').slice(0, 16)}`;

    let auth: AuthTestResult;
    try {
      auth = await this.clients.webApi(apiUrl, botToken, provisional).authTest();
    } catch (error) {
      const problem = this.authProblem(error, apiUrl);
      if (problem) return { ok: false, problems: [problem] };
      throw error;
    }

    const problems: Problem[] = [];
    if (!auth.botId) {
      problems.push({ field: 'botToken', reason: "auth.test names no bot for this token: use the app's bot token (xoxb-...)" });
    }
    if (!auth.scopes) {
      problems.push({ field: 'botToken', reason: "Slack did not report the token's granted scopes (no x-oauth-scopes), so they cannot be checked" });
    } else {
      const missing = missingScopes(auth.scopes);
      if (missing.length > 0) {
        problems.push({ field: 'botToken', reason: `the bot token lacks the scopes ${missing.join(', ')}: add them to the Slack app and reinstall it` });
      }
    }

    let scim = false;
    if (input.scimToken) {
      const scimProblem = await this.probeScim(scimUrl, new Secret(input.scimToken), auth, apiUrl, botToken);
      if (scimProblem) problems.push(scimProblem);
      else scim = true;
    }

    problems.push(...(await this.checkClient(input, apiUrl, auth.teamId)));

    if (problems.length > 0) return { ok: false, problems };
    return {
      ok: true,
      settings: {
        platform: 'slack',
        teamId: auth.teamId,
        teamName: auth.teamName,
        botUserId: auth.userId,
        apiUrl,
        scimUrl,
        scim,
        scopes: [...(auth.scopes ?? [])].sort(),
        ...(input.clientId ? { clientId: input.clientId } : {}),
      },
    };
  }

  /**
   * The app's client id and secret (for people's Slack consent) come together. Slack has no call that checks them
   * alone, but oauth.v2.access checks the client id, then the secret, then the code: a made-up code answering
   * `invalid_code` means both are right.
   */
  private async checkClient(input: SlackConnectionInput, apiUrl: string, workspace: string): Promise<Problem[]> {
    if (!input.clientId && !input.clientSecret) return [];
    if (!input.clientId) return [{ field: 'clientId', reason: "give the app's client id with its client secret (both, or neither)" }];
    if (!input.clientSecret) return [{ field: 'clientSecret', reason: "give the app's client secret with its client id (both, or neither)" }];
    try {
      await this.clients.webApi(apiUrl, new Secret('unused'), workspace).oauthV2Access({
        client_id: input.clientId,
        client_secret: new Secret(input.clientSecret),
        code: 'parley-connect-check',
      });
      return [{ field: 'clientSecret', reason: 'oauth.v2.access accepted a made-up code, so the client credentials could not be checked' }];
    } catch (error) {
      if (!(error instanceof SlackApiError)) throw error;
      if (error.code === 'invalid_code') return [];
      if (error.code === 'invalid_client_id') return [{ field: 'clientId', reason: 'Slack knows no app with this client id' }];
      if (error.code === 'bad_client_secret') return [{ field: 'clientSecret', reason: "Slack refused the client secret: use the app's current client secret" }];
      return [{ field: 'clientId', reason: `oauth.v2.access failed with ${error.code}` }];
    }
  }

  private authProblem(error: unknown, apiUrl: string): Problem | undefined {
    if (error instanceof SlackApiError) {
      const reason = TOKEN_REFUSED_CODES.has(error.code)
        ? `Slack refused the bot token (${error.code}): check it is the current bot token of the app installed in the workspace`
        : `auth.test failed with ${error.code}`;
      return { field: 'botToken', reason };
    }
    // No HTTP status: the request never got an answer (DNS, refused connection, timeout).
    if (error instanceof SlackUnavailableError && error.status === undefined) {
      return { field: 'apiUrl', reason: `could not reach the Slack Web API at ${apiUrl}: ${rootCause(error)}` };
    }
    if (error instanceof SlackUnavailableError && error.status === 404) {
      return { field: 'apiUrl', reason: `${apiUrl} does not serve the Slack Web API (HTTP 404)` };
    }
    return undefined;
  }

  private async probeScim(scimUrl: string, scimToken: Secret, auth: AuthTestResult, apiUrl: string, botToken: Secret): Promise<Problem | undefined> {
    const fallback = 'Without SCIM, Parley shows Teams people on Slack as profile mirrors (their name and avatar on the app\'s posts): leave the SCIM token out to use those';
    let probe: { totalResults: number; firstUserId?: string };
    try {
      probe = await this.clients.scim(scimUrl, scimToken, auth.teamId).probe();
    } catch (error) {
      if (error instanceof ScimRequestError) {
        if (error.status === 401) return { field: 'scimToken', reason: `Slack refused the SCIM token (${error.detail}): use a workspace admin's token with the admin scope` };
        if (error.status === 403) {
          return { field: 'scimToken', reason: `Slack SCIM refused the token: ${error.detail}. SCIM needs a Business+ or Enterprise plan and an admin token with the admin scope. ${fallback}` };
        }
        if (error.status === 404) return { field: 'scimUrl', reason: `${scimUrl} does not serve SCIM v2 Users (HTTP 404)` };
        return { field: 'scimToken', reason: `Slack SCIM answered ${error.status}: ${error.detail}` };
      }
      if (error instanceof SlackUnavailableError && error.status === undefined) {
        return { field: 'scimUrl', reason: `could not reach Slack SCIM at ${scimUrl}: ${rootCause(error)}` };
      }
      throw error;
    }
    // A SCIM token of another workspace would put mirrors in the wrong place: its users must be the bot's workspace's.
    if (probe.firstUserId) {
      try {
        await this.clients.webApi(apiUrl, botToken, auth.teamId).usersInfo(probe.firstUserId);
      } catch (error) {
        if (error instanceof SlackApiError && error.code === 'user_not_found') {
          return { field: 'scimToken', reason: `the SCIM token belongs to another workspace than the bot token (${auth.teamName || auth.teamId})` };
        }
        // Without users:read (already reported) or on a refusal unrelated to the SCIM token the check is moot.
        if (!(error instanceof SlackApiError)) throw error;
      }
    }
    return undefined;
  }
}

/** The innermost message of an error chain (WebClient wraps fetch's error, which wraps the socket's). */
function rootCause(error: Error): string {
  let message = error.message;
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    message = current.message;
    current = (current as Error & { original?: unknown }).original ?? current.cause;
  }
  return message;
}
