import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startRelayOrganisation, type RelayOrganisation } from '../relay/relay-organisation';
import { chaosPlan } from './chaos-plan';
import { runChaos, writeChaosReport } from './chaos-run';

/**
 * The full chaos run on demand (`npm run chaos -- --seed N [--messages N]`): the six services as separate processes on
 * the real servers, the sandboxes as the platforms, the plan's faults from its seed. It prints the figures, writes
 * dist/chaos/<seed>.json, and fails when anything was lost, doubled or reordered, or an account was lost or doubled.
 */
describe('chaos run', () => {
  const seed = Number(process.env['CHAOS_SEED'] ?? 1);
  const messages = Number(process.env['CHAOS_MESSAGES'] ?? 10_000);
  let org: RelayOrganisation;

  beforeAll(async () => {
    org = await startRelayOrganisation({ label: 'chaos' });
  }, 600_000);
  afterAll(async () => {
    // CHAOS_LOG_DIR: every process's log lines, one file per process (killed ones and their successors apart).
    const logDir = process.env['CHAOS_LOG_DIR'];
    if (logDir && org) {
      mkdirSync(logDir, { recursive: true });
      org.stack.cluster.history.forEach((p, i) => writeFileSync(path.join(logDir, `${i}-${String(p.lines.find((l) => l['service'])?.['service'] ?? 'process')}.log`), p.lines.map((l) => JSON.stringify(l)).join('\n')));
    }
    await org?.stop();
  });

  it(`seed ${seed}: ${messages} messages under faults, none lost, doubled or reordered`, () =>
    org.stack.withLogs(async () => {
      const report = await runChaos(org, chaosPlan({ seed, messages, killsPerApp: 2, platformFaults: 2 }), { perSecond: Number(process.env['CHAOS_RATE'] ?? 20) });
      writeChaosReport(report);
      expect(report.tally).toMatchObject({ lost: 0, duplicated: 0, outOfOrder: 0, wrongAuthor: 0, stale: 0 });
      expect(report.accounts.guestsAfter).toBe(report.accounts.guestsBefore);
      expect(report.accounts.mirrorsAfter).toBe(report.accounts.mirrorsBefore);
      expect(report.longestRecoveryMs).not.toBeNull();
    }));
});
