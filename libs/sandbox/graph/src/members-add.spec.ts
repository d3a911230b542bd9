import { type GraphSandbox, type SeededCredentials, startGraphSandbox } from './index';
import { graphClient, raw } from './testing/sdk-client';

let sandbox: GraphSandbox;
let creds: SeededCredentials;
let appToken: string;
let ownerToken: string;

beforeAll(async () => {
  // Limits off except where a test turns them on: these tests make more requests on one team than 4 per second.
  sandbox = await startGraphSandbox({ limits: { enabled: false } });
});
afterAll(() => sandbox.stop());
beforeEach(() => {
  sandbox.reset();
  creds = sandbox.seedDemo();
  appToken = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId });
  ownerToken = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: Object.keys(creds.passwords)[0] as string });
});

type Result = { '@odata.type': string; userId: string; error: { code: string; message: string } | null };
const bind = (id: string): string => `https://graph.microsoft.com/v1.0/users('${id}')`;
const value = (id: string, roles: string[] = [], type = 'microsoft.graph.aadUserConversationMember') => ({ '@odata.type': type, roles, 'user@odata.bind': bind(id) });
const addMembers = (values: unknown[], token = ownerToken, teamId = creds.teamId) => raw(sandbox, `/v1.0/teams/${teamId}/members/add`, { token, body: { values } });
const teamRoles = async (): Promise<Map<string, string[]>> => {
  const page = await graphClient(sandbox, appToken).api(`/teams/${creds.teamId}/members`).get();
  return new Map(page.value.map((m: { userId: string; roles: string[] }) => [m.userId, m.roles]));
};

let accounts = 0;
/** A member of the customer tenant who is not in the team yet. */
const newMember = (): string => sandbox.control.createAccount({ tenantId: creds.customerTenantId, mailNickname: `extra${++accounts}`, displayName: `Extra ${accounts}`, password: 'Extra-passw0rd!' }).id;
async function newGuest(email: string): Promise<{ id: string; upn: string }> {
  const invitation = await raw(sandbox, '/v1.0/invitations', { token: appToken, body: { invitedUserEmailAddress: email, inviteRedirectUrl: 'https://x.example' } });
  const id = invitation.json<{ invitedUser: { id: string } }>().invitedUser.id;
  const user = await graphClient(sandbox, appToken).api(`/users/${id}`).select('userPrincipalName').get();
  return { id, upn: user.userPrincipalName as string };
}

describe('POST /teams/{id}/members/add (conversationMember: add)', () => {
  test('adds members and guests in one request: 200 with one result per value; already a member is no error', async () => {
    const extra = newMember();
    const guest = await newGuest('g1@slack.example');
    const existing = [...(await teamRoles()).keys()][1] as string;
    const response = await addMembers([value(extra), value(guest.id, ['guest'], '#microsoft.graph.aadUserConversationMember'), value(existing)]);
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({
      '@odata.context': `${sandbox.url}/v1.0/$metadata#Collection(microsoft.graph.aadUserConversationMemberResult)`,
      value: [
        { '@odata.type': '#microsoft.graph.aadUserConversationMemberResult', userId: extra, error: null },
        { '@odata.type': '#microsoft.graph.aadUserConversationMemberResult', userId: guest.id, error: null },
        { '@odata.type': '#microsoft.graph.aadUserConversationMemberResult', userId: existing, error: null },
      ],
    });
    const roles = await teamRoles();
    expect(roles.get(extra)).toEqual([]);
    expect(roles.get(guest.id)).toEqual(['guest']);
    expect(roles.get(existing)).toEqual([]);

    // The same guest again (a replayed command) is still no error, through the Graph SDK this time.
    const again = await graphClient(sandbox, ownerToken).api(`/teams/${creds.teamId}/members/add`).post({ values: [value(guest.id, ['guest'])] });
    expect(again.value).toEqual([expect.objectContaining({ userId: guest.id, error: null })]);
  });

  test('answers 207 with an error on each value that fails the single-add rules, adding the others', async () => {
    const ok = newMember();
    const byUpn = await newGuest('g2@slack.example');
    const noRole = await newGuest('g3@slack.example');
    const member = newMember();
    const unknown = '00000000-0000-4000-8000-00000000dead';
    const response = await addMembers([value(ok), value(unknown), { ...value(byUpn.id, ['guest']), 'user@odata.bind': bind(byUpn.upn) }, value(noRole.id), value(member, ['guest']), value(newMember(), ['admin'])]);
    expect(response.status).toBe(207);
    const results = response.json<{ value: Result[] }>().value;
    expect(results.map((r) => [r.userId, r.error?.code ?? null])).toEqual([
      [ok, null],
      [unknown, 'NotFound'],
      [byUpn.id, 'BadRequest'],
      [noRole.id, 'BadRequest'],
      [member, 'BadRequest'],
      [expect.any(String), 'BadRequest'],
    ]);
    expect(results[2]?.error?.message).toMatch(/object id/);
    expect(results[3]?.error?.message).toMatch(/roles \['guest'\]/);
    const roles = await teamRoles();
    expect(roles.has(ok)).toBe(true);
    for (const refused of [unknown, byUpn.id, noRole.id, member]) expect(roles.has(refused)).toBe(false);
  });

  test('with an application token members are added but each guest value is refused', async () => {
    const extra = newMember();
    const guest = await newGuest('g4@slack.example');
    const response = await addMembers([value(extra), value(guest.id, ['guest'])], appToken);
    expect(response.status).toBe(207);
    expect(response.json<{ value: Result[] }>().value.map((r) => r.error?.code ?? null)).toEqual([null, 'Forbidden']);
    expect((await teamRoles()).has(guest.id)).toBe(false);
  });

  test('refuses the whole request for a bad body, more than 200 values, a non-owner, a missing permission or team', async () => {
    const ids = Array.from({ length: 201 }, () => newMember());
    const tooMany = await addMembers(ids.map((id) => value(id)));
    expect(tooMany.status).toBe(400);
    expect(tooMany.json()).toMatchObject({ error: { code: 'BadRequest', message: expect.stringContaining('200') } });
    expect((await teamRoles()).has(ids[0] as string)).toBe(false);
    expect((await addMembers([])).status).toBe(400);
    expect((await raw(sandbox, `/v1.0/teams/${creds.teamId}/members/add`, { token: ownerToken, body: { members: [] } })).status).toBe(400);
    expect((await addMembers([{ roles: [], 'user@odata.bind': bind(ids[0] as string) }])).status).toBe(400);
    expect((await addMembers([value('x'), { '@odata.type': 'microsoft.graph.aadUserConversationMember', roles: [] }])).status).toBe(400);

    const notOwner = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: Object.keys(creds.passwords)[1] as string });
    expect((await addMembers([value(ids[0] as string)], notOwner)).json()).toMatchObject({ error: { code: 'Forbidden', message: expect.stringContaining('owners') } });
    const weak = sandbox.control.registerApp({ tenantId: creds.customerTenantId, roles: ['Team.ReadBasic.All'] });
    expect((await addMembers([value(ids[0] as string)], sandbox.control.token({ clientId: weak.clientId, tenantId: creds.customerTenantId }))).status).toBe(403);
    expect((await addMembers([value(ids[0] as string)], ownerToken, '00000000-0000-4000-8000-0000000000aa')).status).toBe(404);
    // Exactly 200 is allowed.
    expect((await addMembers(ids.slice(0, 200).map((id) => value(id)))).status).toBe(200);
    expect((await teamRoles()).has(ids[199] as string)).toBe(true);
  });

  test('one request counts once against the 4-per-second per-team limit, however many values it carries', async () => {
    const ids = Array.from({ length: 200 }, () => newMember());
    sandbox.setLimits({ enabled: true, timeScale: 1 });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await addMembers(ids.slice(i * 40, i * 40 + 40).map((id) => value(id)))).status);
    // Four requests (160 members) pass within the second; the fifth is the fifth request on the team.
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    sandbox.setLimits({ enabled: false });
    const roles = await teamRoles();
    expect(ids.slice(0, 160).every((id) => roles.has(id))).toBe(true);
    expect(ids.slice(160).some((id) => roles.has(id))).toBe(false);
  });

  test('works inside a $batch, each inner request counted on its team', async () => {
    const [a, b] = [newMember(), newMember()];
    const batch = await raw(sandbox, '/v1.0/$batch', {
      token: ownerToken,
      body: { requests: [{ id: '1', method: 'POST', url: `/teams/${creds.teamId}/members/add`, headers: { 'content-type': 'application/json' }, body: { values: [value(a), value(b)] } }] },
    });
    expect(batch.status).toBe(200);
    const [inner] = batch.json<{ responses: { status: number; body: { value: Result[] } }[] }>().responses;
    expect(inner?.status).toBe(200);
    expect(inner?.body.value.map((r) => r.userId)).toEqual([a, b]);
  });
});
