import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import type { Payload } from '@parley/contracts';
import { InProcessBroker, InProcessBus, KafkaBus } from '@parley/messaging';
import { integrationEnv, uniqueSuffix } from '@parley/testing';
import {
  createMessagingTables,
  createServiceDataSource,
  databaseHealth,
  IdempotentConsumer,
  inTransaction,
  initializeAndMigrate,
  laneClaimSql,
  laneRenewSql,
  MAX_PREPARED_PER_CONNECTION,
  Outbox,
  OutboxRelay,
  queryReturning,
  startEmbeddedPostgres,
  statementName,
  type EmbeddedPostgres,
} from './index';

const logger = pino({ level: 'silent' });
const ORG = 'org_persisttest01';

function migrationFor(schema: string) {
  return class TestInit1732700000000 implements MigrationInterface {
    name = 'TestInit1732700000000';
    async up(runner: QueryRunner): Promise<void> {
      await createMessagingTables(runner, schema);
      await runner.query(`CREATE TABLE "${schema}".people (email text PRIMARY KEY, seen integer NOT NULL DEFAULT 1)`);
    }
    async down(runner: QueryRunner): Promise<void> {
      await runner.query(`DROP SCHEMA "${schema}" CASCADE`);
    }
  };
}

function syncRequested(): Payload<'parley.provisioning.sync.requested.v1'> {
  return { orgId: ORG, syncId: randomUUID(), mode: 'guest', requestedBy: 'key_1', requestedAt: new Date().toISOString() };
}

// The same suite runs on the real PostgreSQL and on the embedded PGlite, proving one set of migrations serves both.
describe.each(['postgresql', 'pglite'] as const)('persistence on %s', (engine) => {
  let embedded: EmbeddedPostgres | undefined;
  let dataDir: string | undefined;
  let dataSource: DataSource;
  let schema: string;

  beforeAll(async () => {
    let url: string;
    if (engine === 'pglite') {
      dataDir = mkdtempSync(path.join(tmpdir(), 'parley-pglite-'));
      embedded = await startEmbeddedPostgres({ dataDir });
      url = embedded.url;
    } else {
      url = integrationEnv().databaseUrl;
    }
    schema = `t_${uniqueSuffix()}`;
    // As the services run: named prepared statements on PostgreSQL, not on PGlite (ADR 0049).
    dataSource = createServiceDataSource({ url, poolSize: 4, schema, migrations: [migrationFor(schema)], logger, preparedStatements: engine === 'postgresql' });
    await initializeAndMigrate(dataSource, schema, logger);
  }, 60_000);

  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await dataSource.destroy();
    await embedded?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('gives the rows of UPDATE, DELETE and INSERT … RETURNING alike (TypeORM answers UPDATE and DELETE as [rows, count])', async () => {
    const table = `"${schema}".people`;
    await dataSource.query(`INSERT INTO ${table} (email) VALUES ('returning-a@example.com'), ('returning-b@example.com')`);
    const raw = (await dataSource.query(`UPDATE ${table} SET seen = seen + 1 WHERE email = 'nobody@example.com' RETURNING email`)) as unknown[];
    // What callers used to test: the raw answer of an UPDATE that changed nothing is not empty.
    expect(raw.length).toBe(2);
    expect(await queryReturning(dataSource, `UPDATE ${table} SET seen = seen + 1 WHERE email = $1 RETURNING email`, ['nobody@example.com'])).toEqual([]);
    expect(await queryReturning(dataSource, `UPDATE ${table} SET seen = seen + 1 WHERE email = $1 RETURNING email, seen`, ['returning-a@example.com'])).toEqual([
      { email: 'returning-a@example.com', seen: 2 },
    ]);
    expect(await queryReturning(dataSource, `INSERT INTO ${table} (email) VALUES ($1) RETURNING email`, ['returning-c@example.com'])).toEqual([{ email: 'returning-c@example.com' }]);
    await inTransaction(dataSource, async (manager) => {
      expect(await queryReturning(manager, `DELETE FROM ${table} WHERE email LIKE 'returning-%' RETURNING email`)).toHaveLength(3);
    });
  });

  it('claims inbox lanes whole, in written order, up to the first row that has not waited the order window (ADR 0043)', async () => {
    const table = `"${schema}".inbox_rows`;
    await dataSource.query(
      `CREATE TABLE ${table} (id serial PRIMARY KEY, lane text NOT NULL, written_at timestamptz NOT NULL, received_at timestamptz NOT NULL, claimed_until timestamptz, done boolean NOT NULL DEFAULT false)`,
    );
    const inbox = { table, id: 'id', lane: 'lane', writtenAt: 'written_at', tieBreak: 'id', waiting: 'NOT done', returning: 'id, lane' };
    const add = async (lane: string, writtenSecondsAgo: number, receivedMsAgo: number, claimedForSeconds?: number): Promise<number> => {
      const [row] = await queryReturning<{ id: number }>(
        dataSource,
        `INSERT INTO ${table} (lane, written_at, received_at, claimed_until)
         VALUES ($1, now() - make_interval(secs => $2), now() - make_interval(secs => $3::double precision / 1000), now() + make_interval(secs => $4))
         RETURNING id`,
        [lane, writtenSecondsAgo, receivedMsAgo, claimedForSeconds ?? -3600],
      );
      return (row as { id: number }).id;
    };
    // a: two rows that have waited, and one written between them that arrived just now (late): only the first goes.
    const a1 = await add('a', 60, 5_000);
    await add('a', 50, 5_000);
    await add('a', 55, 0);
    // b: waited, but another replica holds a row of it.
    await add('b', 40, 5_000);
    await add('b', 30, 5_000, 30);
    // c: this replica has it in hand already. d: nothing has waited the window yet.
    await add('c', 40, 5_000);
    await add('d', 40, 10);
    // e: waited, two rows written in the opposite order they came: both, in written order, one per lane asked.
    const e2 = await add('e', 20, 4_000);
    const e1 = await add('e', 25, 3_000);
    const claimed = await queryReturning<{ id: number; lane: string }>(dataSource, laneClaimSql(inbox), [10, ['c'], 10, 30, 1_000]);
    expect(claimed.map((r) => r.id).sort((x, y) => x - y)).toEqual([a1, e2, e1].sort((x, y) => x - y));
    // Claimed whole: nothing of a or e again, while they are claimed.
    expect(await queryReturning(dataSource, laneClaimSql(inbox), [10, [], 10, 30, 1_000])).toEqual(
      expect.arrayContaining([expect.objectContaining({ lane: 'c' })]),
    );
    expect((await queryReturning<{ lane: string }>(dataSource, laneClaimSql(inbox), [10, [], 10, 30, 1_000])).map((r) => r.lane)).toEqual([]);

    // A renewal extends the claimed, waiting rows of the lanes named, and nothing else.
    await dataSource.query(`UPDATE ${table} SET claimed_until = now() + interval '1 second' WHERE lane IN ('a', 'e')`);
    await dataSource.query(laneRenewSql(inbox), [['a'], 30]);
    const until = await dataSource.query(`SELECT lane, claimed_until > now() + interval '20 seconds' AS long FROM ${table} WHERE lane IN ('a', 'e') AND claimed_until IS NOT NULL AND claimed_until > now()`);
    expect((until as { lane: string; long: boolean }[]).map((r) => `${r.lane}:${r.long}`).sort()).toEqual(['a:true', 'a:true', 'a:true', 'e:false', 'e:false']);
  });

  it('runs migrations once, even when asked again', async () => {
    await initializeAndMigrate(dataSource, schema, logger).catch((e) => {
      // initialize() on an initialized DataSource throws; migrations themselves are what we check.
      expect(String(e)).toMatch(/already|initialized/i);
    });
    expect(await dataSource.runMigrations()).toEqual([]);
    const rows = await dataSource.query(`SELECT name FROM "${schema}".migrations`);
    expect(rows.map((r: { name: string }) => r.name)).toEqual(['TestInit1732700000000']);
    expect(await databaseHealth(dataSource)).toEqual({ ok: true, detail: 'connected' });
  });

  it('publishes an outbox event only when its transaction commits', async () => {
    const broker = new InProcessBroker(4);
    const bus = new InProcessBus(broker, { service: 'provisioning', logger });
    const received: string[] = [];
    bus.subscribe('parley.provisioning.sync.requested.v1', async (p) => void received.push(p.syncId), { group: 'g' });
    await bus.start();
    const outbox = new Outbox(schema, 'gateway');
    const relay = new OutboxRelay(dataSource, bus, outbox, logger, { schema, pollIntervalMs: 50 });
    relay.start();
    try {
      const committed = syncRequested();
      const rolledBack = syncRequested();
      await inTransaction(dataSource, async (m) => {
        await m.query(`INSERT INTO "${schema}".people (email) VALUES ('committed@example.com')`);
        await outbox.enqueue(m, 'parley.provisioning.sync.requested.v1', committed);
      });
      await expect(
        inTransaction(dataSource, async (m) => {
          await outbox.enqueue(m, 'parley.provisioning.sync.requested.v1', rolledBack);
          throw new Error('business rule failed');
        }),
      ).rejects.toThrow('business rule failed');
      await waitFor(() => received.length >= 1);
      await broker.drain();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received).toEqual([committed.syncId]);
      expect(await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".outbox`)).toEqual([{ n: 0 }]);
    } finally {
      await relay.stop();
      await bus.stop();
    }
  });

  it('wakes the relay on commit instead of waiting for its next poll', async () => {
    const broker = new InProcessBroker(2);
    const bus = new InProcessBus(broker, { service: 'provisioning', logger });
    const received: string[] = [];
    bus.subscribe('parley.provisioning.sync.requested.v1', async (p) => void received.push(p.syncId), { group: 'g' });
    await bus.start();
    const outbox = new Outbox(schema, 'gateway');
    // A poll an hour away: only the after-commit wake-up can deliver this within the wait below.
    const relay = new OutboxRelay(dataSource, bus, outbox, logger, { schema, pollIntervalMs: 3_600_000 });
    relay.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const event = syncRequested();
      await inTransaction(dataSource, (m) => outbox.enqueue(m, 'parley.provisioning.sync.requested.v1', event));
      await waitFor(() => received.length === 1, 5_000);
      expect(received).toEqual([event.syncId]);
    } finally {
      await relay.stop();
      await bus.stop();
    }
  });

  it('stops at once when asked while a drain is publishing, instead of sleeping until its next poll', async () => {
    const broker = new InProcessBroker(2);
    const inner = new InProcessBus(broker, { service: 'provisioning', logger });
    await inner.start();
    // The bus holds the publish until the test lets it go, so stop() lands in the middle of a drain every time.
    let release!: () => void;
    const publishing = new Promise<void>((resolve) => (release = resolve));
    let publishStarted!: () => void;
    const started = new Promise<void>((resolve) => (publishStarted = resolve));
    const bus = Object.assign(Object.create(inner) as InProcessBus, {
      publishRecords: async (records: Parameters<InProcessBus['publishRecords']>[0]) => {
        publishStarted();
        await publishing;
        await inner.publishRecords(records);
      },
    });
    const outbox = new Outbox(schema, 'gateway');
    const relay = new OutboxRelay(dataSource, bus, outbox, logger, { schema, pollIntervalMs: 3_600_000 });
    await inTransaction(dataSource, (m) => outbox.enqueue(m, 'parley.provisioning.sync.requested.v1', syncRequested()));
    relay.start();
    try {
      await started;
      const stopped = relay.stop();
      release();
      const outcome = await Promise.race([stopped.then(() => 'stopped'), new Promise((resolve) => setTimeout(() => resolve('still running'), 10_000))]);
      expect(outcome).toBe('stopped');
    } finally {
      release();
      await relay.stop();
      await inner.stop();
    }
  });

  it('refuses to enqueue outside a transaction and validates at enqueue time', async () => {
    const outbox = new Outbox(schema, 'gateway');
    await expect(outbox.enqueue(dataSource.manager, 'parley.provisioning.sync.requested.v1', syncRequested())).rejects.toThrow(/open transaction/);
    await expect(
      inTransaction(dataSource, (m) => outbox.enqueue(m, 'parley.provisioning.sync.requested.v1', { ...syncRequested(), mode: 'everything' as 'guest' })),
    ).rejects.toThrow(/mode/);
  });

  it('applies an effect once per message id, also under concurrent duplicates', async () => {
    const consumer = new IdempotentConsumer(dataSource, schema);
    const id = randomUUID();
    const effect = (m: import('typeorm').EntityManager) =>
      m.query(`INSERT INTO "${schema}".people (email) VALUES ('once@example.com') ON CONFLICT (email) DO UPDATE SET seen = people.seen + 1`);
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => consumer.run('identity', id, effect)));
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(await consumer.run('identity', id, effect)).toBe('duplicate');
    expect(await consumer.run('other-consumer', id, async () => undefined)).toBe('applied');
    expect(await dataSource.query(`SELECT seen FROM "${schema}".people WHERE email = 'once@example.com'`)).toEqual([{ seen: 1 }]);
  });

  it('rolls back the processed record with a failed effect, so a retry can apply it', async () => {
    const consumer = new IdempotentConsumer(dataSource, schema);
    const id = randomUUID();
    await expect(consumer.run('identity', id, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await consumer.run('identity', id, async () => undefined)).toBe('applied');
  });

  it('applies a batch of messages in one transaction, handing the effect only the ones not applied before', async () => {
    const consumer = new IdempotentConsumer(dataSource, schema);
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await consumer.run('identity', a, async () => undefined);
    const seen: string[][] = [];
    const fresh = await consumer.runBatch('identity', [a, b, c], async (_m, ids) => void seen.push([...ids].sort()));
    expect([...fresh].sort()).toEqual([b, c].sort());
    expect(seen).toEqual([[b, c].sort()]);
    // A failed effect rolls back every record of the batch.
    const d = randomUUID();
    await expect(consumer.runBatch('identity', [d], async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await consumer.hasProcessed('identity', d)).toBe(false);
    expect(await consumer.runBatch('identity', [a, b, c], async () => Promise.reject(new Error('not called')))).toEqual(new Set());
  });

  it('tells whether a message was processed: only once its effect committed, per consumer', async () => {
    const consumer = new IdempotentConsumer(dataSource, schema);
    const id = randomUUID();
    expect(await consumer.hasProcessed('identity', id)).toBe(false);
    await expect(consumer.run('identity', id, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await consumer.hasProcessed('identity', id)).toBe(false);
    await consumer.run('identity', id, async () => undefined);
    expect(await consumer.hasProcessed('identity', id)).toBe(true);
    expect(await consumer.hasProcessed('other-consumer', id)).toBe(false);
  });
});

describe('named prepared statements (ADR 0049)', () => {
  let dataSource: DataSource;
  let schema: string;

  beforeAll(async () => {
    schema = `t_${uniqueSuffix()}`;
    dataSource = createServiceDataSource({ url: integrationEnv().databaseUrl, poolSize: 2, schema, migrations: [migrationFor(schema)], logger, preparedStatements: true });
    await initializeAndMigrate(dataSource, schema, logger);
  }, 60_000);

  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await dataSource.destroy();
  });

  it('prepares a parameterised query once on its connection and runs it again by name; a plain one is not prepared', async () => {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      const sql = 'SELECT $1::int + 1 AS n';
      expect(await runner.query(sql, [1])).toEqual([{ n: 2 }]);
      expect(await runner.query(sql, [41])).toEqual([{ n: 42 }]);
      await runner.query('SELECT 1 AS plain');
      const prepared: { name: string; statement: string }[] = await runner.query('SELECT name, statement FROM pg_prepared_statements');
      expect(prepared.filter((p) => p.statement === sql)).toEqual([{ name: statementName(sql), statement: sql }]);
      expect(prepared.map((p) => p.statement)).not.toContain('SELECT 1 AS plain');
    } finally {
      await runner.release();
    }
  });

  it('prepares afresh a statement whose table changed shape (a newer replica migrated it) after the one run that fails', async () => {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      const table = `"${schema}".shapes`;
      await runner.query(`CREATE TABLE ${table} (id int PRIMARY KEY, name text)`);
      await runner.query(`INSERT INTO ${table} VALUES ($1, $2)`, [1, 'circle']);
      const sql = `SELECT * FROM ${table} WHERE id = $1`;
      expect(await runner.query(sql, [1])).toEqual([{ id: 1, name: 'circle' }]);
      await runner.query(`ALTER TABLE ${table} ADD COLUMN sides int NOT NULL DEFAULT 0`);
      await expect(runner.query(sql, [1])).rejects.toThrow(/cached plan must not change result type/);
      expect(await runner.query(sql, [1])).toEqual([{ id: 1, name: 'circle', sides: 0 }]);
    } finally {
      await runner.release();
    }
  });

  it(`runs texts past ${MAX_PREPARED_PER_CONNECTION} on one connection unnamed`, async () => {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      for (let i = 0; i < MAX_PREPARED_PER_CONNECTION + 10; i++) expect(await runner.query(`SELECT $1::int AS n${i}`, [i])).toEqual([{ [`n${i}`]: i }]);
      const [{ count }]: { count: number }[] = await runner.query('SELECT count(*)::int AS count FROM pg_prepared_statements');
      expect(count).toBeLessThanOrEqual(MAX_PREPARED_PER_CONNECTION);
    } finally {
      await runner.release();
    }
  });
});

describe('outbox to a real Kafka broker', () => {
  it('drains in order per key and keeps event ids stable', async () => {
    const { kafkaBrokers, databaseUrl } = integrationEnv();
    const schema = `t_${uniqueSuffix()}`;
    const dataSource = createServiceDataSource({ url: databaseUrl, poolSize: 4, schema, migrations: [migrationFor(schema)], logger });
    await initializeAndMigrate(dataSource, schema, logger);
    const layout = { prefix: `it-${uniqueSuffix()}.`, partitions: 3, replicationFactor: 1 };
    const producerBus = new KafkaBus({ brokers: kafkaBrokers, clientId: 'outbox-it', service: 'identity', layout, logger });
    const consumerBus = new KafkaBus({ brokers: kafkaBrokers, clientId: 'outbox-it', service: 'provisioning', layout, logger });
    const seen: { syncId: string; eventId: string }[] = [];
    consumerBus.subscribe('parley.provisioning.sync.requested.v1', async (p, ctx) => void seen.push({ syncId: p.syncId, eventId: ctx.eventId }), { group: 'p' });
    await producerBus.start();
    await consumerBus.start();
    const outbox = new Outbox(schema, 'identity');
    const relay = new OutboxRelay(dataSource, producerBus, outbox, logger, { schema, pollIntervalMs: 50 });
    try {
      const payloads = Array.from({ length: 30 }, syncRequested);
      await inTransaction(dataSource, (m) => outbox.enqueueAll(m, payloads.map((payload) => ({ topic: 'parley.provisioning.sync.requested.v1' as const, payload }))));
      const stored: { id: string }[] = await dataSource.query(`SELECT value::jsonb->>'id' AS id FROM "${schema}".outbox ORDER BY outbox.id`);
      relay.start();
      await waitFor(() => seen.length === 30, 30_000);
      expect(seen.map((s) => s.syncId)).toEqual(payloads.map((p) => p.syncId));
      expect(seen.map((s) => s.eventId)).toEqual(stored.map((s) => s.id));
    } finally {
      await relay.stop();
      await Promise.all([producerBus.stop(), consumerBus.stop()]);
      await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
      await dataSource.destroy();
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
