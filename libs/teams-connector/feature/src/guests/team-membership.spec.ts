import { GraphRequestError, type GraphApi, type GraphResponse } from '@parley/teams-connector-graph-access';
import { addGuestToTeams, guestMemberBody, isAlreadyMember } from './team-membership';

const guestId = 'a1b2c3d4-0000-4000-8000-000000000001';

describe('isAlreadyMember', () => {
  it('treats a conflict or an "already a member" refusal as done', () => {
    expect(isAlreadyMember(409, 'Conflict')).toBe(true);
    expect(isAlreadyMember(400, 'The user is already a member of the team.')).toBe(true);
    expect(isAlreadyMember(400, 'One or more added object references already exist')).toBe(true);
    expect(isAlreadyMember(400, 'Guest users must be added by their user object id')).toBe(false);
    expect(isAlreadyMember(403, 'already a member')).toBe(false);
  });
});

describe('addGuestToTeams', () => {
  const api = (single: (path: string) => Promise<unknown>, batch: (urls: string[]) => GraphResponse[]) =>
    ({
      request: async (_method: string, path: string) => single(path),
      batch: async (items: { url: string }[]) => batch(items.map((i) => i.url)),
    }) as unknown as GraphApi;

  it('adds to one team with one POST, by object id with the guest role', async () => {
    const paths: string[] = [];
    const refusals = await addGuestToTeams(api(async (path) => void paths.push(path), () => []), guestId, ['T1']);
    expect(refusals).toEqual([]);
    expect(paths).toEqual(['/teams/T1/members']);
    expect(guestMemberBody(guestId)).toEqual({
      '@odata.type': '#microsoft.graph.aadUserConversationMember',
      roles: ['guest'],
      'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${guestId}')`,
    });
  });

  it('counts "already a member" as done, refusals per team, and throws transient trouble', async () => {
    const conflict = api(async () => Promise.reject(new GraphRequestError(409, 'Conflict', 'exists', 'POST')), () => []);
    await expect(addGuestToTeams(conflict, guestId, ['T1'])).resolves.toEqual([]);
    const missing = api(async () => Promise.reject(new GraphRequestError(404, 'NotFound', 'No team found', 'POST')), () => []);
    await expect(addGuestToTeams(missing, guestId, ['T1'])).resolves.toEqual([{ teamId: 'T1', reason: 'Graph answered 404 NotFound: No team found' }]);
    const down = api(async () => Promise.reject(new GraphRequestError(503, 'ServiceUnavailable', 'down', 'POST')), () => []);
    await expect(addGuestToTeams(down, guestId, ['T1'])).rejects.toMatchObject({ status: 503 });
  });

  it('adds to several teams in one batch and sorts the answers', async () => {
    const answers: Record<string, GraphResponse> = {
      '/teams/T1/members': { status: 201, headers: {}, body: {} },
      '/teams/T2/members': { status: 400, headers: {}, body: { error: { code: 'BadRequest', message: 'already a member' } } },
      '/teams/T3/members': { status: 403, headers: {}, body: { error: { code: 'Forbidden', message: 'Only team owners can add members.' } } },
    };
    const refusals = await addGuestToTeams(api(async () => undefined, (urls) => urls.map((u) => answers[u] as GraphResponse)), guestId, ['T1', 'T2', 'T3']);
    expect(refusals).toEqual([{ teamId: 'T3', reason: 'Graph answered 403 Forbidden: Only team owners can add members.' }]);
    const throttled = api(async () => undefined, (urls) => urls.map(() => ({ status: 429, headers: {}, body: { error: { code: 'TooManyRequests', message: 'x' } } })));
    await expect(addGuestToTeams(throttled, guestId, ['T1', 'T2'])).rejects.toMatchObject({ status: 429 });
  });
});
