import pino from 'pino';
import type { PayloadIn } from '@parley/contracts';
import { KafkaBus } from '@parley/messaging';
import { createFreshDatabase, integrationEnv, queryRows, ServiceProcess, uniqueSuffix } from '@parley/testing';
import { distributedServiceEnv } from './service-env';

const TOPIC = 'parley.directory.user.observed.v1';

function observation(email: string): PayloadIn<typeof TOPIC> {
  return {
    orgId: 'org_crashsafety01',
    platform: 'slack',
    platformUserId: `U${uniqueSuffix()}`,
    email,
    displayName: email,
    isBot: false,
    isDeactivated: false,
    observedAt: new Date().toISOString(),
  };
}

// The identity service as a real child process over the real broker and PostgreSQL, killed with SIGKILL at the two
// worst moments. The test process is the other side of the exchange, publishing through the same MessageBus.
describe('identity consuming over Kafka, killed with SIGKILL', () => {
  const env = integrationEnv();
  const prefix = `it-${uniqueSuffix()}.`;
  let database: Awaited<ReturnType<typeof createFreshDatabase>>;
  let producer: KafkaBus;
  const processes: ServiceProcess[] = [];

  const identity = (extra: Record<string, string> = {}) => {
    const service = new ServiceProcess({
      app: 'identity',
      env: distributedServiceEnv(env, { topicPrefix: prefix, databaseUrl: database.url }, extra),
    }).start();
    processes.push(service);
    return service;
  };
  const observationsOf = async (email: string) =>
    queryRows<{ n: number }>(database.url, 'SELECT count(*)::int AS n FROM identity.directory_observations WHERE email = $1', [email]);

  beforeAll(async () => {
    database = await createFreshDatabase(env.databaseUrl);
    producer = new KafkaBus({
      brokers: env.kafkaBrokers,
      clientId: 'crash-test',
      service: 'slack-connector',
      layout: { prefix, partitions: 3, replicationFactor: 1 },
      logger: pino({ level: 'silent' }),
    });
    await producer.start();
  });

  afterAll(async () => {
    await Promise.allSettled(processes.map((p) => p.stop()));
    await producer.stop();
    await database.drop();
  });

  it('replays a message whose effect committed before the crash, and applies it exactly once', async () => {
    const doomed = identity({ PARLEY_FAULT_INJECTION: `crash-after-effect:${TOPIC}` });
    await doomed.waitForLog((l) => l['msg'] === 'service ready');
    await producer.publish(TOPIC, observation('after-effect@example.com'));
    expect(await doomed.waitForExit(60_000)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await observationsOf('after-effect@example.com')).toEqual([{ n: 1 }]);

    const survivor = identity();
    await survivor.waitForLog((l) => l['msg'] === 'observation already applied, skipping', 90_000);
    await survivor.stop();
    expect(await observationsOf('after-effect@example.com')).toEqual([{ n: 1 }]);
    const people = await queryRows(database.url, "SELECT email FROM identity.people WHERE email = 'after-effect@example.com'");
    expect(people).toHaveLength(1);
  });

  it('loses nothing when killed before the effect', async () => {
    const doomed = identity({ PARLEY_FAULT_INJECTION: `crash-before-effect:${TOPIC}` });
    await doomed.waitForLog((l) => l['msg'] === 'service ready');
    await producer.publish(TOPIC, observation('before-effect@example.com'));
    expect(await doomed.waitForExit(60_000)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await observationsOf('before-effect@example.com')).toEqual([{ n: 0 }]);

    const survivor = identity();
    await survivor.waitForLog((l) => l['msg'] === 'service ready');
    const deadline = Date.now() + 90_000;
    while ((await observationsOf('before-effect@example.com'))[0]?.n !== 1) {
      if (Date.now() > deadline) throw new Error(`never applied\n${survivor.describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await survivor.stop();
    expect(await observationsOf('before-effect@example.com')).toEqual([{ n: 1 }]);
  });

  it('stops gracefully on SIGTERM with exit code 0', async () => {
    const service = identity();
    await service.waitForLog((l) => l['msg'] === 'service ready');
    service.kill('SIGTERM');
    expect(await service.waitForExit(30_000)).toEqual({ code: 0, signal: null });
    expect(service.lines.some((l) => l['msg'] === 'stopped')).toBe(true);
  });
});
