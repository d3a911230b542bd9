import { type GraphSandbox, type SeededCredentials, startGraphSandbox } from './index';
import { graphClient, raw, tokenFor } from './testing/sdk-client';

let sandbox: GraphSandbox;
let creds: SeededCredentials;

beforeAll(async () => {
  sandbox = await startGraphSandbox();
});
afterAll(() => sandbox.stop());
beforeEach(() => {
  sandbox.reset();
  creds = sandbox.seedDemo();
});

const appForm = (c: SeededCredentials) => ({ client_id: c.clientId, client_secret: c.clientSecret });

/** Parley's guest flow: an account in the home tenant, invited into the customer tenant. */
async function provisionGuest(nickname: string): Promise<{ upn: string; password: string; guestId: string }> {
  const homeToken = (await tokenFor(sandbox, creds.homeTenantId, { ...appForm(creds), grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' })).json<{ access_token: string }>().access_token;
  const password = 'Guest-Passw0rd!';
  const upn = `${nickname}@${creds.homeTenantDomain}`;
  const created = await raw(sandbox, '/v1.0/users', {
    token: homeToken,
    body: { accountEnabled: true, displayName: `Guest ${nickname}`, mailNickname: nickname, userPrincipalName: upn, passwordProfile: { password } },
  });
  expect(created.status).toBe(201);
  const appToken = (await tokenFor(sandbox, creds.customerTenantId, { ...appForm(creds), grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' })).json<{ access_token: string }>().access_token;
  const invitation = await raw(sandbox, '/v1.0/invitations', { token: appToken, body: { invitedUserEmailAddress: upn, inviteRedirectUrl: 'https://parley.example/welcome' } });
  expect(invitation.status).toBe(201);
  return { upn, password, guestId: invitation.json<{ invitedUser: { id: string } }>().invitedUser.id };
}

describe('token endpoint', () => {
  test('client_credentials answers a bearer token and never a refresh token', async () => {
    const response = await tokenFor(sandbox, creds.customerTenantId, { ...appForm(creds), grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' });
    expect(response.status).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    expect(body['refresh_token']).toBeUndefined();
  });

  test('a wrong secret is 401 invalid_client and a non-.default scope is invalid_scope, in the documented error shape', async () => {
    const bad = await tokenFor(sandbox, creds.customerTenantId, { client_id: creds.clientId, client_secret: 'nope', grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' });
    expect(bad.status).toBe(401);
    expect(bad.json()).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    for (const key of ['error_description', 'timestamp', 'trace_id', 'correlation_id']) expect(bad.json()).toHaveProperty(key);
    const scope = await tokenFor(sandbox, creds.customerTenantId, { ...appForm(creds), grant_type: 'client_credentials', scope: 'User.Read.All' });
    expect(scope.status).toBe(400);
    expect(scope.json()).toMatchObject({ error: 'invalid_scope' });
    const grant = await tokenFor(sandbox, creds.customerTenantId, { ...appForm(creds), grant_type: 'implicit' });
    expect(grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  test('ROPC works for a held credential, refuses a wrong one, and refresh tokens rotate', async () => {
    const [upn, password] = Object.entries(creds.passwords)[0] as [string, string];
    const wrong = await tokenFor(sandbox, creds.customerTenantId, { ...appForm(creds), grant_type: 'password', username: upn, password: 'bad', scope: 'ChatMessage.Send offline_access' });
    expect(wrong.json()).toMatchObject({ error: 'invalid_grant', error_codes: [50126] });
    const ok = await tokenFor(sandbox, creds.customerTenantId, { ...appForm(creds), grant_type: 'password', username: upn, password, scope: 'https://graph.microsoft.com/ChatMessage.Send offline_access' });
    expect(ok.status).toBe(200);
    const first = ok.json<{ refresh_token: string; scope: string }>();
    expect(first.scope).toContain('ChatMessage.Send');
    const refreshed = await tokenFor(sandbox, creds.customerTenantId, { ...appForm(creds), grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json<{ refresh_token: string }>().refresh_token).not.toBe(first.refresh_token);
    const notConsented = await tokenFor(sandbox, creds.customerTenantId, { ...appForm(creds), grant_type: 'password', username: upn, password, scope: 'Mail.Send' });
    expect(notConsented.json()).toMatchObject({ error: 'invalid_grant', error_codes: [65001] });
  });

  test('a guest signs in with the home credential; the MFA-for-guests policy then breaks ROPC and refresh like Entra', async () => {
    const guest = await provisionGuest('alice');
    const signIn = () => tokenFor(sandbox, creds.customerTenantId, { ...appForm(creds), grant_type: 'password', username: guest.upn, password: guest.password, scope: 'ChatMessage.Send Chat.ReadWrite offline_access' });
    const ok = await signIn();
    expect(ok.status).toBe(200);
    const { access_token, refresh_token } = ok.json<{ access_token: string; refresh_token: string }>();
    const me = await graphClient(sandbox, access_token).api('/me').get();
    expect(me.id).toBe(guest.guestId);

    sandbox.setGuestMfaPolicy(true);
    const blocked = await signIn();
    expect(blocked.status).toBe(400);
    expect(blocked.json()).toMatchObject({ error: 'invalid_grant', error_codes: [50076] });
    const refresh = await tokenFor(sandbox, creds.customerTenantId, { ...appForm(creds), grant_type: 'refresh_token', refresh_token });
    expect(refresh.json()).toMatchObject({ error: 'invalid_grant', error_codes: [50076] });
    // Members are not guests: the policy does not touch them.
    const [upn, password] = Object.entries(creds.passwords)[0] as [string, string];
    expect((await tokenFor(sandbox, creds.customerTenantId, { ...appForm(creds), grant_type: 'password', username: upn, password, scope: 'ChatMessage.Send' })).status).toBe(200);
  });

  test('an expired access token is 401 InvalidAuthenticationToken', async () => {
    const token = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId });
    sandbox.control.expireAccessToken({ token });
    const response = await raw(sandbox, '/v1.0/users', { token });
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({ error: { code: 'InvalidAuthenticationToken', message: expect.stringContaining('expired') } });
  });

  test('revoked refresh tokens answer invalid_grant', async () => {
    const [upn, password] = Object.entries(creds.passwords)[0] as [string, string];
    const { refresh_token } = (await tokenFor(sandbox, creds.customerTenantId, { ...appForm(creds), grant_type: 'password', username: upn, password, scope: 'ChatMessage.Send offline_access' })).json<{ refresh_token: string }>();
    sandbox.control.revokeSignInSessions({ user: upn });
    const response = await tokenFor(sandbox, creds.customerTenantId, { ...appForm(creds), grant_type: 'refresh_token', refresh_token });
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ error: 'invalid_grant', error_codes: [50173] });
  });

  test('authorization code: consent page, redirect with code and state, one redemption only', async () => {
    const [upn, password] = Object.entries(creds.passwords)[0] as [string, string];
    const query = new URLSearchParams({ client_id: creds.clientId, response_type: 'code', redirect_uri: creds.redirectUri, scope: 'offline_access ChatMessage.Send', state: 'xyz' });
    const page = await raw(sandbox, `/${creds.customerTenantId}/oauth2/v2.0/authorize?${query}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<form');
    const form = Object.fromEntries(query);
    const consent = await raw(sandbox, `/${creds.customerTenantId}/oauth2/v2.0/authorize`, { form: { ...form, username: upn, password, consent: 'accept' } });
    expect(consent.status).toBe(302);
    const location = new URL(consent.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).toBe('xyz');
    const code = location.searchParams.get('code') ?? '';
    const redeem = () => tokenFor(sandbox, creds.customerTenantId, { ...appForm(creds), grant_type: 'authorization_code', code, redirect_uri: creds.redirectUri });
    const first = await redeem();
    expect(first.status).toBe(200);
    expect(first.json()).toHaveProperty('refresh_token');
    expect((await redeem()).json()).toMatchObject({ error: 'invalid_grant', error_codes: [54005] });
  });
});

describe('invitations', () => {
  test('a guest gets userType Guest, an #EXT# UPN, PendingAcceptance, and an email only when asked', async () => {
    const appToken = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId });
    const quiet = await raw(sandbox, '/v1.0/invitations', { token: appToken, body: { invitedUserEmailAddress: 'bob@slack-side.example', inviteRedirectUrl: 'https://parley.example' } });
    expect(quiet.status).toBe(201);
    const invitation = quiet.json<{ status: string; inviteRedeemUrl: string; invitedUser: { id: string }; invitedUserType: string }>();
    expect(invitation.status).toBe('PendingAcceptance');
    expect(invitation.invitedUserType).toBe('Guest');
    expect(invitation.inviteRedeemUrl).toMatch(/^https:\/\//);
    expect(sandbox.inspect.emailsSent()).toHaveLength(0);
    const user = await graphClient(sandbox, appToken).api(`/users/${invitation.invitedUser.id}`).select('userType,userPrincipalName').get();
    expect(user).toMatchObject({ userType: 'Guest', userPrincipalName: `bob_slack-side.example#EXT#@${creds.customerTenantDomain}` });

    const loud = await raw(sandbox, '/v1.0/invitations', { token: appToken, body: { invitedUserEmailAddress: 'carol@slack-side.example', inviteRedirectUrl: 'https://parley.example', sendInvitationMessage: true } });
    expect(loud.status).toBe(201);
    expect(sandbox.inspect.emailsSent()).toEqual([expect.objectContaining({ to: 'carol@slack-side.example' })]);
    const invalid = await raw(sandbox, '/v1.0/invitations', { token: appToken, body: { invitedUserEmailAddress: 'not-an-email' } });
    expect(invalid.status).toBe(400);
    expect(invalid.json()).toMatchObject({ error: { code: 'BadRequest' } });
  });
});
