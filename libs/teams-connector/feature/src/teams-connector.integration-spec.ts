import { randomUUID } from 'node:crypto';
import { internalRoutes, routePath, verifyConnectionResult, type VerifyConnectionResult } from '@parley/internal-api';
import { startGraphSandbox, type GraphSandbox } from '@parley/sandbox-graph';
import { integrationEnv } from '@parley/testing';
import { graphAccessConfig } from '@parley/teams-connector-graph-access';
import { homeUserPrincipalName } from './guests/home-upn';
import { ConnectorHarness, freshDatabase, INTERNAL_TOKEN, type SeededOrg } from './testing/connector-harness';

// teams-connector in-process (real PostgreSQL, in-process bus and cache) against the Graph sandbox over HTTPS and an
// identity stub that gets real tokens from the sandbox.
describe('teams-connector', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let sandbox: GraphSandbox;
  let harness: ConnectorHarness;

  beforeAll(async () => {
    database = await freshDatabase(integrationEnv().databaseUrl);
    sandbox = await startGraphSandbox({ limits: { enabled: true, timeScale: 0.1 } });
    harness = await new ConnectorHarness(sandbox, database.url, graphAccessConfig({ timeScale: 0.1 })).start();
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
    await sandbox?.stop();
    await database?.drop();
  });

  const person = (org: SeededOrg, key: string) => ({ email: `${key}@${org.domain}`, displayName: `Person ${key}` });
  const createGuest = async (org: SeededOrg, personId: string, key: string, teamIds = [org.credentials.teamId]) => {
    const syncId = randomUUID();
    await harness.publish('parley.teams.guest.create.requested.v1', { orgId: org.orgId, syncId, personId, connectionId: org.connectionId, ...person(org, key), teamIds });
    return syncId;
  };

  describe('POST /internal/connections/verify', () => {
    let org: SeededOrg;
    beforeAll(() => {
      org = harness.seedOrg('verify');
    });

    const input = (overrides: Record<string, unknown> = {}) => ({
      platform: 'teams',
      tenantId: org.credentials.customerTenantId,
      clientId: org.credentials.clientId,
      clientSecret: org.credentials.clientSecret,
      homeTenantId: org.credentials.homeTenantId,
      homeTenantDomain: org.credentials.homeTenantDomain,
      teamIds: [org.credentials.teamId],
      teamOwner: org.owner,
      authorityUrl: sandbox.url,
      graphUrl: sandbox.graphUrl,
      ...overrides,
    });
    const verify = async (body: unknown, token = INTERNAL_TOKEN) =>
      fetch(`${harness.connector.url}${routePath(internalRoutes['teams-connector'].verifyConnection, {})}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const verified = async (body: unknown): Promise<{ result: VerifyConnectionResult; text: string }> => {
      const response = await verify(body);
      const text = await response.text();
      expect(response.status).toBe(200);
      return { result: verifyConnectionResult.parse(JSON.parse(text)), text };
    };
    const fieldsOf = (result: VerifyConnectionResult) => (result.ok ? [] : result.problems.map((p) => p.field));

    it('accepts working credentials and answers the settings, never a secret', async () => {
      const { result, text } = await verified(input());
      expect(result).toEqual({
        ok: true,
        settings: {
          platform: 'teams',
          tenantId: org.credentials.customerTenantId,
          clientId: org.credentials.clientId,
          homeTenantId: org.credentials.homeTenantId,
          homeTenantDomain: org.credentials.homeTenantDomain,
          teamIds: [org.credentials.teamId],
          teamOwnerUsername: org.owner.username,
          authorityUrl: sandbox.url,
          graphUrl: sandbox.graphUrl,
          paymentModel: 'B',
        },
      });
      expect(text).not.toContain(org.credentials.clientSecret);
      expect(text).not.toContain(org.owner.password);
    });

    it('names clientSecret for a wrong secret, without echoing it', async () => {
      const { result, text } = await verified(input({ clientSecret: 'sbx~wrong-secret-value' }));
      expect(fieldsOf(result)).toEqual(['clientSecret']);
      expect(text).not.toContain('wrong-secret-value');
      expect(text).not.toContain(org.credentials.clientSecret);
    });

    it('names tenantId, clientId, homeTenantId and homeTenantDomain when they are wrong', async () => {
      expect(fieldsOf((await verified(input({ tenantId: randomUUID() }))).result)).toContain('tenantId');
      expect(fieldsOf((await verified(input({ clientId: randomUUID() }))).result)).toEqual(['clientId']);
      expect(fieldsOf((await verified(input({ homeTenantId: randomUUID() }))).result)).toEqual(['homeTenantId']);
      expect(fieldsOf((await verified(input({ homeTenantDomain: 'nobody-owns-this.onmicrosoft.com' }))).result)).toEqual(['homeTenantDomain']);
    });

    it('names authorityUrl and graphUrl when they cannot be reached', async () => {
      expect(fieldsOf((await verified(input({ authorityUrl: 'http://127.0.0.1:9' }))).result)).toEqual(['authorityUrl']);
      expect(fieldsOf((await verified(input({ graphUrl: 'https://127.0.0.1:9/v1.0' }))).result)).toEqual(['graphUrl']);
    });

    it('names the team that cannot be read by its index', async () => {
      const { result } = await verified(input({ teamIds: [org.credentials.teamId, randomUUID()] }));
      expect(result.ok).toBe(false);
      expect(result.ok ? [] : result.problems).toEqual([{ field: 'teamIds[1]', reason: expect.stringContaining('no team') }]);
    });

    it('names teamOwner.password for a wrong password and teamOwner.username for a member who is not an owner', async () => {
      const { result, text } = await verified(input({ teamOwner: { username: org.owner.username, password: 'not-the-password' } }));
      expect(fieldsOf(result)).toEqual(['teamOwner.password']);
      expect(text).not.toContain('not-the-password');

      const [memberUpn, memberPassword] = Object.entries(org.credentials.passwords)[1] as [string, string];
      const member = await verified(input({ teamOwner: { username: memberUpn, password: memberPassword } }));
      expect(member.result.ok ? [] : member.result.problems).toEqual([{ field: 'teamOwner.username', reason: expect.stringContaining('not an owner') }]);
    });

    it('names clientId when the app lacks the permission to read users', async () => {
      const weak = sandbox.control.registerApp({ tenantId: org.credentials.customerTenantId, roles: ['Team.ReadBasic.All'], scopes: ['TeamMember.ReadWrite.All'] });
      const { result } = await verified(input({ clientId: weak.clientId, clientSecret: weak.clientSecret }));
      expect(result.ok ? [] : result.problems).toEqual(
        expect.arrayContaining([{ field: 'clientId', reason: expect.stringContaining('User.Read.All') }, expect.objectContaining({ field: 'homeTenantId' })]),
      );
    });

    it('answers 400 naming malformed fields, and 401 without the internal token', async () => {
      const response = await verify({ ...input(), teamIds: [], homeTenantDomain: 'not a domain', extra: 1 });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { errors: { field: string }[] };
      expect(body.errors.map((e) => e.field).sort()).toEqual(['extra', 'homeTenantDomain', 'teamIds']);
      expect((await verify(input(), 'wrong-token')).status).toBe(401);
    });
  });

  describe('directory import', () => {
    it('reads everyone first, then only what changed since, remembering emails of removed users', async () => {
      const org = harness.seedOrg('import');
      const customer = org.credentials.customerTenantId;
      const first = randomUUID();
      await harness.publish('parley.teams.directory.import.requested.v1', { orgId: org.orgId, syncId: first, connectionId: org.connectionId, incremental: true });
      const [completed] = await harness.log.waitFor('parley.directory.import.completed.v1', (p) => p.syncId === first);
      const observed = harness.log.of('parley.directory.user.observed.v1', (p) => p.syncId === first);
      // 25 sales reps, 3 on both platforms, 1 deactivated rep: the demo's Teams people.
      expect(completed).toMatchObject({ orgId: org.orgId, connectionId: org.connectionId, platform: 'teams', observed: 29, incremental: false });
      expect(observed).toHaveLength(29);
      expect(observed.every((o) => o.platform === 'teams' && !o.isBot && o.email.endsWith(`@${org.domain}`))).toBe(true);
      expect(observed.filter((o) => o.isDeactivated).map((o) => o.email)).toEqual([`sales-gone@${org.domain}`]);

      // Changes: one new member, one disabled, one deleted, and a guest (never a person of this directory).
      const sales01 = observed.find((o) => o.email === `sales01@${org.domain}`);
      const sales02 = observed.find((o) => o.email === `sales02@${org.domain}`);
      sandbox.control.createAccount({ tenantId: customer, mailNickname: 'newrep', displayName: 'New Rep', password: 'Sbx-newrep-1!', domain: org.domain });
      sandbox.control.updateUser({ user: sales01?.platformUserId as string, accountEnabled: false });
      sandbox.control.deleteUser({ user: sales02?.platformUserId as string });
      const token = await harness.appToken(customer, org);
      const invited = await harness.graph('/invitations', token, { method: 'POST', body: { invitedUserEmailAddress: 'visitor@elsewhere.example', inviteRedirectUrl: 'https://example.com' } });
      expect(invited.status).toBe(201);

      const second = randomUUID();
      await harness.publish('parley.teams.directory.import.requested.v1', { orgId: org.orgId, syncId: second, connectionId: org.connectionId, incremental: true });
      const [again] = await harness.log.waitFor('parley.directory.import.completed.v1', (p) => p.syncId === second);
      expect(again).toMatchObject({ observed: 3, incremental: true });
      const changes = harness.log.of('parley.directory.user.observed.v1', (p) => p.syncId === second).map((o) => [o.email, o.isDeactivated]);
      expect(changes.sort()).toEqual(
        [
          [`newrep@${org.domain}`, false],
          [`sales01@${org.domain}`, true],
          [`sales02@${org.domain}`, true],
        ].sort(),
      );

      // A full read again: everyone current, the deleted rep no longer among them.
      const third = randomUUID();
      await harness.publish('parley.teams.directory.import.requested.v1', { orgId: org.orgId, syncId: third, connectionId: org.connectionId, incremental: false });
      const [full] = await harness.log.waitFor('parley.directory.import.completed.v1', (p) => p.syncId === third);
      expect(full).toMatchObject({ observed: 29, incremental: false });
      expect(harness.log.of('parley.directory.user.observed.v1', (p) => p.syncId === third).some((o) => o.email === `sales02@${org.domain}`)).toBe(false);
    });

    it('reports a directory the app may not read as failed, with the reason', async () => {
      const org = harness.seedOrg('noread');
      const weak = sandbox.control.registerApp({ tenantId: org.credentials.customerTenantId, roles: ['Team.ReadBasic.All'] });
      const connectionId = randomUUID();
      harness.identity.addConnection(connectionId, org.orgId, { ...org.settings, clientId: weak.clientId }, { clientSecret: weak.clientSecret, teamOwnerPassword: org.owner.password });
      const syncId = randomUUID();
      await harness.publish('parley.teams.directory.import.requested.v1', { orgId: org.orgId, syncId, connectionId, incremental: false });
      const [failed] = await harness.log.waitFor('parley.directory.import.failed.v1', (p) => p.syncId === syncId);
      expect(failed).toMatchObject({ connectionId, platform: 'teams', reason: expect.stringContaining('403') });
      expect(harness.log.of('parley.directory.import.completed.v1', (p) => p.syncId === syncId)).toEqual([]);
    });
  });

  describe('guest creation', () => {
    afterEach(() => {
      // A test that records Graph requests leaves none behind for the next one.
      sandbox.inspect.recordRequests(false);
      sandbox.inspect.requests().length = 0;
    });

    it('makes a guest in the team whose delegated token posts a chat message, and a replay makes nothing new', async () => {
      const org = harness.seedOrg('guest');
      const personId = randomUUID();
      const homeUpn = homeUserPrincipalName(`eng01@${org.domain}`, personId, org.credentials.homeTenantDomain);
      const homeReads = () =>
        sandbox.inspect.requests().filter((r) => r.method === 'GET' && decodeURIComponent(r.path).toLowerCase().endsWith(`/users/${homeUpn.toLowerCase()}`));
      sandbox.inspect.recordRequests(true);
      const syncId = await createGuest(org, personId, 'eng01');
      const [created] = await harness.log.waitFor('parley.teams.guest.created.v1', (p) => p.syncId === syncId);
      // A first creation does not look the home account up: that lookup could only answer 404.
      expect(homeReads()).toEqual([]);
      expect(created).toMatchObject({
        orgId: org.orgId,
        personId,
        homeUserPrincipalName: homeUpn,
        teamIds: [org.credentials.teamId],
        reused: false,
        signIn: { status: 'ok' },
      });

      const guests = await harness.guests(org);
      expect(guests).toEqual([expect.objectContaining({ id: created?.guestUserId, userType: 'Guest', displayName: 'Person eng01', userPrincipalName: created?.userPrincipalName })]);
      expect((await harness.teamMembers(org)).get(created?.guestUserId as string)).toEqual(['guest']);
      // The home account exists in Parley's home tenant, and no invitation email went out.
      const home = await harness.graph(`/users/${encodeURIComponent(homeUpn)}`, await harness.appToken(org.credentials.homeTenantId, org));
      expect(home.status).toBe(200);
      expect(sandbox.inspect.emailsSent().filter((e) => e.to === homeUpn)).toEqual([]);

      // The guest's delegated token works: a chat with the team owner, and a message posted as the guest.
      const token = await harness.identity.personToken(org.orgId, org.connectionId, personId);
      const owner = await harness.graph<{ id: string }>(`/users/${encodeURIComponent(org.owner.username)}`, await harness.appToken(org.credentials.customerTenantId, org));
      const chat = await harness.graph<{ id: string }>('/chats', token, {
        method: 'POST',
        body: {
          chatType: 'oneOnOne',
          members: [created?.guestUserId, owner.body.id].map((id) => ({
            '@odata.type': '#microsoft.graph.aadUserConversationMember',
            roles: ['owner'],
            'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${id}')`,
          })),
        },
      });
      expect(chat.status).toBe(201);
      const posted = await harness.graph<{ from: { user: { id: string } } }>(`/chats/${encodeURIComponent(chat.body.id)}/messages`, token, {
        method: 'POST',
        body: { body: { contentType: 'text', content: 'hello from the guest' } },
      });
      expect(posted.status).toBe(201);
      expect(posted.body.from.user.id).toBe(created?.guestUserId);

      // The same command again (a re-run, or a redelivery after a crash): the earlier work is found.
      const readsBeforeReplay = homeReads().length;
      const replay = await createGuest(org, personId, 'eng01');
      const [reused] = await harness.log.waitFor('parley.teams.guest.created.v1', (p) => p.syncId === replay);
      expect(reused).toMatchObject({ guestUserId: created?.guestUserId, userPrincipalName: created?.userPrincipalName, reused: true, signIn: { status: 'ok' } });
      expect(await harness.guests(org)).toHaveLength(1);
      // The replay found the home account through Graph's "already exists" answer, and read it once.
      expect(homeReads().slice(readsBeforeReplay).map((r) => r.status)).toEqual([200]);
      // Each attempt has identity sign in as the guest again (never a cached token): that is what keeps its state true.
      expect(harness.identity.tokenRequests.filter((r) => r.orgId === org.orgId && r.kind === 'person')).toHaveLength(2);
    });

    it('reports needs_attention when a policy demands MFA of guests, and skips the teams', async () => {
      const org = harness.seedOrg('mfa');
      sandbox.control.setGuestMfaPolicy({ tenantId: org.credentials.customerTenantId, required: true });
      const personId = randomUUID();
      const syncId = await createGuest(org, personId, 'eng02');
      const [created] = await harness.log.waitFor('parley.teams.guest.created.v1', (p) => p.syncId === syncId);
      expect(created).toMatchObject({ personId, teamIds: [], reused: false, signIn: { status: 'needs_attention', reason: expect.stringContaining('AADSTS50076') } });
      expect(await harness.guests(org)).toEqual([expect.objectContaining({ id: created?.guestUserId, userType: 'Guest' })]);
      expect((await harness.teamMembers(org)).has(created?.guestUserId as string)).toBe(false);
    });

    it('adds to each team with members/add and reports a team Graph refuses as a failure naming it', async () => {
      const org = harness.seedOrg('teams');
      const missing = randomUUID();
      const personId = randomUUID();
      sandbox.inspect.recordRequests(true);
      const syncId = await createGuest(org, personId, 'eng03', [org.credentials.teamId, missing]);
      const [failed] = await harness.log.waitFor('parley.teams.guest.failed.v1', (p) => p.syncId === syncId);
      sandbox.inspect.recordRequests(false);
      const teamPosts = sandbox.inspect.requests().filter((r) => r.method === 'POST' && r.path.startsWith('/teams/'));
      expect(teamPosts.map((r) => [r.path, r.status]).sort()).toEqual(
        [
          [`/teams/${org.credentials.teamId}/members/add`, 200],
          [`/teams/${missing}/members/add`, 404],
        ].sort(),
      );
      expect(failed).toMatchObject({ personId, operation: 'create', retryable: false, reason: expect.stringContaining(`team ${missing}`) });
      // The team that exists got the guest.
      const [guest] = await harness.guests(org);
      expect((await harness.teamMembers(org)).get(guest?.id as string)).toEqual(['guest']);
    });

    it('reports an unknown connection as a failure, not a retry', async () => {
      const org = harness.seedOrg('gone');
      const syncId = randomUUID();
      const personId = randomUUID();
      await harness.publish('parley.teams.guest.create.requested.v1', { orgId: org.orgId, syncId, personId, connectionId: randomUUID(), ...person(org, 'eng04'), teamIds: [org.credentials.teamId] });
      const [failed] = await harness.log.waitFor('parley.teams.guest.failed.v1', (p) => p.syncId === syncId);
      expect(failed).toMatchObject({ operation: 'create', retryable: false, reason: expect.stringContaining('identity does not know') });
    });
  });

  describe('guest disabling', () => {
    it('disables the guest (accountEnabled false) so signing in as it fails, and a second disable is still disabled', async () => {
      const org = harness.seedOrg('disable');
      const personId = randomUUID();
      const createdSync = await createGuest(org, personId, 'eng05');
      const [created] = await harness.log.waitFor('parley.teams.guest.created.v1', (p) => p.syncId === createdSync);
      const guestUserId = created?.guestUserId as string;
      // Before: the guest signs in (identity's ROPC with the home account).
      await expect(harness.identity.personToken(org.orgId, org.connectionId, personId)).resolves.toEqual(expect.any(String));

      const disable = async () => {
        const syncId = randomUUID();
        await harness.publish('parley.teams.guest.disable.requested.v1', { orgId: org.orgId, syncId, personId, connectionId: org.connectionId, guestUserId });
        const [disabled] = await harness.log.waitFor('parley.teams.guest.disabled.v1', (p) => p.syncId === syncId);
        return disabled;
      };
      expect(await disable()).toEqual({ orgId: org.orgId, syncId: expect.any(String), personId, guestUserId });
      const view = await harness.graph<{ accountEnabled: boolean; userType: string }>(
        `/users/${guestUserId}?$select=accountEnabled,userType`,
        await harness.appToken(org.credentials.customerTenantId, org),
      );
      expect(view.body).toEqual(expect.objectContaining({ accountEnabled: false, userType: 'Guest' }));
      // After: Entra refuses the sign-in of a disabled account (AADSTS50057), so identity cannot get a token.
      await expect(harness.identity.personToken(org.orgId, org.connectionId, personId)).rejects.toThrow(/AADSTS50057/);
      // Idempotent: disabling a disabled guest is done, not a failure.
      expect(await disable()).toMatchObject({ personId, guestUserId });
      expect(harness.log.of('parley.teams.guest.failed.v1', (p) => p.personId === personId)).toEqual([]);
    });
  });

  // The connector signs in through identity: it needs a connection's settings, never its client secret or the team
  // owner's password. Before, it read them (GET .../secrets) on every settings refresh, to throw them away.
  describe('least privilege', () => {
    it("imports and makes a guest reading only the connection's settings, never its secrets, and reads nothing while idle", async () => {
      const org = harness.seedOrg('privilege');
      const importSync = randomUUID();
      await harness.publish('parley.teams.directory.import.requested.v1', { orgId: org.orgId, syncId: importSync, connectionId: org.connectionId, incremental: false });
      await harness.log.waitFor('parley.directory.import.completed.v1', (p) => p.syncId === importSync);
      const guestSync = await createGuest(org, randomUUID(), 'eng07');
      await harness.log.waitFor('parley.teams.guest.created.v1', (p) => p.syncId === guestSync);

      // Every test of this file so far worked through the same identity stub.
      expect(harness.identity.connectionReads.view).toBeGreaterThan(0);
      expect(harness.identity.connectionReads.secrets).toBe(0);
      const before = { ...harness.identity.connectionReads };
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(harness.identity.connectionReads).toEqual(before);
    });
  });
});
