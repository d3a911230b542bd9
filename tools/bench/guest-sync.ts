// Guest Account Sync at scale: N Slack-primary people become Teams guests through the public API, with the Graph
// sandbox's documented limits on (time-compressed by --time-scale) and the five services as separate processes over
// Kafka, PostgreSQL and Redis.
//
// The floor is the earliest moment the slowest documented limit the plan passes through lets the last call go. Graph's
// limits (and the sandbox) count requests in windows: `requests` per `windowMs`, so `calls` need at least
//   (ceil(calls / requests) - 1) windows   (times the time scale)
// before the last one may start. Every guest makes one invitation (150 per 5 s per tenant) and one directory write in
// each tenant (3,000 per 150 s); team membership goes in bulk (up to 200 per request, 4 requests per second per team).
// For 2,000 guests the invitations set the floor: 13 windows of 5 s = 65 s at time scale 1. Reported: elapsed / floor
// (target <= 1.15) and the share of Graph answers that were 429 (target < 1%).
//
//   [MESSAGING_KEY_CONCURRENCY=n] [DATABASE_PREPARED_STATEMENTS=false] npm run bench:guest-sync -- [--people 2000] [--time-scale 1] [--rounds 3] [--partitions 24] [--warm-up 20]
//
// GUEST_SYNC_BENCH_LOG_LEVEL (warn by default; info costs about 0.01-0.02 of the ratio), GUEST_SYNC_BENCH_LOG_DIR
// (each service's log written there at the end, each round's Graph requests as graph-requests-round-N.tsv and how
// each table was read as table-scans-round-N.tsv) and GUEST_SYNC_BENCH_CPU_PROFILE_DIR (each service's V8 CPU profile, written when it stops) tell where a
// round's time went.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DOCUMENTED_LIMITS, type GraphLimits } from '@parley/sandbox-graph';
import { connectionRequests, startPlatformSandboxes } from '@parley/sandbox-runner';
import { guestLoadOrganization } from '@parley/sandbox-seed';
import { createFreshDatabase, deleteTopicsWithPrefix, ParleyCluster, queryRows, uniqueSuffix } from '@parley/testing';
import { AdminApi, ApiProblem } from '@parley/admin-client';
import { median, writeResults } from './bench-support';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const PEOPLE = option('people', 2000);
const TIME_SCALE = option('time-scale', 1);
const ROUNDS = option('rounds', 3);
const PARTITIONS = option('partitions', 24);
/** People in the unmeasured sync before the rounds (0: none). Another tenant, so its invitations share no window. */
const WARM_UP_PEOPLE = option('warm-up', 20);
const OPERATOR_KEY = `op_${'b'.repeat(40)}`;
const INTERNAL_TOKEN = `internal_${'b'.repeat(40)}`;

const BULK_ADD_MAX = 200;

function floorSeconds(guests: number, teams: number, limits: GraphLimits, timeScale: number): { seconds: number; by: string; perLimit: Record<string, number> } {
  const bound = (calls: number, limit: { requests: number; windowMs: number }) => Math.max(0, Math.ceil(calls / limit.requests) - 1) * (limit.windowMs / 1000) * timeScale;
  const perLimit = {
    invitations: bound(guests, limits.invitations),
    directoryWritesCustomer: bound(guests, limits.directoryWrites),
    directoryWritesHome: bound(guests, limits.directoryWrites),
    perTeam: teams > 0 ? bound(Math.ceil(guests / BULK_ADD_MAX), limits.perTeamOrChannel) : 0,
  };
  const [by, seconds] = Object.entries(perLimit).sort((a, b) => b[1] - a[1])[0] as [string, number];
  return { seconds, by, perLimit };
}

/**
 * How the sync's directory imports progressed in identity (applied / expected per platform) and when provisioning began
 * to plan, sampled every 100 ms: the steps between the sync request and the first invitation.
 */
function watchImports(databaseUrl: string, syncId: string, started: number): { stop(): Promise<string[]> } {
  const samples: string[] = [];
  let last = '';
  let running = true;
  const loop = (async () => {
    while (running) {
      const rows = await queryRows<{ platform: string; applied: number; expected: number | null; reconciled: boolean }>(
        databaseUrl,
        `SELECT d.platform, expected, reconciled_at IS NOT NULL AS reconciled,
                GREATEST(d.applied, (SELECT count(*)::int FROM identity.directory_import_users u WHERE u.sync_id = d.sync_id AND u.platform = d.platform)) AS applied
           FROM identity.directory_imports d WHERE d.sync_id = $1 ORDER BY d.platform`,
        [syncId],
      ).catch(() => []);
      const [planning] = await queryRows<{ chunks: number }>(
        databaseUrl,
        `SELECT plan_chunks AS chunks FROM provisioning.user_syncs WHERE id = $1 AND planning_started_at IS NOT NULL`,
        [syncId],
      ).catch(() => []);
      const parts = rows.map((r) => `${r.platform} ${r.applied}/${r.expected ?? '?'}${r.reconciled ? ' reconciled' : ''}`);
      if (planning) parts.push(`planning, ${planning.chunks} chunks committed`);
      const line = parts.join(', ');
      if (line && line !== last) samples.push(`${((Date.now() - started) / 1000).toFixed(2)}s ${line}`);
      last = line;
      if (planning && planning.chunks > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

function perWindow(times: readonly number[], windowMs: number): number[] {
  const first = times[0];
  if (first === undefined) return [];
  const counts: number[] = [];
  for (const t of times) {
    const index = Math.floor((t - first) / windowMs);
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return Array.from(counts, (n) => n ?? 0);
}

/**
 * The bursts as Graph saw them, in its fixed windows (each starts with the first request after the previous one
 * ended): how long each burst took to arrive (first to last request of the window, ms) and how far each window started
 * after the previous one began (ms: the paced spacing, ideally the window plus the pacing margins). A spread near the
 * window says the invitations were not ready when their window opened (the connector's throughput, not the pacing).
 */
function bursts(times: readonly number[], windowMs: number): { spreadMs: number[]; startGapsMs: number[] } {
  const windows: { start: number; last: number }[] = [];
  for (const t of times) {
    const current = windows.at(-1);
    if (current && t - current.start < windowMs) current.last = t;
    else windows.push({ start: t, last: t });
  }
  return {
    spreadMs: windows.map((w) => w.last - w.start),
    startGapsMs: windows.slice(1).map((w, i) => w.start - (windows[i] as { start: number }).start),
  };
}

/**
 * The status poll answers 502/503 "try again shortly" when a service is too starved to answer in time (a loaded
 * machine): the sync goes on, so the benchmark polls again instead of throwing a round away. Counted and reported.
 */
let transientPollErrors = 0;
async function waitThroughTransientErrors<T>(poll: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await poll();
    } catch (error) {
      if (!(error instanceof ApiProblem) || (error.status !== 502 && error.status !== 503) || ++transientPollErrors > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

async function main(): Promise<void> {
  const infra = (await import(path.resolve(__dirname, '../../../tools/infra/infra.mjs'))) as {
    ensureInfra(o?: { log?: (line: string) => void }): Promise<{ env: Record<string, string> }>;
  };
  const { env } = await infra.ensureInfra({ log: () => undefined });
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-bench-'));
  const sandboxes = await startPlatformSandboxes({ limitsEnabled: true, timeScale: TIME_SCALE });
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, sandboxes.graph.caPem);
  const database = await createFreshDatabase(env['DATABASE_URL'] as string, 'parley_bench');
  const topicPrefix = `bench-${uniqueSuffix()}.`;
  const profileDir = process.env['GUEST_SYNC_BENCH_CPU_PROFILE_DIR'];
  const cluster = new ParleyCluster({
    ...(profileDir ? { nodeArguments: ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] } : {}),
    apps: ['identity', 'provisioning', 'slack-connector', 'teams-connector', 'gateway'],
    env: {
      PARLEY_MODE: 'distributed',
      KAFKA_BROKERS: env['KAFKA_BROKERS'] as string,
      KAFKA_TOPIC_PREFIX: topicPrefix,
      KAFKA_TOPIC_PARTITIONS: String(PARTITIONS),
      MESSAGING_PARTITION_CONCURRENCY: String(PARTITIONS),
      // Messages of different keys worked at once per partition (default 4). The guest create topic sets its own (16,
      // ADR 0012 addendum), so this moves the other topics only.
      ...(process.env['MESSAGING_KEY_CONCURRENCY'] ? { MESSAGING_KEY_CONCURRENCY: process.env['MESSAGING_KEY_CONCURRENCY'] } : {}),
      // DATABASE_PREPARED_STATEMENTS=false runs the services without named prepared statements (ADR 0049).
      ...(process.env['DATABASE_PREPARED_STATEMENTS'] ? { DATABASE_PREPARED_STATEMENTS: process.env['DATABASE_PREPARED_STATEMENTS'] } : {}),
      DATABASE_URL: database.url,
      REDIS_URL: env['REDIS_URL'] as string,
      LOG_LEVEL: process.env['GUEST_SYNC_BENCH_LOG_LEVEL'] ?? 'warn',
      PARLEY_INTERNAL_TOKEN: INTERNAL_TOKEN,
      PARLEY_OPERATOR_API_KEY: OPERATOR_KEY,
      PARLEY_VAULT_KEYS: `bench-1:${Buffer.alloc(32, 9).toString('base64')}`,
      PARLEY_VAULT_ACTIVE_KEY: 'bench-1',
      PARLEY_GRAPH_LIMIT_TIME_SCALE: String(TIME_SCALE),
      PARLEY_SLACK_LIMIT_TIME_SCALE: String(TIME_SCALE),
      NODE_EXTRA_CA_CERTS: caFile,
    },
  });
  const rounds: Record<string, unknown>[] = [];
  try {
    await cluster.start();
    const operator = new AdminApi(cluster.url('gateway'), OPERATOR_KEY);
    if (WARM_UP_PEOPLE > 0) {
      // Unmeasured: a cluster that just created its topics is still electing partition leaders (its consumers retry
      // "not the leader" for seconds), and nothing has run through the JIT yet. A deployed Parley is past both.
      const credentials = sandboxes.seedOrganization(guestLoadOrganization(WARM_UP_PEOPLE, `bench-warm-up-${uniqueSuffix()}.example`, 'Bench warm-up'));
      const admin = operator.withKey((await operator.createOrg('Bench warm-up')).adminApiKey);
      const connections = connectionRequests(credentials);
      await admin.connect(connections.slack);
      await admin.connect(connections.teams);
      const sync = await admin.startSync('guest');
      const warmed = await waitThroughTransientErrors(() => admin.waitForSync(sync.id, { timeoutMs: 600_000, intervalMs: 250 }));
      console.log(`[bench:guest-sync] warm-up: ${WARM_UP_PEOPLE} people, ${warmed.status}`);
    }
    for (let round = 1; round <= ROUNDS; round++) {
      const credentials = sandboxes.seedOrganization(guestLoadOrganization(PEOPLE, `bench-${round}-${uniqueSuffix()}.example`, `Bench round ${round}`));
      const org = await operator.createOrg(`Bench round ${round}`);
      const admin = operator.withKey(org.adminApiKey);
      const connections = connectionRequests(credentials);
      await admin.connect(connections.slack);
      await admin.connect(connections.teams);

      sandboxes.graph.inspect.resetStatusCounts();
      sandboxes.graph.inspect.requests().length = 0;
      sandboxes.graph.inspect.recordRequests(true);
      const started = Date.now();
      const sync = await admin.startSync('guest');
      const importTimeline = watchImports(database.url, sync.id, started);
      let importedAt = 0;
      const finished = await waitThroughTransientErrors(() =>
        admin.waitForSync(sync.id, {
          timeoutMs: 3_600_000,
          intervalMs: 100,
          onProgress: (s) => {
            if (!importedAt && s.phase === 'provisioning') importedAt = Date.now();
          },
        }),
      );
      const elapsed = (Date.now() - started) / 1000;
      const imports = await importTimeline.stop();
      sandboxes.graph.inspect.recordRequests(false);
      // Where the time went: when the first and last invitation reached Graph, measured from the sync request.
      const invitations = sandboxes.graph.inspect.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/invitations'));
      const at = (iso: string | undefined) => (iso ? Number(((Date.parse(iso) - started) / 1000).toFixed(2)) : null);
      const statuses = sandboxes.graph.inspect.statusCounts();
      const requestCount = Object.values(statuses).reduce((a, b) => a + b, 0);
      const throttled = statuses[429] ?? 0;
      const floor = floorSeconds(PEOPLE, 1, DOCUMENTED_LIMITS, TIME_SCALE);
      const result = {
        round,
        startedAt: new Date(started).toISOString(),
        status: finished.status,
        created: finished.created,
        failed: finished.failed,
        elapsedSeconds: Number(elapsed.toFixed(2)),
        importAndPlanSeconds: importedAt ? Number(((importedAt - started) / 1000).toFixed(2)) : null,
        firstInvitationAtSeconds: at(invitations[0]?.at),
        // What Graph saw first, to tell the start-up's steps apart (seconds from the sync request).
        firstGraphCalls: sandboxes.graph.inspect
          .requests()
          .slice(0, 6)
          .map((r) => `${at(r.at)}s ${r.method} ${r.path.replace(/[0-9a-f-]{36}/g, ':id')} ${r.status}`),
        lastInvitationAtSeconds: at(invitations[invitations.length - 1]?.at),
        invitationsRecorded: invitations.length,
        // Invitations per window of the limit, counted from the first one: a paced run fills each to the limit.
        invitationsPerWindow: perWindow(invitations.map((r) => Date.parse(r.at)), DOCUMENTED_LIMITS.invitations.windowMs * TIME_SCALE),
        invitationBursts: bursts(invitations.map((r) => Date.parse(r.at)), DOCUMENTED_LIMITS.invitations.windowMs * TIME_SCALE),
        floorSeconds: Number(floor.seconds.toFixed(2)),
        floorSetBy: floor.by,
        ratioToFloor: Number((elapsed / floor.seconds).toFixed(3)),
        graphRequests: requestCount,
        graphStatuses: statuses,
        graphThrottled: throttled,
        throttledShare: Number((throttled / Math.max(1, requestCount)).toFixed(4)),
        importTimeline: imports,
        transientPollErrors,
        errorsSample: finished.errors.slice(0, 3),
      };
      console.log(JSON.stringify(result));
      rounds.push(result);
      const logDir = process.env['GUEST_SYNC_BENCH_LOG_DIR'];
      if (logDir) {
        // Every Graph request of the round, to follow one guest's steps (seconds from the sync request).
        mkdirSync(logDir, { recursive: true });
        const lines = sandboxes.graph.inspect.requests().map((r) => `${at(r.at)}\t${r.method}\t${r.path}\t${r.status}`);
        writeFileSync(path.join(logDir, `graph-requests-round-${round}.tsv`), `${lines.join('\n')}\n`);
        // How each table was read so far (cumulative): sequential scans of a growing table show a plan gone wrong.
        const scans = await queryRows<Record<string, unknown>>(
          database.url,
          `SELECT schemaname || '.' || relname AS "table", seq_scan, seq_tup_read, idx_scan, n_live_tup, last_autoanalyze
             FROM pg_stat_user_tables ORDER BY seq_tup_read DESC`,
        );
        const header = ['table', 'seq_scan', 'seq_tup_read', 'idx_scan', 'n_live_tup', 'last_autoanalyze'];
        const tsv = [header.join('\t'), ...scans.map((r) => header.map((h) => String(r[h] ?? '')).join('\t'))];
        writeFileSync(path.join(logDir, `table-scans-round-${round}.tsv`), `${tsv.join('\n')}\n`);
      }
    }
  } catch (error) {
    // What the services said last is what explains a failed round.
    console.error(cluster.describe());
    throw error;
  } finally {
    const logDir = process.env['GUEST_SYNC_BENCH_LOG_DIR'];
    if (logDir) {
      mkdirSync(logDir, { recursive: true });
      cluster.history.forEach((p, i) => writeFileSync(path.join(logDir, `${i}-${p.app}.log`), `${p.rawLines.join('\n')}\n${p.stderr.join('')}`));
    }
    await cluster.stop();
    await sandboxes.stop();
    await database.drop();
    await deleteTopicsWithPrefix((env['KAFKA_BROKERS'] as string).split(','), topicPrefix);
    rmSync(dir, { recursive: true, force: true });
  }
  const ratios = rounds.map((r) => r['ratioToFloor'] as number);
  writeResults('guest-sync', {
    people: PEOPLE,
    timeScale: TIME_SCALE,
    partitions: PARTITIONS,
    limits: DOCUMENTED_LIMITS,
    floor: floorSeconds(PEOPLE, 1, DOCUMENTED_LIMITS, TIME_SCALE),
    medianRatioToFloor: median(ratios),
    target: { ratioToFloor: 1.15, throttledShare: 0.01 },
    rounds,
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
