import { z } from 'zod';
import type { Secret } from '@parley/config';
import { RateLimitSignal, ScimRequestError, SlackUnavailableError } from './errors';
import { parseRetryAfter, type ScimOperation } from './limits';
import type { SlackPacer } from './pacer';

export const SCIM_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
/** Slack's SCIM 2.0 extension that makes a new user a guest: `type` multi (multi-channel) or single. */
export const SLACK_GUEST_SCHEMA = 'urn:ietf:params:scim:schemas:extension:slack:guest:2.0:User';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const scimUser = z.object({
  id: z.string().min(1),
  userName: z.string().default(''),
  active: z.boolean().default(true),
  displayName: z.string().optional(),
  emails: z.array(z.object({ value: z.string(), primary: z.boolean().optional() })).default([]),
});
export type ScimUser = z.infer<typeof scimUser>;

const listResponse = z.object({ totalResults: z.number().int().nonnegative(), Resources: z.array(scimUser).default([]) });

export interface NewScimUser {
  readonly userName: string;
  readonly email: string;
  readonly displayName: string;
  readonly givenName: string;
  readonly familyName: string;
  /** Make a guest through Slack's guest extension (`multi` or `single` channel), or a full member when absent. */
  readonly guest?: 'multi' | 'single';
}

export interface ScimClientOptions {
  /** The SCIM v2 base, e.g. https://api.slack.com/scim/v2 (no trailing /Users). */
  readonly scimUrl: string;
  readonly token: Secret;
  /** The bucket scope: the workspace's team id (SCIM limits are org-wide). */
  readonly workspace: string;
  readonly pacer: SlackPacer;
  readonly timeoutMs?: number;
}

interface RawAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** SCIM values are quoted in filters; a quote or backslash inside would end the string early. */
export function scimFilterValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** The primary email of a SCIM user (the first one when none is marked primary), lower-cased. */
export function primaryEmailOf(user: ScimUser): string | undefined {
  const email = user.emails.find((e) => e.primary) ?? user.emails[0];
  return email?.value.trim().toLowerCase();
}

/**
 * Slack's SCIM v2 Users API over fetch with the org-level SCIM token, paced by the shared SCIM buckets. 429 answers
 * are retried by the pacer, 5xx and network failures surface as SlackUnavailableError (transient), other 4xx as
 * ScimRequestError with Slack's detail.
 */
export class ScimClient {
  private readonly base: string;

  constructor(private readonly options: ScimClientOptions) {
    this.base = options.scimUrl.replace(/\/+$/, '');
  }

  /** GET /Users?count=1: proves the token works on this plan. */
  async probe(): Promise<{ totalResults: number; firstUserId?: string }> {
    const answer = await this.request('list', 'GET', '/Users?startIndex=1&count=1');
    const list = this.expect('list', answer, 200, listResponse);
    return { totalResults: list.totalResults, firstUserId: list.Resources[0]?.id };
  }

  /** Users matching a SCIM filter such as `userName eq "ada"`. */
  async findUsers(filter: string, count = 10): Promise<ScimUser[]> {
    const query = new URLSearchParams({ filter, startIndex: '1', count: String(count) });
    const answer = await this.request('list', 'GET', `/Users?${query.toString()}`);
    return this.expect('list', answer, 200, listResponse).Resources;
  }

  async findByUserName(userName: string): Promise<ScimUser[]> {
    return this.findUsers(`userName eq "${scimFilterValue(userName)}"`);
  }

  /** SCIM 2.0's `emails.value eq`; a server that rejects that filter is asked with Slack's 1.1 spelling `email eq`. */
  async findByEmail(email: string): Promise<ScimUser[]> {
    const value = scimFilterValue(email);
    try {
      return await this.findUsers(`emails.value eq "${value}"`);
    } catch (error) {
      if (!(error instanceof ScimRequestError && error.status === 400)) throw error;
      return this.findUsers(`email eq "${value}"`);
    }
  }

  /** The user, or null when Slack does not know the id. */
  async getUser(id: string): Promise<ScimUser | null> {
    const answer = await this.request('get', 'GET', `/Users/${encodeURIComponent(id)}`);
    if (answer.status === 404) return null;
    return this.expect('get', answer, 200, scimUser);
  }

  async createUser(input: NewScimUser): Promise<ScimUser> {
    const body: Record<string, unknown> = {
      schemas: input.guest ? [SCIM_USER_SCHEMA, SLACK_GUEST_SCHEMA] : [SCIM_USER_SCHEMA],
      userName: input.userName,
      displayName: input.displayName,
      name: { givenName: input.givenName, familyName: input.familyName },
      emails: [{ value: input.email, primary: true }],
      active: true,
    };
    if (input.guest) body[SLACK_GUEST_SCHEMA] = { type: input.guest };
    const answer = await this.request('create', 'POST', '/Users', body);
    return this.expect('create', answer, 201, scimUser);
  }

  /** PATCH active: reactivates (true) or deactivates (false) an account. */
  async setActive(id: string, active: boolean): Promise<ScimUser> {
    const body = { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: active }] };
    const answer = await this.request('update', 'PATCH', `/Users/${encodeURIComponent(id)}`, body);
    return this.expect('update', answer, 200, scimUser);
  }

  /** DELETE deactivates the account (Slack never removes one). `not_found` when Slack does not know the id. */
  async deactivate(id: string): Promise<'deactivated' | 'not_found'> {
    const answer = await this.request('delete', 'DELETE', `/Users/${encodeURIComponent(id)}`);
    if (answer.status === 404) return 'not_found';
    if (answer.status === 204 || answer.status === 200) return 'deactivated';
    throw refusal('delete', answer);
  }

  private expect<S extends z.ZodType>(operation: ScimOperation, answer: RawAnswer, status: number, schema: S): z.output<S> {
    if (answer.status !== status && !(status === 201 && answer.status === 200)) throw refusal(operation, answer);
    const parsed = schema.safeParse(answer.body);
    if (!parsed.success) throw new SlackUnavailableError(`SCIM ${operation} answered ${answer.status} with an unexpected body`, answer.status);
    return parsed.data;
  }

  private request(operation: ScimOperation, method: string, path: string, body?: unknown): Promise<RawAnswer> {
    return this.options.pacer.scim(this.options.workspace, operation, async () => {
      let response: Response;
      try {
        response = await fetch(`${this.base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.options.token.reveal()}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
        });
      } catch (error) {
        const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
        throw new SlackUnavailableError(`could not reach Slack SCIM for ${operation}: ${reason}`, undefined, { cause: error });
      }
      if (response.status === 429) {
        await response.body?.cancel();
        throw new RateLimitSignal(parseRetryAfter(response.headers.get('retry-after')));
      }
      const text = await response.text();
      if (response.status >= 500) throw new SlackUnavailableError(`Slack SCIM ${operation} answered ${response.status}`, response.status);
      let parsed: unknown = undefined;
      if (text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = { detail: text.slice(0, 300) };
        }
      }
      return { status: response.status, body: parsed };
    });
  }
}

function refusal(operation: string, answer: RawAnswer): ScimRequestError {
  const body = (answer.body ?? {}) as { detail?: unknown; scimType?: unknown; Errors?: { description?: unknown } };
  // SCIM 2.0 answers {detail, scimType}; Slack's 1.1 style is {Errors: {description, code}}.
  const detail = typeof body.detail === 'string' ? body.detail : typeof body.Errors?.description === 'string' ? body.Errors.description : `HTTP ${answer.status}`;
  return new ScimRequestError(operation, answer.status, detail, typeof body.scimType === 'string' ? body.scimType : undefined);
}
