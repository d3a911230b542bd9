import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serviceNames } from '@parley/service-runtime';
import { createFreshDatabase, integrationEnv, ServiceProcess, TcpProxy, uniqueSuffix } from '@parley/testing';
import { TEST_SERVICE_SECRETS } from './service-env';

// The broker control is a plain CommonJS tool (tools/infra), not an Nx project, so it is required by path.
// eslint-disable-next-line @nx/enforce-module-boundaries
const { startBroker } = require('../infra/kafka-broker.cjs');

type Ready = { status: string; checks: Record<string, { ok: boolean; detail: string }> };

async function readyz(url: string): Promise<{ code: number; body: Ready | null }> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
    return { code: response.status, body: (await response.json()) as Ready };
  } catch {
    return { code: 0, body: null };
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000, describe?: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}${describe ? `\n${await describe()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// All six services against their own Kafka broker and proxied PostgreSQL and Redis, so each dependency can be taken
// away and given back without disturbing other tests.
describe('readiness of every service follows its dependencies', () => {
  const env = integrationEnv();
  const services: { name: string; process: ServiceProcess; url: string }[] = [];
  let broker: { brokers: string[]; stop(): Promise<void>; restart(): Promise<void> };
  let brokerDir: string;
  let database: Awaited<ReturnType<typeof createFreshDatabase>>;
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;

  beforeAll(async () => {
    brokerDir = mkdtempSync(path.join(tmpdir(), 'parley-readyz-kafka-'));
    broker = await startBroker({ dataDir: brokerDir });
    database = await createFreshDatabase(env.databaseUrl);
    const pg = new URL(database.url);
    const redis = new URL(env.redisUrl);
    pgProxy = new TcpProxy(pg.hostname, Number(pg.port || 5432));
    redisProxy = new TcpProxy(redis.hostname, Number(redis.port || 6379));
    await pgProxy.start();
    await redisProxy.start();
    pg.host = `127.0.0.1:${pgProxy.port}`;
    redis.host = `127.0.0.1:${redisProxy.port}`;
    for (const name of serviceNames) {
      const process = new ServiceProcess({
        app: name,
        env: {
          PARLEY_MODE: 'distributed',
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: '0',
          KAFKA_BROKERS: broker.brokers.join(','),
          KAFKA_TOPIC_PREFIX: `rz-${uniqueSuffix()}.`,
          KAFKA_TOPIC_PARTITIONS: '1',
          DATABASE_URL: pg.toString(),
          DATABASE_POOL_SIZE: '2',
          REDIS_URL: redis.toString(),
          PARLEY_OPERATOR_API_KEY: 'k'.repeat(40),
          ...TEST_SERVICE_SECRETS,
          LOG_LEVEL: 'info',
        },
      }).start();
      services.push({ name, process, url: '' });
    }
    for (const service of services) {
      const ready = await service.process.waitForLog((l) => l['msg'] === 'service ready', 120_000);
      service.url = String(ready['url']);
    }
  }, 240_000);

  afterAll(async () => {
    await Promise.allSettled(services.map((s) => s.process.stop()));
    await Promise.allSettled([pgProxy?.stop(), redisProxy?.stop()]);
    await broker?.stop();
    await database?.drop();
    rmSync(brokerDir, { recursive: true, force: true });
  });

  const allReady = async () => (await Promise.all(services.map((s) => readyz(s.url)))).every((r) => r.code === 200);
  /** On a timeout: each service's readiness answer, and the end of the log of those that are not ready. */
  const whoIsNotReady = async () => {
    const answers = await Promise.all(services.map(async (s) => ({ service: s, answer: await readyz(s.url) })));
    return answers
      .filter(({ answer }) => answer.code !== 200)
      .map(({ service, answer }) => `${service.name}: ${answer.code} ${JSON.stringify(answer.body)}\n${service.process.describe()}`)
      .join('\n');
  };
  const allNotReadyBecause = (dependency: string) => async () => {
    const results = await Promise.all(services.map((s) => readyz(s.url)));
    return results.every((r) => r.code === 503 && r.body?.checks[dependency]?.ok === false);
  };

  it('starts ready, and liveness stays cheap', async () => {
    await until('all six are ready', allReady);
    for (const service of services) expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });

  it.each([
    ['database', () => pgProxy.cut(), () => pgProxy.restore()],
    ['redis', () => redisProxy.cut(), () => redisProxy.restore()],
    ['kafka', () => broker.stop(), () => broker.restart()],
  ])('turns not-ready when %s goes away and ready again when it returns', async (dependency, takeAway, giveBack) => {
    await until('all ready before', allReady, 60_000, whoIsNotReady);
    await takeAway();
    await until(`all report ${dependency} down`, allNotReadyBecause(dependency), 60_000);
    for (const service of services) expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    await giveBack();
    await until(`all ready after ${dependency} returns`, allReady, 120_000, whoIsNotReady);
  });
});
