import { type GraphSandbox, type SeededCredentials, startGraphSandbox } from './index';
import { Receiver, subscriberCertificate, validationTokenProblem } from './testing/notification-receiver';
import { graphClient, raw } from './testing/sdk-client';

// Payment models, the evaluation-mode cap, subscription quotas and lifetimes, and validation tokens.
let sandbox: GraphSandbox;
let creds: SeededCredentials;
let receiver: Receiver;
let people: string[];
const appToken = (clientId = creds.clientId): string => sandbox.control.token({ clientId, tenantId: creds.customerTenantId });
const inMinutes = (minutes: number): string => new Date(Date.now() + minutes * 60_000).toISOString();
const subscribe = (resource: string, extra: Record<string, unknown> = {}, token = appToken()) =>
  graphClient(sandbox, token).api('/subscriptions').post({ changeType: 'created', notificationUrl: `${receiver.url}/notify`, resource, expirationDateTime: inMinutes(50), ...extra });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  sandbox = await startGraphSandbox({ limits: { enabled: true, timeScale: 0.1 }, notifications: { validationTimeoutMs: 500 } });
  receiver = new Receiver();
  await receiver.start();
});
afterAll(async () => {
  await sandbox.stop();
  await receiver.stop();
});
beforeEach(async () => {
  await sandbox.inspect.notificationsIdle();
  sandbox.reset();
  creds = sandbox.seedDemo();
  people = Object.keys(creds.passwords);
  receiver.received.length = 0;
  receiver.validation = 'echo';
  receiver.failNext = [];
});

describe('payment models', () => {
  test('getAllMessages resources take ?model=A|B; /users/{id}/chats/getAllMessages only model=B; per-chat resources take none', async () => {
    const [a, b] = people as [string, string];
    const chat = sandbox.control.createChat({ members: [a, b] });
    await subscribe('/chats/getAllMessages?model=A');
    await subscribe('/teams/getAllMessages?model=B');
    await subscribe(`/users/${a}/chats/getAllMessages?model=B`);
    await expect(subscribe(`/users/${b}/chats/getAllMessages?model=A`)).rejects.toMatchObject({ statusCode: 400 });
    await expect(subscribe('/teams/getAllMessages?model=C', { changeType: 'updated' })).rejects.toMatchObject({ statusCode: 400 });
    await expect(subscribe(`/chats/${chat.id}/messages?model=B`)).rejects.toMatchObject({ statusCode: 400 });
    await subscribe(`/chats/${chat.id}/messages`);
    expect(sandbox.inspect.subscriptions().map((s) => s.billing)).toEqual(['A', 'B', 'B', 'unmetered']);
    // The same resource under another model is still a duplicate.
    await expect(subscribe('/chats/getAllMessages?model=B')).rejects.toMatchObject({ statusCode: 409 });
  });

  test('evaluation mode (no model) stops notifying silently at the monthly cap; model B and per-chat subscriptions go on', async () => {
    const [a, b] = people as [string, string];
    // 3 notifications per "month" of 30 s x timeScale 0.1 = 3 s. Enforced even with throttling off: it is licensing.
    sandbox.setLimits({ enabled: false, overrides: { evaluationNotificationsPerMonth: { requests: 3, windowMs: 30_000 } } });
    const chat = sandbox.control.createChat({ members: [a, b] });
    const evaluation = await subscribe('/chats/getAllMessages', { notificationUrl: `${receiver.url}/evaluation` });
    await subscribe('/teams/getAllMessages?model=B', { notificationUrl: `${receiver.url}/paid` });
    await subscribe(`/chats/${chat.id}/messages`, { notificationUrl: `${receiver.url}/chat` }, sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: b }));
    for (let i = 0; i < 5; i++) {
      sandbox.control.post({ as: a, chatId: chat.id, content: `chat ${i}` });
      sandbox.control.post({ as: a, teamId: creds.teamId, channelId: creds.generalChannelId, content: `channel ${i}` });
    }
    await receiver.waitFor(13);
    await sandbox.inspect.notificationsIdle();
    const count = (path: string) => receiver.received.filter((r) => r.path === path).length;
    expect([count('/evaluation'), count('/paid'), count('/chat')]).toEqual([3, 5, 5]);
    expect(sandbox.inspect.deliveries().filter((d) => d.subscriptionId === evaluation.id && d.outcome === 'capped')).toHaveLength(2);
    const [usage] = sandbox.inspect.evaluationUsage();
    expect(usage).toMatchObject({ tenantId: creds.customerTenantId, clientId: creds.clientId, used: 3, cap: 3 });
    expect(Date.parse(usage?.periodEnd ?? '') - Date.parse(usage?.periodStart ?? '')).toBe(3000);

    // A new period: notifications flow again.
    await pause(Date.parse(usage?.periodEnd ?? '') - Date.now() + 20);
    sandbox.control.post({ as: a, chatId: chat.id, content: 'next month' });
    await receiver.waitFor(15);
    expect(count('/evaluation')).toBe(4);
  });

  test('/users/{id}/chats/getAllMessages follows the chats that user is in', async () => {
    const [a, b, c] = people as [string, string, string];
    const withA = sandbox.control.createChat({ members: [a, b] });
    const withoutA = sandbox.control.createChat({ members: [b, c] });
    await subscribe(`/users/${a}/chats/getAllMessages?model=B`);
    sandbox.control.post({ as: c, chatId: withoutA.id, content: 'not for a' });
    sandbox.control.post({ as: b, chatId: withA.id, content: 'for a' });
    await receiver.waitFor(1);
    await sandbox.inspect.notificationsIdle();
    expect(receiver.received.map((r) => r.body.value[0]?.['resource'])).toEqual([expect.stringContaining(withA.id)]);
  });
});

describe('subscription quotas', () => {
  test('1 per app per chat: a second one with another change type is 403, the same one spelled differently 409', async () => {
    const [a, b] = people as [string, string];
    const chat = sandbox.control.createChat({ members: [a, b] });
    await subscribe(`/chats/${chat.id}/messages`);
    await expect(subscribe(`/chats('${chat.id}')/messages`)).rejects.toMatchObject({ statusCode: 409 });
    await expect(subscribe(`/chats/${chat.id}/messages`, { changeType: 'updated' })).rejects.toMatchObject({ statusCode: 403 });
    // Another app has its own.
    const other = sandbox.control.registerApp({ tenantId: creds.customerTenantId, roles: ['Chat.Read.All'] });
    await subscribe(`/chats/${chat.id}/messages`, {}, appToken(other.clientId));
  });

  test('per organization and per user for /users/{id}/chats/getAllMessages, both configurable', async () => {
    const [a] = people as [string];
    sandbox.setLimits({ subscriptionQuotas: { perOrganization: 3, perUserAllChatMessages: 1 } });
    const other = sandbox.control.registerApp({ tenantId: creds.customerTenantId, roles: ['Chat.Read.All', 'ChannelMessage.Read.All'] });
    await subscribe(`/users/${a}/chats/getAllMessages?model=B`);
    await expect(subscribe(`/users/${a}/chats/getAllMessages?model=B`, {}, appToken(other.clientId))).rejects.toMatchObject({ statusCode: 403 });
    await subscribe('/chats/getAllMessages?model=B');
    await subscribe('/teams/getAllMessages?model=B', {}, appToken(other.clientId));
    const refused = await raw(sandbox, '/v1.0/subscriptions', {
      token: appToken(),
      body: { changeType: 'created', notificationUrl: `${receiver.url}/n`, resource: '/teams/getAllMessages?model=B', expirationDateTime: inMinutes(50) },
    });
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'Forbidden', message: expect.stringContaining('organization') } });
  });
});

describe('lifetimes', () => {
  test('an expired subscription stops notifying and disappears', async () => {
    const [a, b] = people as [string, string];
    const chat = sandbox.control.createChat({ members: [a, b] });
    const created = await subscribe('/chats/getAllMessages?model=B', { expirationDateTime: inMinutes(4320), lifecycleNotificationUrl: `${receiver.url}/lifecycle` });
    await expect(subscribe('/teams/getAllMessages?model=B', { expirationDateTime: inMinutes(4321), lifecycleNotificationUrl: `${receiver.url}/lifecycle` })).rejects.toMatchObject({ statusCode: 400 });
    await expect(subscribe('/teams/getAllMessages?model=B', { expirationDateTime: inMinutes(61) })).rejects.toMatchObject({ statusCode: 400 });
    sandbox.control.expireSubscription({ subscriptionId: created.id });
    sandbox.control.post({ as: a, chatId: chat.id, content: 'nobody listens' });
    await sandbox.inspect.notificationsIdle();
    expect(receiver.received).toHaveLength(0);
    await expect(graphClient(sandbox, appToken()).api(`/subscriptions/${created.id}`).get()).rejects.toMatchObject({ statusCode: 404 });
    expect((await graphClient(sandbox, appToken()).api('/subscriptions').get()).value).toEqual([]);
    // Its slot is free again.
    await subscribe('/chats/getAllMessages?model=B');
  });
});

describe('validationTokens', () => {
  test('notifications with resource data carry a JWT the subscriber validates against the JWKS; plain ones carry none', async () => {
    const [a, b] = people as [string, string];
    const chat = sandbox.control.createChat({ members: [a, b] });
    const { certificateBase64 } = subscriberCertificate();
    await subscribe('/chats/getAllMessages?model=B', {
      notificationUrl: `${receiver.url}/rich`,
      lifecycleNotificationUrl: `${receiver.url}/lifecycle`,
      expirationDateTime: inMinutes(120),
      includeResourceData: true,
      encryptionCertificate: certificateBase64,
      encryptionCertificateId: 'c1',
    });
    await subscribe('/teams/getAllMessages?model=B', { notificationUrl: `${receiver.url}/plain` });
    sandbox.control.post({ as: a, chatId: chat.id, content: 'rich' });
    sandbox.control.post({ as: a, teamId: creds.teamId, channelId: creds.generalChannelId, content: 'plain' });
    await receiver.waitFor(2);
    const rich = receiver.received.find((r) => r.path === '/rich')?.body as unknown as { validationTokens: string[] };
    const plain = receiver.received.find((r) => r.path === '/plain')?.body as unknown as Record<string, unknown>;
    expect(plain['validationTokens']).toBeUndefined();
    expect(rich.validationTokens).toHaveLength(1);

    const jwks = (await raw(sandbox, '/common/discovery/v2.0/keys')).json<{ keys: { kid: string }[] }>();
    expect((await raw(sandbox, `/${creds.customerTenantId}/discovery/v2.0/keys`)).json()).toEqual(jwks);
    const token = rich.validationTokens[0] as string;
    expect(validationTokenProblem(token, jwks, { tenantId: creds.customerTenantId, appId: creds.clientId })).toBeNull();
    // A token for another app, a forged signature, or an unknown key are refused.
    expect(validationTokenProblem(token, jwks, { tenantId: creds.customerTenantId, appId: 'someone-else' })).toMatch(/^aud/);
    const [h, c, s] = token.split('.') as [string, string, string];
    const forgedClaims = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(c, 'base64url').toString()), aud: 'x' })).toString('base64url');
    expect(validationTokenProblem(`${h}.${forgedClaims}.${s}`, jwks, { tenantId: creds.customerTenantId, appId: 'x' })).toBe('bad signature');
    expect(validationTokenProblem(token, { keys: [] }, { tenantId: creds.customerTenantId, appId: creds.clientId })).toMatch(/^unknown kid/);
  });
});
