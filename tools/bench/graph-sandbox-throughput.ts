// Graph sandbox throughput: POST /chats/{id}/messages with a delegated token, limits off, driven from a separate
// process (so the load generator does not share the sandbox's event loop) over keep-alive HTTPS (undici Pool, 64 connections), ~64 in flight.
// Usage: npm run build && node dist/tools/bench/graph-sandbox-throughput.js
//        (BENCH_ROUNDS, BENCH_SECONDS, BENCH_CONCURRENCY to change the shape)
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { startGraphSandbox } from '@parley/sandbox-graph';
import { median, percentile, writeResults } from './bench-support';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 64);
const CHILD_FLAG = '--load-generator';

interface Job {
  url: string;
  caPem: string;
  token: string;
  chatId: string;
  seconds: number;
  concurrency: number;
}

interface RoundResult {
  requests: number;
  errors: number;
  statuses: Record<string, number>;
  elapsedMs: number;
  latenciesMs: number[];
}

/**
 * Child side: keep `concurrency` requests in flight for `seconds`, then report. undici's Pool is the client (the
 * engine under Node's fetch and far lighter per request than node:https), so the generator is not the bottleneck.
 */
async function generateLoad(job: Job): Promise<RoundResult> {
  const pool = new Pool(job.url, { connections: job.concurrency, pipelining: 1, connect: { ca: job.caPem } });
  const path = `/v1.0/chats/${encodeURIComponent(job.chatId)}/messages`;
  const headers = { authorization: `Bearer ${job.token}`, 'content-type': 'application/json' };
  const body = JSON.stringify({ body: { contentType: 'text', content: 'benchmark message from the load generator' } });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let requests = 0;
  const send = async (): Promise<void> => {
    const started = performance.now();
    try {
      const response = await pool.request({ method: 'POST', path, headers, body });
      await response.body.dump();
      latencies.push(performance.now() - started);
      statuses[String(response.statusCode)] = (statuses[String(response.statusCode)] ?? 0) + 1;
      if (response.statusCode !== 201) errors++;
      requests++;
    } catch {
      errors++;
    }
  };
  // Warm the connections (TLS handshakes) before the clock starts.
  await Promise.all(Array.from({ length: job.concurrency }, send));
  latencies.length = 0;
  requests = 0;
  errors = 0;
  for (const key of Object.keys(statuses)) delete statuses[key];
  const start = performance.now();
  const deadline = start + job.seconds * 1000;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (performance.now() < deadline) await send();
    }),
  );
  const elapsedMs = performance.now() - start;
  await pool.close();
  return { requests, errors, statuses, elapsedMs, latenciesMs: latencies };
}

function runChild(job: Job): Promise<RoundResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [CHILD_FLAG], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (message) => resolve(message as RoundResult));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
    child.send(job);
  });
}

async function main(): Promise<void> {
  const sandbox = await startGraphSandbox({ limits: { enabled: false } });
  try {
    const credentials = sandbox.seedDemo();
    const [alice, bob] = Object.keys(credentials.passwords) as [string, string];
    const chatId = sandbox.control.createChat({ members: [alice, bob] }).id;
    const token = sandbox.control.token({ clientId: credentials.clientId, tenantId: credentials.customerTenantId, as: alice });
    const rounds: { requestsPerSecond: number; p50Ms: number; p99Ms: number; errors: number; statuses: Record<string, number> }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const result = await runChild({ url: sandbox.url, caPem: sandbox.caPem, token, chatId, seconds: SECONDS, concurrency: CONCURRENCY });
      const summary = {
        requestsPerSecond: Math.round((result.requests / result.elapsedMs) * 1000),
        p50Ms: Number(percentile(result.latenciesMs, 50).toFixed(2)),
        p99Ms: Number(percentile(result.latenciesMs, 99).toFixed(2)),
        errors: result.errors,
        statuses: result.statuses,
      };
      console.log(`round ${round}: ${summary.requestsPerSecond} req/s, p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms, errors ${summary.errors}`);
      rounds.push(summary);
    }
    writeResults('graph-sandbox-throughput', {
      operation: 'POST /v1.0/chats/{id}/messages (delegated token, limits off, HTTPS keep-alive, separate load process)',
      concurrency: CONCURRENCY,
      secondsPerRound: SECONDS,
      medianRequestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
      medianP50Ms: median(rounds.map((r) => r.p50Ms)),
      medianP99Ms: median(rounds.map((r) => r.p99Ms)),
      targetRequestsPerSecond: 2000,
      rounds,
    });
  } finally {
    await sandbox.stop();
  }
}

if (process.argv.includes(CHILD_FLAG)) {
  process.once('message', (job) => {
    void generateLoad(job as Job).then((result) => {
      process.send?.(result, () => process.exit(0));
    });
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
