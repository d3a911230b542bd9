// How fast identity applies a directory import: N observations of one sync (and the import's completion) published
// at once onto the in-process bus, timed until identity publishes parley.identity.directory.reconciled.v1. This is the
// part of a Guest Account Sync before planning that is identity's own work (ADR 0031), without Kafka or the
// connectors, so it can be compared between two builds on a shared machine.
//
//   npm run bench:identity-import -- [--people 2000] [--rounds 3] [--partitions 24]
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '@parley/config';
import type { Payload } from '@parley/contracts';
import { createIdentityService, identityService } from '@parley/identity-feature';
import { InProcessBroker, InProcessBus, toOutgoingRecord } from '@parley/messaging';
import { createFreshDatabase } from '@parley/testing';
import { startServiceInProcess } from '@parley/testing-in-process';
import { median, writeResults } from './bench-support';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const PEOPLE = option('people', 2000);
const ROUNDS = option('rounds', 3);
const PARTITIONS = option('partitions', 24);

async function main(): Promise<void> {
  const infra = (await import(path.resolve(__dirname, '../../../tools/infra/infra.mjs'))) as {
    ensureInfra(o?: { log?: (line: string) => void }): Promise<{ env: Record<string, string> }>;
  };
  const { env } = await infra.ensureInfra({ log: () => undefined });
  const database = await createFreshDatabase(env['DATABASE_URL'] as string, 'parley_bench_import');
  const logger = pino({ level: 'warn' });
  const broker = new InProcessBroker(PARTITIONS);
  const reconciled = new Map<string, number>();
  const listener = new InProcessBus(broker, { service: 'provisioning', logger });
  listener.subscribe(
    'parley.identity.directory.reconciled.v1',
    async (event: Payload<'parley.identity.directory.reconciled.v1'>) => void reconciled.set(event.syncId, Date.now()),
    { group: 'bench-provisioning' },
  );
  await listener.start();
  const config = loadConfig(identityService.configSections ?? {}, {
    PARLEY_VAULT_KEYS: `bench-1:${randomBytes(32).toString('base64')}`,
    PARLEY_VAULT_ACTIVE_KEY: 'bench-1',
  });
  const identity = await startServiceInProcess(createIdentityService(), { databaseUrl: database.url, broker, config, logger });
  const rounds: { round: number; people: number; seconds: number; perSecond: number }[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const orgId = `org_bench${round}${randomBytes(6).toString('hex')}`;
      const syncId = randomUUID();
      const observedAt = new Date().toISOString();
      const records = Array.from({ length: PEOPLE }, (_, i) =>
        toOutgoingRecord(
          'parley.directory.user.observed.v1',
          {
            orgId,
            syncId,
            platform: 'slack',
            platformUserId: `U${String(i).padStart(6, '0')}`,
            email: `eng${i}@round${round}.example`,
            displayName: `Engineer ${i}`,
            isBot: false,
            isDeactivated: false,
            observedAt,
          },
          'slack-connector',
        ),
      );
      records.push(
        toOutgoingRecord('parley.directory.import.completed.v1', { orgId, syncId, connectionId: randomUUID(), platform: 'slack', observed: PEOPLE, incremental: false }, 'slack-connector'),
      );
      const started = Date.now();
      await identity.bus.publishRecords(records);
      while (!reconciled.has(syncId)) {
        if (Date.now() - started > 600_000) throw new Error(`round ${round}: not reconciled within 10 minutes`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const seconds = ((reconciled.get(syncId) as number) - started) / 1000;
      const result = { round, people: PEOPLE, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(PEOPLE / seconds) };
      console.log(JSON.stringify(result));
      rounds.push(result);
    }
  } finally {
    await identity.stop();
    await listener.stop();
    await database.drop();
  }
  writeResults('identity-import', { people: PEOPLE, partitions: PARTITIONS, medianSeconds: median(rounds.map((r) => r.seconds)), rounds });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
