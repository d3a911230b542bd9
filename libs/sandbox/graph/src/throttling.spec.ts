import { type GraphSandbox, type SeededCredentials, startGraphSandbox } from './index';
import { graphClient, raw } from './testing/sdk-client';

let sandbox: GraphSandbox;
let creds: SeededCredentials;
let appToken: string;
let userToken: string;
let chatId: string;
let people: string[];
const post = (chat: string, content: string, token = userToken) => raw(sandbox, `/v1.0/chats/${encodeURIComponent(chat)}/messages`, { token, body: { body: { content } } });
/** Group chats of the first two people: the per-chat limit (1 per second) keeps tenant-wide tests to one post per chat. */
const groupChats = (count: number): string[] => Array.from({ length: count }, (_, i) => sandbox.control.createChat({ members: [people[0] as string, people[1] as string], chatType: 'group', topic: `t${i}` }).id);

beforeAll(async () => {
  sandbox = await startGraphSandbox({ limits: { enabled: true, timeScale: 0.1 } });
});
afterAll(() => sandbox.stop());
beforeEach(() => {
  sandbox.reset();
  sandbox.setLimits({ enabled: true, timeScale: 0.1 });
  creds = sandbox.seedDemo();
  appToken = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId });
  people = Object.keys(creds.passwords);
  userToken = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: people[0] as string });
  chatId = sandbox.control.createChat({ members: [people[0] as string, people[1] as string] }).id;
});

describe('throttling', () => {
  test('the 21st chat message POST within one second is 429 with Retry-After (documented 20 rps per app per tenant)', async () => {
    // The documented count in a 10-second window: 21 parallel TLS requests may take over a second on a busy machine.
    sandbox.setLimits({ timeScale: 1, overrides: { chatMessagePost: { requests: 20, windowMs: 10_000 } } });
    const chats = groupChats(21);
    const responses = await Promise.all(chats.map((chat, i) => post(chat, `m${i}`)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    const throttled = responses.find((r) => r.status === 429);
    expect(throttled).toBeDefined();
    expect(Number(throttled?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(throttled?.headers.get('retry-after'))).toBeLessThanOrEqual(10);
    expect(Number(throttled?.headers.get('x-sandbox-retry-after-ms'))).toBeLessThanOrEqual(10_000);
    expect(throttled?.json()).toMatchObject({ error: { code: 'TooManyRequests' } });
    // Every answer is counted by status, for benchmarks to report the share of 429s.
    expect(sandbox.inspect.statusCounts()).toMatchObject({ 201: 20, 429: 1 });
    sandbox.inspect.resetStatusCounts();
    expect(sandbox.inspect.statusCounts()).toEqual({});
  });

  test('timeScale shortens the window: after the scaled wait the next POST passes', async () => {
    const chats = groupChats(22);
    for (let i = 0; i < 20; i++) await post(chats[i] as string, `m${i}`);
    const blocked = await post(chats[20] as string, 'x');
    if (blocked.status === 429) {
      const wait = Number(blocked.headers.get('x-sandbox-retry-after-ms'));
      expect(wait).toBeLessThanOrEqual(100);
      await new Promise((resolve) => setTimeout(resolve, wait + 5));
    }
    expect((await post(chats[21] as string, 'y')).status).toBe(201);
  });

  test('one chat takes 1 message per second per app: the second is 429 until the window reopens, other chats are unaffected', async () => {
    sandbox.setLimits({ timeScale: 1 });
    const [other] = groupChats(1) as [string];
    const secondPerson = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: people[1] as string });
    expect((await post(chatId, 'first')).status).toBe(201);
    // Someone else in the same chat through the same app: the app's allowance on this chat is spent.
    const second = await post(chatId, 'second', secondPerson);
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(second.json()).toMatchObject({ error: { code: 'TooManyRequests' } });
    expect((await post(other, 'elsewhere')).status).toBe(201);
    // The refused post used up nothing: after the scaled window (0.1 s here) the chat takes one more.
    sandbox.setLimits({ timeScale: 0.1 });
    expect((await post(chatId, 'a')).status).toBe(201);
    const blocked = await post(chatId, 'b');
    expect(blocked.status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, Number(blocked.headers.get('x-sandbox-retry-after-ms')) + 5));
    expect((await post(chatId, 'c')).status).toBe(201);
  });

  test('one person takes 1 message per second per chat whatever app they use; another person has their own allowance', async () => {
    sandbox.setLimits({ timeScale: 1, overrides: { perChatOrChannelSend: { requests: 100, windowMs: 1000 } } });
    const otherApp = sandbox.control.registerApp({ tenantId: creds.customerTenantId, scopes: ['ChatMessage.Send'] });
    const otherAppToken = sandbox.control.token({ clientId: otherApp.clientId, tenantId: creds.customerTenantId, as: people[0] as string });
    const secondPerson = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: people[1] as string });
    expect((await post(chatId, 'mine')).status).toBe(201);
    expect((await post(chatId, 'mine, through another app', otherAppToken)).status).toBe(429);
    expect((await post(chatId, 'theirs', secondPerson)).status).toBe(201);
  });

  test('a channel takes 1 message per second per app; replies count too', async () => {
    sandbox.setLimits({ timeScale: 1 });
    const secondPerson = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: people[1] as string });
    const base = `/v1.0/teams/${creds.teamId}/channels/${encodeURIComponent(creds.generalChannelId)}/messages`;
    const root = await raw(sandbox, base, { token: userToken, body: { body: { content: 'root' } } });
    expect(root.status).toBe(201);
    const reply = await raw(sandbox, `${base}/${root.json<{ id: string }>().id}/replies`, { token: secondPerson, body: { body: { content: 'reply' } } });
    expect(reply.status).toBe(429);
  });

  test('a message refused by one limit uses up none of the others', async () => {
    // Two messages per minute for the app in the whole tenant; the chat's own limit refuses the second one here.
    sandbox.setLimits({ timeScale: 1, overrides: { chatMessagePost: { requests: 2, windowMs: 60_000 } } });
    const secondPerson = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: people[1] as string });
    const [other] = groupChats(1) as [string];
    expect((await post(chatId, 'first')).status).toBe(201);
    expect((await post(chatId, 'refused by the chat limit', secondPerson)).status).toBe(429);
    // Had the refused one counted against the tenant-wide limit, this would be the third and refused.
    expect((await post(other, 'second for the tenant', secondPerson)).status).toBe(201);
    expect((await post(other, 'third', secondPerson)).status).toBe(429);
  });

  test('with limits disabled nothing is throttled', async () => {
    sandbox.setLimits({ enabled: false });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(chatId, `m${i}`)).status);
    expect(statuses).toEqual([201, 201, 201, 201, 201]);
  });

  test('invitations are limited per tenant (150 per 5 s, scaled)', async () => {
    sandbox.setLimits({ overrides: { invitations: { requests: 3, windowMs: 5000 } } });
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await raw(sandbox, '/v1.0/invitations', { token: appToken, body: { invitedUserEmailAddress: `p${i}@x.example`, inviteRedirectUrl: 'https://x.example' } })).status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
  });

  test("the SDK's RetryHandler honours Retry-After on a 429 and then succeeds", async () => {
    sandbox.inspect.recordRequests(true);
    sandbox.setFaults({ throttleBurst: 1 });
    const started = Date.now();
    const message = await graphClient(sandbox, userToken).api(`/chats/${chatId}/messages`).post({ body: { content: 'after retry' } });
    expect(message.body.content).toBe('after retry');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(sandbox.inspect.requests().map((r) => r.status)).toEqual([429, 201]);
  });
});

describe('$batch', () => {
  const get = (id: string, url: string, dependsOn?: string[]) => ({ id, method: 'GET', url, ...(dependsOn ? { dependsOn } : {}) });

  test('more than 20 requests are refused', async () => {
    const requests = Array.from({ length: 21 }, (_, i) => get(String(i), '/users?$top=1'));
    await expect(graphClient(sandbox, appToken).api('/$batch').post({ requests })).rejects.toMatchObject({ statusCode: 400, code: 'BadRequest' });
    const twenty = await graphClient(sandbox, appToken).api('/$batch').post({ requests: requests.slice(0, 20) });
    expect(twenty.responses).toHaveLength(20);
  });

  test('per-item status, dependsOn, 424 on a failed dependency, and an inner 429 inside a 200 batch', async () => {
    sandbox.setLimits({ overrides: { teamsGet: { requests: 2, windowMs: 60_000 } } });
    const response = await graphClient(sandbox, appToken).api('/$batch').post({
      requests: [
        get('1', '/users/does-not-exist'),
        get('2', '/users?$top=1', ['1']),
        { id: '3', method: 'POST', url: '/invitations', headers: { 'Content-Type': 'application/json' }, body: { invitedUserEmailAddress: 'b@x.example', inviteRedirectUrl: 'https://x.example' } },
        get('4', `/chats/${chatId}`),
        get('5', `/chats/${chatId}`),
        get('6', `/chats/${chatId}`),
      ],
    });
    const byId = Object.fromEntries(response.responses.map((r: { id: string; status: number }) => [r.id, r]));
    expect(byId['1'].status).toBe(404);
    expect(byId['2'].status).toBe(424);
    expect(byId['3'].status).toBe(201);
    expect([byId['4'].status, byId['5'].status, byId['6'].status]).toEqual([200, 200, 429]);
    expect(byId['6'].headers['retry-after']).toBeDefined();
    const bad = await raw(sandbox, '/v1.0/$batch', { token: appToken, body: { requests: [{ id: '1', method: 'POST', url: '/invitations', body: {} }] } });
    expect(bad.status).toBe(400);
  });
});

describe('faults', () => {
  test('an error rate answers 503 ServiceUnavailable; reset clears it', async () => {
    sandbox.setFaults({ errorRate: 1 });
    const response = await raw(sandbox, '/v1.0/users', { token: appToken });
    expect(response.status).toBe(503);
    expect(response.json()).toMatchObject({ error: { code: 'ServiceUnavailable' } });
    sandbox.setFaults({ errorRate: 0 });
    expect((await raw(sandbox, '/v1.0/users?$top=1', { token: appToken })).status).toBe(200);
  });
});

describe('lost responses', () => {
  test('a matching request is carried out and its answer never arrives; others are answered', async () => {
    sandbox.setFaults({ lostResponses: 1, lostResponsesFor: '^POST /chats/[^/]+/messages$' });
    expect((await raw(sandbox, '/v1.0/users?$top=1', { token: appToken })).status).toBe(200);
    await expect(post(chatId, 'committed, unanswered')).rejects.toThrow();
    expect(sandbox.inspect.messages({ chatId }).map((m) => (m['body'] as { content: string }).content)).toEqual(['committed, unanswered']);
    // (Another chat: the lost one counted against this chat's 1 per second.)
    expect((await post(groupChats(1)[0] as string, 'answered')).status).toBe(201);
  });
});
