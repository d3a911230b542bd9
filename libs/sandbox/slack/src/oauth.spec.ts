import net from 'node:net';
import { App, LogLevel, type Installation } from '@slack/bolt';
import { WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { startSlackSandbox, type SlackSandbox, type SlackSeedCredentials } from './index';

const USER_SCOPES = ['chat:write', 'im:history', 'im:read', 'im:write', 'mpim:history', 'mpim:read', 'mpim:write', 'reactions:read', 'reactions:write', 'users:read'];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Fills in and submits the authorize page's form as a browser would: hidden fields kept, account typed in. */
async function submitAuthorizePage(pageUrl: string, account: string, decision: 'approve' | 'cancel' = 'approve'): Promise<Response> {
  const page = await fetch(pageUrl, { redirect: 'manual' });
  expect(page.status).toBe(200);
  const html = await page.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no form in ${html}`);
  const unescape = (v: string) => v.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
  const form = new URLSearchParams();
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(name as string, unescape(value as string));
  form.set('account', account);
  form.set('decision', decision);
  return fetch(new URL(action, pageUrl), { method: 'POST', body: form, redirect: 'manual' });
}

describe('Slack sandbox OAuth v2: the authorize page and oauth.v2.access', () => {
  let sandbox: SlackSandbox;
  let creds: SlackSeedCredentials;
  let noToken: WebClient;
  const redirectUri = 'https://parley.example/slack/oauth/callback';

  beforeAll(async () => {
    sandbox = await startSlackSandbox({ limits: { enabled: false } });
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => {
    sandbox.reset();
    sandbox.setLimits({ enabled: false });
    creds = sandbox.seedDemo({ redirectUrls: [redirectUri] });
    noToken = new WebClient(undefined, { slackApiUrl: sandbox.apiUrl });
  });

  const authorizeUrl = (params: Record<string, string>) => `${sandbox.url}/oauth/v2/authorize?${new URLSearchParams({ client_id: creds.clientId, ...params })}`;
  const exchange = (code: string, extra: Record<string, string> = {}) => noToken.oauth.v2.access({ client_id: creds.clientId, client_secret: creds.clientSecret, code, ...extra });
  const platformError = async (call: Promise<unknown>) => ((await call.catch((e: unknown) => e)) as WebAPIPlatformError).data?.error;

  it('shows the app, workspace and user scopes, then redirects with a code and the state; the code gives a user token', async () => {
    const url = authorizeUrl({ user_scope: USER_SCOPES.join(','), redirect_uri: redirectUri, state: 'st/ate 1' });
    const html = await (await fetch(url)).text();
    expect(html).toContain('Parley is requesting permission to access the');
    expect(html).toContain('on your behalf');
    for (const scope of USER_SCOPES) expect(html).toContain(`<li>${scope}</li>`);

    const approved = await submitAuthorizePage(url, 'eng01@parley-demo.example');
    expect(approved.status).toBe(302);
    const back = new URL(approved.headers.get('location') as string);
    expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
    expect(back.searchParams.get('state')).toBe('st/ate 1');
    const code = back.searchParams.get('code') as string;

    const result = await exchange(code, { redirect_uri: redirectUri });
    const eng01 = [...sandbox.state.users.values()].find((u) => u.name === 'eng01');
    expect(result).toMatchObject({ ok: true, app_id: creds.appId, team: { id: creds.teamId }, authed_user: { id: eng01?.id, scope: USER_SCOPES.join(','), token_type: 'user', access_token: expect.stringMatching(/^xoxp-/) } });
    // A user-only authorization has no bot part.
    expect(result.access_token).toBeUndefined();
    expect(result.token_type).toBeUndefined();
    const asPerson = new WebClient(result.authed_user?.access_token, { slackApiUrl: sandbox.apiUrl });
    expect(await asPerson.auth.test()).toMatchObject({ user_id: eng01?.id, team_id: creds.teamId });
    expect((await asPerson.auth.test()).bot_id).toBeUndefined();
    // Single use.
    expect(await platformError(exchange(code, { redirect_uri: redirectUri }))).toBe('invalid_code');
  });

  it('answers with the bot part too when bot scopes were asked for', async () => {
    const code = sandbox.control.authorize({ as: 'eng02', scopes: ['chat:write', 'users:read'], userScopes: ['chat:write'] });
    const result = await exchange(code);
    expect(result).toMatchObject({ token_type: 'bot', access_token: expect.stringMatching(/^xoxb-/), bot_user_id: creds.botUserId, authed_user: { token_type: 'user', scope: 'chat:write' } });
    expect(result.scope?.split(',')).toEqual(expect.arrayContaining(['chat:write', 'users:read']));
  });

  it('checks redirect_uri: configured or below it on the page, identical at the exchange', async () => {
    const outside = await fetch(authorizeUrl({ user_scope: 'chat:write', redirect_uri: 'https://evil.example/slack/oauth/callback' }), { redirect: 'manual' });
    expect(outside.status).toBe(400);
    expect(await outside.text()).toContain('bad_redirect_uri');
    const sibling = await fetch(authorizeUrl({ user_scope: 'chat:write', redirect_uri: 'https://parley.example/slack/oauth/callbackx' }), { redirect: 'manual' });
    expect(sibling.status).toBe(400);

    const below = `${redirectUri}/team-a`;
    const approved = await submitAuthorizePage(authorizeUrl({ user_scope: 'chat:write', redirect_uri: below }), 'eng01');
    const code = new URL(approved.headers.get('location') as string).searchParams.get('code') as string;
    expect(await platformError(exchange(code))).toBe('bad_redirect_uri');
    expect(await platformError(exchange(code, { redirect_uri: redirectUri }))).toBe('bad_redirect_uri');
    // A refused exchange does not use the code up.
    await expect(exchange(code, { redirect_uri: below })).resolves.toMatchObject({ ok: true });

    // Without redirect_uri the page sends the person to the first configured URL, and the exchange needs none.
    const implicit = await submitAuthorizePage(authorizeUrl({ user_scope: 'chat:write' }), 'eng02');
    const location = new URL(implicit.headers.get('location') as string);
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    await expect(exchange(location.searchParams.get('code') as string)).resolves.toMatchObject({ ok: true });
  });

  it('seeds the app with the gateway\'s default origin as its Redirect URL', async () => {
    sandbox.reset();
    creds = sandbox.seedDemo();
    const ok = await fetch(authorizeUrl({ user_scope: 'chat:write', redirect_uri: 'http://127.0.0.1:3000/v1/slack/consent/callback' }), { redirect: 'manual' });
    expect(ok.status).toBe(200);
    const otherPort = await fetch(authorizeUrl({ user_scope: 'chat:write', redirect_uri: 'http://127.0.0.1:4000/v1/slack/consent/callback' }), { redirect: 'manual' });
    expect(otherPort.status).toBe(400);
  });

  it('shows errors on its own page for an unknown client, no scopes or a bot-only user scope, and redirects a cancel as access_denied', async () => {
    const unknown = await fetch(`${sandbox.url}/oauth/v2/authorize?client_id=123.456&user_scope=chat:write`, { redirect: 'manual' });
    expect([unknown.status, (await unknown.text()).includes('invalid_client_id')]).toEqual([400, true]);
    const none = await fetch(authorizeUrl({ redirect_uri: redirectUri }), { redirect: 'manual' });
    expect([none.status, (await none.text()).includes('invalid_scope')]).toEqual([400, true]);
    const botOnly = await fetch(authorizeUrl({ user_scope: 'chat:write.customize', redirect_uri: redirectUri }), { redirect: 'manual' });
    expect([botOnly.status, (await botOnly.text()).includes('invalid_scope')]).toEqual([400, true]);

    const cancelled = await submitAuthorizePage(authorizeUrl({ user_scope: 'chat:write', redirect_uri: redirectUri, state: 's1' }), 'eng01', 'cancel');
    const back = new URL(cancelled.headers.get('location') as string);
    expect(Object.fromEntries(back.searchParams)).toEqual({ error: 'access_denied', state: 's1' });
    const stranger = await submitAuthorizePage(authorizeUrl({ user_scope: 'chat:write', redirect_uri: redirectUri }), 'nobody@nowhere.example');
    expect(stranger.status).toBe(401);
    expect(sandbox.state.grants.size).toBe(0);
  });

  it('names oauth.v2.access errors as Slack does', async () => {
    const code = sandbox.control.authorize({ as: 'eng01', userScopes: ['chat:write'] });
    expect(await platformError(noToken.oauth.v2.access({ client_id: '1.2', client_secret: creds.clientSecret, code }))).toBe('invalid_client_id');
    expect(await platformError(noToken.oauth.v2.access({ client_id: creds.clientId, client_secret: 'wrong', code }))).toBe('bad_client_secret');
    expect(await platformError(exchange('not-a-code'))).toBe('invalid_code');
    expect(await platformError(exchange(code, { grant_type: 'password' }))).toBe('invalid_grant_type');
    await expect(exchange(code)).resolves.toMatchObject({ ok: true });
  });

  it('lets a code expire after ten (scaled) minutes', async () => {
    sandbox.setLimits({ timeScale: 0.0001 }); // ten minutes -> 60 ms
    const code = sandbox.control.authorize({ as: 'eng01', userScopes: ['chat:write'] });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await platformError(exchange(code))).toBe('invalid_code');
  });

  it('adds scopes to the same user token when a person authorizes again, and issues a new one after revocation', async () => {
    const first = await exchange(sandbox.control.authorize({ as: 'eng01', userScopes: ['chat:write'] }));
    const second = await exchange(sandbox.control.authorize({ as: 'eng01', userScopes: ['im:history'] }));
    expect(second.authed_user?.access_token).toBe(first.authed_user?.access_token);
    expect(second.authed_user?.scope).toBe('chat:write,im:history');
    const client = new WebClient(second.authed_user?.access_token, { slackApiUrl: sandbox.apiUrl });
    expect((await client.auth.test()).response_metadata?.scopes).toEqual(['chat:write', 'im:history']);
    sandbox.control.revokeToken(second.authed_user?.access_token as string);
    const third = await exchange(sandbox.control.authorize({ as: 'eng01', userScopes: ['chat:write'] }));
    expect(third.authed_user?.access_token).not.toBe(first.authed_user?.access_token);
    expect(third.authed_user?.scope).toBe('chat:write');
    const eng01 = [...sandbox.state.users.values()].find((u) => u.name === 'eng01')?.id;
    const view = (await (await fetch(`${sandbox.url}/_inspect/installations`)).json()) as unknown;
    expect(view).toEqual([{ appId: creds.appId, userId: eng01, scopes: ['chat:write'], revoked: false }]);
    expect(JSON.stringify(view)).not.toContain('xoxp-');
  });

  it('approves an app\'s authorize URL for a person without a browser (control.approve)', async () => {
    const { location } = sandbox.control.approve({ url: authorizeUrl({ user_scope: 'chat:write', redirect_uri: redirectUri, state: 'x' }), as: 'eng03' });
    const back = new URL(location);
    expect(back.searchParams.get('state')).toBe('x');
    await expect(exchange(back.searchParams.get('code') as string, { redirect_uri: redirectUri })).resolves.toMatchObject({ authed_user: { token_type: 'user' } });
    expect(() => sandbox.control.approve({ url: authorizeUrl({ user_scope: 'chat:write', redirect_uri: 'https://evil.example/' }), as: 'eng03' })).toThrow(/bad_redirect_uri/);
  });

  it('completes @slack/bolt\'s own OAuth flow (install path, authorize page, redirect, oauth.v2.access) with a user token', async () => {
    const port = await freePort();
    const boltRedirect = `http://127.0.0.1:${port}/slack/oauth_redirect`;
    sandbox.control.setRedirectUrls({ urls: [boltRedirect] });
    const installations: Installation[] = [];
    const app = new App({
      signingSecret: creds.signingSecret,
      clientId: creds.clientId,
      clientSecret: creds.clientSecret,
      stateSecret: 'sandbox-state-secret',
      scopes: ['chat:write'],
      redirectUri: boltRedirect,
      installationStore: {
        storeInstallation: async (installation) => {
          installations.push(installation as Installation);
        },
        fetchInstallation: async () => {
          throw new Error('not needed');
        },
      },
      installerOptions: { authorizationUrl: `${sandbox.url}/oauth/v2/authorize`, userScopes: USER_SCOPES, directInstall: true, redirectUriPath: '/slack/oauth_redirect', clientOptions: { slackApiUrl: sandbox.apiUrl } },
      clientOptions: { slackApiUrl: sandbox.apiUrl },
      logLevel: LogLevel.ERROR,
    });
    await app.start(port);
    try {
      const install = await fetch(`http://127.0.0.1:${port}/slack/install`, { redirect: 'manual' });
      expect(install.status).toBe(302);
      const cookie = (install.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const authorize = install.headers.get('location') as string;
      expect(authorize.startsWith(`${sandbox.url}/oauth/v2/authorize?`)).toBe(true);
      const approved = await submitAuthorizePage(authorize, 'eng04');
      const callback = await fetch(approved.headers.get('location') as string, { headers: { cookie }, redirect: 'manual' });
      expect(callback.status).toBe(200);
      expect(installations).toHaveLength(1);
      const eng04 = [...sandbox.state.users.values()].find((u) => u.name === 'eng04');
      expect(installations[0]).toMatchObject({ team: { id: creds.teamId }, appId: creds.appId, user: { id: eng04?.id, token: expect.stringMatching(/^xoxp-/), scopes: USER_SCOPES }, bot: { token: expect.stringMatching(/^xoxb-/), id: creds.botId } });
    } finally {
      await app.stop();
    }
  });
});
