// Slack sandbox throughput: chat.postMessage with limits off, driven from a separate client process (so the client's
// CPU does not compete with the server's event loop) over keep-alive with ~64 requests in flight. Medians of rounds.
// Usage: npm run build && node dist/tools/bench/slack-sandbox-throughput.js   (BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONCURRENCY)
import { fork } from 'node:child_process';
import http from 'node:http';
import { startSlackSandbox } from '@parley/sandbox-slack';
import { median, percentile, writeResults } from './bench-support';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 64);

interface ClientJob {
  apiUrl: string;
  token: string;
  channel: string;
  seconds: number;
  concurrency: number;
}

interface ClientResult {
  requests: number;
  errors: number;
  elapsedMs: number;
  p50Ms: number;
  p99Ms: number;
}

// ---- client side (child process) ----

function post(agent: http.Agent, url: URL, token: string, body: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.request(
      url,
      { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => resolve(response.statusCode === 200 && Buffer.concat(chunks).includes('"ok":true')));
      },
    );
    request.on('error', () => resolve(false));
    request.end(body);
  });
}

async function runClient(job: ClientJob): Promise<ClientResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const url = new URL(`${job.apiUrl}chat.postMessage`);
  const latencies: number[] = [];
  let errors = 0;
  let sequence = 0;
  const started = performance.now();
  const deadline = started + job.seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const body = `channel=${job.channel}&text=${encodeURIComponent(`benchmark message ${sequence++}`)}`;
      const sent = performance.now();
      const ok = await post(agent, url, job.token, body);
      latencies.push(performance.now() - sent);
      if (!ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  return { requests: latencies.length, errors, elapsedMs, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

// ---- server side (this process) ----

function clientRound(job: ClientJob): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--client'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (result: ClientResult) => {
      resolve(result);
      child.kill();
    });
    child.once('error', reject);
    child.send(job);
  });
}

async function main(): Promise<void> {
  const sandbox = await startSlackSandbox({ limits: { enabled: false } });
  const creds = sandbox.seedDemo();
  const job: ClientJob = { apiUrl: sandbox.apiUrl, token: creds.botToken, channel: creds.channels['general'] as string, seconds: SECONDS, concurrency: CONCURRENCY };
  await clientRound({ ...job, seconds: 1 }); // warm-up: JIT, sockets
  const rounds: Array<ClientResult & { requestsPerSecond: number }> = [];
  for (let i = 0; i < ROUNDS; i++) {
    const result = await clientRound(job);
    rounds.push({ ...result, requestsPerSecond: Math.round((result.requests / result.elapsedMs) * 1000) });
    console.log(`round ${i + 1}: ${rounds.at(-1)?.requestsPerSecond} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, errors ${result.errors}`);
  }
  await sandbox.stop();
  writeResults('slack-sandbox-throughput', {
    method: 'chat.postMessage',
    concurrency: CONCURRENCY,
    secondsPerRound: SECONDS,
    rounds,
    medianRequestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
    medianP50Ms: Number(median(rounds.map((r) => r.p50Ms)).toFixed(2)),
    medianP99Ms: Number(median(rounds.map((r) => r.p99Ms)).toFixed(2)),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    messagesStored: sandbox.state.conversations.get(job.channel)?.messages.length,
  });
}

if (process.argv.includes('--client')) {
  process.once('message', (job: ClientJob) => {
    void runClient(job).then((result) => process.send?.(result));
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
