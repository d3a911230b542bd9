// Outbox drain rate on PostgreSQL: rows committed to <schema>.outbox, then timed from relay start until the broker
// has acknowledged all of them and the outbox is empty. Medians of BENCH_ROUNDS rounds.
// Usage: npm run infra:up && npm run bench:outbox
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { KafkaBus } from '@parley/messaging';
import { createMessagingTables, createServiceDataSource, inTransaction, initializeAndMigrate, Outbox, OutboxRelay } from '@parley/persistence';
import { brokersFromEnv, median, writeResults } from './bench-support';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 20_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const logger = pino({ level: 'warn' });

async function round(): Promise<number> {
  const schema = `bench_${randomUUID().slice(0, 8)}`;
  class BenchInit1732700000000 implements MigrationInterface {
    name = 'BenchInit1732700000000';
    async up(runner: QueryRunner) {
      await createMessagingTables(runner, schema);
    }
    async down(runner: QueryRunner) {
      await runner.query(`DROP SCHEMA "${schema}" CASCADE`);
    }
  }
  const dataSource = createServiceDataSource({ url: databaseUrl, poolSize: 4, schema, migrations: [BenchInit1732700000000], logger });
  await initializeAndMigrate(dataSource, schema, logger);
  const bus = new KafkaBus({
    brokers: brokersFromEnv(),
    clientId: 'bench',
    service: 'bench-outbox',
    layout: { prefix: `bench-${schema}.`, partitions: 12, replicationFactor: 1 },
    logger,
  });
  await bus.start();
  const outbox = new Outbox(schema, 'provisioning');
  for (let i = 0; i < EVENTS; i += 500) {
    await inTransaction(dataSource, (m) =>
      outbox.enqueueAll(
        m,
        Array.from({ length: Math.min(500, EVENTS - i) }, () => ({
          topic: 'parley.provisioning.sync.requested.v1' as const,
          payload: { orgId: 'org_benchmark01', syncId: randomUUID(), mode: 'guest' as const, requestedBy: 'bench', requestedAt: new Date().toISOString() },
        })),
      ),
    );
  }
  const relay = new OutboxRelay(dataSource, bus, outbox, logger, { schema, batchSize: 500, pollIntervalMs: 20 });
  const started = Date.now();
  relay.start();
  for (;;) {
    const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".outbox`);
    if (n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const seconds = (Date.now() - started) / 1000;
  await relay.stop();
  await bus.stop();
  await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
  await dataSource.destroy();
  return EVENTS / seconds;
}

async function main(): Promise<void> {
  const rates: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    rates.push(await round());
    console.log(`round ${i + 1}: ${rates[i]?.toFixed(0)} events/s`);
  }
  writeResults('outbox-drain', { events: EVENTS, rounds: rates.map(Math.round), eventsPerSecond: Math.round(median(rates)) });
  process.exit(0);
}

void main();
