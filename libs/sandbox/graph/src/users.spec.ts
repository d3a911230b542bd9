import { GraphError as SdkGraphError } from '@microsoft/microsoft-graph-client';
import { generatedOrganization } from '@parley/sandbox-seed';
import { type GraphSandbox, type SeededCredentials, startGraphSandbox } from './index';
import { graphClient, raw } from './testing/sdk-client';

let sandbox: GraphSandbox;
let creds: SeededCredentials;
let appToken: string;

beforeAll(async () => {
  sandbox = await startGraphSandbox();
});
afterAll(() => sandbox.stop());
beforeEach(() => {
  sandbox.reset();
  creds = sandbox.seed(generatedOrganization(1900, 7));
  appToken = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId });
});

describe('/users through the Graph SDK', () => {
  test('pages to the end of a 1,000-user tenant by following absolute https nextLinks', async () => {
    const client = graphClient(sandbox, appToken);
    const expected = sandbox.inspect.snapshot()['users'] as number;
    expect(expected).toBeGreaterThanOrEqual(1000);
    let page = await client.api('/users').top(100).select('id,displayName,userType').get();
    const ids = new Set<string>();
    let pages = 0;
    for (;;) {
      pages++;
      for (const user of page.value) ids.add(user.id);
      const next = page['@odata.nextLink'] as string | undefined;
      if (!next) break;
      expect(next.startsWith(`${sandbox.url}/v1.0/users?`)).toBe(true);
      page = await client.api(next).get();
    }
    expect(ids.size).toBe(expected);
    expect(pages).toBe(Math.ceil(expected / 100));
  });

  test('$filter on userType and mail, $select, and get by UPN', async () => {
    const client = graphClient(sandbox, appToken);
    await raw(sandbox, '/v1.0/invitations', { token: appToken, body: { invitedUserEmailAddress: 'guest@elsewhere.example', inviteRedirectUrl: 'https://x.example' } });
    const guests = await client.api('/users').filter("userType eq 'Guest'").select('id,mail,userType').get();
    expect(guests.value).toEqual([expect.objectContaining({ mail: 'guest@elsewhere.example', userType: 'Guest' })]);
    const members = await client.api('/users').filter("userType eq 'Member'").top(5).get();
    expect(members.value).toHaveLength(5);
    // Without $select, v1.0 leaves userType out.
    expect(members.value[0]).not.toHaveProperty('userType');
    const first = members.value[0];
    const byMail = await client.api('/users').filter(`mail eq '${first.mail}'`).get();
    expect(byMail.value.map((u: { id: string }) => u.id)).toEqual([first.id]);
    const byUpn = await client.api(`/users/${first.userPrincipalName}`).select('displayName').get();
    expect(Object.keys(byUpn).filter((k) => !k.startsWith('@'))).toEqual(['displayName']);
    await expect(client.api('/users').filter("city eq 'x'").get()).rejects.toMatchObject({ statusCode: 400, code: 'BadRequest' });
  });

  test('a missing application role is 403 with Graph error body', async () => {
    const limited = sandbox.control.registerApp({ tenantId: creds.customerTenantId, roles: ['Chat.Read.All'] });
    const token = sandbox.control.token({ clientId: limited.clientId, tenantId: creds.customerTenantId });
    const error: SdkGraphError = await graphClient(sandbox, token).api('/users').get().catch((e: SdkGraphError) => e);
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Authorization_RequestDenied');
    const response = await raw(sandbox, '/v1.0/users', { token, headers: { 'client-request-id': 'abc-123' } });
    expect(response.json()).toEqual({
      error: { code: 'Authorization_RequestDenied', message: expect.any(String), innerError: { date: expect.any(String), 'request-id': expect.any(String), 'client-request-id': 'abc-123' } },
    });
    const missing = await raw(sandbox, '/v1.0/users');
    expect(missing.status).toBe(401);
    expect(missing.json()).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
  });

  test('delta: nextLink pages, a deltaLink, then only changes with @removed for deleted users', async () => {
    const client = graphClient(sandbox, appToken);
    let page = await client.api('/users/delta').select('displayName').get();
    let seen = 0;
    while (page['@odata.nextLink']) {
      seen += page.value.length;
      page = await client.api(page['@odata.nextLink']).get();
    }
    seen += page.value.length;
    expect(seen).toBe(sandbox.inspect.snapshot()['users']);
    const deltaLink = page['@odata.deltaLink'] as string;
    expect(deltaLink).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0\/users\/delta\?\$deltatoken=/);
    const victim = page.value[0].id as string;
    const renamed = page.value[1].id as string;
    sandbox.control.deleteUser({ user: victim });
    sandbox.control.updateUser({ user: renamed, displayName: 'Renamed Person' });
    const changes = await client.api(deltaLink).get();
    expect(changes.value).toEqual([{ id: victim, '@removed': { reason: 'changed' } }, expect.objectContaining({ id: renamed, displayName: 'Renamed Person' })]);
    expect(changes['@odata.deltaLink']).toBeDefined();
  });

  test('POST /users checks the body and the domain', async () => {
    const client = graphClient(sandbox, appToken);
    const domain = creds.customerTenantDomain;
    const created = await client.api('/users').post({ accountEnabled: true, displayName: 'New One', mailNickname: 'newone', userPrincipalName: `newone@${domain}`, passwordProfile: { password: 'Passw0rd!Passw0rd' } });
    expect(created.userPrincipalName).toBe(`newone@${domain}`);
    await expect(client.api('/users').post({ accountEnabled: true, displayName: 'X', mailNickname: 'x', userPrincipalName: 'x@not-ours.example', passwordProfile: { password: 'Passw0rd!Passw0rd' } })).rejects.toMatchObject({ statusCode: 400 });
    const broken = await raw(sandbox, '/v1.0/users', { token: appToken, body: '{"accountEnabled": tru' });
    expect(broken.status).toBe(400);
    expect(broken.json()).toMatchObject({ error: { code: 'BadRequest' } });
    const unknown = await raw(sandbox, '/v1.0/nothing/here', { token: appToken });
    expect(unknown.status).toBe(400);
    expect(unknown.json()).toMatchObject({ error: { code: 'BadRequest' } });
  });

  test('a generated 10,000-person organization seeds and pages with $top=999', async () => {
    sandbox.reset();
    const started = Date.now();
    const big = sandbox.seed(generatedOrganization(10_000, 3));
    const token = sandbox.control.token({ clientId: big.clientId, tenantId: big.customerTenantId });
    const client = graphClient(sandbox, token);
    let page = await client.api('/users').top(999).get();
    let count = page.value.length;
    while (page['@odata.nextLink']) {
      page = await client.api(page['@odata.nextLink']).get();
      count += page.value.length;
    }
    expect(count).toBe(sandbox.inspect.snapshot()['users']);
    expect(count).toBeGreaterThan(5000);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
