// `npm test`: build, bring up what integration tests need, then lint, typecheck, unit and integration tests, and the
// chaos run's short form.
// Fails (never skips) when a server is missing, with one message naming it and how to provide it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureInfra } from '../infra/infra.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const reports = path.join(root, 'dist', 'test-reports');
mkdirSync(reports, { recursive: true });
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const totals = { passed: 0, failed: 0 };

// No step may hang CI: a step past its deadline is killed and counted as failed. The integration tests take about
// 11 minutes on this machine; CI's whole run has 90.
const STEP_TIMEOUT_MS = 30 * 60 * 1000;
// Jest waits forever for a process it cannot exit (a timer or socket a failed test left behind): once the run has
// reported, exit anyway. A test that leaves something running still fails on its own; this only keeps one such leak
// from turning a report into a 40-minute hang (seen in CI after a test timed out).
const JEST_EXIT = '--forceExit';

function step(name, command, args, env = {}) {
  const started = Date.now();
  process.stdout.write(`\n== ${name}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env }, timeout: STEP_TIMEOUT_MS, killSignal: 'SIGKILL' });
  if (result.error) process.stdout.write(`== ${name}: ${result.error.message}\n`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    process.stdout.write(`== ${name} failed after ${seconds} s\n`);
    return false;
  }
  process.stdout.write(`== ${name} ok (${seconds} s)\n`);
  return true;
}

function countJest(file) {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
  } catch {
    totals.failed += 1;
  }
}

// Jest runs CommonJS; PGlite and ESLint load parts of themselves with dynamic import(), which needs this flag.
const jestEnv = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --no-warnings`.trim() };
const results = [];

results.push(step('build', process.execPath, ['tools/build/build.mjs']));
let infra;
try {
  infra = await ensureInfra();
} catch (error) {
  process.stderr.write(`\n${error.message}\n`);
  process.exit(2);
}
// The module-boundary rule reads Nx's cached project graph; on a fresh clone there is none and the rule would be
// skipped (with a warning that --max-warnings=0 turns into a failure). Compute it first.
results.push(step('project graph', bin('nx'), ['show', 'projects'], { NX_DAEMON: 'false', NX_NO_CLOUD: 'true' }));
results.push(step('lint', bin('eslint'), ['.', '--max-warnings=0']));
results.push(step('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']));

const unitReport = path.join(reports, 'unit.json');
results.push(step('unit tests', bin('jest'), ['-c', 'jest.config.cjs', JEST_EXIT, '--json', `--outputFile=${unitReport}`], jestEnv));
countJest(unitReport);

const integrationReport = path.join(reports, 'integration.json');
results.push(
  step('integration tests (Kafka, PostgreSQL, Redis)', bin('jest'), ['-c', 'jest.integration.config.cjs', '--runInBand', JEST_EXIT, '--json', `--outputFile=${integrationReport}`], {
    ...jestEnv,
    ...infra.env,
  }),
);
countJest(integrationReport);

// The chaos run's short form (issue 11): 1,000 messages over DMs, group DMs and two linked channels, with thread
// replies, edits, deletes, files and reactions, through two replicas of every service while each is killed once, each
// platform fails once, and the run's own Kafka broker, PostgreSQL and Redis crash and restart (ADR 0057), on a fixed
// seed so that a failure replays (`npm run chaos -- --seed 11 --messages 1000 --kills 1 --platform-faults 1`, with
// CHAOS_LOG_DIR=dir to keep what a post-mortem needs; a failure here prints each late message's trail). The full form
// runs on demand.
const chaosReport = path.join(reports, 'chaos.json');
results.push(
  step('chaos run, short form', bin('jest'), ['-c', 'tools/service-checks/jest.chaos.config.cjs', '--runInBand', JEST_EXIT, '--json', `--outputFile=${chaosReport}`], {
    ...jestEnv,
    ...infra.env,
    CHAOS_SEED: '11',
    CHAOS_MESSAGES: '1000',
    CHAOS_KILLS_PER_APP: '1',
    CHAOS_PLATFORM_FAULTS: '1',
  }),
);
countJest(chaosReport);

const failedSteps = results.filter((ok) => !ok).length;
process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed\n`);
process.exit(failedSteps === 0 && totals.failed === 0 ? 0 : 1);
