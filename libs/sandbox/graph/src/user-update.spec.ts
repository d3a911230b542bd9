import { type GraphSandbox, type SeededCredentials, startGraphSandbox } from './index';
import { graphClient, raw, tokenFor } from './testing/sdk-client';

let sandbox: GraphSandbox;
let creds: SeededCredentials;
let appToken: string;

beforeAll(async () => {
  sandbox = await startGraphSandbox();
});
afterAll(() => sandbox.stop());
beforeEach(() => {
  sandbox.reset();
  creds = sandbox.seedDemo();
  appToken = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId });
});

const appForm = () => ({ client_id: creds.clientId, client_secret: creds.clientSecret });
const patch = (id: string, body: unknown, token = appToken) => raw(sandbox, `/v1.0/users/${encodeURIComponent(id)}`, { method: 'PATCH', token, body });
const ropc = (username: string, password: string) =>
  tokenFor(sandbox, creds.customerTenantId, { ...appForm(), grant_type: 'password', username, password, scope: 'ChatMessage.Send offline_access' });
const refresh = (refreshToken: string) => tokenFor(sandbox, creds.customerTenantId, { ...appForm(), grant_type: 'refresh_token', refresh_token: refreshToken });
const member = (index = 1): { upn: string; password: string } => {
  const [upn, password] = Object.entries(creds.passwords)[index] as [string, string];
  return { upn, password };
};
async function userId(upn: string): Promise<string> {
  return ((await graphClient(sandbox, appToken).api(`/users/${upn}`).select('id').get()) as { id: string }).id;
}

/** Parley's guest: an account in the home tenant with a password, invited into the customer tenant. */
async function provisionGuest(nickname: string): Promise<{ upn: string; password: string; guestId: string; homeId: string; homeToken: string }> {
  const homeToken = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.homeTenantId });
  const password = 'Guest-Passw0rd!';
  const upn = `${nickname}@${creds.homeTenantDomain}`;
  const created = await raw(sandbox, '/v1.0/users', {
    token: homeToken,
    body: { accountEnabled: true, displayName: `Guest ${nickname}`, mailNickname: nickname, userPrincipalName: upn, passwordProfile: { password, forceChangePasswordNextSignIn: false } },
  });
  expect(created.status).toBe(201);
  const invitation = await raw(sandbox, '/v1.0/invitations', { token: appToken, body: { invitedUserEmailAddress: upn, inviteRedirectUrl: 'https://parley.example/welcome' } });
  expect(invitation.status).toBe(201);
  return { upn, password, guestId: invitation.json<{ invitedUser: { id: string } }>().invitedUser.id, homeId: created.json<{ id: string }>().id, homeToken };
}

describe('PATCH /users/{id} (Update user)', () => {
  test('answers 204 with no body, and the change shows in GET and in /users/delta', async () => {
    const { upn } = member();
    const id = await userId(upn);
    const delta = await graphClient(sandbox, appToken).api('/users/delta').select('displayName').get();
    let page = delta;
    while (page['@odata.nextLink']) page = await graphClient(sandbox, appToken).api(page['@odata.nextLink']).get();
    const deltaLink = page['@odata.deltaLink'] as string;

    const response = await patch(id, { displayName: 'Renamed Person', givenName: 'Renamed', surname: null, jobTitle: 'Lead' });
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    const after = await graphClient(sandbox, appToken).api(`/users/${id}`).select('displayName,givenName,surname,jobTitle').get();
    expect(after).toMatchObject({ displayName: 'Renamed Person', givenName: 'Renamed', surname: null, jobTitle: 'Lead' });
    const changes = await graphClient(sandbox, appToken).api(deltaLink).get();
    expect(changes.value).toEqual([expect.objectContaining({ id, displayName: 'Renamed Person' })]);

    // Through the Graph SDK as Parley calls it, by UPN this time.
    await graphClient(sandbox, appToken).api(`/users/${upn}`).patch({ jobTitle: 'Director' });
    expect((await graphClient(sandbox, appToken).api(`/users/${id}`).select('jobTitle').get()).jobTitle).toBe('Director');
  });

  test('read-only, unknown and unemulated properties and bad values are 400; an unknown user is 404', async () => {
    const id = await userId(member().upn);
    const cases: [unknown, RegExp][] = [
      [{ id: 'x' }, /'id' is read-only/],
      [{ createdDateTime: '2020-01-01T00:00:00Z' }, /'createdDateTime' is read-only/],
      [{ favouriteColour: 'blue' }, /'favouriteColour' does not exist/],
      [{ city: 'Oslo' }, /does not emulate .*'city'/],
      [{ accountEnabled: 'no' }, /'accountEnabled'/],
      [{ displayName: '' }, /'displayName'/],
      [{ displayName: null }, /'displayName'/],
      [{ passwordProfile: { password: 'short' } }, /'passwordProfile.password'/],
      [{ passwordProfile: { password: 'Long-enough-1', colour: 'x' } }, /'passwordProfile'/],
    ];
    for (const [body, message] of cases) {
      const response = await patch(id, body);
      expect([JSON.stringify(body), response.status]).toEqual([JSON.stringify(body), 400]);
      expect(response.json<{ error: { message: string } }>().error.message).toMatch(message);
    }
    expect((await patch(id, 'not json')).status).toBe(400);
    const missing = await patch('00000000-0000-4000-8000-000000000000', { jobTitle: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'Request_ResourceNotFound' } });
    // Nothing was applied by the refused requests.
    expect((await graphClient(sandbox, appToken).api(`/users/${id}`).select('accountEnabled,displayName').get()).accountEnabled).toBe(true);
  });

  test('permissions: User.ReadWrite.All; User.EnableDisableAccount.All for accountEnabled alone; User.ReadWrite for one\'s own profile', async () => {
    const target = member();
    const id = await userId(target.upn);
    const reader = sandbox.control.registerApp({ tenantId: creds.customerTenantId, roles: ['User.Read.All'] });
    const readOnly = sandbox.control.token({ clientId: reader.clientId, tenantId: creds.customerTenantId });
    expect((await patch(id, { jobTitle: 'x' }, readOnly)).json()).toMatchObject({ error: { code: 'Authorization_RequestDenied' } });

    const switcher = sandbox.control.registerApp({ tenantId: creds.customerTenantId, roles: ['User.EnableDisableAccount.All'] });
    const switchToken = sandbox.control.token({ clientId: switcher.clientId, tenantId: creds.customerTenantId });
    expect((await patch(id, { accountEnabled: false }, switchToken)).status).toBe(204);
    expect((await patch(id, { accountEnabled: true, jobTitle: 'x' }, switchToken)).status).toBe(403);
    expect((await patch(id, { accountEnabled: true }, switchToken)).status).toBe(204);

    const self = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: target.upn, scopes: ['User.ReadWrite'] });
    expect((await patch(id, { jobTitle: 'My own title' }, self)).status).toBe(204);
    expect((await patch(await userId(member(2).upn), { jobTitle: 'Not mine' }, self)).status).toBe(403);
    expect((await patch(id, { accountEnabled: false }, self)).status).toBe(403);
    const admin = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: target.upn, scopes: ['User.ReadWrite.All'] });
    expect((await patch(id, { passwordProfile: { password: 'Another-passw0rd' } }, admin)).json()).toMatchObject({ error: { message: expect.stringContaining('Directory.AccessAsUser.All') } });
  });

  test('counts as a directory write', async () => {
    sandbox.setLimits({ enabled: true, overrides: { directoryWrites: { requests: 2, windowMs: 150_000 } } });
    const id = await userId(member().upn);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await patch(id, { jobTitle: `t${i}` })).status);
    expect(statuses).toEqual([204, 204, 429]);
  });

  test('a disabled member cannot sign in (ROPC or refresh) until enabled again', async () => {
    const { upn, password } = member();
    const id = await userId(upn);
    const signedIn = await ropc(upn, password);
    expect(signedIn.status).toBe(200);
    const { refresh_token } = signedIn.json<{ refresh_token: string }>();

    expect((await patch(id, { accountEnabled: false })).status).toBe(204);
    expect((await ropc(upn, password)).json()).toMatchObject({ error: 'invalid_grant', error_codes: [50057] });
    expect((await refresh(refresh_token)).json()).toMatchObject({ error: 'invalid_grant', error_codes: [50057] });

    expect((await patch(id, { accountEnabled: true })).status).toBe(204);
    expect((await ropc(upn, password)).status).toBe(200);
  });

  test('a guest fails sign-in when its guest object is disabled, and when its home account is', async () => {
    const guest = await provisionGuest('gina');
    const first = await ropc(guest.upn, guest.password);
    expect(first.status).toBe(200);
    const { refresh_token } = first.json<{ refresh_token: string }>();

    expect((await patch(guest.guestId, { accountEnabled: false })).status).toBe(204);
    expect((await ropc(guest.upn, guest.password)).json()).toMatchObject({ error: 'invalid_grant', error_codes: [50057] });
    expect((await refresh(refresh_token)).json()).toMatchObject({ error: 'invalid_grant', error_codes: [50057] });
    const view = await graphClient(sandbox, appToken).api(`/users/${guest.guestId}`).select('accountEnabled,userType').get();
    expect(view).toMatchObject({ accountEnabled: false, userType: 'Guest' });

    expect((await patch(guest.guestId, { accountEnabled: true })).status).toBe(204);
    const again = await ropc(guest.upn, guest.password);
    expect(again.status).toBe(200);
    // Disabling the account in the home tenant stops the guest too, refresh included.
    expect((await patch(guest.homeId, { accountEnabled: false }, guest.homeToken)).status).toBe(204);
    expect((await ropc(guest.upn, guest.password)).json()).toMatchObject({ error: 'invalid_grant', error_codes: [50057] });
    expect((await refresh(again.json<{ refresh_token: string }>().refresh_token)).json()).toMatchObject({ error: 'invalid_grant', error_codes: [50057] });
    // A guest's password lives in its home tenant.
    expect((await patch(guest.guestId, { passwordProfile: { password: 'Guest-Other-1!' } })).status).toBe(400);
  });

  test('a new password replaces the held credential and revokes refresh tokens; forceChangePasswordNextSignIn stops ROPC', async () => {
    const { upn, password } = member();
    const id = await userId(upn);
    const { refresh_token } = (await ropc(upn, password)).json<{ refresh_token: string }>();
    expect((await patch(id, { passwordProfile: { password: 'Brand-new-passw0rd', forceChangePasswordNextSignIn: false } })).status).toBe(204);
    expect((await ropc(upn, password)).json()).toMatchObject({ error_codes: [50126] });
    expect((await ropc(upn, 'Brand-new-passw0rd')).status).toBe(200);
    expect((await refresh(refresh_token)).json()).toMatchObject({ error: 'invalid_grant', error_codes: [50173] });

    expect((await patch(id, { passwordProfile: { password: 'Temporary-passw0rd', forceChangePasswordNextSignIn: true } })).status).toBe(204);
    expect((await ropc(upn, 'Temporary-passw0rd')).json()).toMatchObject({ error: 'invalid_grant', error_codes: [50055] });
  });
});
