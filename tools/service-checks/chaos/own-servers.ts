import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { userInfo, tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { freePorts } from '@parley/testing';

// The broker control is a plain CommonJS tool (tools/infra), not an Nx project, so it is required by path.
// eslint-disable-next-line @nx/enforce-module-boundaries
const { startBroker } = require('../../infra/kafka-broker.cjs') as {
  startBroker(options: { dataDir: string }): Promise<{ brokers: string[]; kill(): Promise<void>; restart(): Promise<void>; stop(): Promise<void> }>;
};

/**
 * A Kafka broker, a PostgreSQL server and a Redis server of the chaos run's own, on loopback, so that the run can
 * restart each of them: the machine's are shared with every other check. Each is the real server (the same Kafka the
 * project runs, the machine's PostgreSQL and Redis binaries), started empty in a temporary folder and removed at stop.
 */
export interface OwnServers {
  /** KAFKA_BROKERS, DATABASE_URL and REDIS_URL for the stack. */
  readonly env: { readonly KAFKA_BROKERS: string; readonly DATABASE_URL: string; readonly REDIS_URL: string };
  /** SIGKILL of the broker (a crash: what it had acknowledged is on disk), then the same broker again after downMs. */
  restartKafka(downMs: number): Promise<void>;
  /** An immediate shutdown of PostgreSQL (every session cut, crash recovery at start), started again after downMs. */
  restartPostgres(downMs: number): Promise<void>;
  /** SIGKILL of Redis, started again empty after downMs (no persistence: every key gone, as deployed). */
  restartRedis(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startOwnServers(label: string): Promise<OwnServers> {
  const dir = mkdtempSync(path.join(tmpdir(), `parley-${label}-servers-`));
  const stops: (() => Promise<void>)[] = [];
  try {
    const broker = await startBroker({ dataDir: path.join(dir, 'kafka') });
    stops.push(() => broker.stop());
    // A folder of its own straight under the temporary folder: the server's user must reach it.
    const postgresDir = mkdtempSync(path.join(tmpdir(), `parley-${label}-postgres-`));
    stops.push(async () => rmSync(postgresDir, { recursive: true, force: true }));
    const postgres = await startPostgres(postgresDir);
    stops.push(() => postgres.stop());
    const redis = await startRedis();
    stops.push(() => redis.stop());
    return {
      env: { KAFKA_BROKERS: broker.brokers.join(','), DATABASE_URL: postgres.url, REDIS_URL: redis.url },
      async restartKafka(downMs) {
        await broker.kill();
        await sleep(downMs);
        await broker.restart();
      },
      restartPostgres: (downMs) => postgres.restart(downMs),
      restartRedis: (downMs) => redis.restart(downMs),
      stop: () => stopAll(stops, dir),
    };
  } catch (error) {
    await stopAll(stops, dir);
    throw error;
  }
}

async function stopAll(stops: readonly (() => Promise<void>)[], dir: string): Promise<void> {
  for (const stop of [...stops].reverse()) await stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}

/** PostgreSQL's own tools, from the binaries the machine's server runs (`pg_config --bindir`). */
function postgresTool(name: string): string {
  const found = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const bindir = found.status === 0 ? found.stdout.trim() : '';
  return bindir ? path.join(bindir, name) : name;
}

/** initdb and the server refuse to run as root: as root, they run as the `postgres` user the machine's server runs as. */
function asServerUser(command: string, args: readonly string[]): { command: string; args: string[] } {
  return userInfo().uid === 0 ? { command: 'runuser', args: ['-u', 'postgres', '--', command, ...args] } : { command, args: [...args] };
}

function run(command: string, args: readonly string[], what: string): void {
  const call = asServerUser(command, args);
  const result = spawnSync(call.command, call.args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${what} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`);
}

async function startPostgres(dataDir: string): Promise<{ url: string; restart(downMs: number): Promise<void>; stop(): Promise<void> }> {
  if (userInfo().uid === 0) {
    const owner = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const group = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(dataDir, Number(owner.stdout.trim()), Number(group.stdout.trim()));
  }
  const [port] = await freePorts(1);
  run(postgresTool('initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'], 'initdb');
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dataDir}`,
    // Two replicas of six services, each with its pool, and the run's own readers.
    '-c max_connections=300',
    // A checker's server: durability against a power cut is not what this run tests (a restart of the server is).
    // What a crash of the server loses stays as in production: a commit is acknowledged once its WAL is written to
    // the OS, which keeps it through the server's crash (synchronous_commit stays on).
    '-c fsync=off',
  ].join(' ');
  const pgCtl = postgresTool('pg_ctl');
  const start = () => run(pgCtl, ['-D', dataDir, '-o', options, '-l', path.join(dataDir, 'server.log'), '-w', '-t', '60', 'start'], 'pg_ctl start');
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart(downMs) {
      run(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], 'pg_ctl stop');
      await sleep(downMs);
      start();
    },
    async stop() {
      run(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], 'pg_ctl stop');
    },
  };
}

async function startRedis(): Promise<{ url: string; restart(downMs: number): Promise<void>; stop(): Promise<void> }> {
  const [port] = await freePorts(1);
  const url = `redis://127.0.0.1:${port}`;
  let server: ChildProcess | undefined;
  const start = async () => {
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const client = createClient({ url, socket: { reconnectStrategy: false } });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.ping();
        await client.quit();
        return;
      } catch (error) {
        // A client that never connected throws here rather than rejecting.
        await Promise.resolve()
          .then(() => client.disconnect())
          .catch(() => undefined);
        if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer within 20 s: ${String(error)}`);
        await sleep(100);
      }
    }
  };
  const kill = async () => {
    const running = server;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url,
    async restart(downMs) {
      await kill();
      await sleep(downMs);
      await start();
    },
    stop: kill,
  };
}
