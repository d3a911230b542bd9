import { createHash, createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { Client, type ClientOptions } from '@microsoft/microsoft-graph-client';
import { SignJWT } from 'jose';
import type { DataSource } from 'typeorm';
import { generateSandboxCertificates, startGraphSandbox, type GraphSandbox, type SandboxCertificates } from '@parley/sandbox-graph';
import { integrationEnv, queryRows } from '@parley/testing';
import { graphAccessConfig } from '@parley/teams-connector-graph-access';
import { DATA_SOURCE } from '@parley/service-runtime';
import { TeamsIntakePool } from './ingress.providers';
import { ConnectorHarness, freshDatabase, type SeededOrg } from '../testing/connector-harness';
import { PublicProxy } from '../testing/public-proxy';
import { RecordingObserver } from '../testing/recording-observer';
import { teamsIngressConfig, type TeamsIngressConfig } from './ingress-config';
import type { TeamsNotificationKeySet } from '@parley/internal-api';
import { defaultNotificationInboxSettings, NotificationInbox } from './notification-inbox';
import { SubscriptionManager } from './subscription-manager';
import { SubscriptionStore } from './subscription-store';
import { GRAPH_CHANGE_TRACKING_APP_ID } from './validation-tokens';

// teams-connector in-process on real PostgreSQL against the Graph sandbox, which creates the subscriptions, validates
// the endpoints, encrypts resource data with Parley's certificate, signs validation tokens and sends lifecycle events.
// Graph reaches the connector through a stand-in for the gateway's public paths.
describe('Teams ingress', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let certificates: SandboxCertificates;
  let sandbox: GraphSandbox;
  let proxy: PublicProxy;
  let harness: ConnectorHarness;
  let observer: RecordingObserver;
  let org: SeededOrg;
  let people: string[];
  /** What identity keeps of each connection's notification keys (its vault), shared by every replica and restart. */
  const vault = new Map<string, TeamsNotificationKeySet>();

  const ingress = (overrides: Partial<TeamsIngressConfig> = {}): TeamsIngressConfig =>
    teamsIngressConfig({ publicBaseUrl: proxy.url, tickMs: 250, catchUpIntervalMs: 1_500, catchUpLagMs: 0, ...overrides });

  const start = async (config: TeamsIngressConfig): Promise<void> => {
    observer = new RecordingObserver();
    harness = new ConnectorHarness(sandbox, database.url, graphAccessConfig({ timeScale: 0.01 }), { ingress: config, chatMessageObserver: observer });
    harness.identity.notificationKeys = vault;
    if (org) harness.identity.addConnection(org.connectionId, org.orgId, org.settings, { clientSecret: org.credentials.clientSecret, teamOwnerPassword: org.owner.password });
    await harness.start();
    proxy.target = harness.connector.url;
  };
  const stop = async (): Promise<void> => {
    await harness?.stop();
  };
  const store = (): SubscriptionStore => new SubscriptionStore(harness.connector.app.get<DataSource>(DATA_SOURCE));
  const manager = (): SubscriptionManager => harness.connector.app.get(SubscriptionManager);
  const inbox = (): NotificationInbox => harness.connector.app.get(NotificationInbox);
  const until = async <T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 60_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const currentOf = (o: SeededOrg) => until(`a subscription for ${o.connectionId}`, () => store().current(o.connectionId));
  const appClient = (o: SeededOrg): Client =>
    Client.initWithMiddleware({
      authProvider: { getAccessToken: async () => sandbox.control.token({ clientId: o.credentials.clientId, tenantId: o.credentials.customerTenantId }) },
      baseUrl: `${sandbox.url}/`,
      customHosts: new Set(['127.0.0.1']),
      fetchOptions: { dispatcher: harness.dispatcher } as unknown as ClientOptions['fetchOptions'],
    });
  const post = (body: unknown, path = '/teams/notifications') =>
    fetch(`${proxy.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const say = (o: SeededOrg, chatId: string, content: string, as = people[0] as string) => sandbox.control.post({ as, chatId, content }) as { id: string };
  /**
   * Runs `body` on a connector restarted with catch-up only at its start (done before `body` runs), so that only a
   * notification or a read-back can bring a message; then restores the sandbox's faults and request recording, and the
   * usual connector.
   */
  const withCatchUpOnlyAtStart = async (body: () => Promise<void>, overrides: Partial<TeamsIngressConfig> = {}): Promise<void> => {
    await stop();
    const restarted = Date.now();
    await start(ingress({ catchUpIntervalMs: 600_000, ...overrides }));
    try {
      await currentOf(org);
      // This process's own run (the last one of the process before the restart may be less than a second old).
      await until('the catch-up at start', async () => ((await store().watermark(org.connectionId))?.lastRunAt.getTime() ?? 0) > restarted);
      await body();
    } finally {
      sandbox.setFaults({ dropNotificationRate: 0, errorRate: 0 });
      sandbox.inspect.recordRequests(false);
      await stop();
      await start(ingress());
    }
  };
  /**
   * Where a message's way from Graph to the observer stopped, for a failure message: what the sandbox delivered for
   * it, the subscriptions and evaluation use on both sides, the lease, the catch-up watermark and the inbox row.
   */
  const whereItStopped = async (messageId: string): Promise<string> => {
    const db = harness.connector.app.get<DataSource>(DATA_SOURCE);
    const query = (sql: string, params: unknown[] = []) => db.query(sql, params).catch((error: unknown) => String(error));
    return JSON.stringify({
      deliveries: sandbox.inspect.deliveries().filter((d) => JSON.stringify(d.body).includes(messageId)).map((d) => ({ kind: d.kind, outcome: d.outcome, at: d.at })),
      sandboxSubscriptions: sandbox.inspect.subscriptions(),
      evaluationUsage: sandbox.inspect.evaluationUsage(),
      subscriptions: await query('SELECT * FROM teams_connector.subscriptions'),
      leases: await query('SELECT * FROM teams_connector.subscription_leases'),
      watermarks: await query('SELECT * FROM teams_connector.catch_up_watermarks'),
      inbox: await query('SELECT * FROM teams_connector.notification_inbox WHERE message_id = $1', [messageId]),
    });
  };
  /** Waits as until() does; a timeout says where the message stopped. */
  const untilFor = async <T>(messageId: string, wait: () => Promise<T>): Promise<T> => {
    try {
      return await wait();
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}; ${await whereItStopped(messageId)}`);
    }
  };
  /** A change delivery the sandbox made for a message: the exact payload Graph sent (to replay it, altered). */
  const deliveryOf = (messageId: string) =>
    until(`the delivery of ${messageId}`, () =>
      sandbox.inspect.deliveries().find((d) => d.kind === 'change' && d.outcome === 'delivered' && JSON.stringify(d.body).includes(`messages('${messageId}')`)),
    );
  const signToken = async (claims: Record<string, unknown>, expiresAt: number): Promise<string> => {
    const key = createPrivateKey(certificates.serverKeyPem);
    const kid = createHash('sha256').update(createPublicKey(key).export({ type: 'spki', format: 'der' })).digest('base64url').slice(0, 27);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid, x5t: kid })
      .setIssuedAt(expiresAt - 3600)
      .setNotBefore(expiresAt - 3600)
      .setExpirationTime(expiresAt)
      .sign(key);
  };

  beforeAll(async () => {
    database = await freshDatabase(integrationEnv().databaseUrl);
    certificates = generateSandboxCertificates();
    sandbox = await startGraphSandbox({ certificates, limits: { enabled: true, timeScale: 0.01, overrides: { evaluationNotificationsPerMonth: { requests: 3, windowMs: 30 * 86_400_000 } } } });
    proxy = await new PublicProxy().start();
    observer = new RecordingObserver();
    harness = new ConnectorHarness(sandbox, database.url, graphAccessConfig({ timeScale: 0.01 }));
    org = harness.seedOrg('ingress');
    people = Object.keys(org.credentials.passwords);
    await start(ingress());
  }, 120_000);

  afterAll(async () => {
    await stop();
    await proxy?.stop();
    await sandbox?.stop();
    await database?.drop();
  });

  it('answers the validation handshake on both endpoints with the token as text/plain', async () => {
    for (const path of ['/teams/notifications', '/teams/lifecycle']) {
      const token = 'Validation: Testing client application reachability for subscription Request-Id: 1b2c';
      const response = await fetch(`${proxy.url}${path}?validationToken=${encodeURIComponent(token)}`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await response.text()).toBe(token);
    }
    const long = await fetch(`${proxy.url}/teams/notifications?validationToken=${'x'.repeat(2000)}`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
    expect(long.status).toBe(400);
  });

  it('subscribes to every chat message of the tenant with the payment model, resource data and a lifecycle URL', async () => {
    const current = await currentOf(org);
    const graph = await appClient(org).api(`/subscriptions/${current.subscriptionId}`).get();
    expect(graph).toMatchObject({
      resource: '/chats/getAllMessages?model=B',
      changeType: 'created,updated,deleted',
      includeResourceData: true,
      encryptionCertificateId: vault.get(org.connectionId)?.activeKeyId,
      notificationUrl: `${proxy.url}/teams/notifications`,
      lifecycleNotificationUrl: `${proxy.url}/teams/lifecycle`,
    });
    const minutes = (Date.parse(graph.expirationDateTime) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(4000);
    expect(minutes).toBeLessThanOrEqual(4320);
    // The clientState lives only at Graph and as a digest here.
    const rows: Record<string, unknown>[] = await harness.connector.app.get<DataSource>(DATA_SOURCE).query('SELECT * FROM teams_connector.subscriptions');
    expect(JSON.stringify(rows)).not.toContain(graph.clientState);
  });

  it('decrypts a notification with resource data and hands the message to the observer', async () => {
    await currentOf(org);
    const chat = sandbox.control.createChat({ members: [people[0] as string, people[1] as string] });
    const message = say(org, chat.id, 'hello from Teams');
    const seen = await observer.waitFor((o) => o.messageId === message.id && o.source === 'notification');
    expect(seen).toMatchObject({ orgId: org.orgId, connectionId: org.connectionId, chatId: chat.id, changeType: 'created' });
    expect(seen.message?.body?.content).toContain('hello from Teams');
    sandbox.control.edit({ as: people[0] as string, chatId: chat.id, messageId: message.id, content: 'hello, edited' });
    const edit = await observer.waitFor((o) => o.messageId === message.id && o.changeType === 'updated' && o.source === 'notification');
    expect(edit.message?.body?.content).toContain('hello, edited');
    expect(edit.eventId).not.toBe(seen.eventId);
  });

  it("stores a notification before Graph's 3 s while every connection of the service's own pool is taken (ADR 0052)", async () => {
    await currentOf(org);
    const chat = sandbox.control.createChat({ members: [people[0] as string, people[1] as string] });
    const db = harness.connector.app.get<DataSource>(DATA_SOURCE);
    const poolSize = (db.options as { poolSize?: number }).poolSize ?? 10;
    // The lanes and Kafka handlers of a busy connector, holding every pooled connection for 5 s.
    const busy = Array.from({ length: poolSize }, () => db.query('SELECT pg_sleep(5)'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    try {
      const message = say(org, chat.id, 'while the pool is busy');
      const delivered = await deliveryOf(message.id);
      expect(delivered).toMatchObject({ attempt: 1, status: 202 });
      const stored = await until('the inbox row', async () => {
        const [row] = (await harness.connector.app.get(TeamsIntakePool).dataSource.query('SELECT count(*)::int AS n FROM teams_connector.notification_inbox WHERE message_id = $1', [message.id])) as { n: number }[];
        return (row?.n ?? 0) > 0 ? row : undefined;
      });
      expect(stored).toEqual({ n: 1 });
      // Graph's first attempt was answered within its deadline, while the pool was still busy.
      expect(sandbox.inspect.deliveries().filter((d) => d.kind === 'change' && JSON.stringify(d.body).includes(`messages('${message.id}')`) && d.outcome !== 'delivered')).toEqual([]);
      await observer.waitFor((o) => o.messageId === message.id && o.source === 'notification');
    } finally {
      await Promise.allSettled(busy);
    }
  });

  describe('refusals: nothing from a refused notification reaches the observer', () => {
    let payload: { value: Record<string, unknown>[]; validationTokens: string[] };
    let messageId: string;
    // Only what came through the endpoint: the periodic catch-up may list the same message meanwhile.
    const observedCount = () => observer.of(messageId).filter((o) => o.source === 'notification').length;

    beforeAll(async () => {
      await currentOf(org);
      const chat = sandbox.control.createChat({ members: [people[0] as string, people[2] as string] });
      messageId = say(org, chat.id, 'a message to forge with').id;
      payload = (await deliveryOf(messageId)).body as typeof payload;
      await observer.waitFor((o) => o.messageId === messageId);
    });

    it('accepts the genuine payload again (Graph retries; observers dedupe)', async () => {
      const before = observedCount();
      expect((await post(payload)).status).toBe(202);
      // Handed over after the ack, from the inbox.
      await until('the replayed notification handed over', () => observedCount() === before + 1);
      await inbox().idle();
      expect(observedCount()).toBe(before + 1);
    });

    it('refuses a wrong clientState', async () => {
      const before = observedCount();
      const forged = { ...payload, value: payload.value.map((item) => ({ ...item, clientState: 'guessed-client-state' })) };
      const response = await post(forged);
      expect(response.status).toBe(400);
      expect(await response.text()).not.toContain('guessed-client-state');
      expect(observedCount()).toBe(before);
    });

    it('refuses an unknown subscription', async () => {
      const before = observedCount();
      expect((await post({ ...payload, value: payload.value.map((item) => ({ ...item, subscriptionId: '00000000-0000-0000-0000-000000000000' })) })).status).toBe(400);
      expect(observedCount()).toBe(before);
    });

    it('refuses missing, tampered, expired, wrong-audience and wrong-app validation tokens', async () => {
      const before = observedCount();
      const genuine = payload.validationTokens[0] as string;
      const [header, body, signature] = genuine.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
      const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, aud: 'someone-else' })).toString('base64url')}.${signature}`;
      const now = Math.floor(Date.now() / 1000);
      const expired = await signToken({ ...claims, iat: undefined, nbf: undefined, exp: undefined }, now - 60);
      const wrongAudience = await signToken({ ...claims, aud: 'another-app-id', iat: undefined, nbf: undefined, exp: undefined }, now + 3600);
      const wrongApp = await signToken({ ...claims, appid: 'not-graph', azp: 'not-graph', iat: undefined, nbf: undefined, exp: undefined }, now + 3600);
      const rightButResigned = await signToken({ ...claims, iat: undefined, nbf: undefined, exp: undefined }, now + 3600);
      expect(claims['appid']).toBe(GRAPH_CHANGE_TRACKING_APP_ID);
      for (const tokens of [[], [tampered], [expired], [wrongAudience], [wrongApp], [rightButResigned, 'not.a.jwt']]) {
        const response = await post({ ...payload, validationTokens: tokens });
        expect(response.status).toBe(401);
      }
      const { validationTokens: _dropped, ...withoutTokens } = payload;
      expect((await post(withoutTokens)).status).toBe(401);
      expect(observedCount()).toBe(before);
      // A lifecycle notification carrying a bad token is refused too (its clientState is right).
      const current = await currentOf(org);
      const lifecycleItem = { subscriptionId: current.subscriptionId, clientState: (payload.value[0] as { clientState: string }).clientState, tenantId: org.credentials.customerTenantId, lifecycleEvent: 'missed' };
      expect((await post({ value: [lifecycleItem], validationTokens: [wrongAudience] }, '/teams/lifecycle')).status).toBe(401);
      expect((await store().current(org.connectionId))?.pendingEvent).toBeNull();
      // The same claims, properly signed, pass: the refusals above were for what they changed.
      expect((await post({ ...payload, validationTokens: [rightButResigned] })).status).toBe(202);
    });

    it('refuses resource data whose signature does not match', async () => {
      const before = observedCount();
      const item = payload.value[0] as { encryptedContent: Record<string, string> };
      const altered = { ...item, encryptedContent: { ...item.encryptedContent, data: Buffer.from('{"id":"x"}').toString('base64') } };
      expect((await post({ ...payload, value: [altered] })).status).toBe(400);
      expect(observedCount()).toBe(before);
    });

    it('refuses a malformed body', async () => {
      expect((await post({ value: 'nope' })).status).toBe(400);
      expect((await post({ value: [{ subscriptionId: 'x' }] })).status).toBe(400);
    });
  });

  describe('subscription lifecycle', () => {
    it('only the lease holder manages a connection', async () => {
      await currentOf(org);
      expect(await store().lease(org.connectionId, 'another-replica', 60_000)).toBe(false);
      expect(await store().lease(org.connectionId, manager().holder, 60_000)).toBe(true);
    });

    it('keeps one subscription with two replicas; either replica verifies what Graph sends', async () => {
      const current = await currentOf(org);
      const otherObserver = new RecordingObserver();
      const other = new ConnectorHarness(sandbox, database.url, graphAccessConfig({ timeScale: 0.01 }), { ingress: ingress(), chatMessageObserver: otherObserver });
      other.identity.addConnection(org.connectionId, org.orgId, org.settings, { clientSecret: org.credentials.clientSecret, teamOwnerPassword: org.owner.password });
      other.identity.notificationKeys = vault;
      await other.start();
      try {
        const otherManager = other.connector.app.get(SubscriptionManager);
        for (let i = 0; i < 3; i++) {
          otherManager.poke();
          await otherManager.idle();
        }
        expect((await store().current(org.connectionId))?.subscriptionId).toBe(current.subscriptionId);
        const ours = (await appClient(org).api('/subscriptions').get()).value.filter((s: { resource: string }) => s.resource.startsWith('/chats/getAllMessages'));
        expect(ours.map((s: { id: string }) => s.id)).toEqual([current.subscriptionId]);
        // A notification that lands on the other replica (a load balancer's choice) is verified and observed there.
        const chat = sandbox.control.createChat({ members: [people[1] as string, people[2] as string] });
        const message = say(org, chat.id, 'for whichever replica', people[1]);
        const payload = (await deliveryOf(message.id)).body;
        // Graph's own delivery handed over first: a retry of a notification still waiting in the inbox is the same row.
        await until('the delivery handed over', () => [...observer.of(message.id), ...otherObserver.of(message.id)].some((o) => o.source === 'notification'));
        const response = await fetch(`${other.connector.url}/teams/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
        expect(response.status).toBe(202);
        // Graph's own delivery and the replay are each handed over once, by whichever replica claims them first.
        const notified = () => [...observer.of(message.id), ...otherObserver.of(message.id)].filter((o) => o.source === 'notification').length;
        await until('both handed over', () => notified() === 2);
        await inbox().idle();
        expect(notified()).toBe(2);
      } finally {
        await other.stop();
      }
    });

    it('renews a subscription well before it expires', async () => {
      const current = await currentOf(org);
      // As if most of its life had passed: it expires within the renewal margin.
      await harness.connector.app.get<DataSource>(DATA_SOURCE).query(`UPDATE teams_connector.subscriptions SET expires_at = now() + interval '50 minutes' WHERE subscription_id = $1`, [current.subscriptionId]);
      const renewed = await until('a renewal', async () => {
        const now = await store().current(org.connectionId);
        return now && now.subscriptionId === current.subscriptionId && now.expiresAt.getTime() > Date.now() + 4000 * 60_000 ? now : null;
      });
      const graph = await appClient(org).api(`/subscriptions/${current.subscriptionId}`).get();
      expect(Date.parse(graph.expirationDateTime)).toBe(renewed.expiresAt.getTime());
    });

    it('reauthorizes on reauthorizationRequired and keeps the subscription', async () => {
      const current = await currentOf(org);
      sandbox.control.lifecycle({ subscriptionId: current.subscriptionId, event: 'reauthorizationRequired' });
      await until('the event handled', async () => {
        const now = await store().current(org.connectionId);
        return now?.subscriptionId === current.subscriptionId && now.pendingEvent === null && sandbox.inspect.deliveries().some((d) => d.kind === 'lifecycle' && d.subscriptionId === current.subscriptionId && d.outcome === 'delivered');
      });
      const chat = sandbox.control.createChat({ members: [people[1] as string, people[2] as string] });
      const message = say(org, chat.id, 'after reauthorization', people[1]);
      await observer.waitFor((o) => o.messageId === message.id && o.source === 'notification');
    });

    it('makes a new subscription after subscriptionRemoved, and after a failed renewal', async () => {
      const removed = await currentOf(org);
      sandbox.control.lifecycle({ subscriptionId: removed.subscriptionId, event: 'subscriptionRemoved' });
      const replacement = await until('a replacement', async () => {
        const now = await store().current(org.connectionId);
        return now && now.subscriptionId !== removed.subscriptionId ? now : null;
      });
      expect(sandbox.inspect.subscriptions().map((s) => s.id)).toContain(replacement.subscriptionId);
      expect(sandbox.inspect.subscriptions().map((s) => s.id)).not.toContain(removed.subscriptionId);

      // Graph forgot it (expired while we were away): renewing answers 404, so a new one is made.
      sandbox.control.expireSubscription({ subscriptionId: replacement.subscriptionId });
      await harness.connector.app.get<DataSource>(DATA_SOURCE).query(`UPDATE teams_connector.subscriptions SET expires_at = now() + interval '50 minutes' WHERE subscription_id = $1`, [replacement.subscriptionId]);
      const third = await until('another replacement', async () => {
        const now = await store().current(org.connectionId);
        return now && now.subscriptionId !== replacement.subscriptionId ? now : null;
      });
      const chat = sandbox.control.createChat({ members: [people[0] as string, people[1] as string, people[2] as string], chatType: 'group', topic: 'after recreation' });
      const message = say(org, chat.id, 'through the new subscription');
      const seen = await observer.waitFor((o) => o.messageId === message.id && o.source === 'notification');
      expect(seen.eventId.startsWith(third.subscriptionId)).toBe(true);
    });

    it('notices a subscription Graph ended without a word, long before its recorded expiry, and makes a new one', async () => {
      const quiet = await currentOf(org);
      // Parley's record still says days; Graph has let it go (no lifecycle event): its notifications just stop.
      expect(quiet.expiresAt.getTime()).toBeGreaterThan(Date.now() + 24 * 60 * 60_000);
      sandbox.control.expireSubscription({ subscriptionId: quiet.subscriptionId });
      const replacement = await until('a replacement', async () => {
        const now = await store().current(org.connectionId);
        return now && now.subscriptionId !== quiet.subscriptionId ? now : null;
      });
      const chat = sandbox.control.createChat({ members: [people[0] as string, people[2] as string] });
      const message = say(org, chat.id, 'after a quiet expiry', people[0]);
      const seen = await observer.waitFor((o) => o.messageId === message.id && o.source === 'notification');
      expect(seen.eventId.startsWith(replacement.subscriptionId)).toBe(true);
    });

    it('follows a changed payment model; evaluation mode stops after the cap, as in production', async () => {
      const evaluation = harness.seedOrg('evaluation');
      harness.identity.updateSettings(evaluation.connectionId, { paymentModel: 'evaluation' });
      const current = await currentOf(evaluation);
      expect(current.resource).toBe('/chats/getAllMessages');
      const users = Object.keys(evaluation.credentials.passwords);
      const chat = sandbox.control.createChat({ members: [users[0] as string, users[1] as string] });
      const sent = [1, 2, 3, 4, 5].map((n) => sandbox.control.post({ as: users[0] as string, chatId: chat.id, content: `evaluation ${n}` }) as { id: string });
      await until('the cap reached', () => sandbox.inspect.deliveries().filter((d) => d.subscriptionId === current.subscriptionId && d.outcome === 'capped').length === 2);
      await sandbox.inspect.notificationsIdle();
      await inbox().idle();
      const notified = observer.observed.filter((o) => o.connectionId === evaluation.connectionId && o.source === 'notification');
      expect(notified.map((o) => o.messageId).sort()).toEqual(sent.slice(0, 3).map((m) => m.id).sort());
      // Catch-up still finds the ones Graph never notified.
      for (const m of sent.slice(3)) await observer.waitFor((o) => o.messageId === m.id && o.source === 'catch-up');

      // The admin picks model B: the subscription is made again with it.
      harness.identity.updateSettings(evaluation.connectionId, { paymentModel: 'B' });
      await until('a model B subscription', async () => (await store().current(evaluation.connectionId))?.resource === '/chats/getAllMessages?model=B');
      // The connection is deleted: its subscription is forgotten and what Graph still sends for it is refused.
      const last = await currentOf(evaluation);
      const lastPayload = (await deliveryOf(sent[0]?.id as string)).body;
      harness.identity.removeConnection(evaluation.connectionId);
      await until('the subscription forgotten', async () => (await store().known([last.subscriptionId])).size === 0);
      expect(await store().current(evaluation.connectionId)).toBeNull();
      expect((await post(lastPayload)).status).toBe(400);
    });
  });

  describe('the notification inbox (ADR 0042)', () => {
    const chatOf = () => sandbox.control.createChat({ members: [people[0] as string, people[1] as string] });

    it('answers Graph at once while the relay side is busy, and hands the notification over after', async () => {
      await currentOf(org);
      let release: () => void = () => undefined;
      const busy = new Promise<void>((resolve) => (release = resolve));
      const chat = chatOf();
      observer.hold = (o) => (o.chatId === chat.id ? busy : undefined);
      try {
        const message = say(org, chat.id, 'while the relay side waits');
        const delivery = await deliveryOf(message.id);
        // The first attempt was answered well inside Graph's 3 seconds though nothing was handed over yet.
        expect(delivery.attempt).toBe(1);
        expect(Date.parse(delivery.at) - Date.parse(delivery.sentAt ?? delivery.at)).toBeLessThan(3_000);
        expect(observer.of(message.id)).toHaveLength(0);
        release();
        const seen = await observer.waitFor((o) => o.messageId === message.id && o.source === 'notification');
        expect(seen.message?.body?.content).toContain('while the relay side waits');
      } finally {
        observer.hold = undefined;
        release();
      }
    });

    it("hands a conversation's notifications over in the order their messages were written, whatever order they came in", async () => {
      await currentOf(org);
      const chat = chatOf();
      const sent = [1, 2, 3].map((n) => say(org, chat.id, `in order ${n}`));
      const payloads = await Promise.all(sent.map(async (m) => (await deliveryOf(m.id)).body as { value: unknown[]; validationTokens: string[] }));
      for (const m of sent) await observer.waitFor((o) => o.messageId === m.id && o.source === 'notification');
      await inbox().idle();
      const from = observer.observed.length;
      const fromNotified = observer.observed.filter((o) => o.source === 'notification').length;
      // Graph's retries of all three, newest first, in one payload.
      const reversed = [...payloads].reverse();
      expect((await post({ value: reversed.flatMap((p) => p.value), validationTokens: reversed[0]?.validationTokens })).status).toBe(202);
      await until('the retries handed over', () => observer.observed.filter((o) => o.source === 'notification').length - fromNotified === 3);
      const order = observer.observed.slice(from).filter((o) => o.source === 'notification').map((o) => sent.findIndex((m) => m.id === o.messageId));
      expect(order).toEqual([0, 1, 2]);
    });

    it('hands over a message written just before another in its place, though its notification came after (the order window)', async () => {
      await currentOf(org);
      const chat = sandbox.control.createChat({ members: [people[1] as string, people[2] as string], chatType: 'group', topic: 'order window' });
      // Graph holds the first one's notification back 400 ms (40 s on the sandbox's clock, scaled by 0.01): the second
      // one's arrives first.
      sandbox.setFaults({ delayNotificationRate: 1, delayNotificationMs: 40_000 });
      const first = say(org, chat.id, 'written first, notified last', people[1]);
      sandbox.setFaults({ delayNotificationRate: 0 });
      const second = say(org, chat.id, 'written second, notified first', people[1]);
      await observer.waitFor((o) => o.messageId === first.id && o.source === 'notification');
      await observer.waitFor((o) => o.messageId === second.id && o.source === 'notification');
      const order = observer.observed.filter((o) => o.chatId === chat.id && o.source === 'notification').map((o) => o.messageId);
      expect(order).toEqual([first.id, second.id]);
      const arrivals = sandbox.inspect.deliveries().filter((d) => d.kind === 'change' && d.outcome === 'delivered' && [first.id, second.id].some((id) => JSON.stringify(d.body).includes(`messages('${id}')`)));
      expect(arrivals.map((d) => JSON.stringify(d.body).includes(`messages('${second.id}')`))).toEqual([true, false]);
    });

    it('widens the order window while notifications arrive late, so a message notified 2 s late still goes first (ADR 0055)', async () => {
      // Read-back off and catch-up only at start: only the order window can put a late notification's message first.
      await withCatchUpOnlyAtStart(
        async () => {
          const lateThenOnTime = async (topic: string, lateMs: number) => {
            const chat = sandbox.control.createChat({ members: [people[1] as string, people[2] as string], chatType: 'group', topic });
            // The sandbox's clock runs at 0.01: 100 000 of its ms are 1 s here.
            sandbox.setFaults({ delayNotificationRate: 1, delayNotificationMs: lateMs * 100 });
            const first = say(org, chat.id, `${topic}: written first, notified ${lateMs} ms late`, people[1]);
            sandbox.setFaults({ delayNotificationRate: 0 });
            const second = say(org, chat.id, `${topic}: written second, notified at once`, people[1]);
            for (const m of [first, second]) await observer.waitFor((o) => o.messageId === m.id && o.source === 'notification', 30_000);
            return observer.observed.filter((o) => o.chatId === chat.id && o.source === 'notification').map((o) => (o.messageId === first.id ? 'first' : 'second'));
          };
          // A connector that has seen nothing late holds each conversation back for its base window (1 s) only: a
          // notification 3 s late comes after the next message was handed over.
          expect(await lateThenOnTime('before any late call', 3_000)).toEqual(['second', 'first']);
          // That late arrival widened the window to 3 s for the next 30 s: a notification 2 s late now goes first.
          expect(await lateThenOnTime('after a late call', 2_000)).toEqual(['first', 'second']);
        },
        { inbox: { ...defaultNotificationInboxSettings, readBack: false } },
      );
    });

    it('holds a conversation back behind a notification the relay side failed on, and tries it again', async () => {
      await currentOf(org);
      const chat = chatOf();
      let failures = 0;
      const first = say(org, chat.id, 'fails twice');
      // Catch-up lists the same messages now and then; only what came through the inbox counts here.
      observer.refuse = (o) => o.source === 'notification' && o.messageId === first.id && failures++ < 2;
      try {
        const second = say(org, chat.id, 'waits behind it');
        await observer.waitFor((o) => o.messageId === second.id && o.source === 'notification', 60_000);
        expect(failures).toBe(3);
        // (A 1:1 chat is one per pair: earlier tests' messages are in it too.)
        const order = observer.observed.filter((o) => (o.messageId === first.id || o.messageId === second.id) && o.source === 'notification').map((o) => o.messageId);
        expect(order.slice(0, 2)).toEqual([first.id, second.id]);
      } finally {
        observer.refuse = undefined;
      }
    });

    it('reads a chat back before its new message: one whose notification Graph dropped goes first (ADR 0047)', async () => {
      // Catch-up only at start here, so that only the read-back can find the dropped one before the later one goes.
      await withCatchUpOnlyAtStart(async () => {
        const chat = sandbox.control.createChat({ members: [people[0] as string, people[2] as string], chatType: 'group', topic: 'read-back' });
        sandbox.setFaults({ dropNotificationRate: 1 });
        const dropped = say(org, chat.id, 'Graph never notifies this one');
        sandbox.setFaults({ dropNotificationRate: 0 });
        const later = say(org, chat.id, 'written after it, notified');
        await observer.waitFor((o) => o.messageId === later.id, 20_000);
        // Each message's first observation, in order (observers dedupe a later copy of one).
        const order = observer.observed.filter((o, i, all) => o.chatId === chat.id && all.findIndex((p) => p.messageId === o.messageId) === i).map((o) => [o.messageId, o.source]);
        expect(order).toEqual([
          [dropped.id, 'catch-up'],
          [later.id, 'notification'],
        ]);
        expect(observer.of(dropped.id)[0]?.message?.body?.content).toContain('Graph never notifies this one');
        // Read back once: the next message in the chat finds nothing missing and goes straight on.
        const third = say(org, chat.id, 'and one more');
        await observer.waitFor((o) => o.messageId === third.id, 20_000);
        expect(observer.observed.filter((o) => o.chatId === chat.id && o.source === 'notification').map((o) => o.messageId)).toEqual([later.id, third.id]);
        expect(observer.observed.filter((o) => o.chatId === chat.id && o.source === 'catch-up').map((o) => o.messageId)).toEqual([dropped.id]);
      });
    });

    it('reads further back while a page is all unseen: a silence longer than a page goes first, in order', async () => {
      await withCatchUpOnlyAtStart(async () => {
        const chat = sandbox.control.createChat({ members: [people[0] as string, people[2] as string], chatType: 'group', topic: 'long silence' });
        // Notifications stop for a while (a subscription Graph ended quietly): more messages than one read-back page.
        sandbox.setFaults({ dropNotificationRate: 1 });
        const silent = Array.from({ length: 23 }, (_, i) => say(org, chat.id, `said while Graph was silent ${i}`));
        sandbox.setFaults({ dropNotificationRate: 0 });
        const later = say(org, chat.id, 'the first one notified again');
        await observer.waitFor((o) => o.messageId === later.id, 30_000);
        const order = observer.observed.filter((o, i, all) => o.chatId === chat.id && all.findIndex((p) => p.messageId === o.messageId) === i).map((o) => o.messageId);
        expect(order).toEqual([...silent.map((m) => m.id), later.id]);
      });
    });

    it('hands an edit of a message never notified over at the message\'s place, before what was written after it', async () => {
      // Catch-up only at start here: the edit's own notification is what brings the message.
      await withCatchUpOnlyAtStart(async () => {
        const chat = sandbox.control.createChat({ members: [people[0] as string, people[2] as string], chatType: 'group', topic: 'edit of a dropped one' });
        sandbox.setFaults({ dropNotificationRate: 1 });
        const dropped = say(org, chat.id, 'never notified, edited soon after');
        sandbox.setFaults({ dropNotificationRate: 0 });
        const later = say(org, chat.id, 'written after it');
        // Within the order window of the later one: both wait in the inbox together.
        sandbox.control.edit({ as: people[0] as string, chatId: chat.id, messageId: dropped.id, content: 'never notified, edited' });
        await observer.waitFor((o) => o.messageId === later.id, 20_000);
        await observer.waitFor((o) => o.messageId === dropped.id, 20_000);
        const order = observer.observed.filter((o, i, all) => o.chatId === chat.id && all.findIndex((p) => p.messageId === o.messageId) === i).map((o) => o.messageId);
        expect(order).toEqual([dropped.id, later.id]);
        expect(observer.of(dropped.id)[0]?.message?.body?.content).toContain('never notified, edited');
      });
    });

    it('reads a chat back before an edit of a message it never saw: what Graph dropped before that message goes first', async () => {
      // Notifications stopped for a while (a subscription Graph ended quietly); the first word from the chat after it
      // is an edit of a message written in the silence, which stands for that message (ADR 0044).
      await withCatchUpOnlyAtStart(async () => {
        const chat = sandbox.control.createChat({ members: [people[0] as string, people[2] as string], chatType: 'group', topic: 'edit after a silence' });
        sandbox.inspect.recordRequests(true);
        sandbox.setFaults({ dropNotificationRate: 1 });
        const first = say(org, chat.id, 'said in the silence');
        const edited = say(org, chat.id, 'said in the silence, edited after it');
        sandbox.setFaults({ dropNotificationRate: 0 });
        sandbox.control.edit({ as: people[0] as string, chatId: chat.id, messageId: edited.id, content: 'said in the silence, edited' });
        await observer.waitFor((o) => o.messageId === edited.id, 20_000);
        await observer.waitFor((o) => o.messageId === first.id, 20_000);
        const order = observer.observed.filter((o, i, all) => o.chatId === chat.id && all.findIndex((p) => p.messageId === o.messageId) === i).map((o) => o.messageId);
        expect(order).toEqual([first.id, edited.id]);
        // An edit of a message the relay side has seen costs no read-back: the chat is not listed for it.
        const listed = () => sandbox.inspect.requests().filter((r) => r.method === 'GET' && decodeURIComponent(r.path).endsWith(`/chats/${chat.id}/messages`)).length;
        const before = listed();
        expect(before).toBeGreaterThan(0); // the read-back that found the first one
        sandbox.control.edit({ as: people[0] as string, chatId: chat.id, messageId: first.id, content: 'said in the silence, edited too' });
        await observer.waitFor((o) => o.messageId === first.id && o.changeType === 'updated' && o.source === 'notification', 20_000);
        expect(listed()).toBe(before);
      });
    });

    it('holds a chat back while Graph cannot answer its read-back, then reads it back again: order still wins', async () => {
      await withCatchUpOnlyAtStart(async () => {
        const chat = sandbox.control.createChat({ members: [people[0] as string, people[2] as string], chatType: 'group', topic: 'read-back under 5xx' });
        sandbox.setFaults({ dropNotificationRate: 1 });
        const dropped = say(org, chat.id, 'Graph never notifies this one either');
        sandbox.setFaults({ dropNotificationRate: 0, errorRate: 1 });
        const readBacks = () =>
          sandbox.inspect.requests().filter((r) => r.method === 'GET' && r.path.includes('/messages') && (r.path.includes(chat.id) || r.path.includes(encodeURIComponent(chat.id))));
        sandbox.inspect.recordRequests(true);
        const later = say(org, chat.id, 'written after it, notified while Graph answers 503');
        // The read-back's GET is refused (the client's own retries included), and the notified message waits.
        await until('a refused read-back', async () => readBacks().some((r) => r.status === 503));
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        expect(observer.of(later.id)).toEqual([]);
        sandbox.setFaults({ errorRate: 0 });
        await observer.waitFor((o) => o.messageId === later.id, 30_000);
        const order = observer.observed.filter((o, i, all) => o.chatId === chat.id && all.findIndex((p) => p.messageId === o.messageId) === i).map((o) => [o.messageId, o.source]);
        expect(order).toEqual([
          [dropped.id, 'catch-up'],
          [later.id, 'notification'],
        ]);
      });
    });

    it('what one replica acked and did not hand over, the next one does', async () => {
      await currentOf(org);
      const chat = chatOf();
      observer.refuse = (o) => o.chatId === chat.id && o.source === 'notification';
      const message = say(org, chat.id, 'acked before a restart');
      await untilFor(message.id, () =>
        until('stored and tried', async () => {
          // The notification's row: a catch-up in the meantime may have stored the message again, as a row of its own.
          const rows: { attempts: number }[] = await harness.connector.app
            .get<DataSource>(DATA_SOURCE)
            .query(`SELECT attempts FROM teams_connector.notification_inbox WHERE message_id = $1 AND source = 'notification'`, [message.id]);
          return (rows[0]?.attempts ?? 0) > 0;
        }),
      );
      await stop();
      await start(ingress());
      const seen = await observer.waitFor((o) => o.messageId === message.id && o.source === 'notification', 60_000);
      expect(seen.message?.body?.content).toContain('acked before a restart');
      await inbox().idle();
    });
  });

  describe('catch-up', () => {
    it('recovers a dropped notification', async () => {
      await currentOf(org);
      sandbox.setFaults({ dropNotificationRate: 1 });
      try {
        const chat = sandbox.control.createChat({ members: [people[0] as string, people[1] as string] });
        const message = say(org, chat.id, 'never notified');
        const caught = await untilFor(message.id, () => observer.waitFor((o) => o.messageId === message.id && o.source === 'catch-up'));
        expect(caught).toMatchObject({ chatId: chat.id, changeType: 'created', orgId: org.orgId });
        expect(caught.message?.body?.content).toContain('never notified');
        expect(observer.of(message.id).filter((o) => o.source === 'notification')).toHaveLength(0);
      } finally {
        sandbox.setFaults({ dropNotificationRate: 0 });
      }
    });

    it('keeps a caught-up message the relay side refuses in the inbox, its conversation held behind it, and moves on (ADR 0043)', async () => {
      await currentOf(org);
      sandbox.setFaults({ dropNotificationRate: 1 });
      try {
        const chat = sandbox.control.createChat({ members: [people[1] as string, people[2] as string] });
        const refused = say(org, chat.id, 'refused at first', people[1]);
        const later = say(org, chat.id, 'after the refused one', people[1]);
        observer.refuse = (o) => o.messageId === refused.id;
        const watermark = async () => (await store().watermark(org.connectionId))?.watermark.getTime() ?? 0;
        const createdAt = Date.parse((await appClient(org).api(`/chats/${chat.id}/messages/${later.id}`).get()).lastModifiedDateTime);
        // Catch-up stored both in the inbox, so its watermark moves past them; the refused one holds the later one back.
        await until('the watermark past both', async () => (await watermark()) >= createdAt);
        const stored = await queryRows<{ message_id: string; source: string }>(database.url, `SELECT message_id, source FROM teams_connector.notification_inbox WHERE chat_id = $1 ORDER BY version_at`, [chat.id]);
        expect(stored.map((r) => [r.message_id, r.source])).toEqual([
          [refused.id, 'catch-up'],
          [later.id, 'catch-up'],
        ]);
        expect(observer.of(later.id)).toHaveLength(0);
        observer.refuse = undefined;
        await observer.waitFor((o) => o.messageId === refused.id && o.source === 'catch-up', 60_000);
        await observer.waitFor((o) => o.messageId === later.id && o.source === 'catch-up', 60_000);
        const order = observer.observed.filter((o) => o.chatId === chat.id).map((o) => o.messageId);
        expect(order.indexOf(refused.id)).toBeLessThan(order.indexOf(later.id));
      } finally {
        observer.refuse = undefined;
        sandbox.setFaults({ dropNotificationRate: 0 });
      }
    });

    it('catches up what was said while the connector was down', async () => {
      await stop();
      const chat = sandbox.control.createChat({ members: [people[0] as string, people[2] as string] });
      const whileDown = say(org, chat.id, 'said while Parley was down');
      await start(ingress());
      await observer.waitFor((o) => o.messageId === whileDown.id && o.source === 'catch-up');
    });
  });

  describe('linked channels', () => {
    const ownerToken = () => sandbox.control.token({ clientId: org.credentials.clientId, tenantId: org.credentials.customerTenantId, as: people[0] as string });
    const newChannel = async (displayName: string): Promise<string> => {
      const made = await harness.graph<{ id: string }>(`/teams/${org.credentials.teamId}/channels`, ownerToken(), { method: 'POST', body: { displayName } });
      return made.body.id;
    };
    const link = async (channelId: string, change: 'linked' | 'unlinked', linkId = randomUUID()) => {
      await harness.publish('parley.channel.link.changed.v1', {
        orgId: org.orgId,
        linkId,
        change,
        slack: { connectionId: randomUUID(), channelId: 'C0SLACK01' },
        teams: { connectionId: org.connectionId, teamId: org.credentials.teamId, channelId },
        private: false,
        occurredAt: new Date().toISOString(),
      });
      return linkId;
    };
    const conversation = (channelId: string) => `${org.credentials.teamId}/${channelId}`;
    const channelSubscription = (channelId: string) => until(`a subscription to ${channelId}`, () => store().current(org.connectionId, conversation(channelId)));
    const postIn = (channelId: string, content: string, replyToId?: string, as = people[1] as string) =>
      sandbox.control.post({ as, teamId: org.credentials.teamId, channelId, content, ...(replyToId ? { replyToId } : {}) }) as { id: string };

    it('a linked channel gets its own subscription; its messages and replies reach the observer, history does not', async () => {
      const channelId = await newChannel('Linked one');
      const before = postIn(channelId, 'said before the link');
      await new Promise((resolve) => setTimeout(resolve, 20));
      await link(channelId, 'linked');
      const current = await channelSubscription(channelId);
      const graph = await appClient(org).api(`/subscriptions/${current.subscriptionId}`).get();
      expect(graph).toMatchObject({
        resource: `/teams/${org.credentials.teamId}/channels/${channelId}/messages`,
        changeType: 'created,updated,deleted',
        includeResourceData: true,
        encryptionCertificateId: vault.get(org.connectionId)?.activeKeyId,
        lifecycleNotificationUrl: `${proxy.url}/teams/lifecycle`,
      });
      // The chat subscription is still the connection's own.
      expect((await store().current(org.connectionId))?.resource).toBe('/chats/getAllMessages?model=B');

      const root = postIn(channelId, 'a new thread');
      const reply = postIn(channelId, 'a reply', root.id, people[2]);
      const seenRoot = await observer.waitFor((o) => o.messageId === root.id && o.source === 'notification');
      expect(seenRoot).toMatchObject({ chatId: conversation(channelId), changeType: 'created', orgId: org.orgId });
      expect(seenRoot.threadRootId).toBeUndefined();
      const seenReply = await observer.waitFor((o) => o.messageId === reply.id && o.source === 'notification');
      expect(seenReply).toMatchObject({ chatId: conversation(channelId), threadRootId: root.id });
      expect(seenReply.message?.replyToId).toBe(root.id);
      sandbox.control.react({ as: people[0] as string, teamId: org.credentials.teamId, channelId, messageId: reply.id, reactionType: '👍' });
      await observer.waitFor((o) => o.messageId === reply.id && o.changeType === 'updated' && (o.message?.reactions ?? []).length === 1);

      // Catch-up lists the channel from the link on: a dropped notification is found, what came before never is.
      sandbox.setFaults({ dropNotificationRate: 1 });
      try {
        const missedRoot = postIn(channelId, 'never notified');
        const missedReply = postIn(channelId, 'a reply never notified', root.id);
        await observer.waitFor((o) => o.messageId === missedRoot.id && o.source === 'catch-up');
        const caught = await observer.waitFor((o) => o.messageId === missedReply.id && o.source === 'catch-up');
        expect(caught).toMatchObject({ chatId: conversation(channelId), threadRootId: root.id });
      } finally {
        sandbox.setFaults({ dropNotificationRate: 0 });
      }
      expect(observer.of(before.id)).toEqual([]);
    });

    it('reads a channel back before its new messages: a root and a reply Graph dropped go first, each in its view (ADR 0047)', async () => {
      const channelId = await newChannel('Read back');
      await link(channelId, 'linked');
      await channelSubscription(channelId);
      const root = postIn(channelId, 'a thread');
      await observer.waitFor((o) => o.messageId === root.id && o.source === 'notification');
      const channelRuns = async (): Promise<number> => {
        const rows: { last_run_at: Date | null }[] = await harness.connector.app
          .get<DataSource>(DATA_SOURCE)
          .query('SELECT last_run_at FROM teams_connector.linked_channels WHERE channel_id = $1', [channelId]);
        return rows[0]?.last_run_at ? new Date(rows[0].last_run_at).getTime() : 0;
      };
      // Catch-up only at start, and that run over before anything is said: what finds the dropped ones is the read-back.
      await withCatchUpOnlyAtStart(async () => {
        const restarted = Date.now() - 60_000;
        await until('the channel catch-up at start', async () => (await channelRuns()) > restarted);
        sandbox.setFaults({ dropNotificationRate: 1 });
        const droppedRoot = postIn(channelId, 'a root Graph never notifies');
        const droppedReply = postIn(channelId, 'a reply Graph never notifies', root.id);
        sandbox.setFaults({ dropNotificationRate: 0 });
        const laterRoot = postIn(channelId, 'a root written after them');
        const laterReply = postIn(channelId, 'a reply written after them', root.id);
        await observer.waitFor((o) => o.messageId === laterRoot.id, 20_000);
        await observer.waitFor((o) => o.messageId === laterReply.id, 20_000);
        // In the order people see them: the channel's top-level messages, and the thread, each on its own.
        const firsts = (ids: string[]) =>
          observer.observed.filter((o, i, all) => ids.includes(o.messageId) && all.findIndex((p) => p.messageId === o.messageId) === i).map((o) => [o.messageId, o.source]);
        expect(firsts([droppedRoot.id, laterRoot.id])).toEqual([
          [droppedRoot.id, 'catch-up'],
          [laterRoot.id, 'notification'],
        ]);
        expect(firsts([droppedReply.id, laterReply.id])).toEqual([
          [droppedReply.id, 'catch-up'],
          [laterReply.id, 'notification'],
        ]);
        expect(observer.of(droppedReply.id)[0]).toMatchObject({ chatId: conversation(channelId), threadRootId: root.id });

        // A busy channel: the root a new reply answers was dropped, and more top-level messages were written since than
        // one read-back page holds (Graph gives at most 50). The reply's root is read itself, and goes first.
        sandbox.setFaults({ dropNotificationRate: 1 });
        const oldRoot = postIn(channelId, 'a root that many others followed');
        for (let i = 0; i < 55; i++) postIn(channelId, `a busy channel ${i}`);
        sandbox.setFaults({ dropNotificationRate: 0 });
        const answer = postIn(channelId, 'an answer to the old root', oldRoot.id);
        await observer.waitFor((o) => o.messageId === answer.id, 20_000);
        expect(firsts([oldRoot.id, answer.id])).toEqual([
          [oldRoot.id, 'catch-up'],
          [answer.id, 'notification'],
        ]);
      });
    });

    it('an unlinked channel loses its subscription at Graph, and its notifications stop', async () => {
      const channelId = await newChannel('Linked briefly');
      const linkId = await link(channelId, 'linked');
      const current = await channelSubscription(channelId);
      await link(channelId, 'unlinked', linkId);
      await until('the subscription retired', async () => !(await store().current(org.connectionId, conversation(channelId))));
      await expect(appClient(org).api(`/subscriptions/${current.subscriptionId}`).get()).rejects.toMatchObject({ statusCode: 404 });
      const after = postIn(channelId, 'after the unlink');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(observer.of(after.id).filter((o) => o.source === 'notification')).toEqual([]);
    });

    it('a channel subscription is renewed, reauthorized and remade after removal like the chat one', async () => {
      const channelId = await newChannel('Kept alive');
      await link(channelId, 'linked');
      const first = await channelSubscription(channelId);
      await harness.connector.app.get<DataSource>(DATA_SOURCE).query(`UPDATE teams_connector.subscriptions SET expires_at = now() + interval '50 minutes' WHERE subscription_id = $1`, [first.subscriptionId]);
      await until('a renewal', async () => {
        const now = await store().current(org.connectionId, conversation(channelId));
        return now?.subscriptionId === first.subscriptionId && now.expiresAt.getTime() > Date.now() + 4000 * 60_000;
      });
      sandbox.control.lifecycle({ subscriptionId: first.subscriptionId, event: 'reauthorizationRequired' });
      await until('the reauthorization', async () => {
        const now = await store().current(org.connectionId, conversation(channelId));
        return now?.subscriptionId === first.subscriptionId && now.pendingEvent === null && sandbox.inspect.deliveries().some((d) => d.kind === 'lifecycle' && d.subscriptionId === first.subscriptionId && d.outcome === 'delivered');
      });
      sandbox.control.lifecycle({ subscriptionId: first.subscriptionId, event: 'subscriptionRemoved' });
      const second = await until('a replacement', async () => {
        const now = await store().current(org.connectionId, conversation(channelId));
        return now && now.subscriptionId !== first.subscriptionId ? now : null;
      });
      expect(second.resource).toBe(`/teams/${org.credentials.teamId}/channels/${channelId}/messages`);
      const message = postIn(channelId, 'through the new channel subscription');
      const seen = await observer.waitFor((o) => o.messageId === message.id && o.source === 'notification');
      expect(seen.eventId.startsWith(second.subscriptionId)).toBe(true);
    });

    it('channel catch-up does not move past a message the observer refused', async () => {
      const channelId = await newChannel('Refused once');
      await link(channelId, 'linked');
      await channelSubscription(channelId);
      sandbox.setFaults({ dropNotificationRate: 1 });
      try {
        const refused = postIn(channelId, 'refused at first');
        const later = postIn(channelId, 'after the refused one');
        observer.refuse = (o) => o.messageId === refused.id;
        const runs = async (): Promise<number> => {
          const rows: { last_run_at: Date | null }[] = await harness.connector.app
            .get<DataSource>(DATA_SOURCE)
            .query('SELECT last_run_at FROM teams_connector.linked_channels WHERE channel_id = $1', [channelId]);
          return rows[0]?.last_run_at ? new Date(rows[0].last_run_at).getTime() : 0;
        };
        // Several runs pass while it is refused (the interval is 1.5 s): neither message is taken.
        const since = await until('a channel catch-up run', runs);
        await until('two more catch-up runs', async () => (await runs()) > since + 1_500);
        expect(observer.of(refused.id)).toHaveLength(0);
        expect(observer.of(later.id)).toHaveLength(0);
        observer.refuse = undefined;
        await observer.waitFor((o) => o.messageId === refused.id && o.source === 'catch-up');
        await observer.waitFor((o) => o.messageId === later.id && o.source === 'catch-up');
      } finally {
        observer.refuse = undefined;
        sandbox.setFaults({ dropNotificationRate: 0 });
      }
    });

    it('a channel over the subscription quota is refused with the reason recorded; the others carry on', async () => {
      const linked = await store().liveInTenant(org.credentials.customerTenantId);
      sandbox.setLimits({ subscriptionQuotas: { perOrganization: linked } });
      try {
        const channelId = await newChannel('One too many');
        await link(channelId, 'linked');
        const refusal = await until('the refusal recorded', async () => {
          const rows: { refusal: string | null }[] = await harness.connector.app
            .get<DataSource>(DATA_SOURCE)
            .query('SELECT refusal FROM teams_connector.linked_channels WHERE channel_id = $1', [channelId]);
          return rows[0]?.refusal;
        });
        expect(refusal).toContain('Graph refused the channel\'s subscription: 403');
        expect(await store().current(org.connectionId, conversation(channelId))).toBeNull();
        // The connection's chat subscription and the other linked channel's are untouched.
        expect(await store().current(org.connectionId)).not.toBeNull();
        // With room again (another app's subscriptions gone), the next pass makes it and clears the refusal.
        sandbox.setLimits({ subscriptionQuotas: { perOrganization: 10_000 } });
        await channelSubscription(channelId);
      } finally {
        sandbox.setLimits({ subscriptionQuotas: { perOrganization: 10_000 } });
      }
    });
  });

  it('rotates the certificate: the new subscription uses the new key, notifications made with the old one still decrypt until its subscription is gone', async () => {
    const old = await currentOf(org);
    const keysBefore = vault.get(org.connectionId) as TeamsNotificationKeySet;
    expect(keysBefore.activeKeyId).toBe(old.certificateId);
    const chat = sandbox.control.createChat({ members: [people[0] as string, people[1] as string] });
    const message = say(org, chat.id, 'encrypted with the old certificate');
    const inFlight = (await deliveryOf(message.id)).body;
    // The active key is due for rotation (made 31 days ago; the default age is 30 days).
    const aged = new Date(Date.now() - 31 * 24 * 3600_000).toISOString();
    vault.set(org.connectionId, { ...keysBefore, keys: keysBefore.keys.map((k) => (k.id === keysBefore.activeKeyId ? { ...k, createdAt: aged } : k)) });
    manager().poke();
    const rotated = await until('a subscription with a new certificate', async () => {
      const now = await store().current(org.connectionId);
      return now && now.certificateId !== old.certificateId ? now : null;
    });
    expect(rotated.subscriptionId).not.toBe(old.subscriptionId);
    expect(vault.get(org.connectionId)?.activeKeyId).toBe(rotated.certificateId);
    expect(vault.get(org.connectionId)?.keys.map((k) => k.id).sort()).toEqual([old.certificateId, rotated.certificateId].sort());
    // Graph's retry of a notification sent before the rotation.
    await observer.waitFor((o) => o.messageId === message.id && o.source === 'notification');
    const notified = observer.of(message.id).filter((o) => o.source === 'notification').length;
    expect((await post(inFlight)).status).toBe(202);
    await until('the retry handed over', () => observer.of(message.id).filter((o) => o.source === 'notification').length === notified + 1);
    const after = say(org, chat.id, 'encrypted with the new certificate');
    const seen = await observer.waitFor((o) => o.messageId === after.id && o.source === 'notification');
    expect(seen.message?.body?.content).toContain('new certificate');

    // Once no subscription names the old key (its retired subscriptions forgotten), the old key is dropped from the vault.
    // The linked channels' subscriptions move to the new key in the same pass, after the chats' one.
    await until('every subscription on the new certificate', async () => {
      const channels = await store().currentOfChannels(org.connectionId);
      return channels.every((c) => c.certificateId === rotated.certificateId);
    });
    await store().forgetRetired(-10 * 24 * 3600_000);
    manager().poke();
    await until('the old key dropped', () => vault.get(org.connectionId)?.keys.length === 1);
    expect(vault.get(org.connectionId)?.keys.map((k) => k.id)).toEqual([rotated.certificateId]);
  });
});
