import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { KafkaBus } from '@parley/messaging';
import { createFreshDatabase, integrationEnv, queryRows, ServiceProcess, uniqueSuffix } from '@parley/testing';
import { distributedServiceEnv } from './service-env';

const TOPIC = 'parley.directory.user.observed.v1';
const OPERATOR_KEY = `op_${'k'.repeat(40)}`;

// Two real service processes exchanging a typed event over Kafka: identity dead-letters a poison message it cannot
// accept, and the gateway consumes the dead letter and shows it, with its reason, through the admin API. Behind
// the poison message, identity keeps handling the same key.
describe('poison input: identity dead-letters it, the gateway shows it', () => {
  const env = integrationEnv();
  const prefix = `it-${uniqueSuffix()}.`;
  let database: Awaited<ReturnType<typeof createFreshDatabase>>;
  const processes: ServiceProcess[] = [];

  const service = (app: 'identity' | 'gateway') => {
    const started = new ServiceProcess({
      app,
      env: distributedServiceEnv(env, { topicPrefix: prefix, databaseUrl: database.url }, { PARLEY_OPERATOR_API_KEY: OPERATOR_KEY }),
    }).start();
    processes.push(started);
    return started;
  };

  beforeAll(async () => {
    database = await createFreshDatabase(env.databaseUrl);
  });
  afterAll(async () => {
    await Promise.allSettled(processes.map((p) => p.stop()));
    await database.drop();
  });

  it('names the bad field in the API, loses nothing, and keeps the partition flowing', async () => {
    const identity = service('identity');
    const gateway = service('gateway');
    await identity.waitForLog((l) => l['msg'] === 'service ready');
    const ready = await gateway.waitForLog((l) => l['msg'] === 'service ready');
    const gatewayUrl = String(ready['url']);

    const key = 'org_deadletter01:victim@example.com';
    const observation = {
      orgId: 'org_deadletter01',
      platform: 'slack' as const,
      platformUserId: 'U1',
      email: 'victim@example.com',
      displayName: 'Victim',
      isBot: false,
      isDeactivated: false,
      observedAt: new Date().toISOString(),
    };
    // A well-formed envelope whose payload breaks the contract, written the way a buggy producer would.
    const kafka = new Kafka({ clientId: 'poison', brokers: env.kafkaBrokers, logLevel: logLevel.NOTHING });
    const raw = kafka.producer();
    await raw.connect();
    const poisonId = randomUUID();
    await raw.send({
      topic: `${prefix}${TOPIC}`,
      messages: [{ key, value: JSON.stringify({ specversion: '1.0', id: poisonId, source: 'rogue', type: TOPIC, time: new Date().toISOString(), data: { ...observation, platform: 'irc' } }) }],
    });
    await raw.disconnect();
    // Then a valid one on the same key, through the bus.
    const bus = new KafkaBus({ brokers: env.kafkaBrokers, clientId: 'test', service: 'slack-connector', layout: { prefix, partitions: 3, replicationFactor: 1 }, logger: pino({ level: 'silent' }) });
    await bus.start();
    await bus.publish(TOPIC, observation);
    await bus.stop();

    type Page = { items: { originalTopic: string; consumerGroup: string; reason: string; failure: string }[] };
    let page: Page = { items: [] };
    const deadline = Date.now() + 90_000;
    while (page.items.length === 0) {
      if (Date.now() > deadline) throw new Error(`no dead letter in the API\n${gateway.describe()}\n${identity.describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      const response = await fetch(`${gatewayUrl}/v1/dead-letters`, { headers: { authorization: `Bearer ${OPERATOR_KEY}` } });
      expect(response.status).toBe(200);
      page = (await response.json()) as Page;
    }
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ originalTopic: TOPIC, consumerGroup: 'identity', failure: 'invalid-payload' });
    expect(page.items[0]?.reason).toContain('platform');

    const applied = async () => queryRows<{ n: number }>(database.url, "SELECT count(*)::int AS n FROM identity.directory_observations WHERE email = 'victim@example.com'");
    while ((await applied())[0]?.n !== 1) {
      if (Date.now() > deadline) throw new Error('the valid message behind the poison one was never applied');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const unauthenticated = await fetch(`${gatewayUrl}/v1/dead-letters`);
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('content-type')).toContain('application/problem+json');
  });
});
