import { connectionRequests, type DemoCredentials } from '@parley/sandbox-runner';

export type Category = 'webhooks' | 'injection' | 'no or wrong key' | 'wrong kind of key' | "another organization's ids" | 'unknown ids' | 'bad bodies' | 'secrets: logs, answers, at rest';

/** Whose key a case sends: none, a known one, or raw text that is no key at all. */
export type Caller = 'none' | 'operator' | 'orgA' | 'orgB' | { readonly raw: string };

export interface ApiCase {
  readonly name: string;
  readonly category: Category;
  readonly method: string;
  /** The documented path, `{id}` not yet filled. */
  readonly template: string;
  /** `{id}`: organization A's real resource (the default) or an id nobody has. */
  readonly id?: 'unknown';
  readonly as: Caller;
  readonly scheme?: 'basic';
  /** The raw request body; a function because some bodies need the run's fixtures. */
  readonly body?: (fixtures: ReadonlyMap<string, string>, credentials: DemoCredentials) => string;
  readonly expect: number;
  /** A field the problem document must name. */
  readonly namesField?: string;
}

interface Operation {
  readonly responses: Record<string, { description: string }>;
  readonly requestBody?: unknown;
}

/** Who may call a route, read from what its 403 says (the gateway's OpenAPI document words the two cases apart). */
type Audience = 'operator' | 'org' | 'either';

function audienceOf(operation: Operation): Audience {
  const forbidden = operation.responses['403']?.description ?? '';
  if (/operator API key/.test(forbidden) && !/organization admin/.test(forbidden)) return 'operator';
  if (/organization admin API key/.test(forbidden)) return 'org';
  return 'either';
}

/**
 * A body that would take effect if the request got through: a new organization, a connection to a workspace nobody
 * connected, a sync, a change of a person's primary platform. Refused requests must leave no trace of it.
 */
const validBodies: Record<string, (fixtures: ReadonlyMap<string, string>, credentials: DemoCredentials) => Record<string, unknown>> = {
  'POST /v1/orgs': () => ({ name: 'Intruder org' }),
  'POST /v1/connections': (_f, credentials) => connectionRequests(credentials).teams,
  'POST /v1/user-syncs': () => ({ mode: 'guest' }),
  'PATCH /v1/people/{id}': () => ({ primaryPlatform: 'slack' }),
  'POST /v1/channel-links': (fixtures) => ({ slack: { channelId: fixtures.get('slack channel') }, teams: { create: true } }),
  'PATCH /v1/relay-settings': () => ({ fileRelay: true }),
};

/**
 * The cases for every `/v1` operation of the document. An operation with a request body but no entry in `validBodies`
 * throws, so a new write route cannot go untested.
 */
export function apiCases(document: { paths: Record<string, Record<string, Operation>> }): ApiCase[] {
  const cases: ApiCase[] = [];
  for (const [template, operations] of Object.entries(document.paths)) {
    if (!template.startsWith('/v1/')) continue;
    for (const [lower, operation] of Object.entries(operations)) {
      const method = lower.toUpperCase();
      const op = `${method} ${template}`;
      const valid = validBodies[op];
      if (operation.requestBody && !valid) throw new Error(`${op} takes a body: add a valid one to validBodies in api-cases.ts`);
      const body = valid ? (f: ReadonlyMap<string, string>, c: DemoCredentials) => JSON.stringify(valid(f, c)) : undefined;
      const audience = audienceOf(operation);
      const rightCaller: Caller = audience === 'operator' ? 'operator' : 'orgA';
      const add = (c: Omit<ApiCase, 'method' | 'template'>) => cases.push({ method, template, ...c, name: `${op}: ${c.name}` });

      add({ name: 'no Authorization header → 401', category: 'no or wrong key', as: 'none', body, expect: 401 });
      add({ name: 'a key nobody issued → 401', category: 'no or wrong key', as: { raw: `org_${'x'.repeat(43)}` }, body, expect: 401 });
      add({ name: 'an operator-shaped key nobody issued → 401', category: 'no or wrong key', as: { raw: `op_${'y'.repeat(40)}` }, body, expect: 401 });
      add({ name: 'the right key sent as Basic → 401', category: 'no or wrong key', as: rightCaller, scheme: 'basic', body, expect: 401 });
      if (audience === 'operator') add({ name: 'an organization key → 403', category: 'wrong kind of key', as: 'orgA', body, expect: 403 });
      if (audience === 'org') add({ name: 'the operator key → 403', category: 'wrong kind of key', as: 'operator', body, expect: 403 });
      if (template.includes('{id}') && audience !== 'operator') {
        add({ name: "organization B's key on A's id → 404", category: "another organization's ids", as: 'orgB', body, expect: 404 });
        add({ name: 'an id nobody has → 404', category: 'unknown ids', as: 'orgA', id: 'unknown', body, expect: 404 });
      }
      if (template.includes('{id}') && audience === 'operator') {
        add({ name: 'an id nobody has → 404', category: 'unknown ids', as: 'operator', id: 'unknown', body, expect: 404 });
      }
      if (valid) {
        add({
          name: 'an unknown field → 400 naming it',
          category: 'bad bodies',
          as: rightCaller,
          body: (f, c) => JSON.stringify({ ...valid(f, c), isAdmin: true }),
          expect: 400,
          namesField: 'isAdmin',
        });
        add({ name: 'malformed JSON → 400', category: 'bad bodies', as: rightCaller, body: () => '{"name": ', expect: 400 });
        add({
          name: 'a 2 MB body → 413',
          category: 'bad bodies',
          as: rightCaller,
          body: (f, c) => JSON.stringify({ ...valid(f, c), padding: 'p'.repeat(2 * 1024 * 1024) }),
          expect: 413,
        });
      }
    }
  }
  return cases;
}

/** An id of the right shape that names nothing (a malformed one could be refused 400 before anyone looks it up). */
export function unknownIdFor(template: string): string {
  if (template.startsWith('/v1/orgs/')) return 'org_Nobody0000000000';
  return '00000000-0000-4000-8000-000000000000';
}
