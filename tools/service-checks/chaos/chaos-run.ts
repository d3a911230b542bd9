import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConversationDriver, tallySides, type Conversation, type Tally } from '../relay/conversation-driver';
import { loadChannels } from '../relay/linked-channels';
import { loadConversations, platformDeliveries, writeLoad, type LoadCounts } from '../relay/load-run';
import type { RelayOrganisation, RelayPerson } from '../relay/relay-organisation';
import { describeFault, type ChaosPlan, type Fault } from './chaos-plan';
import type { OwnServers } from './own-servers';
import type { AdminApi } from '@parley/admin-client';
import { connectionRequests, type DemoCredentials } from '@parley/sandbox-runner';
import { guestLoadOrganization, seededRandom } from '@parley/sandbox-seed';
import { PlatformProbe } from '../guest-sync/platform-probe';
import { secretLeaks } from '../security/secret-scan';

/** What the chaos run prints and writes to dist/chaos/<seed>.json. */
export interface ChaosReport {
  readonly seed: number;
  /** Processes per service during the run. */
  readonly replicas: number;
  readonly messages: { readonly written: number } & LoadCounts;
  /** The conversations written in, and the linked channels among them (the rest are DMs and group DMs). */
  readonly conversations: number;
  readonly channels: number;
  readonly tally: Omit<Tally, 'problems'>;
  readonly problems: readonly string[];
  /**
   * Each fault: when it began, and when a probe had crossed each way after it (recoveredAfterMs). The probes are
   * written once the fault is over (a killed process restarted and ready: probeAfterMs); probeMs is each crossing's own time.
   */
  readonly faults: readonly {
    readonly at: number;
    readonly fault: string;
    readonly injectedAtMs: number;
    readonly recoveredAfterMs: number | null;
    readonly probeAfterMs: number;
    readonly probeMs: { readonly fromSlack: number | null; readonly fromTeams: number | null };
  }[];
  readonly longestRecoveryMs: number | null;
  readonly accounts: { readonly guestsBefore: number; readonly guestsAfter: number; readonly mirrorsBefore: number; readonly mirrorsAfter: number; readonly syncDuringRun: string };
  /**
   * A second organization's first Guest Account Sync, run alongside: `people` Slack-only engineers and one Teams owner
   * (guestLoadOrganization), counted on the platforms afterwards (Graph's guests in its tenant, SCIM's users in its
   * workspace): one guest per engineer and one mirror for the owner, none lost or doubled.
   */
  readonly largeSync: { readonly people: number; readonly status: string; readonly seconds: number; readonly guests: number; readonly mirrors: number; readonly slackUsers: number };
  readonly deadLetters: readonly { readonly topic: string; readonly group: string; readonly reason: string; readonly count: number }[];
  /** How the platforms' deliveries to Parley went (Slack's Events API attempts, Graph's notifications), by outcome. */
  readonly platformDeliveries: ReturnType<typeof platformDeliveries>;
  /**
   * Every secret and token the sandboxes issued, looked for after the run in every service's log lines and stderr,
   * the admin API's answers and every text column of the database: where one was found (none, to pass).
   */
  readonly secretScan: { readonly secrets: number; readonly columns: number; readonly answers: number; readonly leaks: readonly string[] };
  /** Faults the issue names that this run does not inject yet, and why. */
  readonly notInjected: readonly string[];
  readonly writeMs: number;
  readonly settleMs: number;
}

/**
 * How long the platforms may take to show everything once the writing ends; what is still missing then counts as
 * lost. Since the run restarts its servers (ADR 0057), runs settle in 110 to 273 s here: the slow tail is edits whose
 * notification Graph dropped or gave up on while PostgreSQL or Redis was away, found by catch-up passes a minute or
 * two later. 8 minutes leaves room on a loaded CI machine without letting a message that never comes pass.
 */
const SETTLE_LIMIT_MS = 480_000;

/** How long a probe may take to cross after a fault before the fault counts as not recovered from. */
const RECOVERY_LIMIT_MS = 180_000;

/** What people do besides writing (LoadRunOptions.mix), and the linked channels' share of the messages. */
const MIX = { replies: 0.3, files: 0.02, reactions: 0.08 };
const CHANNEL_SHARE = 0.2;

/**
 * Drives the plan's messages through the organisation (DMs, group DMs and two linked channels, both ways, about 10%
 * edited and 5% deleted, with thread replies, files and reactions mixed in: MIX) while injecting its faults at their points of the stream, then reads both platforms back as the people and tallies
 * what was lost, doubled or out of order. After each fault a probe message crosses each way in a conversation of its
 * own; the time until both land is that fault's recovery time.
 */
export async function runChaos(org: RelayOrganisation, servers: OwnServers, plan: ChaosPlan, options: { perSecond?: number; settleMs?: number; syncPeople?: number } = {}): Promise<ChaosReport> {
  const driver = new ConversationDriver(org);
  const conversations = [...loadConversations(org), ...(await loadChannels(org, driver, 'chaos'))];
  const probes = new ProbeLine(driver, probeConversation(org, conversations));
  const random = seededRandom(plan.seed + 1);
  const started = Date.now();
  const guestsBefore = (await org.probe.guests()).filter((g) => g.accountEnabled).length;
  const mirrorsBefore = (await org.probe.scimUsers()).filter((u) => u.active).length;
  const slackFaults = { duplicateEventRate: plan.duplicateEventRate };
  org.stack.sandboxes.slack.setFaults(slackFaults);
  org.stack.sandboxes.graph.setFaults({ dropNotificationRate: plan.dropNotificationRate, seed: plan.seed });
  const recoveries: ChaosReport['faults'][number][] = [];
  let probed = 0;
  const crossed = async (fault: Fault, injectedAt: number): Promise<void> => {
    const n = ++probed;
    const probeStartedAt = Date.now();
    const [fromSlack, fromTeams] = await Promise.all([probes.cross('slack', n), probes.cross('teams', n)]);
    const recoveredAfterMs = fromSlack !== null && fromTeams !== null ? Date.now() - injectedAt : null;
    recoveries.push({ at: fault.at, fault: describeFault(fault), injectedAtMs: injectedAt - started, recoveredAfterMs, probeAfterMs: probeStartedAt - injectedAt, probeMs: { fromSlack, fromTeams } });
  };
  // A service's kills take turns (the next waits until the last restart is done: a process cannot die twice), and so
  // do a platform's 5xx windows.
  const turns = new Map<string, Promise<void>>();
  const inTurn = (key: string, work: () => Promise<void>): Promise<void> => {
    const next = (turns.get(key) ?? Promise.resolve()).then(work);
    turns.set(key, next.catch(() => undefined));
    return next;
  };
  const inject = async (fault: Fault): Promise<void> => {
    let injectedAt = Date.now();
    switch (fault.kind) {
      case 'kill':
        await inTurn(fault.app, async () => {
          injectedAt = Date.now();
          await org.stack.cluster.kill(fault.app, 'SIGKILL', fault.replica);
          await sleep(fault.downMs);
          await org.stack.cluster.restart(fault.app, fault.replica);
        });
        break;
      case 'platform-errors':
        // One window per platform at a time: the end of one must not end another that overlaps it.
        await inTurn(`errors:${fault.platform}`, async () => {
          injectedAt = Date.now();
          if (fault.platform === 'slack') org.stack.sandboxes.slack.setFaults({ ...slackFaults, errorRate: fault.rate });
          else org.stack.sandboxes.graph.setFaults({ errorRate: fault.rate });
          await sleep(fault.seconds * 1000);
          if (fault.platform === 'slack') org.stack.sandboxes.slack.setFaults(slackFaults);
          else org.stack.sandboxes.graph.setFaults({ errorRate: 0 });
        });
        break;
      case 'throttle-burst':
        if (fault.platform === 'slack') org.stack.sandboxes.slack.setFaults({ ...slackFaults, rateLimitBurst: fault.requests });
        else org.stack.sandboxes.graph.setFaults({ throttleBurst: fault.requests });
        break;
      case 'server-restart':
        await inTurn(`server:${fault.server}`, async () => {
          injectedAt = Date.now();
          if (fault.server === 'kafka') await servers.restartKafka(fault.downMs);
          else if (fault.server === 'postgres') await servers.restartPostgres(fault.downMs);
          else await servers.restartRedis(fault.downMs);
        });
        break;
      case 'subscription-expiry': {
        const subscriptions = org.stack.sandboxes.graph.inspect.subscriptions();
        const chosen = subscriptions[Math.floor(random() * subscriptions.length)];
        if (chosen) org.stack.sandboxes.graph.control.expireSubscription({ subscriptionId: chosen.id });
        break;
      }
    }
    await crossed(fault, injectedAt);
  };

  // The probes' DM exists on both sides before the first fault, so a probe's time is the fault's alone.
  await probes.cross('slack', 0);
  await probes.cross('teams', 0);
  // A user sync alongside: it must end, and leave exactly one guest and one mirror per person.
  const sync = syncThroughFaults(org.admin);
  // And another organization's first sync, of many more people (issue 11: 500).
  const large = await largeOrganisation(org, plan.seed, options.syncPeople ?? 500);
  const largeStarted = Date.now();
  const largeSync = syncThroughFaults(large.admin).then((view) => ({ ...view, seconds: (Date.now() - largeStarted) / 1000 }));
  const { written, tagPrefix, writeMs, ...mixed } = await writeLoad(driver, conversations, {
    run: plan.seed,
    messages: plan.messages,
    perSecond: options.perSecond ?? 50,
    mix: MIX,
    channelShare: CHANNEL_SHARE,
    at: plan.faults.map((fault) => ({ fraction: fault.at, action: () => inject(fault) })),
  });
  org.stack.sandboxes.slack.setFaults({});
  org.stack.sandboxes.graph.setFaults({ dropNotificationRate: 0, errorRate: 0 });

  // Settled: every side shows what was written, or the time is up and the tally says what is missing.
  const settleStarted = Date.now();
  let tally = await tallySides(driver, conversations, written, tagPrefix);
  while (tally.problems.length > 0 && Date.now() - settleStarted < (options.settleMs ?? SETTLE_LIMIT_MS)) {
    await sleep(2_000);
    tally = await tallySides(driver, conversations, written, tagPrefix);
  }
  const settleMs = Date.now() - settleStarted;
  const syncView = await sync;
  const largeView = await largeSync;
  const largeProbe = new PlatformProbe(org.stack.sandboxes, large.credentials);
  const slackUsers = (await largeProbe.scimUsers()).filter((u) => u.active);
  const largeAccounts = {
    guests: (await largeProbe.guests()).filter((g) => g.accountEnabled).length,
    // The engineers are native there; the Teams owner's account is Parley's mirror.
    mirrors: slackUsers.filter((u) => u.emails.some((e) => large.teamsOnly.includes(e.value.toLowerCase()))).length,
    slackUsers: slackUsers.length,
  };
  await largeProbe.close();
  const answers = await adminAnswers(org, conversations.length);
  const scan = await secretLeaks(org.stack, answers);
  const { problems, ...counts } = tally;
  const report: ChaosReport = {
    seed: plan.seed,
    replicas: plan.replicas,
    messages: { written: written.length, ...mixed },
    conversations: conversations.length,
    channels: conversations.filter((c) => c.teamsChannel).length,
    tally: counts,
    problems,
    faults: [...recoveries].sort((a, b) => a.injectedAtMs - b.injectedAtMs),
    longestRecoveryMs: recoveries.some((r) => r.recoveredAfterMs === null) ? null : Math.max(0, ...recoveries.map((r) => r.recoveredAfterMs ?? 0)),
    accounts: {
      guestsBefore,
      guestsAfter: (await org.probe.guests()).filter((g) => g.accountEnabled).length,
      mirrorsBefore,
      mirrorsAfter: (await org.probe.scimUsers()).filter((u) => u.active).length,
      syncDuringRun: syncView.status,
    },
    largeSync: { people: large.people, status: largeView.status, seconds: Math.round(largeView.seconds), ...largeAccounts },
    deadLetters: await deadLetters(org),
    platformDeliveries: platformDeliveries(org),
    secretScan: { ...scan, answers: answers.length },
    notInjected: [],
    writeMs,
    settleMs,
  };
  return report;
}

/** Prints the figures and writes them to dist/chaos/<seed>.json; answers the file's path. */
export function writeChaosReport(report: ChaosReport, root = process.cwd()): string {
  const dir = path.join(root, 'dist', 'chaos');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${report.seed}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const lines = [
    `chaos seed ${report.seed}, ${report.replicas} replica(s) of each service: ${report.messages.written} messages in ${report.conversations} conversations (${report.channels} of them linked channels), written in ${report.writeMs} ms, settled ${report.settleMs} ms later`,
    `  of them ${report.messages.replies} thread replies and ${report.messages.files} with a file; besides, ${report.messages.edits} edits, ${report.messages.deletes} deletes, ${report.messages.reactions} reactions and ${report.messages.unreactions} taken back`,
    `  lost ${report.tally.lost}, duplicated ${report.tally.duplicated}, out of order ${report.tally.outOfOrder}, wrong author ${report.tally.wrongAuthor}, stale ${report.tally.stale}, outside their thread ${report.tally.wrongThread} (${report.tally.sides} conversation sides)`,
    `  files lost ${report.tally.filesLost} (of ${report.tally.files} messages with files), reactions lost ${report.tally.reactionsLost} and taken back but shown ${report.tally.reactionsStale} (of ${report.tally.reactions} checked)`,
    `  guests ${report.accounts.guestsBefore} -> ${report.accounts.guestsAfter}, mirrors ${report.accounts.mirrorsBefore} -> ${report.accounts.mirrorsAfter}, user sync during the run: ${report.accounts.syncDuringRun}`,
    `  another organization's first sync of ${report.largeSync.people} people alongside: ${report.largeSync.status} in ${report.largeSync.seconds} s, ${report.largeSync.guests} guests and ${report.largeSync.mirrors} mirror(s) on the platforms (${report.largeSync.slackUsers} Slack users in all)`,
    `  longest recovery ${report.longestRecoveryMs === null ? 'none: a fault was not recovered from' : `${report.longestRecoveryMs} ms`}`,
    ...report.faults.map(
      (f) =>
        `    at ${f.injectedAtMs} ms: ${f.fault}; recovered after ${f.recoveredAfterMs ?? 'never'} ms (probes written after ${f.probeAfterMs} ms, crossed from Slack in ${f.probeMs.fromSlack ?? 'never'} ms, from Teams in ${f.probeMs.fromTeams ?? 'never'} ms)`,
    ),
    `  platform deliveries: ${JSON.stringify(report.platformDeliveries)}`,
    `  secrets and tokens the sandboxes issued (${report.secretScan.secrets}) found in logs, ${report.secretScan.answers} API answers or ${report.secretScan.columns} database columns: ${report.secretScan.leaks.length === 0 ? 'none' : report.secretScan.leaks.slice(0, 10).join('; ')}`,
    `  dead letters: ${report.deadLetters.length === 0 ? 'none' : report.deadLetters.map((d) => `${d.count} on ${d.topic} (${d.group}): ${d.reason}`).join('; ')}`,
    ...report.problems.slice(0, 10).map((p) => `  ${p}`),
    `  written to ${file}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return file;
}

/**
 * For a run that ended with messages out of order, lost or doubled: each late message's way through the stack, from
 * what this process still holds (every service's log lines, the platforms' delivery records), so that a failure in
 * CI, whose log folder is gone with its clone, says which path the message took and when. At most `perMessage` lines
 * per message, the first ones.
 */
export function postMortem(org: RelayOrganisation, problems: readonly string[], perMessage = 25): string {
  // `; late: tag=id tag=id` (a Teams id is digits, a Slack ts digits and a dot), perhaps followed by more `; …`.
  const ids = [...new Set(problems.flatMap((p) => [...(/; late: ([^;]*)/.exec(p)?.[1] ?? '').matchAll(/\S+=([\d.]+)/g)].map((m) => m[1] as string)))].slice(0, 6);
  if (ids.length === 0) return '';
  const out: string[] = [];
  for (const id of ids) {
    out.push(`  late message ${id}:`);
    const graph = org.stack.sandboxes.graph.inspect.deliveries().filter((d) => JSON.stringify(d.body).includes(id));
    for (const d of graph) out.push(`    graph ${d.kind} sent ${d.sentAt ?? '?'} answered ${d.at} attempt ${d.attempt}: ${d.outcome} ${d.status}${d.failure ? ` ${d.failure}` : ''}`);
    const lines = org.stack.cluster.history.flatMap((p) => p.lines.filter((l) => JSON.stringify(l).includes(id)).map((l) => ({ l, service: String(l['service'] ?? '?') })));
    lines.sort((a, b) => String(a.l['time']).localeCompare(String(b.l['time'])));
    for (const { l, service } of lines.slice(0, perMessage)) {
      const { time, msg, level: _level, service: _service, pid: _pid, hostname: _hostname, ...rest } = l as Record<string, unknown>;
      out.push(`    ${String(time)} ${service}: ${String(msg)} ${JSON.stringify(rest).slice(0, 300)}`);
    }
    if (lines.length > perMessage) out.push(`    … ${lines.length - perMessage} more lines`);
  }
  return out.join('\n');
}

/** A DM of its own (an engineer and a rep no load conversation pairs), where probes cross after each fault. */
function probeConversation(org: RelayOrganisation, conversations: readonly Conversation[]): Conversation {
  const taken = new Set(conversations.filter((c) => c.members.length === 2).map((c) => c.members.map((m) => m.key).sort().join('+')));
  for (const engineer of org.engineers) {
    for (const rep of org.reps) {
      if (!taken.has([engineer.key, rep.key].sort().join('+'))) return { name: 'probe', members: [engineer, rep], starter: 'slack' };
    }
  }
  throw new Error('every engineer and rep pair is a load conversation already; no DM is left for the probes');
}

type Side = 'slack' | 'teams';

/**
 * The probes' conversation: a probe is written from one side and waits until the other side shows it. Each side is
 * read by one loop while any probe waits there, so the probes of faults that overlap share their reads: read one loop
 * each, they multiplied the reads of one conversation as one person and measured the platforms' read limits.
 */
class ProbeLine {
  private readonly waiting: Record<Side, Map<string, () => void>> = { slack: new Map(), teams: new Map() };
  private readonly reading = new Set<Side>();

  constructor(
    private readonly driver: ConversationDriver,
    private readonly conversation: Conversation,
  ) {}

  /** Writes a probe from `side`; the time until the other side showed it, or null past the limit. */
  async cross(side: Side, n: number): Promise<number | null> {
    const started = Date.now();
    const author = this.conversation.members.find((m) => m.primary === side) as RelayPerson;
    const text = `probe ${n} from ${side} ${started}`;
    this.driver.start(this.conversation);
    let timer: NodeJS.Timeout | undefined;
    const landed = new Promise<boolean>((resolve) => {
      this.waiting[side].set(text, () => resolve(true));
      timer = setTimeout(() => resolve(false), RECOVERY_LIMIT_MS);
    });
    try {
      await this.driver.write(this.conversation, author, `p${n}${side}`, text);
      void this.read(side);
      return (await landed) ? Date.now() - started : null;
    } finally {
      clearTimeout(timer);
      this.waiting[side].delete(text);
    }
  }

  private async read(side: Side): Promise<void> {
    if (this.reading.has(side)) return;
    this.reading.add(side);
    const reader = this.conversation.members.find((m) => m.primary !== side) as RelayPerson;
    try {
      while (this.waiting[side].size > 0) {
        const seen = await this.driver.read(this.conversation, reader).catch(() => []);
        for (const [text, landed] of this.waiting[side]) if (seen.some((s) => s.text.includes(text))) landed();
        await sleep(250);
      }
    } finally {
      this.reading.delete(side);
    }
  }
}

/** What an admin reads after the run: the organisation's listings and each relayed conversation's messages. */
async function adminAnswers(org: RelayOrganisation, conversations: number): Promise<{ where: string; text: string }[]> {
  const answers: { where: string; text: string }[] = [];
  for (const listing of ['/v1/connections', '/v1/people?limit=200', '/v1/user-syncs', `/v1/conversations?limit=${Math.min(200, conversations + 10)}`]) {
    answers.push({ where: `GET ${listing}`, text: JSON.stringify(await org.admin.expect(200, 'GET', listing)) });
  }
  const listed = JSON.parse(answers[answers.length - 1]?.text ?? '{}') as { items?: { id: string }[] };
  for (const conversation of listed.items ?? []) {
    const path = `/v1/conversations/${conversation.id}/messages?limit=200`;
    answers.push({ where: `GET ${path}`, text: JSON.stringify(await org.admin.expect(200, 'GET', path)) });
  }
  answers.push({ where: 'GET /v1/dead-letters', text: JSON.stringify(await org.operator.expect(200, 'GET', '/v1/dead-letters?limit=200')) });
  return answers;
}

/** Starts a guest sync and follows it to its end; the gateway may be down meanwhile (a fault), so a failed read is read again. */
async function syncThroughFaults(admin: AdminApi): Promise<{ status: string }> {
  const deadline = Date.now() + 900_000;
  let id: string | undefined;
  for (;;) {
    try {
      id ??= (await admin.startSync('guest')).id;
      const sync = await admin.sync(id);
      if (['succeeded', 'partially_failed', 'failed'].includes(sync.status)) return sync;
    } catch {
      // The gateway is being killed and restarted: ask again.
    }
    if (Date.now() > deadline) return { status: 'did not finish in 15 minutes' };
    await sleep(1_000);
  }
}

/** A second organization on the same stack: its own Slack workspace and tenant with `people` engineers, connected. */
async function largeOrganisation(org: RelayOrganisation, seed: number, people: number): Promise<{ admin: AdminApi; credentials: DemoCredentials; people: number; teamsOnly: string[] }> {
  const seeded = guestLoadOrganization(people, `chaos-${seed}-sync.example`, `Chaos sync of ${people}`);
  const credentials = org.stack.sandboxes.seedOrganization(seeded);
  const admin = org.operator.withKey((await org.operator.createOrg(`Chaos sync of ${people}`)).adminApiKey);
  const connections = connectionRequests(credentials);
  await admin.connect(connections.slack);
  await admin.connect(connections.teams);
  return { admin, credentials, people, teamsOnly: seeded.people.filter((p) => p.teams && !p.slack).map((p) => p.email.toLowerCase()) };
}

async function deadLetters(org: RelayOrganisation): Promise<ChaosReport['deadLetters']> {
  const counts = new Map<string, { topic: string; group: string; reason: string; count: number }>();
  let cursor: string | null = null;
  do {
    const page: { items: { originalTopic: string; consumerGroup: string; reason: string }[]; nextCursor: string | null } = await org.operator.expect(200, 'GET', `/v1/dead-letters?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    for (const item of page.items) {
      const key = `${item.originalTopic}|${item.consumerGroup}|${item.reason}`;
      const entry = counts.get(key) ?? { topic: item.originalTopic, group: item.consumerGroup, reason: item.reason, count: 0 };
      entry.count++;
      counts.set(key, entry);
    }
    cursor = page.nextCursor;
  } while (cursor);
  return [...counts.values()];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
