import pino from 'pino';
import { createRedisConnection, InMemoryRateLimiter, type RateLimiter, type RedisConnection } from '@parley/cache';
import { Secret } from '@parley/config';
import { startSlackSandbox, type SlackSandbox, type SlackSeedCredentials } from '@parley/sandbox-slack';
import { integrationEnv, uniqueSuffix } from '@parley/testing';
import { ScimRequestError, SlackApiError, SlackUnavailableError } from './errors';
import { DEFAULT_SLACK_LIMITS } from './limits';
import { SlackPacer } from './pacer';
import { ScimClient } from './scim';
import { SlackWebApi } from './web-api';

// A scaled minute of 3 s: at 0.01 (30 ms a call) one event-loop stall of the shared test process let a call into a
// full window (3 429s in a fresh-clone run).
const TIME_SCALE = 0.05;
const logger = pino({ level: 'silent' });
const limits = { ...DEFAULT_SLACK_LIMITS, timeScale: TIME_SCALE };

describe('slack-access against the Slack sandbox', () => {
  let sandbox: SlackSandbox;
  let creds: SlackSeedCredentials;
  let pro: SlackSeedCredentials;
  const redis: RedisConnection[] = [];

  const webApi = (limiter: RateLimiter, token = creds.botToken, apiUrl = sandbox.apiUrl) => {
    const pacer = new SlackPacer(limiter, limits, logger);
    return { pacer, api: new SlackWebApi({ apiUrl, token: new Secret(token), workspace: creds.teamId, pacer, logger }) };
  };
  const scim = (token = creds.scimToken, teamId = creds.teamId) =>
    new ScimClient({ scimUrl: `${sandbox.url}/scim/v2/`, token: new Secret(token), workspace: teamId, pacer: new SlackPacer(new InMemoryRateLimiter(), limits, logger) });
  const usersList429s = () => sandbox.inspect.requests().filter((r) => r.path.startsWith('/api/users.list') && r.status === 429).length;

  beforeAll(async () => {
    sandbox = await startSlackSandbox({ limits: { enabled: true, timeScale: TIME_SCALE } });
    creds = sandbox.seedDemo({ plan: 'business+' });
    pro = sandbox.seedDemo({ plan: 'pro' });
  });

  afterAll(async () => {
    for (const connection of redis) await connection.close();
    await sandbox?.stop();
  });

  describe('SlackWebApi', () => {
    it('reads auth.test with the granted scopes', async () => {
      const { api } = webApi(new InMemoryRateLimiter());
      const auth = await api.authTest();
      expect(auth).toMatchObject({ teamId: creds.teamId, teamName: creds.teamName, userId: creds.botUserId, botId: creds.botId });
      expect(auth.scopes).toEqual(expect.arrayContaining(['users:read', 'users:read.email', 'chat:write', 'chat:write.customize']));
    });

    it('pages through users.list', async () => {
      const { api } = webApi(new InMemoryRateLimiter());
      const pages: number[] = [];
      for await (const page of api.listMembers(10)) pages.push(page.length);
      expect(pages).toEqual([10, 10, 10, 1]);
    });

    it('turns Slack refusals, unreachable hosts and 5xx into distinct errors', async () => {
      await expect(webApi(new InMemoryRateLimiter(), 'xoxb-1-2-wrong').api.authTest()).rejects.toMatchObject({ name: 'SlackApiError', code: 'invalid_auth' });
      const unreachable = webApi(new InMemoryRateLimiter(), creds.botToken, 'http://127.0.0.1:9/api').api.authTest();
      await expect(unreachable).rejects.toBeInstanceOf(SlackUnavailableError);
      await expect(unreachable).rejects.toMatchObject({ status: undefined });
      sandbox.setFaults({ errorRate: 1 });
      try {
        await expect(webApi(new InMemoryRateLimiter()).api.authTest()).rejects.toMatchObject({ name: 'SlackUnavailableError', status: 503 });
      } finally {
        sandbox.setFaults({});
      }
      const narrow = sandbox.control.issueToken({ kind: 'bot', scopes: ['chat:write'], appId: creds.appId });
      const missing = webApi(new InMemoryRateLimiter(), narrow).api.usersInfo(creds.adminUserId);
      await expect(missing).rejects.toBeInstanceOf(SlackApiError);
      await expect(missing).rejects.toMatchObject({ code: 'missing_scope', needed: 'users:read' });
    });

    it('two replicas sharing Redis buckets stay under Tier 2 together, where separate buckets get 429s', async () => {
      const prefix = `slack-access-test-${uniqueSuffix()}`;
      for (let i = 0; i < 2; i++) redis.push(await createRedisConnection(integrationEnv().redisUrl, { keyPrefix: prefix }));
      const replicas = redis.map((connection) => webApi(connection.rateLimiter));
      // The tests before this one called users.list too: start with Slack's Tier 2 window full again, as the fresh
      // buckets believe it is.
      await new Promise((resolve) => setTimeout(resolve, 60_000 * TIME_SCALE + 100));
      const before = usersList429s();
      const calls = replicas.flatMap(({ api }) => Array.from({ length: 30 }, () => api.call('users.list', { limit: 1 })));
      const started = Date.now();
      await Promise.all(calls);
      expect(usersList429s() - before).toBe(0);
      expect(replicas.map((r) => r.pacer.rateLimited)).toEqual([0, 0]);
      // 60 calls: a burst of at most 20, then at least 40 at 20 per scaled minute.
      expect(Date.now() - started).toBeGreaterThanOrEqual(40 * ((60_000 * TIME_SCALE) / 20) - 50);

      // Wait for Slack's bucket to fill again, then do the same with a bucket per replica.
      await new Promise((resolve) => setTimeout(resolve, 60_000 * TIME_SCALE + 100));
      const separate = [webApi(new InMemoryRateLimiter()), webApi(new InMemoryRateLimiter())];
      const unshared = usersList429s();
      await Promise.allSettled(separate.flatMap(({ api }) => Array.from({ length: 30 }, () => api.call('users.list', { limit: 1 }))));
      expect(usersList429s() - unshared).toBeGreaterThan(0);
      expect(separate.reduce((n, r) => n + r.pacer.rateLimited, 0)).toBeGreaterThan(0);
    }, 30_000);
  });

  describe('ScimClient', () => {
    it('probes, creates, finds, deactivates and reactivates users', async () => {
      const client = scim();
      expect((await client.probe()).totalResults).toBeGreaterThan(0);
      const created = await client.createUser({ userName: 'mirror.one', email: 'Mirror.One@example.com', displayName: 'Mirror One', givenName: 'Mirror', familyName: 'One', guest: 'multi' });
      expect(created).toMatchObject({ userName: 'mirror.one', active: true, emails: [{ value: 'Mirror.One@example.com', primary: true }] });
      expect(await client.findByUserName('mirror.one')).toEqual([expect.objectContaining({ id: created.id })]);
      expect(await client.findByEmail('mirror.one@example.com')).toEqual([expect.objectContaining({ id: created.id })]);
      expect(await client.findByUserName('nobody.here')).toEqual([]);

      expect(await client.deactivate(created.id)).toBe('deactivated');
      expect(await client.getUser(created.id)).toMatchObject({ active: false });
      expect(await client.setActive(created.id, true)).toMatchObject({ active: true });
      expect(await client.getUser('U0NOSUCHUSER')).toBeNull();
      expect(await client.deactivate('U0NOSUCHUSER')).toBe('not_found');
    });

    it('reports conflicts and refusals with their status and detail', async () => {
      const client = scim();
      await client.createUser({ userName: 'mirror.two', email: 'mirror.two@example.com', displayName: 'Two', givenName: 'Two', familyName: '' });
      const conflict = client.createUser({ userName: 'mirror.two', email: 'other@example.com', displayName: 'Two', givenName: 'Two', familyName: '' });
      await expect(conflict).rejects.toBeInstanceOf(ScimRequestError);
      await expect(conflict).rejects.toMatchObject({ status: 409, detail: 'username_taken' });
      await expect(scim(pro.scimToken, pro.teamId).probe()).rejects.toMatchObject({ status: 403, detail: expect.stringContaining('plan') });
      await expect(scim('xoxp-not-a-token').probe()).rejects.toMatchObject({ status: 401 });
    });
  });
});
