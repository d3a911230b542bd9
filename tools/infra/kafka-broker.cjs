'use strict';
// A real, single-node Apache Kafka broker (KRaft combined mode) for tests and local runs, with no Docker.
// The broker jars come from Maven Central (the only artifact source these machines reach) and are cached under
// <repo>/.parley/kafka/<version>/lib. CommonJS on purpose: Jest tests written in TypeScript `require` this file.
// Spec: /work/shared/reference/infrastructure.md, "A real Apache Kafka broker without Docker".

const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

// Pinned pair: kafkajs 2.2.4 is proven against 3.x KRaft brokers; 3.x logs through slf4j + reload4j.
const KAFKA_VERSION = '3.9.1';
const SLF4J_RELOAD4J_VERSION = '1.7.36';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const KAFKA_HOME = path.join(REPO_ROOT, '.parley', 'kafka');
const CACHE_DIR = path.join(KAFKA_HOME, KAFKA_VERSION);
const LIB_DIR = path.join(CACHE_DIR, 'lib');
const KAFKA_JAR = `kafka_2.13-${KAFKA_VERSION}.jar`;
// Lives inside lib/ so that it appears atomically with the jars (see fetchIntoStaging).
const MARKER_FILE = '.parley-complete';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
const POLL_INTERVAL_MS = 250;
const LOG_TAIL_LINES = 30;

const MISSING_TOOLS_HINT =
  'Kafka needs Java 17+ and Maven: apt-get install openjdk-17-jre-headless maven, or set KAFKA_BROKERS to an existing broker';

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// For timeouts raced against something else: a pending timer must not hold Node open after the race is decided.
const unrefDelay = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());

// ---------------------------------------------------------------------------------------------------------------
// Toolchain and broker jars

function javaBin() {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

const checkedTools = new Set();

/** Throws the install hint unless `java` (17+) and, when `needMaven`, `mvn` can be run. Checked once per process. */
function assertToolchain({ needMaven }) {
  const key = needMaven ? 'java+mvn' : 'java';
  if (checkedTools.has(key)) return;
  checkToolchain(needMaven);
  checkedTools.add(key);
}

function checkToolchain(needMaven) {
  const java = spawnSync(javaBin(), ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0) throw new Error(`${MISSING_TOOLS_HINT} (java not found: ${javaBin()})`);
  // `java -version` prints e.g. `openjdk version "17.0.15"` (or "1.8.0_x" for Java 8) on stderr.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(java.stderr);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : 0;
  if (major < 17) throw new Error(`${MISSING_TOOLS_HINT} (found Java ${match ? major : 'of unknown version'})`);
  if (!needMaven) return;
  const mvn = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (mvn.error || mvn.status !== 0) throw new Error(`${MISSING_TOOLS_HINT} (mvn not found)`);
}

function brokerPom() {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <!-- Written by tools/infra/kafka-broker.cjs: only used to resolve the broker's jars from Maven Central. -->
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.parley</groupId><artifactId>kafka-broker</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>${SLF4J_RELOAD4J_VERSION}</version></dependency>
  </dependencies>
</project>
`;
}

function libsReady(libDir) {
  return fs.existsSync(path.join(libDir, KAFKA_JAR)) && fs.existsSync(path.join(libDir, MARKER_FILE));
}

/** Writes via a temp file + rename so a concurrent reader never sees half a file. */
function writeFileAtomic(file, content) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

function runMaven(pomFile, outputDir) {
  return new Promise((resolve, reject) => {
    const args = ['-q', '-B', '-f', pomFile, 'dependency:copy-dependencies', `-DoutputDirectory=${outputDir}`];
    const child = spawn('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => reject(new Error(`${MISSING_TOOLS_HINT} (${error.message})`)));
    child.on('exit', (code, signal) => {
      if (code === 0) return resolve();
      const tail = output.trim().split('\n').slice(-LOG_TAIL_LINES).join('\n');
      reject(new Error(`mvn could not resolve Kafka ${KAFKA_VERSION} (exit ${code ?? signal}):\n${tail}`));
    });
  });
}

/**
 * Resolves into a private staging folder, then renames it to lib/ in one step. Several processes (parallel test
 * runners, Jest workers) may fetch at once; whoever renames first wins and the others discard their copy, so
 * lib/ is never observed half-filled.
 */
async function fetchIntoStaging(libDir) {
  const cacheDir = path.dirname(libDir);
  const staging = path.join(cacheDir, `lib.staging-${process.pid}-${Date.now()}`);
  const pomFile = path.join(cacheDir, 'pom.xml');
  writeFileAtomic(pomFile, brokerPom());
  try {
    await runMaven(pomFile, staging);
    if (!fs.existsSync(path.join(staging, KAFKA_JAR))) throw new Error(`mvn finished but ${KAFKA_JAR} is missing`);
    fs.writeFileSync(path.join(staging, MARKER_FILE), `kafka ${KAFKA_VERSION} fetched ${new Date().toISOString()}\n`);
    // A lib/ without the marker is the leftover of an older, non-atomic fetch: replace it.
    if (fs.existsSync(libDir) && !libsReady(libDir)) fs.rmSync(libDir, { recursive: true, force: true });
    try {
      fs.renameSync(staging, libDir);
    } catch (error) {
      if (!libsReady(libDir)) throw error; // ENOTEMPTY/EEXIST is fine only if a concurrent fetch completed.
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Makes sure the broker's jars are in the cache. Fast no-op when they already are.
 * @returns {Promise<{ libDir: string, version: string, fetched: boolean, ms: number }>}
 */
async function ensureBrokerLibs() {
  const started = Date.now();
  if (libsReady(LIB_DIR)) return { libDir: LIB_DIR, version: KAFKA_VERSION, fetched: false, ms: Date.now() - started };
  assertToolchain({ needMaven: true });
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  await fetchIntoStaging(LIB_DIR);
  return { libDir: LIB_DIR, version: KAFKA_VERSION, fetched: true, ms: Date.now() - started };
}

// ---------------------------------------------------------------------------------------------------------------
// Ports and probes

/** Asks the OS for a free loopback port. Another process can still take it before the broker binds it. */
function getFreePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
function isPortOpen(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * One attempt at `admin.describeCluster()`; resolves the cluster description or rejects.
 * kafkajs' own retries are off: the callers own the retry loop and its deadline.
 */
async function describeCluster(brokers, timeoutMs = 2000) {
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({
    clientId: 'parley-infra-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    // Until the broker has registered with its controller it can answer with no live brokers.
    if (!cluster.brokers.length) throw new Error('the cluster reports no live brokers yet');
    return cluster;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** True when the brokers answer `describeCluster()` within the timeout. */
async function probeBrokers(brokers, timeoutMs = 3000) {
  try {
    await describeCluster(brokers, timeoutMs);
    return true;
  } catch {
    return false;
  }
}

/**
 * Retries `describeCluster()` until it succeeds or `timeoutMs` passes. `isDead()` lets the caller stop early when
 * the broker process has exited; `logFile` adds the log's tail to the timeout error.
 */
async function waitForBrokers(brokers, { timeoutMs = READY_TIMEOUT_MS, logFile, isDead = () => null } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    const death = isDead();
    if (death) throw new Error(`Kafka broker exited during startup (${death})${logTail(logFile)}`);
    try {
      return await describeCluster(brokers, Math.min(2000, Math.max(500, deadline - Date.now())));
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError ? `: ${lastError.message}` : '';
      throw new Error(`Kafka broker at ${brokers.join(',')} not ready after ${timeoutMs} ms${reason}${logTail(logFile)}`);
    }
    await delay(POLL_INTERVAL_MS);
  }
}

function logTail(logFile, lines = LOG_TAIL_LINES) {
  if (!logFile) return '';
  try {
    const text = fs.readFileSync(logFile, 'utf8').trimEnd();
    if (!text) return `\n(broker log ${logFile} is empty)`;
    return `\n--- last ${lines} lines of ${logFile} ---\n${text.split('\n').slice(-lines).join('\n')}`;
  } catch {
    return `\n(no broker log at ${logFile})`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Broker configuration and storage

function serverProperties({ port, controllerPort, logDirs }) {
  return [
    '# Written by tools/infra/kafka-broker.cjs on every start; edits are overwritten.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDirs}`,
    'num.partitions=12',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    // One node: the internal topics would otherwise wait forever for 3 replicas.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    // Tests join consumer groups constantly; the default 3 s delay would be paid on every first join.
    'group.initial.rebalance.delay.ms=0',
    // After a crash (kill()) the controller keeps the dead incarnation's registration until its session expires
    // (default 9 s) and only then accepts the restarted broker; a shorter session makes restart() a few seconds.
    'broker.heartbeat.interval.ms=500',
    'broker.session.timeout.ms=3000',
    // Consumers race topic auto-creation under KRaft: topics are created explicitly.
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

// Everything goes to stdout, which the spawner points at the log file: one writer, and JVM errors that happen
// before log4j starts (bad classpath, heap) land in the same file as Kafka's own messages.
function log4jProperties() {
  return [
    '# Written by tools/infra/kafka-broker.cjs.',
    'log4j.rootLogger=WARN, stdout',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
    // The start/stop milestones, so the log says when the broker was up and why it went down.
    'log4j.logger.kafka.server.KafkaRaftServer=INFO',
    'log4j.logger.kafka.server.BrokerServer=INFO',
    '',
  ].join('\n');
}

/**
 * 16 random bytes in base64url: the 22-character form StorageTool expects. Never one starting with `-`: StorageTool's
 * argument parser takes `-t -xyz...` for a missing value and an option (1 id in 64 did, and failed a CI run).
 */
function newClusterId() {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The cluster id is kept next to the data so a restart never re-formats with a different one. */
function clusterIdFor(dataDir) {
  const file = path.join(dataDir, 'cluster.id');
  // An id starting with `-` never formatted anything (see newClusterId): it is replaced.
  if (fs.existsSync(file) && !fs.readFileSync(file, 'utf8').trim().startsWith('-')) return fs.readFileSync(file, 'utf8').trim();
  const id = newClusterId();
  fs.writeFileSync(file, `${id}\n`);
  return id;
}

function javaArgs({ libDir, log4jFile, heap = ['-Xms256m', '-Xmx512m'] }) {
  return [...heap, '-Djava.awt.headless=true', `-Dlog4j.configuration=file:${log4jFile}`, '-cp', path.join(libDir, '*')];
}

/** Formats the KRaft storage once; a formatted log dir (meta.properties present) is left alone. */
function formatStorage({ libDir, dataDir, logDirs, propertiesFile, log4jFile }) {
  if (fs.existsSync(path.join(logDirs, 'meta.properties'))) return;
  const args = [
    ...javaArgs({ libDir, log4jFile, heap: ['-Xmx256m'] }),
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterIdFor(dataDir),
    '-c',
    propertiesFile,
    '--ignore-formatted',
  ];
  const result = spawnSync(javaBin(), args, { encoding: 'utf8' });
  if (result.error) throw new Error(`${MISSING_TOOLS_HINT} (${result.error.message})`);
  if (result.status !== 0) {
    throw new Error(`Kafka StorageTool format failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
}

function writeConfig({ dataDir, port, controllerPort }) {
  const logDirs = path.join(dataDir, 'kraft-logs');
  const propertiesFile = path.join(dataDir, 'server.properties');
  const log4jFile = path.join(dataDir, 'log4j.properties');
  fs.mkdirSync(logDirs, { recursive: true });
  fs.writeFileSync(propertiesFile, serverProperties({ port, controllerPort, logDirs }));
  fs.writeFileSync(log4jFile, log4jProperties());
  return { logDirs, propertiesFile, log4jFile };
}

// ---------------------------------------------------------------------------------------------------------------
// Broker processes

const pidFileOf = (dataDir) => path.join(dataDir, 'broker.pid');

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM'; // exists, owned by someone else
  }
}

function commandLineOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    const ps = spawnSync('ps', ['-p', String(pid), '-o', 'args='], { encoding: 'utf8' });
    return ps.status === 0 ? ps.stdout.trim() : null;
  }
}

/**
 * The pid in a pid file may have been reused by an unrelated process after a reboot or crash; only a `kafka.Kafka`
 * JVM started with this data dir's server.properties counts as ours.
 */
function isOurBroker(pid, dataDir) {
  if (!isAlive(pid)) return false;
  const cmd = commandLineOf(pid);
  return Boolean(cmd && cmd.includes('kafka.Kafka') && cmd.includes(path.join(dataDir, 'server.properties')));
}

/** The Kafka version a running broker was started from, read from the cache path in its classpath. */
function versionOfPid(pid) {
  const cmd = commandLineOf(pid) || '';
  const match = /[/\\]kafka[/\\]([^/\\]+)[/\\]lib[/\\]\*/.exec(cmd);
  return match ? match[1] : null;
}

/** The live broker recorded in `<dataDir>/broker.pid`, or null (no file, stale pid, or pid reused). */
function readBrokerPid(dataDir) {
  let pid;
  try {
    pid = Number.parseInt(fs.readFileSync(pidFileOf(dataDir), 'utf8'), 10);
  } catch {
    return null;
  }
  return Number.isInteger(pid) && isOurBroker(pid, dataDir) ? pid : null;
}

function removePidFile(dataDir, pid) {
  try {
    // Only our own pid: a restarted broker may already have written its own.
    if (Number.parseInt(fs.readFileSync(pidFileOf(dataDir), 'utf8'), 10) === pid) fs.rmSync(pidFileOf(dataDir));
  } catch {
    /* already gone */
  }
}

/** Polls until the pid is gone; used when the process is not our child, so no 'exit' event exists. */
async function waitForPidExit(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await delay(100);
  }
  return true;
}

/** SIGTERM (Kafka shuts down cleanly on it), then SIGKILL if it is still there after `timeoutMs`. */
async function terminate(pid, waitForExit, timeoutMs = STOP_TIMEOUT_MS) {
  if (!signal(pid, 'SIGTERM')) return;
  if (await waitForExit(timeoutMs)) return;
  signal(pid, 'SIGKILL');
  await waitForExit(5000);
}

function signal(pid, name) {
  try {
    process.kill(pid, name);
    return true;
  } catch (error) {
    if (error.code === 'ESRCH') return false;
    throw error;
  }
}

/**
 * Stops the broker recorded in `<dataDir>/broker.pid` (the one `npm run infra:up` leaves running).
 * @returns {Promise<{ stopped: boolean, pid: number | null }>} stopped is false when no broker was running.
 */
async function stopBrokerByPidFile(dataDir, { timeoutMs = STOP_TIMEOUT_MS } = {}) {
  const pid = readBrokerPid(dataDir);
  if (pid === null) {
    fs.rmSync(pidFileOf(dataDir), { force: true }); // stale or absent
    return { stopped: false, pid: null };
  }
  await terminate(pid, (ms) => waitForPidExit(pid, ms), timeoutMs);
  removePidFile(dataDir, pid);
  return { stopped: true, pid };
}

/**
 * A non-detached broker belongs to this Node process: never leave it behind when the process exits normally.
 * (A SIGKILLed Node process cannot clean up; its broker then runs on until killed by pid.) The listener lives only
 * as long as the broker, because Jest re-evaluates this module per test file and would otherwise pile them up.
 */
function killOnProcessExit(pid, exited) {
  const onExit = () => signal(pid, 'SIGKILL');
  process.on('exit', onExit);
  exited.then(() => process.off('exit', onExit));
}

/** Spawns the JVM; stdout/stderr append to the log file, which also survives a detached parent's exit. */
function spawnBroker({ libDir, dataDir, propertiesFile, log4jFile, logFile, detached }) {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'a');
  try {
    const args = [...javaArgs({ libDir, log4jFile }), 'kafka.Kafka', propertiesFile];
    const child = spawn(javaBin(), args, { cwd: dataDir, detached, stdio: ['ignore', out, out] });
    return child;
  } finally {
    fs.closeSync(out); // the child holds its own copy of the descriptor
  }
}

/** Resolves the exit as `code`/`signal` text once the child has exited, and exposes it synchronously. */
function trackExit(child) {
  const state = { exit: null };
  state.exited = new Promise((resolve) => {
    child.once('error', (error) => {
      state.exit = `spawn failed: ${error.message}`;
      resolve(state.exit);
    });
    child.once('exit', (code, sig) => {
      state.exit = sig ? `signal ${sig}` : `exit code ${code}`;
      resolve(state.exit);
    });
  });
  return state;
}

async function assertPortsFree(port, controllerPort) {
  for (const p of [port, controllerPort]) {
    // Readiness is checked by connecting; a port someone else already serves would make a stranger look ready.
    if (await isPortOpen(p)) throw new Error(`port 127.0.0.1:${p} is already in use; cannot start a Kafka broker there`);
  }
}

/**
 * Starts a single-node KRaft broker on 127.0.0.1 and resolves once the admin client can describe the cluster.
 *
 * @param {object} [options]
 * @param {number} [options.port] client (PLAINTEXT) port; a free one when omitted
 * @param {number} [options.controllerPort] KRaft controller port; a free one when omitted
 * @param {string} options.dataDir holds server.properties, log4j.properties, cluster.id, broker.pid and the logs
 * @param {string} [options.logFile] defaults to `<dataDir>/broker.log`
 * @param {boolean} [options.detached] let the broker outlive this Node process (for `npm run infra:up`)
 * @param {number} [options.readyTimeoutMs] defaults to 60 s
 * @returns {Promise<BrokerHandle>}
 */
async function startBroker(options = {}) {
  if (!options.dataDir) throw new Error('startBroker: dataDir is required');
  const dataDir = path.resolve(options.dataDir);
  const port = options.port ?? (await getFreePort());
  const controllerPort = options.controllerPort ?? (await getFreePort());
  if (port === controllerPort) throw new Error('startBroker: port and controllerPort must differ');
  const settings = {
    dataDir,
    port,
    controllerPort,
    logFile: path.resolve(options.logFile ?? path.join(dataDir, 'broker.log')),
    detached: Boolean(options.detached),
    readyTimeoutMs: options.readyTimeoutMs ?? READY_TIMEOUT_MS,
  };
  const { libDir } = await ensureBrokerLibs();
  assertToolchain({ needMaven: false });
  fs.mkdirSync(dataDir, { recursive: true });
  const config = writeConfig(settings);
  formatStorage({ libDir, dataDir, ...config });

  const handle = createHandle({ ...settings, ...config, libDir });
  await handle.restart();
  return handle;
}

/**
 * @typedef {object} BrokerHandle
 * @property {string[]} brokers e.g. ['127.0.0.1:19092']
 * @property {number} port
 * @property {number} controllerPort
 * @property {number} pid the current JVM's pid (changes after restart)
 * @property {string} dataDir
 * @property {string} logFile
 * @property {() => Promise<void>} stop SIGTERM, wait for exit, SIGKILL after 20 s
 * @property {() => Promise<void>} kill SIGKILL (a crash, for failure tests)
 * @property {() => Promise<void>} restart start again on the same ports and data dir
 */
function createHandle(settings) {
  let child = null;
  let exitState = null;

  const running = () => child !== null && exitState.exit === null;
  const waitForExit = (ms) => Promise.race([exitState.exited.then(() => true), unrefDelay(ms).then(() => false)]);

  async function launch() {
    await assertPortsFree(settings.port, settings.controllerPort);
    child = spawnBroker(settings);
    exitState = trackExit(child);
    const pid = child.pid;
    if (pid !== undefined) {
      fs.writeFileSync(pidFileOf(settings.dataDir), `${pid}\n`);
      exitState.exited.then(() => removePidFile(settings.dataDir, pid));
      if (!settings.detached) killOnProcessExit(pid, exitState.exited);
    }
    try {
      await waitForBrokers(handle.brokers, {
        timeoutMs: settings.readyTimeoutMs,
        logFile: settings.logFile,
        isDead: () => exitState.exit,
      });
    } catch (error) {
      await shutdown('SIGKILL'); // never leave a half-started JVM behind
      throw error;
    }
    // A detached broker must not keep this Node process alive; an attached one is killed on 'exit' anyway.
    child.unref();
  }

  async function shutdown(mode) {
    if (!running()) return;
    child.ref(); // an unref'd child's 'exit' would not keep Node alive while we wait for it
    if (mode === 'SIGKILL') {
      signal(child.pid, 'SIGKILL');
      await exitState.exited;
    } else {
      await terminate(child.pid, waitForExit);
    }
  }

  const handle = {
    brokers: [`127.0.0.1:${settings.port}`],
    port: settings.port,
    controllerPort: settings.controllerPort,
    dataDir: settings.dataDir,
    logFile: settings.logFile,
    version: KAFKA_VERSION,
    get pid() {
      return child ? child.pid : null;
    },
    stop: () => shutdown('SIGTERM'),
    kill: () => shutdown('SIGKILL'),
    async restart() {
      await shutdown('SIGTERM');
      await launch();
    },
  };
  return handle;
}

module.exports = {
  KAFKA_VERSION,
  SLF4J_RELOAD4J_VERSION,
  REPO_ROOT,
  KAFKA_HOME,
  LIB_DIR,
  ensureBrokerLibs,
  startBroker,
  stopBrokerByPidFile,
  readBrokerPid,
  versionOfPid,
  waitForBrokers,
  probeBrokers,
  describeCluster,
  getFreePort,
  isPortOpen,
  newClusterId,
};
