import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startRelayOrganisation, type RelayOrganisation } from '../relay/relay-organisation';
import { CHAOS_APPS, chaosPlan } from './chaos-plan';
import { postMortem, runChaos, writeChaosReport } from './chaos-run';
import { CpuSampler } from './cpu-sampler';
import { startOwnServers, type OwnServers } from './own-servers';

/**
 * The full chaos run on demand (`npm run chaos -- --seed N [--messages N]`): the six services as separate processes on
 * the real servers, the sandboxes as the platforms, the plan's faults from its seed. It prints the figures, writes
 * dist/chaos/<seed>.json, and fails when anything was lost, doubled or reordered, or an account was lost or doubled.
 */
describe('chaos run', () => {
  const seed = Number(process.env['CHAOS_SEED'] ?? 1);
  const messages = Number(process.env['CHAOS_MESSAGES'] ?? 10_000);
  // As deployed: k8s/base runs two of every service, so a kill takes one process down and the other keeps answering.
  const replicas = Number(process.env['CHAOS_REPLICAS'] ?? 2);
  // The full form kills each service twice and gives each platform two 5xx windows and two 429 bursts; the short form, one.
  const killsPerApp = Number(process.env['CHAOS_KILLS_PER_APP'] ?? 2);
  const platformFaults = Number(process.env['CHAOS_PLATFORM_FAULTS'] ?? 2);
  let org: RelayOrganisation;
  let servers: OwnServers;
  /** With CHAOS_LOG_DIR: each balancer's counts every second, to see where connections wait. */
  const balancerSamples: string[] = [];
  const loopSamples: string[] = [];
  const cpu = new CpuSampler();
  let sampler: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    // A Kafka broker, PostgreSQL and Redis of the run's own, which it restarts; the stack (and everything this process
    // reads through integrationEnv) uses them instead of the machine's shared ones.
    servers = await startOwnServers('chaos');
    Object.assign(process.env, servers.env);
    // Catch-up as deployed (every 15 minutes) on the sandboxes' clock (0.05): every 45 s, not the checks' 5 s, so that
    // what Graph did not notify is found as in production, by the read-back before the chat's next message (ADR 0047),
    // and catch-up is left the last message of a quiet chat. (Its CPU was not the point: about 2 s of teams-connector's
    // 33 s in the first 110 s of a short run, cpu.tsv.)
    org = await startRelayOrganisation({ label: 'chaos', replicas: Object.fromEntries(CHAOS_APPS.map((app) => [app, replicas])), catchUpIntervalMs: 45_000 });
    if (process.env['CHAOS_LOG_DIR']) {
      // This process runs the sandboxes: its event loop's delay is theirs (ADR 0053).
      const loop = monitorEventLoopDelay({ resolution: 20 });
      loop.enable();
      sampler = setInterval(() => {
        const at = new Date().toISOString();
        loopSamples.push([at, Math.round(loop.max / 1e6)].join('\t'));
        loop.reset();
        cpu.sample(at);
        for (const [app, c] of Object.entries(org.stack.cluster.balancerCounts())) {
          if (c) balancerSamples.push([at, app, c.accepted, c.connecting, c.open, c.handed.join('/'), c.refused.join('/')].join('\t'));
        }
      }, 1000);
      sampler.unref();
    }
  }, 600_000);
  afterAll(async () => {
    clearInterval(sampler);
    // CHAOS_LOG_DIR: every process's log lines, one file per process (killed ones and their successors apart).
    const logDir = process.env['CHAOS_LOG_DIR'];
    if (logDir && org) {
      mkdirSync(logDir, { recursive: true });
      org.stack.cluster.history.forEach((p, i) => writeFileSync(path.join(logDir, `${i}-${String(p.lines.find((l) => l['service'])?.['service'] ?? 'process')}.log`), p.lines.map((l) => JSON.stringify(l)).join('\n')));
      // The platforms' side of every delivery to Parley (no bodies: they hold message text).
      const slackEvents = org.stack.sandboxes.slack.inspect.events().map((d) => [new Date(d.at).toISOString(), d.eventId, d.attempt, d.retryReason ?? '', d.outcome ?? 'pending', d.status ?? ''].join('\t'));
      writeFileSync(path.join(logDir, 'slack-events.tsv'), ['at\tevent\tattempt\tretry_reason\toutcome\tstatus', ...slackEvents].join('\n'));
      const graphDeliveries = org.stack.sandboxes.graph.inspect.deliveries().map((d) => [d.sentAt ?? '', d.at, d.kind, d.subscriptionId, d.attempt, d.outcome, d.status, d.failure ?? ''].join('\t'));
      writeFileSync(path.join(logDir, 'balancers.tsv'), ['at\tapp\taccepted\tconnecting\topen\thanded\trefused', ...balancerSamples].join('\n'));
      writeFileSync(path.join(logDir, 'event-loop.tsv'), ['at\tmax_delay_ms', ...loopSamples].join('\n'));
      writeFileSync(path.join(logDir, 'cpu.tsv'), ['at\tprocesses\tcpu_ms', ...cpu.rows].join('\n'));
      // The run's database, to be restored and queried after a failed run (its server goes with the run).
      const dump = spawnSync('pg_dump', ['--no-owner', '--file', path.join(logDir, 'database.sql'), org.stack.database.url], { encoding: 'utf8' });
      if (dump.status !== 0) writeFileSync(path.join(logDir, 'database.sql.failed'), dump.stderr);
      writeFileSync(path.join(logDir, 'graph-deliveries.tsv'), ['sent_at\tat\tkind\tsubscription\tattempt\toutcome\tstatus\tfailure', ...graphDeliveries].join('\n'));
    }
    await org?.stop();
    await servers?.stop();
  });

  it(`seed ${seed}: ${messages} messages under faults, ${replicas} replicas of each service, none lost, doubled or reordered`, () =>
    org.stack.withLogs(async () => {
      const report = await runChaos(org, servers, chaosPlan({ seed, messages, replicas, killsPerApp, platformFaults }), { perSecond: Number(process.env['CHAOS_RATE'] ?? 20), syncPeople: Number(process.env['CHAOS_SYNC_PEOPLE'] ?? 500) });
      writeChaosReport(report);
      // What a post-mortem needs when CI's log folder is gone: each late message's way through the stack.
      const trail = postMortem(org, report.problems);
      if (trail) process.stdout.write(`${trail}\n`);
      expect(report.tally).toMatchObject({ lost: 0, duplicated: 0, outOfOrder: 0, wrongAuthor: 0, stale: 0, wrongThread: 0, filesLost: 0, reactionsLost: 0, reactionsStale: 0 });
      // The mix was there to be checked: threads, files and reactions crossed, not only plain messages.
      expect(report.messages.replies).toBeGreaterThan(0);
      expect(report.tally.files).toBeGreaterThan(0);
      expect(report.tally.reactions).toBeGreaterThan(0);
      expect(report.accounts.guestsAfter).toBe(report.accounts.guestsBefore);
      expect(report.accounts.mirrorsAfter).toBe(report.accounts.mirrorsBefore);
      expect(report.longestRecoveryMs).not.toBeNull();
      // One guest per engineer, one mirror for the Teams owner, nobody doubled.
      expect(report.largeSync).toMatchObject({ status: 'succeeded', guests: report.largeSync.people, mirrors: 1, slackUsers: report.largeSync.people + 1 });
      expect(report.secretScan.secrets).toBeGreaterThan(20);
      expect(report.secretScan.leaks).toEqual([]);
    }));
});
