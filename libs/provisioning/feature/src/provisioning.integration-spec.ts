import { randomUUID } from 'node:crypto';
import { DeadLetterV1, encodeMessage, type PayloadIn } from '@parley/contracts';
import { SYNC_CONFLICT_PROBLEM, type UserSyncView } from '@parley/internal-api';
import { createFreshDatabase, integrationEnv, queryRows, type FreshDatabase } from '@parley/testing';
import { IdentityFixture } from './testing/identity-fixture';
import { FIRST_PEOPLE_PAGE_SIZE, PEOPLE_PAGE_SIZE } from './identity/identity-directory';
import {
  account,
  connectionsFor,
  eventually,
  INTERNAL_TOKEN,
  newOrgId,
  personOf,
  ProvisioningHarness,
  type SeenCommand,
} from './testing/harness';

type Person = ReturnType<typeof personOf>;
const finished = (v: UserSyncView) => v.status !== 'queued' && v.status !== 'running';
const personIdsOf = (commands: readonly SeenCommand[], topic: SeenCommand['topic']) =>
  commands
    .filter((c) => c.topic === topic)
    .map((c) => c.payload.personId)
    .sort();
const ids = (...people: Person[]) => people.map((p) => p.id).sort();

// provisioning in-process on real PostgreSQL; identity is a fixture server speaking its internal API; the test
// plays the connectors (and identity's reconciled events) on the in-process bus.
describe('provisioning user syncs', () => {
  const identity = new IdentityFixture(INTERNAL_TOKEN);
  let database: FreshDatabase;
  let h: ProvisioningHarness;

  beforeAll(async () => {
    database = await createFreshDatabase(integrationEnv().databaseUrl, 'parley_prov');
    const identityUrl = await identity.start();
    h = await ProvisioningHarness.start(database.url, identityUrl, { intervalMs: 3_600_000, staleAfterMs: 3_600_000 });
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
    await identity.stop();
    await database?.drop();
  });

  const start = (orgId: string, mode: 'guest' | 'account' = 'guest') =>
    h.call(`/internal/orgs/${orgId}/user-syncs`, { method: 'POST', body: { mode, requestedBy: 'key_admin_1' } });
  const startOk = async (orgId: string, mode: 'guest' | 'account' = 'guest'): Promise<UserSyncView> => {
    const response = await start(orgId, mode);
    expect(response.status).toBe(202);
    return (await response.json()) as UserSyncView;
  };
  const expectProblem = async (response: Response, status: number) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
    return body;
  };
  /** Starts a job for a connected org and plays identity's reconciliation of both directories. */
  const runToPlan = async (orgId: string, people: Person[], mode: 'guest' | 'account' = 'guest') => {
    identity.setConnections(orgId, Object.values(connectionsFor(orgId)));
    identity.setPeople(orgId, people);
    const { id: syncId } = await startOk(orgId, mode);
    await h.waitForSync(orgId, syncId, (v) => v.phase === 'importing', 'importing');
    for (const platform of ['slack', 'teams'] as const) {
      await h.publish('parley.identity.directory.reconciled.v1', { orgId, syncId, platform, observed: people.length }, 'identity');
    }
    await h.waitForSync(orgId, syncId, (v) => v.phase !== 'importing', 'planned');
    return syncId;
  };

  it('drives a guest sync through the connectors: plan, progress, retries, needs_attention, partial failure, replays', async () => {
    const orgId = newOrgId();
    const connections = connectionsFor(orgId);
    identity.setConnections(orgId, Object.values(connections));
    const p = {
      ada: personOf(orgId, 'Ada Lovelace', [account.slack()]),
      alan: personOf(orgId, 'Alan Turing', [account.slack()]),
      edsger: personOf(orgId, 'Edsger Dijkstra', [account.slack()]),
      barbara: personOf(orgId, 'Barbara Liskov', [account.slack(), account.guest('needs_attention')]),
      grace: personOf(orgId, 'Grace Hopper', [account.teams()]),
      katherine: personOf(orgId, 'Katherine Johnson', [account.teams()]),
      linus: personOf(orgId, 'Linus Both', [account.slack(), account.teams()]),
      margaret: personOf(orgId, 'Margaret Hamilton', [account.slack(), account.guest('active')]),
      left1: personOf(orgId, 'Left With Guest', [account.slack('deactivated'), account.guest('active')], 'deactivated'),
      left2: personOf(orgId, 'Left With Mirror', [account.teams('deactivated'), account.mirror('active')], 'deactivated'),
      left3: personOf(orgId, 'Left With Nothing', [account.slack('deactivated')], 'deactivated'),
    };
    identity.setPeople(orgId, Object.values(p));

    const queued = await startOk(orgId);
    expect(queued).toMatchObject({ orgId, mode: 'guest', status: 'queued', phase: 'queued', total: 0, done: 0, errors: [], requestedBy: 'key_admin_1', startedAt: null, finishedAt: null });
    const syncId = queued.id;

    // sync.requested (through the outbox) -> both connectors asked for an incremental import.
    const imports = await eventually(() => h.commandsOf(syncId, ['parley.slack.directory.import.requested.v1', 'parley.teams.directory.import.requested.v1']), (c) => c.length === 2, 'import requests');
    expect(imports).toEqual(
      expect.arrayContaining([
        { topic: 'parley.slack.directory.import.requested.v1', payload: { orgId, syncId, connectionId: connections.slack.id, incremental: true } },
        { topic: 'parley.teams.directory.import.requested.v1', payload: { orgId, syncId, connectionId: connections.teams.id, incremental: true } },
      ]),
    );
    expect(await h.view(orgId, syncId)).toMatchObject({ status: 'running', phase: 'importing', startedAt: expect.any(String) });

    // One platform reconciled is not enough to plan.
    await h.publish('parley.identity.directory.reconciled.v1', { orgId, syncId, platform: 'slack', observed: 9 }, 'identity');
    await h.settle();
    expect(await h.view(orgId, syncId)).toMatchObject({ phase: 'importing', total: 0 });
    expect(h.commandsOf(syncId)).toHaveLength(0);

    await h.publish('parley.identity.directory.reconciled.v1', { orgId, syncId, platform: 'teams', observed: 8 }, 'identity');
    const planned = await eventually(() => h.commandsOf(syncId), (c) => c.length === 8, 'the planned commands');
    expect(personIdsOf(planned, 'parley.teams.guest.create.requested.v1')).toEqual(ids(p.ada, p.alan, p.edsger, p.barbara));
    expect(personIdsOf(planned, 'parley.slack.mirror.create.requested.v1')).toEqual(ids(p.grace, p.katherine));
    expect(personIdsOf(planned, 'parley.teams.guest.disable.requested.v1')).toEqual(ids(p.left1));
    expect(personIdsOf(planned, 'parley.slack.mirror.deactivate.requested.v1')).toEqual(ids(p.left2));
    expect(planned.find((c) => c.payload.personId === p.ada.id)?.payload).toEqual({
      orgId,
      syncId,
      personId: p.ada.id,
      connectionId: connections.teams.id,
      email: 'ada.lovelace@acme.example',
      displayName: 'Ada Lovelace',
      teamIds: ['team-eng', 'team-all'],
    });
    expect(planned.find((c) => c.topic === 'parley.teams.guest.disable.requested.v1')?.payload).toEqual({
      orgId,
      syncId,
      personId: p.left1.id,
      connectionId: connections.teams.id,
      guestUserId: p.left1.accounts[1]?.platformUserId,
    });
    expect(planned.find((c) => c.topic === 'parley.slack.mirror.deactivate.requested.v1')?.payload).toEqual({
      orgId,
      syncId,
      personId: p.left2.id,
      connectionId: connections.slack.id,
      kind: 'scim',
      mirrorId: p.left2.accounts[1]?.platformUserId,
    });
    expect(planned.find((c) => c.topic === 'parley.slack.mirror.create.requested.v1')?.payload).toMatchObject({ connectionId: connections.slack.id });
    // Planned in one (first, smaller) page; linked and unchanged count at once; the skipped person is not counted.
    expect(identity.peopleRequests.filter((r) => r.orgId === orgId)).toEqual([{ orgId, limit: String(FIRST_PEOPLE_PAGE_SIZE), cursor: null }]);
    expect(await h.view(orgId, syncId)).toMatchObject({ status: 'running', phase: 'provisioning', total: 10, done: 2, linked: 1, unchanged: 1, created: 0, failed: 0 });

    const base = (person: Person) => ({ orgId, syncId, personId: person.id });
    const guestCreated = (person: Person, signIn: PayloadIn<'parley.teams.guest.created.v1'>['signIn'], reused = false) => ({
      ...base(person),
      guestUserId: randomUUID(),
      userPrincipalName: `${person.id.slice(0, 8)}_parleyhome.onmicrosoft.com#EXT#@contoso.onmicrosoft.com`,
      homeUserPrincipalName: `${person.id.slice(0, 8)}@parleyhome.onmicrosoft.com`,
      teamIds: ['team-eng', 'team-all'],
      reused,
      signIn,
    });

    // The connectors' own success events settle nothing: a task is done once identity has recorded its account.
    const adaGuest = guestCreated(p.ada, { status: 'ok' });
    await h.publish('parley.teams.guest.created.v1', adaGuest);
    await h.publish('parley.teams.guest.disabled.v1', { ...base(p.left1), guestUserId: p.left1.accounts[1]?.platformUserId ?? '' });
    await h.publish('parley.slack.mirror.created.v1', { ...base(p.grace), kind: 'scim', mirrorId: 'W0GRACE01', reused: false });
    await h.settle();
    expect(await h.view(orgId, syncId)).toMatchObject({ status: 'running', total: 10, done: 2, created: 0, disabled: 0 });

    const adaCreated = await h.recorded('parley.teams.guest.created.v1', adaGuest);
    await h.recorded('parley.teams.guest.created.v1', guestCreated(p.alan, { status: 'ok' }));
    await h.recorded('parley.teams.guest.created.v1', guestCreated(p.barbara, { status: 'needs_attention', reason: 'AADSTS50076: the tenant requires MFA for guests' }));
    await h.publish('parley.teams.guest.failed.v1', { ...base(p.edsger), operation: 'create', reason: 'Graph answered 503', retryable: true });
    const graceCreated = await h.recorded('parley.slack.mirror.created.v1', { ...base(p.grace), kind: 'scim', mirrorId: 'W0GRACE01', reused: false });
    await h.publish('parley.slack.mirror.failed.v1', { ...base(p.katherine), operation: 'create', reason: 'the SCIM token was revoked', retryable: false });
    await h.recorded('parley.teams.guest.disabled.v1', { ...base(p.left1), guestUserId: p.left1.accounts[1]?.platformUserId ?? '' });
    await h.settle();

    // The retryable failure sent the same command again (attempt 2); the job shows its progress.
    const edsgerCommands = () => h.commandsOf(syncId).filter((c) => c.payload.personId === p.edsger.id);
    await eventually(edsgerCommands, (c) => c.length === 2, 'the retried command');
    expect(edsgerCommands()[1]).toEqual(edsgerCommands()[0]);
    const midway = await h.view(orgId, syncId);
    expect(midway).toMatchObject({ status: 'running', phase: 'provisioning', total: 10, done: 8, created: 3, disabled: 1, failed: 2, linked: 1, unchanged: 1 });

    // Replayed (same event id) and late duplicates (new id, task already settled) change nothing.
    await h.replay(adaCreated);
    await h.replay(graceCreated);
    await h.recorded('parley.teams.guest.created.v1', guestCreated(p.ada, { status: 'ok' }, true));
    await h.publish('parley.slack.mirror.failed.v1', { ...base(p.grace), operation: 'create', reason: 'late failure', retryable: false });
    await h.recorded('parley.teams.guest.disabled.v1', { ...base(p.margaret), guestUserId: 'not-a-task' });
    await h.settle();
    expect(await h.view(orgId, syncId)).toEqual(midway);

    await h.recorded('parley.teams.guest.created.v1', guestCreated(p.edsger, { status: 'ok' }, true));
    await h.recorded('parley.slack.mirror.deactivated.v1', { ...base(p.left2), kind: 'scim', mirrorId: p.left2.accounts[1]?.platformUserId ?? '' });
    const done = await h.waitForSync(orgId, syncId, finished, 'the end of the job');
    expect(done).toMatchObject({ status: 'partially_failed', phase: 'done', total: 10, done: 10, created: 4, linked: 1, unchanged: 1, disabled: 2, failed: 2, finishedAt: expect.any(String) });
    expect(done.errors).toHaveLength(2);
    expect(done.errors).toEqual(
      expect.arrayContaining([
        { personId: p.barbara.id, reason: 'the guest cannot sign in: AADSTS50076: the tenant requires MFA for guests' },
        { personId: p.katherine.id, reason: 'the SCIM token was revoked' },
      ]),
    );

    // Results for a finished job are ignored; nothing was commanded twice except the one retry.
    await h.replay(adaCreated);
    await h.publish('parley.slack.mirror.failed.v1', { ...base(p.katherine), operation: 'create', reason: 'again', retryable: true });
    await h.settle();
    expect(await h.view(orgId, syncId)).toEqual(done);
    expect(h.commandsOf(syncId)).toHaveLength(9);

    // A re-run over the provisioned directory creates nothing and finishes as soon as it is planned.
    identity.setPeople(orgId, [
      ...[p.ada, p.alan, p.edsger, p.barbara, p.margaret].map((x) => ({ ...x, accounts: [x.accounts[0], account.guest('active')] })),
      ...[p.grace, p.katherine].map((x) => ({ ...x, accounts: [x.accounts[0], account.mirror('active')] })),
      p.linus,
      { ...p.left1, accounts: [p.left1.accounts[0], account.guest('deactivated')] },
      { ...p.left2, accounts: [p.left2.accounts[0], account.mirror('deactivated')] },
      p.left3,
    ]);
    const rerun = await startOk(orgId);
    await h.waitForSync(orgId, rerun.id, (v) => v.phase === 'importing', 'importing');
    for (const platform of ['slack', 'teams'] as const) {
      await h.publish('parley.identity.directory.reconciled.v1', { orgId, syncId: rerun.id, platform, observed: 9 }, 'identity');
    }
    const rerunDone = await h.waitForSync(orgId, rerun.id, finished, 'the re-run');
    expect(rerunDone).toMatchObject({ status: 'succeeded', phase: 'done', total: 8, done: 8, created: 0, linked: 1, unchanged: 7, disabled: 0, failed: 0, errors: [] });
    expect(h.commandsOf(rerun.id)).toHaveLength(0);
  });

  it('answers 202 once and 409 naming the active job to every concurrent second start; other orgs get 404', async () => {
    const orgId = newOrgId();
    identity.setConnections(orgId, Object.values(connectionsFor(orgId)));
    const responses = await Promise.all(Array.from({ length: 6 }, () => start(orgId)));
    const accepted = responses.filter((r) => r.status === 202);
    expect(accepted).toHaveLength(1);
    const first = (await accepted[0]?.json()) as UserSyncView;
    for (const conflict of responses.filter((r) => r !== accepted[0])) {
      const body = await expectProblem(conflict, 409);
      expect(body).toMatchObject({ type: SYNC_CONFLICT_PROBLEM, activeSyncId: first.id });
    }
    // Still 409 once it runs.
    await h.waitForSync(orgId, first.id, (v) => v.status === 'running', 'running');
    expect(await expectProblem(await start(orgId), 409)).toMatchObject({ activeSyncId: first.id });

    const other = newOrgId();
    const foreign = await expectProblem(await h.call(`/internal/orgs/${other}/user-syncs/${first.id}`), 404);
    const unknown = await expectProblem(await h.call(`/internal/orgs/${orgId}/user-syncs/${randomUUID()}`), 404);
    expect(foreign['detail']).toBe(unknown['detail']);
    await expectProblem(await h.call(`/internal/orgs/${orgId}/user-syncs/not-a-uuid`), 404);
    expect(await (await h.call(`/internal/orgs/${other}/user-syncs`)).json()).toEqual({ items: [] });
    expect((await h.call(`/internal/orgs/${orgId}/user-syncs/${first.id}`)).status).toBe(200);
  });

  it('fails a job without both connections with a reason an admin can act on, and lists jobs newest first', async () => {
    const orgId = newOrgId();
    const first = await startOk(orgId);
    const failed = await h.waitForSync(orgId, first.id, finished, 'the job to fail');
    expect(failed).toMatchObject({ status: 'failed', phase: 'done', total: 0, finishedAt: expect.any(String) });
    expect(failed.errors).toEqual([{ personId: null, reason: expect.stringMatching(/^no Slack and Microsoft Teams connection: connect both platforms \(POST \/v1\/connections/) }]);

    identity.setConnections(orgId, [connectionsFor(orgId).slack]);
    const second = await startOk(orgId);
    const slackOnly = await h.waitForSync(orgId, second.id, finished, 'the second job to fail');
    expect(slackOnly.errors).toEqual([{ personId: null, reason: expect.stringMatching(/^no Microsoft Teams connection: connect it \(POST \/v1\/connections with platform "teams"\)/) }]);
    expect(h.commandsOf(second.id, ['parley.slack.directory.import.requested.v1'])).toHaveLength(0);

    const list = (await (await h.call(`/internal/orgs/${orgId}/user-syncs`)).json()) as { items: UserSyncView[] };
    expect(list.items.map((s) => s.id)).toEqual([second.id, first.id]);
    expect(list.items[0]).toEqual(slackOnly);
  });

  it('fails the job when a connector cannot read its directory; later events change nothing', async () => {
    const orgId = newOrgId();
    identity.setConnections(orgId, Object.values(connectionsFor(orgId)));
    const { id: syncId } = await startOk(orgId);
    const connectionId = (await eventually(() => h.commandsOf(syncId, ['parley.teams.directory.import.requested.v1']), (c) => c.length === 1, 'import'))[0]?.payload
      .connectionId as string;
    await h.publish('parley.identity.directory.reconciled.v1', { orgId, syncId, platform: 'slack', observed: 3 }, 'identity');
    await h.publish('parley.directory.import.failed.v1', { orgId, syncId, connectionId, platform: 'teams', reason: 'the Graph app lacks User.Read.All in the customer tenant' });
    const failed = await h.waitForSync(orgId, syncId, finished, 'the job to fail');
    expect(failed).toMatchObject({ status: 'failed', phase: 'done' });
    expect(failed.errors).toEqual([{ personId: null, reason: 'the Microsoft Teams directory could not be read: the Graph app lacks User.Read.All in the customer tenant' }]);
    await h.publish('parley.identity.directory.reconciled.v1', { orgId, syncId, platform: 'teams', observed: 3 }, 'identity');
    await h.settle();
    expect(await h.view(orgId, syncId)).toEqual(failed);
    expect(h.commandsOf(syncId)).toHaveLength(0);
    // The org can sync again.
    expect((await start(orgId)).status).toBe(202);
  });

  it('plans the people identity announces once the other import is reconciled, before their import ends; the full pass adds nothing for them', async () => {
    const orgId = newOrgId();
    const ada = personOf(orgId, 'Ada Early', [account.slack()]);
    const alan = personOf(orgId, 'Alan Early', [account.slack()]);
    const linus = personOf(orgId, 'Linus Both Early', [account.slack(), account.teams()]);
    const edsger = personOf(orgId, 'Edsger Late', [account.slack()]);
    const grace = personOf(orgId, 'Grace Teams', [account.teams()]);
    identity.setConnections(orgId, Object.values(connectionsFor(orgId)));
    identity.setPeople(orgId, [ada, alan, linus, edsger, grace]);
    const { id: syncId } = await startOk(orgId);
    await h.waitForSync(orgId, syncId, (v) => v.phase === 'importing', 'importing');
    const slackId = (p: Person) => p.accounts.find((a) => a.platform === 'slack')?.platformUserId as string;
    const announce = (...people: Person[]) =>
      h.publish('parley.identity.directory.people.applied.v1', { orgId, syncId, platform: 'slack', platformUserIds: people.map(slackId) }, 'identity');

    await h.publish('parley.identity.directory.reconciled.v1', { orgId, syncId, platform: 'teams', observed: 2 }, 'identity');
    await announce(ada, alan, linus);
    const early = await eventually(() => h.commandsOf(syncId), (c) => c.length === 2, 'the announced people planned');
    expect(personIdsOf(early, 'parley.teams.guest.create.requested.v1')).toEqual(ids(ada, alan));
    // Linus has both accounts: linked, nothing to do. The job still imports, and counts what it planned.
    expect(await h.view(orgId, syncId)).toMatchObject({ status: 'running', phase: 'importing', total: 3, done: 1, linked: 1 });

    // Announced again (a replayed batch): nothing more.
    await announce(ada);
    await h.settle();
    expect(h.commandsOf(syncId)).toHaveLength(2);

    // The Slack import ends: the full pass plans the rest (Edsger, Grace) and nobody twice.
    await h.publish('parley.identity.directory.reconciled.v1', { orgId, syncId, platform: 'slack', observed: 4 }, 'identity');
    await h.waitForSync(orgId, syncId, (v) => v.phase === 'provisioning', 'planned');
    const all = await eventually(() => h.commandsOf(syncId), (c) => c.length === 4, 'every command');
    expect(personIdsOf(all, 'parley.teams.guest.create.requested.v1')).toEqual(ids(ada, alan, edsger));
    expect(personIdsOf(all, 'parley.slack.mirror.create.requested.v1')).toEqual(ids(grace));
    expect(await h.view(orgId, syncId)).toMatchObject({ total: 5, done: 1, linked: 1 });

    // Once planning proper began, an announcement is the full pass's business: ignored.
    const resolvesBefore = identity.resolveRequests.length;
    await announce(edsger);
    await h.settle();
    expect(identity.resolveRequests).toHaveLength(resolvesBefore);
    expect(h.commandsOf(syncId)).toHaveLength(4);
  });

  it('tells identity of a dead-lettered command, fails its task on identity\'s answer, and ignores later copies and other dead letters', async () => {
    const orgId = newOrgId();
    const ada = personOf(orgId, 'Ada Dead', [account.slack()]);
    const grace = personOf(orgId, 'Grace Poisoned', [account.teams()]);
    const syncId = await runToPlan(orgId, [ada, grace]);
    const [mirrorCommand] = await eventually(() => h.commandsOf(syncId, ['parley.slack.mirror.create.requested.v1']), (c) => c.length === 1, 'the mirror command');
    const sent = encodeMessage('parley.slack.mirror.create.requested.v1', mirrorCommand?.payload as PayloadIn<'parley.slack.mirror.create.requested.v1'>, {
      id: randomUUID(),
      source: 'provisioning',
      time: new Date().toISOString(),
    });
    const deadLetter = {
      ...DeadLetterV1.example,
      originalTopic: 'parley.slack.mirror.create.requested.v1',
      key: sent.key,
      value: sent.value,
      valueEncoding: 'utf8' as const,
      consumerGroup: 'slack-connector',
      failure: 'handler-failed' as const,
      attempts: 5,
      reason: 'QueryFailedError: duplicate key value violates unique constraint "scim_mirrors_team_id_slack_user_id_key"',
    };
    // Another service's dead letter is not provisioning's business.
    await h.publish('parley.messaging.message.dead-lettered.v1', { ...DeadLetterV1.example, consumerGroup: 'identity' }, 'identity');
    const record = await h.publish('parley.messaging.message.dead-lettered.v1', deadLetter, 'slack-connector');
    const reason = `the command was dead-lettered by slack-connector: ${deadLetter.reason}`;
    // identity is told through provisioning's outbox; the task waits for identity to have marked the mirror.
    await eventually(async () => h.deadLetteredCommands.filter((d) => d.syncId === syncId), (told) => told.length > 0, 'identity told of the dead-lettered command');
    const told = h.deadLetteredCommands.filter((d) => d.syncId === syncId);
    expect(told).toEqual([{ orgId, syncId, personId: grace.id, action: 'create_mirror', reason, deadLetterId: JSON.parse(record.value).id }]);
    await h.settle();
    expect(await h.view(orgId, syncId)).toMatchObject({ status: 'running', done: 0, failed: 0 });
    // identity's answer (the mirror needs_attention with the reason) fails the task.
    await h.publish(
      'parley.identity.account.recorded.v1',
      {
        orgId,
        syncId,
        personId: grace.id,
        action: 'create_mirror',
        account: { platform: 'slack', kind: 'mirror', platformUserId: null, status: 'needs_attention', attentionReason: reason },
        failedBecause: reason,
        answers: { topic: 'parley.provisioning.command.dead-lettered.v1', eventId: randomUUID() },
      },
      'identity',
    );
    await h.settle();
    expect(await h.view(orgId, syncId)).toMatchObject({ status: 'running', done: 1, failed: 1 });

    await h.recorded('parley.teams.guest.created.v1', {
      orgId,
      syncId,
      personId: ada.id,
      guestUserId: randomUUID(),
      userPrincipalName: 'ada.dead_acme.example#EXT#@customer.example',
      homeUserPrincipalName: 'ada.dead@home.example',
      teamIds: ['team-eng', 'team-all'],
      reused: false,
      signIn: { status: 'ok' },
    });
    const ended = await h.waitForSync(orgId, syncId, finished, 'the job to end');
    expect(ended).toMatchObject({ status: 'partially_failed', total: 2, done: 2, created: 1, failed: 1, errors: [{ personId: grace.id, reason }] });
    // A later copy of the same command dead-lettered again (the sweep's resend), and a replay: nothing changes.
    await h.publish('parley.messaging.message.dead-lettered.v1', deadLetter, 'slack-connector');
    await h.replay(record);
    await h.settle();
    expect(await h.view(orgId, syncId)).toEqual(ended);
    expect(h.deadLetteredCommands.filter((d) => d.syncId === syncId)).toHaveLength(1);
  });

  it('plans account mode: linked when consented, errors for missing consent and missing Teams accounts', async () => {
    const orgId = newOrgId();
    const consented = personOf(orgId, 'Consented', [account.slack(), account.teams('active', true)]);
    const waiting = personOf(orgId, 'Waiting', [account.slack(), account.teams('active', false)]);
    const slackOnly = personOf(orgId, 'Slack Only', [account.slack()]);
    const teamsOnly = personOf(orgId, 'Teams Only', [account.teams('active', true)]);
    const syncId = await runToPlan(orgId, [consented, waiting, slackOnly, teamsOnly], 'account');
    await eventually(() => h.commandsOf(syncId), (c) => c.length >= 1, 'the mirror command published');
    expect(personIdsOf(h.commandsOf(syncId), 'parley.slack.mirror.create.requested.v1')).toEqual(ids(teamsOnly));
    expect(h.commandsOf(syncId)).toHaveLength(1);
    expect(await h.view(orgId, syncId)).toMatchObject({ mode: 'account', status: 'running', total: 4, done: 3, linked: 1, failed: 2 });
    await h.recorded('parley.slack.mirror.created.v1', { orgId, syncId, personId: teamsOnly.id, kind: 'profile', mirrorId: randomUUID(), reused: false });
    const done = await h.waitForSync(orgId, syncId, finished, 'the end');
    expect(done).toMatchObject({ status: 'partially_failed', total: 4, done: 4, created: 1, linked: 1, failed: 2 });
    expect(done.errors).toEqual(
      expect.arrayContaining([
        { personId: waiting.id, reason: expect.stringMatching(/^waiting for consent/) },
        { personId: slackOnly.id, reason: 'no Teams account: use guest mode' },
      ]),
    );
  });

  it("fails a task whose result identity could not record (it no longer knows the person), so the job still ends", async () => {
    const orgId = newOrgId();
    const gone = personOf(orgId, 'Gone', [account.teams()]);
    const syncId = await runToPlan(orgId, [gone]);
    await eventually(() => h.commandsOf(syncId), (c) => c.length === 1, 'the mirror command');
    await h.publish(
      'parley.identity.account.recorded.v1',
      { orgId, syncId, personId: gone.id, action: 'create_mirror', account: null, answers: { topic: 'parley.slack.mirror.created.v1', eventId: randomUUID() } },
      'identity',
    );
    const done = await h.waitForSync(orgId, syncId, finished, 'the end');
    expect(done).toMatchObject({ status: 'failed', total: 1, done: 1, failed: 1, created: 0 });
    expect(done.errors).toEqual([{ personId: gone.id, reason: 'identity does not know this person any more; the account was not recorded' }]);
  });

  it('fails the job when every person failed, after at most 3 attempts for retryable failures', async () => {
    const orgId = newOrgId();
    const one = personOf(orgId, 'One', [account.slack()]);
    const two = personOf(orgId, 'Two', [account.slack()]);
    const syncId = await runToPlan(orgId, [one, two]);
    await h.publish('parley.teams.guest.failed.v1', { orgId, syncId, personId: one.id, operation: 'create', reason: 'invitations are blocked by the tenant policy', retryable: false });
    for (let attempt = 1; attempt <= 3; attempt++) {
      await eventually(() => h.commandsOf(syncId).filter((c) => c.payload.personId === two.id), (c) => c.length === attempt, `attempt ${attempt}`);
      await h.publish('parley.teams.guest.failed.v1', { orgId, syncId, personId: two.id, operation: 'create', reason: 'Graph kept answering 503', retryable: true });
    }
    const done = await h.waitForSync(orgId, syncId, finished, 'the end');
    expect(done).toMatchObject({ status: 'failed', total: 2, done: 2, failed: 2, created: 0 });
    expect(done.errors).toEqual(
      expect.arrayContaining([
        { personId: one.id, reason: 'invitations are blocked by the tenant policy' },
        { personId: two.id, reason: 'Graph kept answering 503 (gave up after 3 attempts)' },
      ]),
    );
    expect(h.commandsOf(syncId).filter((c) => c.payload.personId === two.id)).toHaveLength(3);
  });

  it('resumes planning where it stopped when identity fails between pages (redelivery of the event)', async () => {
    const orgId = newOrgId();
    const people = Array.from({ length: 700 }, (_, i) => personOf(orgId, `Engineer ${i}`, [account.slack()]));
    const second = String(FIRST_PEOPLE_PAGE_SIZE);
    identity.failPeople(FIRST_PEOPLE_PAGE_SIZE, 1);
    const syncId = await runToPlan(orgId, people);
    // The plan is committed; its commands reach the bus as the outbox relay drains them.
    const commands = await eventually(() => h.commandsOf(syncId), (c) => c.length >= 700, 'all 700 commands published');
    expect(commands).toHaveLength(700);
    expect(new Set(commands.map((c) => c.payload.personId)).size).toBe(700);
    // A small first page, then the failed one read again, then the rest.
    expect(identity.peopleRequests.filter((r) => r.orgId === orgId).map((r) => [r.cursor, r.limit])).toEqual([
      [null, second],
      [second, String(PEOPLE_PAGE_SIZE)],
      [second, String(PEOPLE_PAGE_SIZE)],
      [String(FIRST_PEOPLE_PAGE_SIZE + PEOPLE_PAGE_SIZE), String(PEOPLE_PAGE_SIZE)],
    ]);
    expect(await h.view(orgId, syncId)).toMatchObject({ phase: 'provisioning', total: 700, done: 0 });
  });

  it('answers problems: 401 without the internal token, 400 naming each bad field', async () => {
    const orgId = newOrgId();
    const path = `/internal/orgs/${orgId}/user-syncs`;
    await expectProblem(await h.call(path, { method: 'POST', body: { mode: 'guest', requestedBy: 'x' }, token: null }), 401);
    await expectProblem(await h.call(path, { token: 'wrong-token-wrong-token-wrong-token-0000' }), 401);
    const bad = await expectProblem(await h.call(path, { method: 'POST', body: { mode: 'everyone', requestedBy: 'x', colour: 'red' } }), 400);
    expect(bad['errors']).toEqual([
      { field: 'mode', message: expect.any(String) },
      { field: 'colour', message: 'unknown field' },
    ]);
    const missing = await expectProblem(await h.call(path, { method: 'POST', body: { mode: 'guest' } }), 400);
    expect(missing['errors']).toEqual([{ field: 'requestedBy', message: expect.any(String) }]);
    const org = await expectProblem(await h.call('/internal/orgs/acme/user-syncs', { method: 'POST', body: { mode: 'guest', requestedBy: 'x' } }), 400);
    expect(org['errors']).toEqual([{ field: 'orgId', message: expect.any(String) }]);
    const notJson = await expectProblem(await h.call(path, { method: 'POST', rawBody: '{"mode": "s3cr3t' }), 400);
    expect(JSON.stringify(notJson)).not.toContain('s3cr3t');
    expect(await queryRows(database.url, 'SELECT 1 FROM provisioning.user_syncs WHERE org_id = $1', [orgId])).toEqual([]);
  });
});

describe('provisioning recovering from crashes and lost messages', () => {
  const identity = new IdentityFixture(INTERNAL_TOKEN);
  let database: FreshDatabase;
  let identityUrl: string;
  const running: ProvisioningHarness[] = [];

  beforeAll(async () => {
    database = await createFreshDatabase(integrationEnv().databaseUrl, 'parley_prov');
    identityUrl = await identity.start();
  });

  afterAll(async () => {
    for (const h of running) await h.stop().catch(() => undefined);
    await identity.stop();
    await database?.drop();
  });

  it('a new process resumes a half-planned job at the next page and commands every person exactly once', async () => {
    const orgId = newOrgId();
    const people = Array.from({ length: 1_200 }, (_, i) =>
      i % 2 === 0 ? personOf(orgId, `Engineer ${i}`, [account.slack()]) : personOf(orgId, `Seller ${i}`, [account.teams()]),
    );
    identity.setConnections(orgId, Object.values(connectionsFor(orgId)));
    identity.setPeople(orgId, people);
    // identity goes away after the first two pages, for longer than the bus retries a peer that is down (2 s here,
    // 3 minutes in production: ADR 0043): the first process gives up on the event (dead letter) with two chunks
    // committed, then dies.
    identity.failPeople(FIRST_PEOPLE_PAGE_SIZE + PEOPLE_PAGE_SIZE);
    const shortRetries = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 30_000, transientForMs: 2_000 };
    const first = await ProvisioningHarness.start(database.url, identityUrl, { intervalMs: 3_600_000, staleAfterMs: 3_600_000 }, shortRetries);
    running.push(first);
    const response = await first.call(`/internal/orgs/${orgId}/user-syncs`, { method: 'POST', body: { mode: 'guest', requestedBy: 'key_admin_1' } });
    expect(response.status).toBe(202);
    const { id: syncId } = (await response.json()) as UserSyncView;
    await first.waitForSync(orgId, syncId, (v) => v.phase === 'importing', 'importing');
    for (const platform of ['slack', 'teams'] as const) {
      await first.publish('parley.identity.directory.reconciled.v1', { orgId, syncId, platform, observed: 600 }, 'identity');
    }
    await eventually(() => first.broker.deadLettered(), (d) => d.some((l) => l.originalTopic === 'parley.identity.directory.reconciled.v1'), 'the dead letter', 30_000);
    await first.stop();

    const [state] = await queryRows<{ phase: string; plan_chunks: number; tasks: number }>(
      database.url,
      `SELECT phase, plan_chunks, (SELECT count(*)::int FROM provisioning.sync_tasks WHERE sync_id = $1) AS tasks
       FROM provisioning.user_syncs WHERE id = $1`,
      [syncId],
    );
    expect(state).toEqual({ phase: 'importing', plan_chunks: 2, tasks: FIRST_PEOPLE_PAGE_SIZE + PEOPLE_PAGE_SIZE });

    identity.healPeople();
    const second = await ProvisioningHarness.start(database.url, identityUrl, { intervalMs: 200, staleAfterMs: 0 });
    running.push(second);
    const planned = await second.waitForSync(orgId, syncId, (v) => v.phase === 'provisioning', 'planning to finish');
    expect(planned).toMatchObject({ status: 'running', total: 1_200, done: 0 });

    // Across both processes, every person was commanded exactly once, with the right command. The phase moves when the
    // last chunk commits; its commands leave through the outbox just after, so they are waited for (CI once read 1,150).
    const commanded = () => [...first.commandsOf(syncId), ...second.commandsOf(syncId)];
    await eventually(commanded, (c) => c.length >= 1_200, 'every command published', 30_000);
    const all = commanded();
    expect(all).toHaveLength(1_200);
    expect(new Set(all.map((c) => c.payload.personId)).size).toBe(1_200);
    expect(all.filter((c) => c.topic === 'parley.teams.guest.create.requested.v1')).toHaveLength(600);
    expect(all.filter((c) => c.topic === 'parley.slack.mirror.create.requested.v1')).toHaveLength(600);
    expect(identity.peopleRequests.filter((r) => r.cursor === null)).toHaveLength(1);

    // The connectors answer; a redelivered result after the restart does not count twice.
    for (const command of all) {
      const personId = command.payload.personId as string;
      if (command.topic === 'parley.teams.guest.create.requested.v1') {
        const record = await second.recorded('parley.teams.guest.created.v1', {
          orgId,
          syncId,
          personId,
          guestUserId: randomUUID(),
          userPrincipalName: `${personId}#EXT#@contoso.onmicrosoft.com`,
          homeUserPrincipalName: `${personId}@parleyhome.onmicrosoft.com`,
          teamIds: ['team-eng'],
          reused: false,
          signIn: { status: 'ok' },
        });
        if (personId === all[0]?.payload.personId) await second.replay(record);
      } else {
        await second.recorded('parley.slack.mirror.created.v1', { orgId, syncId, personId, kind: 'scim', mirrorId: `W${personId.slice(0, 8).toUpperCase()}`, reused: false });
      }
    }
    const done = await second.waitForSync(orgId, syncId, finished, 'the end', 60_000);
    expect(done).toMatchObject({ status: 'succeeded', total: 1_200, done: 1_200, created: 1_200, failed: 0, errors: [] });
    // Nothing was planned twice: the sweep and any replay find the job already planned.
    await second.publish('parley.identity.directory.reconciled.v1', { orgId, syncId, platform: 'teams', observed: 600 }, 'identity');
    await second.settle();
    expect(second.commandsOf(syncId).length + first.commandsOf(syncId).length).toBe(1_200);
    expect(await queryRows(database.url, 'SELECT count(*)::int AS n FROM provisioning.sync_tasks WHERE sync_id = $1', [syncId])).toEqual([{ n: 1_200 }]);
    await second.stop();
  });

  it('sends the commands of a job that hears nothing again, at most 3 times, then ends it with a reason', async () => {
    const orgId = newOrgId();
    const answered = personOf(orgId, 'Answered', [account.slack()]);
    const lost = personOf(orgId, 'Lost', [account.teams()]);
    identity.setConnections(orgId, Object.values(connectionsFor(orgId)));
    identity.setPeople(orgId, [answered, lost]);
    const h = await ProvisioningHarness.start(database.url, identityUrl, { intervalMs: 100, staleAfterMs: 60_000, resendAfterMs: 400 });
    running.push(h);
    const response = await h.call(`/internal/orgs/${orgId}/user-syncs`, { method: 'POST', body: { mode: 'guest', requestedBy: 'key_admin_1' } });
    const { id: syncId } = (await response.json()) as UserSyncView;
    await h.waitForSync(orgId, syncId, (v) => v.phase === 'importing', 'importing');
    for (const platform of ['slack', 'teams'] as const) {
      await h.publish('parley.identity.directory.reconciled.v1', { orgId, syncId, platform, observed: 1 }, 'identity');
    }
    await h.waitForSync(orgId, syncId, (v) => v.phase === 'provisioning', 'planned');
    // Lost in transit: nothing answers, so after a quiet spell both commands go out again.
    await eventually(() => h.commandsOf(syncId), (c) => c.length === 4, 'the first resend', 10_000);
    await h.recorded('parley.teams.guest.created.v1', {
      orgId,
      syncId,
      personId: answered.id,
      guestUserId: randomUUID(),
      userPrincipalName: 'answered#EXT#@contoso.onmicrosoft.com',
      homeUserPrincipalName: 'answered@parleyhome.onmicrosoft.com',
      teamIds: ['team-eng'],
      reused: true,
      signIn: { status: 'ok' },
    });
    const done = await h.waitForSync(orgId, syncId, finished, 'the job to give up', 15_000);
    expect(done).toMatchObject({ status: 'partially_failed', total: 2, done: 2, created: 1, failed: 1 });
    expect(done.errors).toEqual([{ personId: lost.id, reason: 'no answer from slack-connector after 3 requests; run the sync again once it is healthy' }]);
    expect(personIdsOf(h.commandsOf(syncId), 'parley.slack.mirror.create.requested.v1')).toEqual([lost.id, lost.id, lost.id]);
    expect(personIdsOf(h.commandsOf(syncId), 'parley.teams.guest.create.requested.v1').length).toBeLessThanOrEqual(3);
    await h.stop();
  });
});
