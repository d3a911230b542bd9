#!/usr/bin/env node
// The three things the tests need: PostgreSQL, Redis and Kafka.
//   node tools/infra/infra.mjs up      ensure all three (starting a local Kafka broker that outlives this command)
//   node tools/infra/infra.mjs down    stop the Kafka broker `up` started (PostgreSQL and Redis belong to the machine)
//   node tools/infra/infra.mjs status  report without starting anything
// The test runner calls ensureInfra() and passes the result on as DATABASE_URL, REDIS_URL and KAFKA_BROKERS.
// Spec: /work/shared/reference/infrastructure.md.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createClient } from 'redis';
import kafka from './kafka-broker.cjs';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const LOCAL_KAFKA = Object.freeze({
  port: 19092,
  controllerPort: 19093,
  dataDir: path.join(kafka.KAFKA_HOME, 'data'),
});
export const KAFKA_VERSION = kafka.KAFKA_VERSION;

const LOCAL_BROKERS = [`127.0.0.1:${LOCAL_KAFKA.port}`];
const START_LOCK = path.join(kafka.KAFKA_HOME, 'infra-up.lock');
const LOCK_WAIT_MS = 120_000;
// A server started a moment ago may need a little while to accept connections.
const SERVICE_START_WAIT_MS = 10_000;

/** An error whose message is meant for a person; the CLI prints it without a stack. */
class InfraError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InfraError';
    this.code = 'INFRA_UNAVAILABLE';
  }
}

// -----------------------------------------------------------------------------------------------------------------
// Probes

function quietError(error) {
  if (error && typeof error === 'object' && Array.isArray(error.errors) && error.errors.length) {
    return quietError(error.errors[0]); // AggregateError from dual-stack connects: the first cause says enough
  }
  return error instanceof Error ? error.message || error.code || error.name : String(error);
}

async function pingPostgres(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined); // a dropped connection after the check must not crash the caller
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: quietError(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function pingRedis(redisUrl) {
  // reconnectStrategy false: a probe reports the first failure instead of retrying forever in the background.
  const client = createClient({ url: redisUrl, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  // connect() rejects with a generic "Socket closed unexpectedly"; the 'error' event carries the cause.
  let cause;
  client.on('error', (error) => (cause ??= error));
  try {
    await client.connect();
    const pong = await client.ping();
    return pong === 'PONG' ? { ok: true } : { ok: false, reason: `PING answered ${pong}` };
  } catch (error) {
    return { ok: false, reason: quietError(cause ?? error) };
  } finally {
    if (client.isOpen) client.destroy();
  }
}

async function pingKafka(brokers) {
  try {
    await kafka.describeCluster(brokers, 3000);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: quietError(error) };
  }
}

/** Re-probes until it answers or the wait is over; for servers that were just started. */
async function pingUntil(ping, timeoutMs = SERVICE_START_WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await ping();
    if (result.ok || Date.now() >= deadline) return result;
    await delay(250);
  }
}

// -----------------------------------------------------------------------------------------------------------------
// Starting the machine's own servers

function commandExists(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * The start commands bring up the machine's server on its standard port; a remote URL, or a local one on another
 * port, is not something they can fix.
 */
function isStartableUrl(url, defaultPort) {
  try {
    const { hostname, port } = new URL(url);
    return ['127.0.0.1', 'localhost', '[::1]'].includes(hostname) && (port || String(defaultPort)) === String(defaultPort);
  } catch {
    return false;
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) return `${command}: ${result.error.message}`;
  if (result.status !== 0) return `${command} exited ${result.status}: ${(result.stderr || result.stdout).trim()}`;
  return null;
}

function startPostgres() {
  let versions = [];
  try {
    versions = fs.readdirSync('/etc/postgresql').filter((v) => fs.existsSync(`/etc/postgresql/${v}/main`));
  } catch {
    /* no clusters configured */
  }
  if (!versions.length) return 'pg_ctlcluster found no cluster under /etc/postgresql/<version>/main';
  // Newest first: several installed majors would make the documented `$(ls /etc/postgresql)` ambiguous.
  const version = versions.sort((a, b) => Number(b) - Number(a))[0];
  return run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
}

function startRedis() {
  for (const dir of ['/var/lib/redis', '/var/log/redis']) fs.mkdirSync(dir, { recursive: true });
  return run('redis-server', [
    '--daemonize', 'yes',
    '--bind', '127.0.0.1', '-::1',
    '--port', '6379',
    '--save', '',
    '--appendonly', 'no',
    '--dir', '/var/lib/redis',
    '--logfile', '/var/log/redis/ci.log',
  ]);
}

/**
 * Probe; if the server is local, not answering, and its start command exists, start it and probe again.
 * Resolves a status line or rejects with an InfraError that says what is missing and how to provide it.
 */
async function ensureService({ name, url, defaultPort, envVar, ping, startCommand, start, howTo }) {
  const first = await ping(url);
  if (first.ok) return `${name} at ${redact(url)} (already running)`;
  const canStart = isStartableUrl(url, defaultPort) && commandExists(startCommand);
  if (!canStart) {
    throw new InfraError(`${name} does not answer at ${redact(url)} (${first.reason}). ${howTo}, or set ${envVar}.`);
  }
  const startError = start();
  const second = await pingUntil(() => ping(url));
  if (second.ok) return `${name} at ${redact(url)} (started)`;
  const detail = startError ?? second.reason;
  throw new InfraError(`${name} does not answer at ${redact(url)} and starting it failed (${detail}). ${howTo}, or set ${envVar}.`);
}

/** Passwords in URLs stay out of logs. */
function redact(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

function ensurePostgres(databaseUrl) {
  return ensureService({
    name: 'postgres',
    url: databaseUrl,
    defaultPort: 5432,
    envVar: 'DATABASE_URL',
    ping: pingPostgres,
    startCommand: 'pg_ctlcluster',
    start: startPostgres,
    howTo:
      'Start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` ' +
      '(install: apt-get install postgresql; trust auth for user postgres on 127.0.0.1)',
  });
}

function ensureRedis(redisUrl) {
  return ensureService({
    name: 'redis',
    url: redisUrl,
    defaultPort: 6379,
    envVar: 'REDIS_URL',
    ping: pingRedis,
    startCommand: 'redis-server',
    start: startRedis,
    howTo: 'Start it with `redis-server --daemonize yes --port 6379 --save ""` (install: apt-get install redis-server)',
  });
}

// -----------------------------------------------------------------------------------------------------------------
// Kafka

/** Splits "host:port,host:port" into the list kafkajs takes. */
export function parseBrokers(value) {
  return String(value)
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

function describeLocalBroker(state) {
  const pid = kafka.readBrokerPid(LOCAL_KAFKA.dataDir);
  // The running JVM may come from an older pinned version: say which one it really is.
  const version = (pid && kafka.versionOfPid(pid)) || KAFKA_VERSION;
  return `kafka ${version} at ${LOCAL_BROKERS.join(',')} (${state})`;
}

/**
 * Serialises `up` across processes (two test runs started together must not both launch a JVM on 19092).
 * The lock holds the owner's pid, so one left by a crashed process is taken over instead of waited on.
 */
async function withStartLock(fn) {
  fs.mkdirSync(path.dirname(START_LOCK), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.writeFileSync(START_LOCK, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (!lockOwnerAlive()) {
        fs.rmSync(START_LOCK, { force: true });
        continue;
      }
      if (Date.now() >= deadline) throw new InfraError(`timed out waiting for ${START_LOCK}; remove it if stale`);
      await delay(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(START_LOCK, { force: true });
  }
}

function lockOwnerAlive() {
  try {
    const pid = Number.parseInt(fs.readFileSync(START_LOCK, 'utf8'), 10);
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

async function startLocalKafka() {
  const libs = await kafka.ensureBrokerLibs();
  const broker = await kafka.startBroker({ ...LOCAL_KAFKA, detached: true });
  const fetched = libs.fetched ? `, fetched jars in ${(libs.ms / 1000).toFixed(1)} s` : '';
  return { line: `kafka ${KAFKA_VERSION} at ${broker.brokers.join(',')} (started, pid ${broker.pid}${fetched})`, broker };
}

async function ensureLocalKafka() {
  if ((await pingKafka(LOCAL_BROKERS)).ok) return describeLocalBroker('already running');
  return withStartLock(async () => {
    // Whoever held the lock before us may have just started it; or a broker of ours is still starting up.
    if (kafka.readBrokerPid(LOCAL_KAFKA.dataDir) !== null) {
      const waited = await pingUntil(() => pingKafka(LOCAL_BROKERS), 60_000);
      if (waited.ok) return describeLocalBroker('already running');
      throw new InfraError(
        `a Kafka broker from ${LOCAL_KAFKA.dataDir} is running but does not answer on ${LOCAL_BROKERS} ` +
          `(${waited.reason}); see ${path.join(LOCAL_KAFKA.dataDir, 'broker.log')} or run \`npm run infra:down\``,
      );
    }
    try {
      return (await startLocalKafka()).line;
    } catch (error) {
      throw new InfraError(error.message);
    }
  });
}

async function ensureKafka(envBrokers, log) {
  if (envBrokers) {
    const brokers = parseBrokers(envBrokers);
    const result = await pingKafka(brokers);
    if (result.ok) return { line: `kafka at ${brokers.join(',')} (KAFKA_BROKERS, already running)`, brokers };
    // Falling back keeps a stale export from breaking a run, but it must not go unnoticed.
    log(`infra: warning: KAFKA_BROKERS=${envBrokers} does not answer (${result.reason}); using the local broker`);
  }
  return { line: await ensureLocalKafka(), brokers: LOCAL_BROKERS };
}

// -----------------------------------------------------------------------------------------------------------------
// Public API

/**
 * Makes PostgreSQL, Redis and Kafka available, starting what can be started on this machine, and prints one line
 * per dependency. Rejects with one message listing everything that is missing.
 *
 * @param {{ env?: NodeJS.ProcessEnv, log?: (line: string) => void }} [options]
 * @returns {Promise<{ databaseUrl: string, redisUrl: string, kafkaBrokers: string, kafkaBrokerList: string[],
 *   env: { DATABASE_URL: string, REDIS_URL: string, KAFKA_BROKERS: string } }>}
 *   kafkaBrokers is comma-separated, the same format as the KAFKA_BROKERS variable.
 */
export async function ensureInfra({ env = process.env, log = (line) => console.log(line) } = {}) {
  const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const redisUrl = env.REDIS_URL || DEFAULT_REDIS_URL;
  const [postgres, redis, kafkaResult] = await Promise.allSettled([
    ensurePostgres(databaseUrl),
    ensureRedis(redisUrl),
    ensureKafka(env.KAFKA_BROKERS, log),
  ]);
  const failures = [];
  for (const result of [postgres, redis, kafkaResult]) {
    if (result.status === 'fulfilled') log(`infra: ${result.value.line ?? result.value}`);
    else failures.push(result.reason);
  }
  if (failures.length) {
    const unexpected = failures.find((f) => !(f instanceof InfraError));
    if (unexpected) throw unexpected;
    throw new InfraError(failures.map((f) => `infra: ${f.message}`).join('\n'));
  }
  const kafkaBrokers = kafkaResult.value.brokers.join(',');
  return {
    databaseUrl,
    redisUrl,
    kafkaBrokers,
    kafkaBrokerList: kafkaResult.value.brokers,
    env: { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, KAFKA_BROKERS: kafkaBrokers },
  };
}

/** Stops the broker `up` started. PostgreSQL and Redis are the machine's and keep running. */
export async function stopInfra({ log = (line) => console.log(line) } = {}) {
  const { stopped, pid } = await kafka.stopBrokerByPidFile(LOCAL_KAFKA.dataDir);
  log(stopped ? `infra: kafka broker (pid ${pid}) stopped` : 'infra: no kafka broker from `infra:up` was running');
  log('infra: postgres and redis belong to the machine and were left running');
}

/** Reports each dependency without starting anything; resolves true when all three answer. */
export async function infraStatus({ env = process.env, log = (line) => console.log(line) } = {}) {
  const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const redisUrl = env.REDIS_URL || DEFAULT_REDIS_URL;
  const brokers = env.KAFKA_BROKERS ? parseBrokers(env.KAFKA_BROKERS) : LOCAL_BROKERS;
  const [postgres, redis, kafkaState] = await Promise.all([
    pingPostgres(databaseUrl),
    pingRedis(redisUrl),
    pingKafka(brokers),
  ]);
  const line = (name, target, result) => `infra: ${name} at ${target}: ${result.ok ? 'up' : `down (${result.reason})`}`;
  log(line('postgres', redact(databaseUrl), postgres));
  log(line('redis', redact(redisUrl), redis));
  log(line('kafka', brokers.join(','), kafkaState));
  const pid = kafka.readBrokerPid(LOCAL_KAFKA.dataDir);
  if (pid) log(`infra: local kafka ${kafka.versionOfPid(pid) ?? '?'} broker pid ${pid}, data ${LOCAL_KAFKA.dataDir}`);
  return postgres.ok && redis.ok && kafkaState.ok;
}

// -----------------------------------------------------------------------------------------------------------------
// CLI

async function main(command) {
  switch (command) {
    case 'up': {
      const infra = await ensureInfra();
      console.log(`infra: ready; for a shell: export ${Object.entries(infra.env).map(([k, v]) => `${k}=${v}`).join(' ')}`);
      return 0;
    }
    case 'down':
      await stopInfra();
      return 0;
    case 'status':
      return (await infraStatus()) ? 0 : 1;
    default:
      console.error('usage: node tools/infra/infra.mjs <up|down|status>');
      return 2;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2]).then(
    (code) => process.exit(code),
    (error) => {
      console.error(error instanceof InfraError ? error.message : error);
      process.exit(1);
    },
  );
}
