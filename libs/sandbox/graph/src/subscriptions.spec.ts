import { type GraphSandbox, type SeededCredentials, startGraphSandbox } from './index';
import { graphClient } from './testing/sdk-client';
import { Receiver, decrypt, subscriberCertificate } from './testing/notification-receiver';

let sandbox: GraphSandbox;
let creds: SeededCredentials;
let receiver: Receiver;
let appToken: string;
let people: string[];
const inMinutes = (minutes: number): string => new Date(Date.now() + minutes * 60_000).toISOString();

beforeAll(async () => {
  sandbox = await startGraphSandbox({ limits: { enabled: true, timeScale: 0.01 }, notifications: { validationTimeoutMs: 300 } });
  receiver = new Receiver();
  await receiver.start();
});
afterAll(async () => {
  await sandbox.stop();
  await receiver.stop();
});
beforeEach(async () => {
  // Deliveries of the previous test may still be finishing: let them, so they do not land in this test's records.
  await sandbox.inspect.notificationsIdle();
  sandbox.reset();
  creds = sandbox.seedDemo();
  appToken = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId });
  people = Object.keys(creds.passwords);
  receiver.received.length = 0;
  receiver.validation = 'echo';
  receiver.failNext = [];
});

describe('subscriptions', () => {
  test('creation runs the validation handshake and fails when the endpoint does not echo the token', async () => {
    const client = graphClient(sandbox, appToken);
    const body = { changeType: 'created', notificationUrl: `${receiver.url}/notify`, resource: '/chats/getAllMessages', expirationDateTime: inMinutes(50), clientState: 'secret' };
    receiver.validation = 'wrong';
    await expect(client.api('/subscriptions').post(body)).rejects.toMatchObject({ statusCode: 400 });
    receiver.validation = 'silent';
    await expect(client.api('/subscriptions').post(body)).rejects.toMatchObject({ statusCode: 400 });
    receiver.validation = 'echo';
    const created = await client.api('/subscriptions').post(body);
    expect(created.id).toBeDefined();
    await expect(client.api('/subscriptions').post(body)).rejects.toMatchObject({ statusCode: 409 });
  });

  test('expiration and clientState rules', async () => {
    const client = graphClient(sandbox, appToken);
    const base = { changeType: 'created,updated', notificationUrl: `${receiver.url}/n`, resource: '/teams/getAllMessages' };
    await expect(client.api('/subscriptions').post({ ...base, expirationDateTime: inMinutes(4330), lifecycleNotificationUrl: `${receiver.url}/l` })).rejects.toMatchObject({ statusCode: 400 });
    await expect(client.api('/subscriptions').post({ ...base, expirationDateTime: inMinutes(120) })).rejects.toMatchObject({ statusCode: 400 });
    await expect(client.api('/subscriptions').post({ ...base, expirationDateTime: inMinutes(30), clientState: 'x'.repeat(129) })).rejects.toMatchObject({ statusCode: 400 });
    const short = await client.api('/subscriptions').post({ ...base, expirationDateTime: inMinutes(10) });
    expect(Date.parse(short.expirationDateTime) - Date.now()).toBeGreaterThan(44 * 60_000);
    const renewed = await client.api(`/subscriptions/${short.id}`).patch({ expirationDateTime: inMinutes(55) });
    expect(Date.parse(renewed.expirationDateTime)).toBeGreaterThan(Date.parse(short.expirationDateTime));
    await client.api(`/subscriptions/${short.id}/reauthorize`).post({});
    await client.api(`/subscriptions/${short.id}`).delete();
    await expect(client.api(`/subscriptions/${short.id}`).get()).rejects.toMatchObject({ statusCode: 404 });
    // Tenant-wide chat messages need an application permission.
    const delegated = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: people[0] as string });
    await expect(graphClient(sandbox, delegated).api('/subscriptions').post({ ...base, resource: '/chats/getAllMessages', expirationDateTime: inMinutes(30) })).rejects.toMatchObject({ statusCode: 403 });
  });

  test('a message posted by a Teams person arrives as an encrypted notification the documented algorithm decrypts', async () => {
    const { certificateBase64, privateKeyPem } = subscriberCertificate();
    await graphClient(sandbox, appToken).api('/subscriptions').post({
      changeType: 'created,updated,deleted',
      notificationUrl: `${receiver.url}/notify`,
      lifecycleNotificationUrl: `${receiver.url}/lifecycle`,
      resource: '/chats/getAllMessages',
      expirationDateTime: inMinutes(240),
      clientState: 'parley-state',
      includeResourceData: true,
      encryptionCertificate: certificateBase64,
      encryptionCertificateId: 'parley-cert-1',
    });
    const chat = sandbox.control.createChat({ members: [people[0] as string, people[1] as string] });
    const posted = sandbox.control.post({ as: people[0] as string, chatId: chat.id, content: 'encrypted hello' });
    const [first] = await receiver.waitFor(1);
    const item = first?.body.value[0] as Record<string, unknown> & { encryptedContent: { data: string; dataKey: string; dataSignature: string; encryptionCertificateId: string } };
    expect(item).toMatchObject({ changeType: 'created', clientState: 'parley-state', tenantId: creds.customerTenantId, resource: `chats('${chat.id}')/messages('${posted['id']}')` });
    expect(item.encryptedContent.encryptionCertificateId).toBe('parley-cert-1');
    const message = decrypt(item.encryptedContent, privateKeyPem) as { id: string; body: { content: string } };
    expect(message.id).toBe(posted['id']);
    expect(message.body.content).toBe('encrypted hello');
    expect(() => decrypt({ ...item.encryptedContent, dataSignature: 'AAAA' }, privateKeyPem)).toThrow('dataSignature');

    sandbox.control.edit({ as: people[0] as string, chatId: chat.id, messageId: posted['id'] as string, content: 'edited' });
    sandbox.control.delete({ as: people[0] as string, chatId: chat.id, messageId: posted['id'] as string });
    const all = await receiver.waitFor(3);
    expect(all.map((r) => r.body.value[0]?.['changeType'])).toEqual(['created', 'updated', 'deleted']);
  });

  test('failed deliveries are retried; drops and lifecycle notifications', async () => {
    const created = await graphClient(sandbox, appToken).api('/subscriptions').post({
      changeType: 'created',
      notificationUrl: `${receiver.url}/notify`,
      lifecycleNotificationUrl: `${receiver.url}/lifecycle`,
      resource: '/teams/getAllMessages',
      expirationDateTime: inMinutes(120),
      clientState: 'c',
    });
    receiver.failNext = [500, 503];
    sandbox.control.post({ as: people[0] as string, teamId: creds.teamId, channelId: creds.generalChannelId, content: 'retry me' });
    const [delivered] = await receiver.waitFor(1);
    await sandbox.inspect.notificationsIdle();
    expect(delivered?.body.value[0]).toMatchObject({ changeType: 'created', resourceData: { '@odata.type': '#Microsoft.Graph.chatMessage' } });
    expect(sandbox.inspect.deliveries().filter((d) => d.kind === 'change' && d.subscriptionId === created.id).map((d) => d.outcome)).toEqual(['failed', 'failed', 'delivered']);

    sandbox.setFaults({ dropNotificationRate: 1 });
    sandbox.control.post({ as: people[0] as string, teamId: creds.teamId, channelId: creds.generalChannelId, content: 'lost' });
    await sandbox.inspect.notificationsIdle();
    expect(receiver.received).toHaveLength(1);
    expect(sandbox.inspect.deliveries().at(-1)?.outcome).toBe('dropped');
    sandbox.setFaults({ dropNotificationRate: 0 });

    sandbox.control.lifecycle({ subscriptionId: created.id, event: 'reauthorizationRequired' });
    const all = await receiver.waitFor(2);
    expect(all[1]).toMatchObject({ path: '/lifecycle', body: { value: [expect.objectContaining({ lifecycleEvent: 'reauthorizationRequired', subscriptionId: created.id })] } });
  });

  test('a delegated subscription on one chat gets only that chat; duplicated deliveries can be injected', async () => {
    const [a, b, c] = people as [string, string, string];
    const mine = sandbox.control.createChat({ members: [a, b] });
    const other = sandbox.control.createChat({ members: [b, c] });
    const token = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: a });
    await graphClient(sandbox, token).api('/subscriptions').post({ changeType: 'created', notificationUrl: `${receiver.url}/mine`, resource: `/chats/${mine.id}/messages`, expirationDateTime: inMinutes(30) });
    // Someone else's chat is not the caller's to watch.
    await expect(graphClient(sandbox, token).api('/subscriptions').post({ changeType: 'created', notificationUrl: `${receiver.url}/x`, resource: `/chats/${other.id}/messages`, expirationDateTime: inMinutes(30) })).rejects.toMatchObject({ statusCode: 403 });
    sandbox.control.post({ as: b, chatId: other.id, content: 'elsewhere' });
    sandbox.setFaults({ duplicateNotificationRate: 1 });
    sandbox.control.post({ as: b, chatId: mine.id, content: 'here' });
    await receiver.waitFor(2);
    await sandbox.inspect.notificationsIdle();
    expect(receiver.received.map((r) => r.body.value[0]?.['resource'])).toEqual([expect.stringContaining(mine.id), expect.stringContaining(mine.id)]);
  });

  test('after reauthorizationRequired, notifications pause (and are lost) until the app reauthorizes', async () => {
    const created = await graphClient(sandbox, appToken).api('/subscriptions').post({
      changeType: 'created',
      notificationUrl: `${receiver.url}/notify`,
      lifecycleNotificationUrl: `${receiver.url}/lifecycle`,
      resource: '/teams/getAllMessages',
      expirationDateTime: inMinutes(90),
    });
    const post = (content: string) => sandbox.control.post({ as: people[0] as string, teamId: creds.teamId, channelId: creds.generalChannelId, content });
    sandbox.control.lifecycle({ subscriptionId: created.id, event: 'reauthorizationRequired' });
    await receiver.waitFor(1);
    // Grace period is 60 s x timeScale 0.01 = 600 ms.
    await new Promise((resolve) => setTimeout(resolve, 700));
    post('lost while paused');
    await sandbox.inspect.notificationsIdle();
    expect(receiver.received).toHaveLength(1);
    expect(sandbox.inspect.deliveries().at(-1)?.outcome).toBe('paused');
    await graphClient(sandbox, appToken).api(`/subscriptions/${created.id}/reauthorize`).post({});
    post('flowing again');
    const all = await receiver.waitFor(2);
    expect(all[1]?.path).toBe('/notify');
  });

  test('a fraction of notifications can be delayed', async () => {
    await graphClient(sandbox, appToken).api('/subscriptions').post({ changeType: 'created', notificationUrl: `${receiver.url}/notify`, resource: '/teams/getAllMessages', expirationDateTime: inMinutes(30) });
    // 30 s x timeScale 0.01 = 300 ms.
    sandbox.setFaults({ delayNotificationRate: 1, delayNotificationMs: 30_000 });
    const started = Date.now();
    sandbox.control.post({ as: people[0] as string, teamId: creds.teamId, channelId: creds.generalChannelId, content: 'late' });
    await receiver.waitFor(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });
});
