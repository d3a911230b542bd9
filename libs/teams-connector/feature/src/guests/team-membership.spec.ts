import { GraphRequestError, type GraphApi, type GraphResponse } from '@parley/teams-connector-graph-access';
import { addGuestToTeams, guestMemberBody, isAlreadyMember, isAlreadyMemberError, MAX_MEMBERS_PER_ADD, TeamMembershipAggregator, type MemberAddResult } from './team-membership';

type Answer = (values: string[], path: string) => Promise<GraphResponse> | GraphResponse;
const userIdOf = (value: { 'user@odata.bind': string }) => /users\('([^']+)'\)/.exec(value['user@odata.bind'])?.[1] as string;
const ok = (values: string[], errors: Record<string, { code: string; message: string } | undefined> = {}): GraphResponse => ({
  status: Object.keys(errors).length > 0 ? 207 : 200,
  headers: {},
  body: { value: values.map((userId) => ({ '@odata.type': '#microsoft.graph.aadUserConversationMemberResult', userId, error: errors[userId] ?? null })) },
});
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** What the fake pacer hands out for a granted token. */
const GRANT = Object.freeze({ fake: 'pacing grant' });

/**
 * The team owner's Graph as the aggregator uses it: acquire() waits until the test grants the team's bucket token,
 * request() records what was sent and answers as told.
 */
class FakeOwner {
  readonly requests: { path: string; values: string[]; prepaced: boolean }[] = [];
  private readonly grants: { path: string; grant: () => void; refuse: (e: unknown) => void }[] = [];
  constructor(private answer: Answer = (values) => ok(values)) {}

  get api(): GraphApi {
    return {
      acquire: (_method: string, path: string) => new Promise<typeof GRANT>((grant, refuse) => this.grants.push({ path, grant: () => grant(GRANT), refuse })),
      request: async (_method: string, path: string, options: { body: { values: { 'user@odata.bind': string }[] }; prepaced?: unknown }) => {
        const values = options.body.values.map(userIdOf);
        // Prepaced with the very grant acquire() gave, so Graph's answer can restamp that grant's window entries.
        this.requests.push({ path, values, prepaced: options.prepaced === GRANT });
        return this.answer(values, path);
      },
    } as unknown as GraphApi;
  }

  answerWith(answer: Answer): void {
    this.answer = answer;
  }

  get waitingForToken(): number {
    return this.grants.length;
  }

  /** The bucket grants one token (to the oldest acquire), then lets the aggregator act on it. */
  async grant(): Promise<void> {
    const next = this.grants.shift();
    if (!next) throw new Error('nobody is waiting for a token');
    next.grant();
    await settle();
  }

  async refuseToken(error: unknown): Promise<void> {
    this.grants.shift()?.refuse(error);
    await settle();
  }
}

const results = <T>(promises: Promise<T>[]) => Promise.allSettled(promises);

describe('TeamMembershipAggregator', () => {
  it('sends nothing until the team bucket grants a token, then everything waiting in one members/add', async () => {
    const owner = new FakeOwner();
    const aggregator = new TeamMembershipAggregator();
    const adds = ['g1', 'g2', 'g3'].map((g) => aggregator.add(owner.api, 'org|conn', 'T1', g));
    await settle();
    expect(owner.requests).toEqual([]);
    expect(owner.waitingForToken).toBe(1);
    await owner.grant();
    expect(owner.requests).toEqual([{ path: '/teams/T1/members/add', values: ['g1', 'g2', 'g3'], prepaced: true }]);
    await expect(Promise.all(adds)).resolves.toEqual([{ added: true }, { added: true }, { added: true }]);
    expect(owner.waitingForToken).toBe(0);
    expect(aggregator.activeTeams).toBe(0);
  });

  it('spaces the requests to one team, so each carries what gathered and a token is left for the last ones', async () => {
    const owner = new FakeOwner();
    const aggregator = new TeamMembershipAggregator({ spacingMs: 80 });
    const first = aggregator.add(owner.api, 'org|conn', 'T1', 'g1');
    await settle();
    await owner.grant();
    const grantedAt = performance.now();
    await expect(first).resolves.toEqual({ added: true });
    // Arriving right after: no token is asked for until the spacing has passed, and then one request carries both.
    const later = ['g2', 'g3'].map((g) => aggregator.add(owner.api, 'org|conn', 'T1', g));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(owner.waitingForToken).toBe(0);
    while (owner.waitingForToken === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // The aggregator stamps the grant a moment before this test can, and timers may fire a little early: the spacing
    // shows as about 80 ms, never as the few milliseconds an unspaced request would take.
    expect(performance.now() - grantedAt).toBeGreaterThanOrEqual(70);
    await owner.grant();
    await expect(Promise.all(later)).resolves.toEqual([{ added: true }, { added: true }]);
    expect(owner.requests.map((r) => r.values)).toEqual([['g1'], ['g2', 'g3']]);
    // Another team is not held by this one's spacing.
    const other = aggregator.add(owner.api, 'org|conn', 'T2', 'g4');
    await settle();
    expect(owner.waitingForToken).toBe(1);
    await owner.grant();
    await expect(other).resolves.toEqual({ added: true });
  });

  it('keeps gathering while a request is out: each grant flushes what arrived since the last one', async () => {
    let release: () => void = () => undefined;
    const owner = new FakeOwner((values) => (values.includes('a') ? new Promise((resolve) => (release = () => resolve(ok(values)))) : ok(values)));
    const sizes: number[] = [];
    const aggregator = new TeamMembershipAggregator({ onFlush: (n) => sizes.push(n) });
    const first = aggregator.add(owner.api, 's', 'T1', 'a');
    await owner.grant();
    // The first request is still out; more guests arrive and wait for the next token.
    const later = ['b', 'c', 'd'].map((g) => aggregator.add(owner.api, 's', 'T1', g));
    await settle();
    expect(owner.requests.map((r) => r.values)).toEqual([['a']]);
    await owner.grant();
    expect(owner.requests.map((r) => r.values)).toEqual([['a'], ['b', 'c', 'd']]);
    await expect(Promise.all(later)).resolves.toHaveLength(3);
    release();
    await expect(first).resolves.toEqual({ added: true });
    expect(sizes).toEqual([1, 3]);
    expect(aggregator.activeTeams).toBe(0);
  });

  it('puts at most 200 members in one request', async () => {
    const owner = new FakeOwner();
    const aggregator = new TeamMembershipAggregator({ maxPerRequest: 1_000 });
    const adds = Array.from({ length: 450 }, (_, i) => aggregator.add(owner.api, 's', 'T1', `g${i}`));
    await settle();
    await owner.grant();
    await owner.grant();
    await owner.grant();
    expect(owner.requests.map((r) => r.values.length)).toEqual([MAX_MEMBERS_PER_ADD, MAX_MEMBERS_PER_ADD, 50]);
    expect(new Set(owner.requests.flatMap((r) => r.values)).size).toBe(450);
    expect((await results(adds)).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(owner.waitingForToken).toBe(0);
  });

  it('answers each guest from its own result: refused, already a member, throttled, missing', async () => {
    const owner = new FakeOwner((values) =>
      ok(
        values.filter((v) => v !== 'missing'),
        {
          refused: { code: 'NotFound', message: 'User refused not found.' },
          member: { code: 'BadRequest', message: 'The user is already a member of the team.' },
          throttled: { code: 'TooManyRequests', message: 'slow down' },
        },
      ),
    );
    const aggregator = new TeamMembershipAggregator();
    const guests = ['fine', 'refused', 'member', 'throttled', 'missing'];
    const outcomes = results<MemberAddResult>(guests.map((g) => aggregator.add(owner.api, 's', 'T1', g)));
    await owner.grant();
    const [fine, refused, member, throttled, missing] = await outcomes;
    expect(owner.requests).toHaveLength(1);
    expect(fine).toEqual({ status: 'fulfilled', value: { added: true } });
    expect(refused).toEqual({ status: 'fulfilled', value: { added: false, reason: 'Graph answered 207 for this member: NotFound: User refused not found.' } });
    expect(member).toEqual({ status: 'fulfilled', value: { added: true } });
    expect(throttled).toMatchObject({ status: 'rejected', reason: { status: 429, code: 'TooManyRequests' } });
    expect(missing).toMatchObject({ status: 'rejected', reason: { status: 502 } });
  });

  it('fails every waiter of a flush whose request failed, and only those', async () => {
    const owner = new FakeOwner(() => Promise.reject(new GraphRequestError(503, 'ServiceUnavailable', 'down', 'POST /teams/T1/members/add')));
    const aggregator = new TeamMembershipAggregator();
    const failed = results(['g1', 'g2'].map((g) => aggregator.add(owner.api, 's', 'T1', g)));
    await owner.grant();
    const outcomes = await failed;
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(outcomes.map((o) => (o as PromiseRejectedResult).reason)).toEqual([expect.objectContaining({ status: 503 }), expect.objectContaining({ status: 503 })]);

    owner.answerWith((values) => ok(values));
    const next = aggregator.add(owner.api, 's', 'T1', 'g3');
    await owner.grant();
    await expect(next).resolves.toEqual({ added: true });
  });

  it('fails everyone waiting when no token can be had for the team owner', async () => {
    const owner = new FakeOwner();
    const aggregator = new TeamMembershipAggregator();
    const adds = results(['g1', 'g2'].map((g) => aggregator.add(owner.api, 's', 'T1', g)));
    await settle();
    await owner.refuseToken(new Error('identity is unreachable'));
    expect((await adds).map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(owner.requests).toEqual([]);
    expect(aggregator.activeTeams).toBe(0);
  });

  it('keeps teams and connections apart, and sends a guest waiting twice once', async () => {
    const owner = new FakeOwner();
    const other = new FakeOwner();
    const aggregator = new TeamMembershipAggregator();
    const adds = [
      aggregator.add(owner.api, 'org|c1', 'T1', 'g1'),
      aggregator.add(owner.api, 'org|c1', 'T1', 'g1'),
      aggregator.add(owner.api, 'org|c1', 'T2', 'g1'),
      aggregator.add(other.api, 'org|c2', 'T1', 'g2'),
    ];
    await settle();
    expect(aggregator.activeTeams).toBe(3);
    await owner.grant();
    await owner.grant();
    await other.grant();
    expect(owner.requests.map((r) => [r.path, r.values])).toEqual([
      ['/teams/T1/members/add', ['g1']],
      ['/teams/T2/members/add', ['g1']],
    ]);
    expect(other.requests.map((r) => r.values)).toEqual([['g2']]);
    expect((await results(adds)).every((r) => r.status === 'fulfilled')).toBe(true);
  });
});

describe('addGuestToTeams', () => {
  const guestId = 'a1b2c3d4-0000-4000-8000-000000000001';
  const connection = (owner: FakeOwner) => ({ orgId: 'org', connectionId: 'conn', teamOwner: () => owner.api });
  /** Grants tokens as long as the aggregator asks for them. */
  const autoGrant = async (owner: FakeOwner, run: Promise<unknown>) => {
    let done = false;
    void run.finally(() => (done = true)).catch(() => undefined);
    while (!done) {
      if (owner.waitingForToken > 0) await owner.grant();
      else await settle();
    }
  };

  it('adds by object id with the guest role, to each team', async () => {
    const owner = new FakeOwner();
    const run = addGuestToTeams(new TeamMembershipAggregator(), connection(owner), guestId, ['T1', 'T2']);
    await autoGrant(owner, run);
    await expect(run).resolves.toEqual([]);
    expect(owner.requests.map((r) => [r.path, r.values])).toEqual([
      ['/teams/T1/members/add', [guestId]],
      ['/teams/T2/members/add', [guestId]],
    ]);
    expect(guestMemberBody(guestId)).toEqual({
      '@odata.type': '#microsoft.graph.aadUserConversationMember',
      roles: ['guest'],
      'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${guestId}')`,
    });
  });

  it('reports a refused member or a refused team per team, and throws transient trouble', async () => {
    const owner = new FakeOwner((values, path) => {
      if (path.includes('T2')) return ok(values, { [guestId]: { code: 'Forbidden', message: 'Only team owners can add members.' } });
      if (path.includes('T3')) throw new GraphRequestError(404, 'NotFound', 'No team found', `POST ${path}`);
      return ok(values);
    });
    const refused = addGuestToTeams(new TeamMembershipAggregator(), connection(owner), guestId, ['T1', 'T2', 'T3']);
    await autoGrant(owner, refused);
    await expect(refused).resolves.toEqual([
      { teamId: 'T2', reason: 'Graph answered 207 for this member: Forbidden: Only team owners can add members.' },
      { teamId: 'T3', reason: 'Graph answered 404 NotFound: No team found' },
    ]);

    const down = new FakeOwner((values, path) => {
      if (path.includes('T2')) throw new GraphRequestError(429, 'TooManyRequests', 'x', `POST ${path}`);
      return ok(values);
    });
    const throttled = addGuestToTeams(new TeamMembershipAggregator(), connection(down), guestId, ['T1', 'T2']);
    await autoGrant(down, throttled);
    await expect(throttled).rejects.toMatchObject({ status: 429 });
  });
});

describe('isAlreadyMember', () => {
  it('treats a conflict or an "already a member" refusal as done', () => {
    expect(isAlreadyMember(409, 'Conflict')).toBe(true);
    expect(isAlreadyMember(400, 'The user is already a member of the team.')).toBe(true);
    expect(isAlreadyMember(400, 'One or more added object references already exist')).toBe(true);
    expect(isAlreadyMember(400, 'Guest users must be added by their user object id')).toBe(false);
    expect(isAlreadyMember(403, 'already a member')).toBe(false);
    expect(isAlreadyMemberError('Conflict', '')).toBe(true);
    expect(isAlreadyMemberError('BadRequest', "Guest users must be added with roles ['guest'].")).toBe(false);
  });
});
