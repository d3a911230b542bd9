import { startSlackSandbox, type SlackSandbox, type SlackSeedCredentials } from './index';

// Details the SDKs hide: HTTP statuses, raw error bodies, headers, bad input.
describe('Slack sandbox over raw HTTP', () => {
  let sandbox: SlackSandbox;
  let creds: SlackSeedCredentials;

  beforeAll(async () => {
    sandbox = await startSlackSandbox({ limits: { enabled: true, timeScale: 0.1 } });
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => {
    sandbox.reset();
    creds = sandbox.seedDemo();
  });

  async function call(method: string, init: { body?: string; type?: string; token?: string | null } = {}) {
    const headers: Record<string, string> = {};
    if (init.type) headers['content-type'] = init.type;
    if (init.token !== null) headers['authorization'] = `Bearer ${init.token ?? creds.botToken}`;
    const response = await fetch(`${sandbox.apiUrl}${method}`, { method: 'POST', headers, body: init.body });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // keep empty
    }
    return { status: response.status, json, headers: response.headers };
  }

  it('answers API errors as HTTP 200 with ok:false', async () => {
    expect(await call('auth.test', { token: null })).toMatchObject({ status: 200, json: { ok: false, error: 'not_authed' } });
    expect(await call('auth.test', { token: 'xoxb-nope' })).toMatchObject({ status: 200, json: { ok: false, error: 'invalid_auth' } });
    expect(await call('chat.postMessage', { type: 'application/x-www-form-urlencoded', body: 'channel=C0NOPE&text=x' })).toMatchObject({ status: 200, json: { ok: false, error: 'channel_not_found' } });
    expect(await call('no.such.method')).toMatchObject({ status: 200, json: { ok: false, error: 'unknown_method' } });
  });

  it('accepts the token as a form field and reports scopes in headers', async () => {
    const result = await call('auth.test', { token: null, type: 'application/x-www-form-urlencoded', body: `token=${creds.botToken}` });
    expect(result.json).toMatchObject({ ok: true, user_id: creds.botUserId });
    const narrow = sandbox.control.issueToken({ kind: 'bot', scopes: ['users:read'] });
    const denied = await call('chat.postMessage', { token: narrow, type: 'application/json', body: JSON.stringify({ channel: creds.channels['general'], text: 'x' }) });
    expect(denied.json).toEqual({ ok: false, error: 'missing_scope', needed: 'chat:write', provided: 'users:read' });
    expect(denied.headers.get('x-oauth-scopes')).toBe('users:read');
    expect(denied.headers.get('x-accepted-oauth-scopes')).toBe('chat:write');
  });

  it('answers malformed input with Slack error shapes, never a 5xx', async () => {
    sandbox.setLimits({ enabled: false });
    expect((await call('chat.postMessage', { type: 'application/json', body: '{"channel": ' })).json).toEqual({ ok: false, error: 'invalid_json' });
    expect((await call('chat.postMessage', { type: 'application/json', body: '[1,2]' })).json).toEqual({ ok: false, error: 'json_not_object' });
    expect((await call('chat.postMessage', { type: 'application/xml', body: '<a/>' })).json).toEqual({ ok: false, error: 'invalid_post_type' });
    expect((await call('chat.postMessage', { type: 'application/json', body: JSON.stringify({ channel: creds.channels['general'], text: 'x', blocks: 'not json' }) })).json).toEqual({ ok: false, error: 'invalid_blocks' });
    expect((await call('users.list', { type: 'application/json', body: JSON.stringify({ cursor: 'garbage' }) })).json).toEqual({ ok: false, error: 'invalid_cursor' });
    expect((await call('users.list', { type: 'application/json', body: JSON.stringify({ limit: 'ten' }) })).json).toMatchObject({ ok: false, error: 'invalid_arguments' });
    expect((await call('files.getUploadURLExternal', { type: 'application/json', body: JSON.stringify({ filename: 'a.txt' }) })).json).toMatchObject({ ok: false, error: 'invalid_arguments' });
    const weird = [
      '{"channel":{"nested":true},"text":["a"]}',
      '{"users":[1,2,3]}',
      '{"channel":null,"ts":12.5,"name":false}',
      '{"files":"[{\\"id\\":1}]","channel_id":7}',
      '{"limit":-5,"cursor":""}',
      '\u0000\u0001',
    ];
    const methods = ['chat.postMessage', 'chat.update', 'chat.delete', 'reactions.add', 'conversations.open', 'conversations.invite', 'conversations.history', 'conversations.replies', 'conversations.members', 'conversations.info', 'conversations.create', 'users.info', 'users.list', 'users.lookupByEmail', 'files.completeUploadExternal', 'oauth.v2.access'];
    for (const method of methods) {
      for (const body of weird) {
        for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
          const result = await call(method, { type, body });
          // Junk that happens to read as "no arguments" can succeed (users.list); nothing may break.
          expect({ method, body, type, status: result.status }).toEqual({ method, body, type, status: 200 });
          if (result.json['ok'] !== true) expect({ method, body, type, error: typeof result.json['error'] }).toEqual({ method, body, type, error: 'string' });
        }
      }
    }
  });

  it('throttles by tier with 429, an integer Retry-After and the exact scaled wait', async () => {
    // 0.3: a token back every 900 ms, so 21 quick calls cannot outrun the refill on a busy machine (at 0.1 they did).
    sandbox.setLimits({ timeScale: 0.3 });
    const results = [];
    for (let i = 0; i < 21; i++) results.push(await call('users.list', { type: 'application/x-www-form-urlencoded', body: 'limit=1' }));
    expect(results.slice(0, 20).every((r) => r.status === 200)).toBe(true);
    const limited = results[20];
    expect(limited?.status).toBe(429);
    expect(limited?.json).toEqual({ ok: false, error: 'ratelimited' });
    expect(Number(limited?.headers.get('retry-after'))).toBe(1);
    const exact = Number(limited?.headers.get('x-sandbox-retry-after-ms'));
    expect(exact).toBeGreaterThan(0);
    expect(exact).toBeLessThanOrEqual(900); // 60 s / 20 calls x 0.3
    await new Promise((r) => setTimeout(r, exact + 5));
    expect((await call('users.list', { type: 'application/x-www-form-urlencoded', body: 'limit=1' })).status).toBe(200);
    // Another method has its own bucket.
    expect((await call('users.info', { type: 'application/x-www-form-urlencoded', body: `user=${creds.botUserId}` })).status).toBe(200);
  });

  it('limits chat.postMessage per channel, not per workspace', async () => {
    const post = (channel: string) => call('chat.postMessage', { type: 'application/json', body: JSON.stringify({ channel, text: 'x' }) });
    const general = creds.channels['general'] as string;
    const engineering = creds.channels['engineering'] as string;
    const burst = await Promise.all([post(general), post(general), post(general), post(general)]);
    expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 200, 429]);
    expect((await post(engineering)).status).toBe(200);
  });

  it('injects errors, latency and 429 bursts on demand', async () => {
    sandbox.setFaults({ rateLimitBurst: 2 });
    expect((await call('auth.test')).status).toBe(429);
    expect((await call('auth.test')).status).toBe(429);
    expect((await call('auth.test')).status).toBe(200);
    sandbox.setFaults({ errorRate: 1 });
    expect(await call('auth.test')).toMatchObject({ status: 503, json: { ok: false } });
    sandbox.setFaults({ latencyMs: 120 });
    const started = Date.now();
    await call('auth.test');
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('exchanges an OAuth code for tokens with oauth.v2.access, once', async () => {
    const code = sandbox.control.authorize({ as: 'eng01', scopes: ['chat:write'], userScopes: ['users:read'] });
    const form = (extra: string) => ({ type: 'application/x-www-form-urlencoded', token: null, body: `code=${encodeURIComponent(code)}&${extra}` });
    expect((await call('oauth.v2.access', form(`client_id=${creds.clientId}&client_secret=wrong`))).json).toEqual({ ok: false, error: 'bad_client_secret' });
    const ok = await call('oauth.v2.access', form(`client_id=${creds.clientId}&client_secret=${creds.clientSecret}`));
    expect(ok.json).toMatchObject({ ok: true, token_type: 'bot', access_token: expect.stringMatching(/^xoxb-/), bot_user_id: creds.botUserId, team: { id: creds.teamId }, authed_user: { access_token: expect.stringMatching(/^xoxp-/) } });
    expect((await call('auth.test', { token: ok.json['access_token'] as string })).json).toMatchObject({ ok: true });
    expect((await call('oauth.v2.access', form(`client_id=${creds.clientId}&client_secret=${creds.clientSecret}`))).json).toEqual({ ok: false, error: 'invalid_code' });
  });

  it('serves the consent and DM control actions over HTTP, for checks that run the sandbox in another process', async () => {
    const control = async (action: string, body: unknown) => {
      const response = await fetch(`${sandbox.url}/_control/${action}`, { method: 'POST', body: JSON.stringify(body) });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    };
    expect((await control('redirect-urls', { urls: ['https://gw.example/slack/callback'] })).status).toBe(200);
    const url = `${sandbox.url}/oauth/v2/authorize?client_id=${creds.clientId}&user_scope=chat:write,im:history&redirect_uri=${encodeURIComponent('https://gw.example/slack/callback')}&state=s`;
    const approved = await control('approve', { url, as: 'eng01' });
    expect(approved.json['location']).toMatch(/^https:\/\/gw\.example\/slack\/callback\?code=[^&]+&state=s$/);
    const refused = await control('approve', { url: url.replace('gw.example', 'evil.example'), as: 'eng01' });
    expect(refused).toMatchObject({ status: 400, json: { error: expect.stringContaining('bad_redirect_uri') } });
    const installed = await control('install', { as: 'eng02', userScopes: ['chat:write'] });
    expect(installed.json['token']).toMatch(/^xoxp-/);
    const dm = await control('open', { as: 'eng02', with: ['eng01'] });
    expect(dm.json['id']).toMatch(/^D/);
    const posted = await call('chat.postMessage', { token: installed.json['token'] as string, type: 'application/json', body: JSON.stringify({ channel: dm.json['id'], text: 'hi' }) });
    expect(posted.json).toMatchObject({ ok: true, message: { text: 'hi' } });
    const appToken = await control('tokens', { kind: 'app', scopes: ['authorizations:read'] });
    expect(appToken.json['token']).toMatch(/^xapp-1-/);
  });

  it('serves the control and inspection APIs over HTTP', async () => {
    const control = await fetch(`${sandbox.url}/_control/post`, { method: 'POST', body: JSON.stringify({ as: 'eng01', channel: 'general', text: 'via http' }) });
    expect(control.status).toBe(200);
    const messages = (await (await fetch(`${sandbox.url}/_inspect/messages?channel=general`)).json()) as Array<{ text: string }>;
    expect(messages.at(-1)?.text).toBe('via http');
    const bad = await fetch(`${sandbox.url}/_control/post`, { method: 'POST', body: JSON.stringify({ as: 'nobody', channel: 'general', text: 'x' }) });
    expect(bad.status).toBe(400);
    for (const body of ['{}', 'null', '[1]', '{"as":5}']) {
      expect((await fetch(`${sandbox.url}/_control/edit`, { method: 'POST', body })).status).toBe(400);
    }
    const requests = (await (await fetch(`${sandbox.url}/_inspect/requests`)).json()) as Array<{ path: string }>;
    expect(requests.some((r) => r.path === '/_control/post')).toBe(true);
  });
});

describe('Slack sandbox SCIM v2', () => {
  let sandbox: SlackSandbox;
  let creds: SlackSeedCredentials;

  beforeAll(async () => {
    sandbox = await startSlackSandbox({ limits: { enabled: false } });
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => {
    sandbox.reset();
    creds = sandbox.seedDemo();
  });

  const scim = (path: string, method = 'GET', body?: unknown, token?: string) =>
    fetch(`${sandbox.url}/scim/v2/${path}`, {
      method,
      headers: { authorization: `Bearer ${token ?? creds.scimToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('is refused on the free plan and without the admin scope', async () => {
    const bot = await scim('Users', 'GET', undefined, creds.botToken);
    expect(bot.status).toBe(403);
    sandbox.control.setPlan('free');
    const free = await scim('Users');
    expect(free.status).toBe(403);
    expect(await free.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '403' });
    expect((await scim('Users', 'GET', undefined, 'xoxp-unknown')).status).toBe(401);
  });

  it('creates, reads, lists, patches and deactivates users', async () => {
    const created = await scim('Users', 'POST', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'sales01',
      name: { givenName: 'Grace', familyName: 'Hopper' },
      displayName: 'Grace (Teams)',
      emails: [{ value: 'sales01@parley-demo.example', primary: true }],
    });
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: string; active: boolean; userName: string };
    expect(user).toMatchObject({ userName: 'sales01', active: true });
    expect((await scim('Users', 'POST', { userName: 'other', emails: [{ value: 'sales01@parley-demo.example' }] })).status).toBe(409);
    expect((await (await scim(`Users/${user.id}`)).json()) as object).toMatchObject({ displayName: 'Grace (Teams)', emails: [{ value: 'sales01@parley-demo.example' }] });
    const list = (await (await scim('Users?filter=' + encodeURIComponent('userName eq "sales01"'))).json()) as { totalResults: number };
    expect(list.totalResults).toBe(1);
    const page = (await (await scim('Users?startIndex=1&count=10')).json()) as { Resources: unknown[]; totalResults: number };
    expect(page.Resources).toHaveLength(10);
    expect(page.totalResults).toBeGreaterThan(25);

    const patched = await scim(`Users/${user.id}`, 'PATCH', { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'displayName', value: 'Grace H.' }] });
    expect(await patched.json()).toMatchObject({ displayName: 'Grace H.' });
    expect((await scim(`Users/${user.id}`, 'DELETE')).status).toBe(204);
    expect(sandbox.state.users.get(user.id)?.deleted).toBe(true);
    expect((await scim(`Users/${user.id}`, 'PATCH', '{not json')).status).toBe(400);
    expect((await scim('Users/UNOPE')).status).toBe(404);
  });
});

describe('Slack sandbox history limits for non-Marketplace apps', () => {
  it('caps conversations.history at 1 call per minute and 15 messages for commercially distributed non-Marketplace apps', async () => {
    const sandbox = await startSlackSandbox({ limits: { enabled: true, timeScale: 0.1 } });
    try {
      const creds = sandbox.seedDemo({ distribution: 'non-marketplace' });
      const general = creds.channels['general'] as string;
      for (let i = 0; i < 20; i++) sandbox.control.post({ as: 'eng01', channel: general, text: `m${i}` });
      const history = () =>
        fetch(`${sandbox.apiUrl}conversations.history`, { method: 'POST', headers: { authorization: `Bearer ${creds.botToken}`, 'content-type': 'application/x-www-form-urlencoded' }, body: `channel=${general}&limit=100` });
      const first = await history();
      const page = (await first.json()) as { messages: unknown[]; has_more: boolean };
      expect(page.messages).toHaveLength(15);
      expect(page.has_more).toBe(true);
      const second = await history();
      expect(second.status).toBe(429);
      expect(Number(second.headers.get('x-sandbox-retry-after-ms'))).toBeGreaterThan(5000); // ~60 s x 0.1
    } finally {
      await sandbox.stop();
    }
  });
});
