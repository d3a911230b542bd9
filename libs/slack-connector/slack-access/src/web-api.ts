import { ErrorCode, WebClient, LogLevel, type Logger as SlackLogger, type WebAPICallResult } from '@slack/web-api';
import type { Secret } from '@parley/config';
import type { Logger } from '@parley/observability';
import { RateLimitSignal, SlackApiError, SlackUnavailableError } from './errors';
import type { SlackPacer } from './pacer';

/** The parts of a users.list / users.info member the connector reads. */
export interface SlackMember {
  readonly id: string;
  readonly team_id?: string;
  readonly name?: string;
  readonly real_name?: string;
  readonly deleted?: boolean;
  readonly is_bot?: boolean;
  readonly is_app_user?: boolean;
  readonly is_workflow_bot?: boolean;
  readonly is_restricted?: boolean;
  readonly is_ultra_restricted?: boolean;
  readonly profile?: {
    readonly email?: string;
    readonly real_name?: string;
    readonly display_name?: string;
    readonly image_192?: string;
    readonly image_72?: string;
  };
}

export interface AuthTestResult {
  readonly teamId: string;
  readonly teamName: string;
  readonly userId: string;
  readonly botId?: string;
  /** From the x-oauth-scopes header (WebClient puts it in response_metadata.scopes); undefined when Slack sent none. */
  readonly scopes?: readonly string[];
}

export interface SlackWebApiOptions {
  readonly apiUrl: string;
  readonly token: Secret;
  /** The bucket scope: the workspace (team id), or a stand-in before auth.test has told which workspace it is. */
  readonly workspace: string;
  readonly pacer: SlackPacer;
  readonly logger: Logger;
  readonly timeoutMs?: number;
}

/** WebClient appends method names to slackApiUrl, so it must end with a slash. */
export function normalizeApiUrl(apiUrl: string): string {
  return apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
}

/**
 * Slack's Web API through @slack/web-api's WebClient, paced by the shared buckets. WebClient is configured not to
 * retry on its own (no retries, rate-limited calls rejected) so the pacer alone decides when to call again, and the
 * token is passed per call instead of being stored in the client.
 */
export class SlackWebApi {
  private readonly client: WebClient;

  constructor(private readonly options: SlackWebApiOptions) {
    this.client = new WebClient(undefined, {
      slackApiUrl: normalizeApiUrl(options.apiUrl),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: options.timeoutMs ?? 15_000,
      logger: slackLogger(options.logger),
      logLevel: LogLevel.WARN,
    });
  }

  get workspace(): string {
    return this.options.workspace;
  }

  async call<T extends WebAPICallResult>(method: string, args: Record<string, unknown> = {}): Promise<T> {
    // files.completeUploadExternal names its conversation `channel_id`.
    const named = args['channel'] ?? args['channel_id'];
    const channel = typeof named === 'string' ? named : undefined;
    return this.options.pacer.webApi(
      this.options.workspace,
      method,
      async () => {
        try {
          return (await this.client.apiCall(method, { ...args, token: this.options.token.reveal() })) as T;
        } catch (error) {
          throw translate(method, error);
        }
      },
      channel,
    );
  }

  /**
   * oauth.v2.access with the app's client credentials and no token (the method takes none). Used to check a client
   * id and secret: Slack checks them before the code, so a made-up code tells which of the three is wrong.
   */
  async oauthV2Access(args: { client_id: string; client_secret: Secret; code: string; redirect_uri?: string }): Promise<WebAPICallResult> {
    const method = 'oauth.v2.access';
    return this.options.pacer.webApi(this.options.workspace, method, async () => {
      try {
        return await this.client.apiCall(method, { ...args, client_secret: args.client_secret.reveal() });
      } catch (error) {
        throw translate(method, error);
      }
    });
  }

  async authTest(): Promise<AuthTestResult> {
    const result = await this.call<WebAPICallResult & { team_id?: string; team?: string; user_id?: string; bot_id?: string }>('auth.test');
    if (!result.team_id || !result.user_id) throw new SlackUnavailableError('auth.test answered without team_id or user_id');
    return { teamId: result.team_id, teamName: result.team ?? '', userId: result.user_id, botId: result.bot_id, scopes: result.response_metadata?.scopes };
  }

  async usersInfo(user: string): Promise<SlackMember> {
    const result = await this.call<WebAPICallResult & { user?: SlackMember }>('users.info', { user });
    if (!result.user) throw new SlackUnavailableError('users.info answered without a user');
    return result.user;
  }

  /** Every member of the workspace, page by page (cursor pagination, `limit` members a page). */
  async *listMembers(limit = 200): AsyncGenerator<SlackMember[]> {
    let cursor: string | undefined;
    do {
      const page = await this.call<WebAPICallResult & { members?: SlackMember[] }>('users.list', { limit, ...(cursor ? { cursor } : {}) });
      yield page.members ?? [];
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
  }
}

function translate(method: string, error: unknown): Error {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === ErrorCode.RateLimitedError) return new RateLimitSignal((error as { retryAfter?: number }).retryAfter);
  if (code === ErrorCode.PlatformError) {
    const data = (error as { data?: { error?: string; needed?: string; provided?: string } }).data ?? {};
    return new SlackApiError(method, data.error ?? 'unknown_error', data.needed, data.provided);
  }
  if (code === ErrorCode.HTTPError) {
    const status = (error as { statusCode?: number }).statusCode;
    return new SlackUnavailableError(`Slack ${method} answered HTTP ${status ?? '?'}`, status, { cause: error });
  }
  if (code === ErrorCode.RequestError) {
    const original = (error as { original?: Error }).original;
    return new SlackUnavailableError(`could not reach Slack for ${method}: ${original?.message ?? 'request failed'}`, undefined, { cause: error });
  }
  // A 429 without a usable Retry-After: WebClient gives up with a plain error; the pacer waits its default.
  if (error instanceof Error && /Retry header did not contain a valid timeout/.test(error.message)) return new RateLimitSignal(undefined);
  return error instanceof Error ? error : new Error(String(error));
}

/** @slack/logger's interface over pino, so WebClient's warnings land in the service's structured logs. */
function slackLogger(logger: Logger): SlackLogger {
  const child = logger.child({ component: 'slack-web-api' });
  const rank: Record<LogLevel, number> = { [LogLevel.DEBUG]: 0, [LogLevel.INFO]: 1, [LogLevel.WARN]: 2, [LogLevel.ERROR]: 3 };
  let level: LogLevel = LogLevel.WARN;
  const text = (parts: unknown[]) => parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
  const at = (wanted: LogLevel, write: (line: string) => void) => (...msg: unknown[]) => {
    if (rank[wanted] >= rank[level]) write(text(msg));
  };
  return {
    debug: at(LogLevel.DEBUG, (line) => child.debug(line)),
    info: at(LogLevel.INFO, (line) => child.info(line)),
    warn: at(LogLevel.WARN, (line) => child.warn(line)),
    error: at(LogLevel.ERROR, (line) => child.error(line)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
