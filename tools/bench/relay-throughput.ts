// `npm run bench:relay`: the relay's figures (issue 9). Parley's six services run as separate processes in distributed
// mode over the real Kafka, PostgreSQL and Redis; the Slack and Graph sandboxes run in this process and play the
// people. A message is carried the whole way: a person posts on one sandbox, the sandbox sends its event (Slack's
// Events API) or change notification (Graph, encrypted resource data) to Parley's public endpoint on the gateway, and
// the connector on the other side posts it to the other sandbox as the person.
//
// Measured, all from the sandboxes' own clocks (this process):
// - throughput: messages offered in both directions at once, well above what the path can carry; messages / (time
//   from the first event sent to Parley to the last post created on the other side);
// - added latency at a steady rate: per message, from the moment the sandbox sent the event or notification to
//   Parley to the moment the other sandbox created the post (so it includes the gateway, both connectors, the relay,
//   four Kafka hops in all, the database work and the post call itself);
// - the same two figures for a bare pipeline in the same run (tools/bench/relay-bare-pipeline.ts, its own process):
//   HTTP in, kafkajs produce -> consume -> produce -> consume, HTTP post out, nothing else. Parley's throughput is
//   reported as a ratio to it. Rounds are interleaved (Parley, bare, bare, Parley...) and medians reported;
// - CPU per message by process (the path's own, and Kafka's, PostgreSQL's, Redis's and this process's, which both
//   paths run on), and the platforms' calls during the round with their repeats (Slack repeats an event not acked
//   within 3 s; a saturated path adds that work to itself);
// - with limits on (the sandboxes enforcing Graph's 1/s per chat and Slack's ~1/s per channel, time-compressed): busy
//   conversations offered twice their limit, then whether anything was lost or failed, and each one's achieved rate as
//   a share of its limit.
// The sandboxes' limits are off except in the last part, and Parley's own pacing is scaled out of the way
// (PARLEY_*_LIMIT_TIME_SCALE=0.001), so the other parts measure Parley's own cost.
//
// PARLEY_TEAMS_READ_BACK=false passes to teams-connector (to measure what the read-back of ADR 0047 costs), and
// DATABASE_PREPARED_STATEMENTS=false to every service (what named prepared statements save, ADR 0049);
// RELAY_BENCH_CONNECTOR_POOL_SIZE sets both connectors' DATABASE_POOL_SIZE (what waiting for a connection costs, ADR 0052).
// Sizes (environment): RELAY_BENCH_PAIRS (DM pairs, max 25), RELAY_BENCH_MESSAGES (per throughput round),
// RELAY_BENCH_OFFERED_RATE (msg/s offered in throughput rounds), RELAY_BENCH_RATE (steady msg/s),
// RELAY_BENCH_LATENCY_SECONDS, RELAY_BENCH_ROUNDS, RELAY_BENCH_LIMITS_SECONDS (0 skips the limits-on part),
// RELAY_BENCH_LIMITS_TIME_SCALE, RELAY_BENCH_BUSY (busy conversations per direction), RELAY_BENCH_LOG_LEVEL,
// RELAY_BENCH_CPU_PROFILE_DIR (each service writes a .cpuprofile there when it stops; open it in Chrome's DevTools).
//
// Channel Sync (issue 10; tools/bench/relay-channel.ts), after the DM rounds and before the limits-on part, on the same
// organization and with limits off: one Slack channel linked through the admin API with a Teams channel Parley creates,
// RELAY_BENCH_CHANNEL_AUTHORS Slack-primary and as many Teams-primary authors. Both ways at once, a mix of top-level
// messages, thread replies under roots that have landed, and reactions on them (a third each): msg/s and added latency
// p50/p99 measured as above (a reaction's landing from Graph's reaction time, or Slack's reaction_added event_ts), lost,
// duplicated, replies under the wrong root. Then files: the sandboxes' raw upload and download speed for a file of
// RELAY_BENCH_FILE_MB, measured in the run, and RELAY_BENCH_FILES files relayed each way one at a time, as bytes/s and
// as a ratio to the raw speed of the same path (target 0.7); a direction that does not carry files end to end says so
// and what happened instead of a figure. RELAY_BENCH_CHANNEL_MESSAGES (items per throughput round, default
// RELAY_BENCH_MESSAGES; 0 skips the channel part), RELAY_BENCH_CHANNEL_AUTHORS (per side, max RELAY_BENCH_PAIRS,
// default 4), RELAY_BENCH_FILES (per direction, default 3; 0 skips the files), RELAY_BENCH_FILE_MB (default 2).
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { createNotificationCertificate } from '@parley/teams-connector-feature';
import { generatedOrganization } from '@parley/sandbox-seed';
import type { DemoCredentials } from '@parley/sandbox-runner';
import type { ClusterApp } from '@parley/testing';
import { RELAY_PUBLIC_URL, relayReadyOrganization, startSandboxedStack, type SandboxedStack } from '@parley/testing-stack';
import { cpuMs, eventually, median, percentile, writeResults } from './bench-support';
import { channelScenario } from './relay-channel';
import type { BarePipelineConfig } from './relay-bare-pipeline';

function cpuProfiling(): string[] {
  if (!CPU_PROFILE_DIR) return [];
  mkdirSync(CPU_PROFILE_DIR, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${path.resolve(CPU_PROFILE_DIR)}`];
}

const number = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const PAIRS = Math.min(25, number('RELAY_BENCH_PAIRS', 25));
const MESSAGES = number('RELAY_BENCH_MESSAGES', 2000);
const OFFERED_RATE = number('RELAY_BENCH_OFFERED_RATE', 1000);
const RATE = number('RELAY_BENCH_RATE', 100);
const LATENCY_SECONDS = number('RELAY_BENCH_LATENCY_SECONDS', 10);
const ROUNDS = number('RELAY_BENCH_ROUNDS', 3);
const LIMITS_SECONDS = number('RELAY_BENCH_LIMITS_SECONDS', 10);
const LIMITS_TIME_SCALE = number('RELAY_BENCH_LIMITS_TIME_SCALE', 0.1);
const BUSY = Math.min(PAIRS, number('RELAY_BENCH_BUSY', 4));
const LOG_LEVEL = process.env['RELAY_BENCH_LOG_LEVEL'] ?? 'info';
const CHANNEL_MESSAGES = number('RELAY_BENCH_CHANNEL_MESSAGES', MESSAGES);
const CHANNEL_AUTHORS = Math.min(PAIRS, number('RELAY_BENCH_CHANNEL_AUTHORS', 4));
const FILES = number('RELAY_BENCH_FILES', 3);
const FILE_MB = number('RELAY_BENCH_FILE_MB', 2);
const PARTITIONS = 6;
/** A directory for each service's V8 CPU profile (written when the service stops), to see where a message's cost goes. */
const CPU_PROFILE_DIR = process.env['RELAY_BENCH_CPU_PROFILE_DIR'];
const OPERATOR_KEY = `op_${'r'.repeat(40)}`;
const APPS: ClusterApp[] = ['identity', 'provisioning', 'slack-connector', 'teams-connector', 'relay', 'gateway'];
/** Parley's own pacing out of the way: every limit window 1,000 times shorter, no margins. */
const PACING_OFF = {
  PARLEY_GRAPH_LIMIT_TIME_SCALE: '0.001',
  PARLEY_GRAPH_PACING_MARGIN_MS: '0',
  PARLEY_SLACK_LIMIT_TIME_SCALE: '0.001',
  PARLEY_SLACK_JITTER_ALLOWANCE_MS: '0',
};

type Direction = 'slack-to-teams' | 'teams-to-slack';
/** One conversation pair as a path carries it: a Slack DM and its Teams chat, and who writes in each. */
interface Lane {
  readonly slackDm: string;
  readonly slackAuthor: string;
  readonly teamsChat: string;
  readonly teamsAuthor: string;
}
interface PathUnderTest {
  readonly name: 'parley' | 'bare';
  readonly lanes: readonly Lane[];
  /** The processes that make up the path (not the sandboxes), by name: their CPU time is the path's own cost. */
  readonly processes: () => Record<string, number | undefined>;
}
interface Sent {
  readonly marker: string;
  readonly direction: Direction;
  readonly lane: Lane;
  /** Graph's message id of a Teams post, to find its notification. */
  teamsMessageId?: string;
}
interface Outcome {
  readonly sent: number;
  readonly landed: number;
  /** ms, sandbox clocks: event sent to the path -> post created on the other side, per landed message. */
  readonly latencies: number[];
  readonly firstSentAt: number;
  readonly lastLandedAt: number;
  readonly byDirection: Record<Direction, { sent: number; landed: number }>;
  /**
   * What the platforms sent Parley during the round, first attempts and repeats: Slack repeats an event it got no 2xx
   * for within 3 s, Graph a notification not answered in time. Repeats are work a saturated path adds to itself.
   */
  readonly callbacks: {
    readonly slackEvents: number;
    readonly slackEventRepeats: number;
    readonly graphNotifications: number;
    readonly graphNotificationRepeats: number;
    /** Graph's attempts that failed, by why: `timeout`, a network error's code, or the HTTP status answered. */
    readonly graphFailedAttemptsBy: Readonly<Record<string, number>>;
  };
  /** CPU ms the path's processes used from the first message offered until the last one landed. */
  readonly cpuMs: number;
  /** The same per process of the path, and for what it shares with the other path (see sharedCpuMs). */
  readonly cpuMsBy: Record<string, number>;
}

const say = (text: string) => console.log(`[bench:relay] ${text}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const markerPattern = /Q([a-z0-9]+)Q(\d+)Q/g;

class Bench {
  private readonly graphAgent: Agent;
  private runCounter = 0;

  constructor(private readonly stack: SandboxedStack) {
    this.graphAgent = new Agent({ connect: { ca: stack.sandboxes.graph.caPem } });
  }

  get slack() {
    return this.stack.sandboxes.slack;
  }
  get graph() {
    return this.stack.sandboxes.graph;
  }

  /** Posts as the lane's author on the source platform; the sandbox sends the event or notification on its own. */
  send(sent: Sent, text: string): void {
    if (sent.direction === 'slack-to-teams') {
      this.slack.control.post({ as: sent.lane.slackAuthor, channel: sent.lane.slackDm, text });
    } else {
      const message = this.graph.control.post({ as: sent.lane.teamsAuthor, chatId: sent.lane.teamsChat, content: text });
      sent.teamsMessageId = String(message['id']);
    }
  }

  /**
   * Offers `count` messages at `rate` per second, alternating directions and going round the lanes, then waits until
   * every one landed (or `settleMs` passed without progress) and reads the timestamps from the sandboxes.
   */
  async offer(path: PathUnderTest, count: number, rate: number, lanes: readonly Lane[] = path.lanes, directions: readonly Direction[] = ['slack-to-teams', 'teams-to-slack'], settleMs = 30_000): Promise<Outcome> {
    const tag = `${path.name[0]}${(++this.runCounter).toString(36)}${randomBytes(2).toString('hex')}`;
    const sent: Sent[] = [];
    const cpuBefore = processCpuMs({ ...path.processes(), ...sharedProcesses() });
    const started = performance.now();
    const startedAt = Date.now();
    while (sent.length < count) {
      const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
      while (sent.length < due) {
        const i = sent.length;
        const direction = directions[i % directions.length] as Direction;
        const lane = lanes[Math.floor(i / directions.length) % lanes.length] as Lane;
        const entry: Sent = { marker: `Q${tag}Q${i}Q`, direction, lane };
        sent.push(entry);
        this.send(entry, `bench ${entry.marker} carried`);
      }
      await sleep(5);
    }
    const outcome = { ...(await this.collect(tag, sent, settleMs)), callbacks: this.callbacksSince(startedAt) };
    const own = Object.keys(path.processes());
    const cpuMsBy = cpuSince(cpuBefore, processCpuMs({ ...path.processes(), ...sharedProcesses() }));
    return { ...outcome, cpuMs: own.reduce((sum, name) => sum + (cpuMsBy[name] ?? 0), 0), cpuMsBy };
  }

  private landed(tag: string, sent: readonly Sent[]): Map<number, number> {
    const at = new Map<number, number>();
    const lanes = new Set(sent.map((s) => s.lane));
    for (const lane of lanes) {
      for (const m of this.graph.inspect.messages({ chatId: lane.teamsChat })) {
        const from = (m['from'] as { user?: { id?: string } } | null)?.user?.id;
        if (from === lane.teamsAuthor) continue;
        const content = String((m['body'] as { content?: string })?.content ?? '');
        for (const match of content.matchAll(markerPattern)) if (match[1] === tag) at.set(Number(match[2]), Date.parse(String(m['createdDateTime'])));
      }
      for (const m of this.slack.inspect.messages(lane.slackDm)) {
        if (m['user'] === lane.slackAuthor) continue;
        for (const match of String(m['text'] ?? '').matchAll(markerPattern)) if (match[1] === tag) at.set(Number(match[2]), Math.round(Number(m['ts']) * 1000));
      }
    }
    return at;
  }

  /** The platforms' calls to Parley (Slack events, Graph change notifications) since `since` (ms since the epoch). */
  private callbacksSince(since: number): Outcome['callbacks'] {
    const events = this.slack.inspect.events().filter((e) => e.at >= since);
    const notifications = this.graph.inspect.deliveries().filter((d) => d.kind === 'change' && Date.parse(d.sentAt ?? d.at) >= since);
    return {
      slackEvents: events.length,
      slackEventRepeats: events.filter((e) => e.attempt > 0).length,
      graphNotifications: notifications.length,
      graphNotificationRepeats: notifications.filter((d) => d.attempt > 1).length,
      graphFailedAttemptsBy: countBy(notifications.filter((d) => d.outcome === 'failed' || d.outcome === 'gave-up').map((d) => d.failure ?? String(d.status))),
    };
  }

  private async collect(tag: string, sent: readonly Sent[], settleMs: number): Promise<Omit<Outcome, 'cpuMs' | 'cpuMsBy' | 'callbacks'>> {
    let landed = this.landed(tag, sent);
    let lastProgress = Date.now();
    let lastCount = landed.size;
    while (landed.size < sent.length && Date.now() - lastProgress < settleMs) {
      await sleep(250);
      landed = this.landed(tag, sent);
      if (landed.size > lastCount) {
        lastCount = landed.size;
        lastProgress = Date.now();
      }
    }
    // When each event or notification went out to the path (first attempt).
    const sentAt = new Map<number, number>();
    const byTeamsId = new Map(sent.filter((s) => s.teamsMessageId).map((s) => [s.teamsMessageId as string, Number(/Q\d+Q$/.exec(s.marker)?.[0].slice(1, -1))]));
    for (const event of this.slack.inspect.events()) {
      if (event.attempt !== 0) continue;
      const inner = (event.envelope as { event?: { user?: string; text?: string } }).event;
      for (const match of String(inner?.text ?? '').matchAll(markerPattern)) {
        const index = Number(match[2]);
        if (match[1] === tag && sent[index]?.lane.slackAuthor === inner?.user && !sentAt.has(index)) sentAt.set(index, event.at);
      }
    }
    for (const delivery of this.graph.inspect.deliveries()) {
      if (delivery.kind !== 'change' || delivery.attempt !== 1 || !delivery.sentAt) continue;
      const item = (delivery.body as { value?: { resourceData?: { id?: string } }[] }).value?.[0];
      const index = byTeamsId.get(item?.resourceData?.id ?? '');
      if (index !== undefined && !sentAt.has(index)) sentAt.set(index, Date.parse(delivery.sentAt));
    }
    const latencies: number[] = [];
    for (const [index, at] of landed) {
      const from = sentAt.get(index);
      if (from !== undefined) latencies.push(at - from);
    }
    const byDirection = { 'slack-to-teams': { sent: 0, landed: 0 }, 'teams-to-slack': { sent: 0, landed: 0 } };
    sent.forEach((s, i) => {
      byDirection[s.direction].sent++;
      if (landed.has(i)) byDirection[s.direction].landed++;
    });
    return {
      sent: sent.length,
      landed: landed.size,
      latencies,
      firstSentAt: Math.min(...sentAt.values()),
      lastLandedAt: Math.max(...landed.values()),
      byDirection,
    };
  }

  /** Graph as an app or a person of the given tenant, over HTTPS (the sandbox's CA). */
  async graphCall<T>(pathname: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.graph.graphUrl}${pathname}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: this.graphAgent,
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async close(): Promise<void> {
    await this.graphAgent.close();
  }
}


/** Parley's lanes: each pair's Slack DM, relayed once so that its Teams twin exists, and a first answer back. */
async function parleyLanes(bench: Bench, stack: SandboxedStack): Promise<{ lanes: Lane[]; admin: Awaited<ReturnType<typeof relayReadyOrganization>>['admin']; pairs: Awaited<ReturnType<typeof relayReadyOrganization>>['pairs'] }> {
  const org = await relayReadyOrganization(stack, { operatorKey: OPERATOR_KEY, name: 'Relay bench', pairs: PAIRS });
  say(`organization ready: ${org.pairs.length} pairs synced, Teams-primary people consented on Slack`);
  await eventually('the Graph subscription', () => (bench.graph.inspect.subscriptions().length > 0 ? true : undefined));
  const dms = org.pairs.map((pair) => bench.slack.control.open({ as: pair.slackPerson.slackUserId, with: [pair.teamsPerson.slackMirrorId] }).id);
  dms.forEach((dm, i) => bench.slack.control.post({ as: org.pairs[i]?.slackPerson.slackUserId as string, channel: dm, text: 'hello, this DM is relayed' }));
  const twins = await eventually('every DM twin open on Teams', async () => {
    const page = await org.admin.expect<{ items: { slack: { conversationId: string | null }; teams: { conversationId: string | null } }[] }>(200, 'GET', '/v1/conversations?limit=200');
    const open = new Map(page.items.filter((c) => c.slack.conversationId && c.teams.conversationId).map((c) => [c.slack.conversationId as string, c.teams.conversationId as string]));
    return dms.every((dm) => open.has(dm)) ? open : undefined;
  });
  const lanes = org.pairs.map((pair, i) => ({
    slackDm: dms[i] as string,
    slackAuthor: pair.slackPerson.slackUserId,
    teamsChat: twins.get(dms[i] as string) as string,
    teamsAuthor: pair.teamsPerson.teamsUserId,
  }));
  return { lanes, admin: org.admin, pairs: org.pairs };
}

/** The bare pipeline's own organization on the same sandboxes, its process, its Events URL and its subscription. */
async function bareLanes(bench: Bench, stack: SandboxedStack, brokers: string[]): Promise<{ lanes: Lane[]; child: ChildProcess }> {
  const organization = { ...generatedOrganization(160, 7, 'bare-pipeline.example'), name: 'Bare pipeline' };
  const credentials: DemoCredentials = stack.sandboxes.seedOrganization(organization);
  const people = organization.people.filter((p) => !p.bot && !p.deactivated);
  const slackPeople = people.filter((p) => p.slack);
  const teamsPeople = people.filter((p) => p.teams);
  const slackUser = (email: string) => String(bench.slack.inspect.users().find((u) => (u['profile'] as { email?: string })?.email === email)?.['id']);
  const graphToken = (as?: string) => bench.graph.control.token({ clientId: credentials.graph.clientId, tenantId: credentials.graph.customerTenantId, ...(as ? { as } : {}) });
  const bareApp = bench.slack.state.apps.get(credentials.slack.appId);
  if (!bareApp) throw new Error('the bare Slack app was not seeded');
  const lanes: Lane[] = [];
  const toTeams: BarePipelineConfig['toTeams'] = {};
  const toSlack: BarePipelineConfig['toSlack'] = {};
  const slackVoices: string[] = [];
  const teamsVoices: string[] = [];
  for (let i = 0; i < PAIRS; i++) {
    // Slack: author A writes to B in a DM; the pipeline answers as B. Teams: author Y writes to X; it answers as X.
    const a = slackUser(slackPeople[2 * i]?.email as string);
    const b = slackUser(slackPeople[2 * i + 1]?.email as string);
    const x = teamsPeople[2 * i]?.email as string;
    const y = teamsPeople[2 * i + 1]?.email as string;
    const dm = bench.slack.control.open({ as: a, with: [b] }).id;
    const chat = bench.graph.control.createChat({ members: [x, y] }).id;
    const xId = String((await bench.graphCall<{ id: string }>('/me', graphToken(x))).body.id);
    toTeams[dm] = { chatId: chat, token: graphToken(x) };
    // b installs the bare app with user scopes (as a person consents), so the app hears the DM and posts as b.
    const installation = bench.slack.state.installForUser(bareApp, b, ['chat:write', 'im:history']);
    toSlack[chat] = { channel: dm, token: installation.token };
    slackVoices.push(b);
    teamsVoices.push(xId);
    lanes.push({ slackDm: dm, slackAuthor: a, teamsChat: chat, teamsAuthor: String((await bench.graphCall<{ id: string }>('/me', graphToken(y))).body.id) });
  }
  const key = createNotificationCertificate(`bare-${Date.now().toString(36)}`);
  const clientState = randomBytes(24).toString('base64url');
  const child = fork(path.join(__dirname, 'relay-bare-pipeline.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const config: BarePipelineConfig = {
    brokers,
    topicPrefix: stack.topicPrefix,
    partitions: PARTITIONS,
    graphUrl: credentials.graph.graphUrl,
    caPem: bench.graph.caPem,
    slackApiUrl: credentials.slack.apiUrl,
    privateKeyPem: key.privateKey.reveal(),
    clientState,
    toTeams,
    toSlack,
    slackVoices,
    teamsVoices,
  };
  const ready = new Promise<string>((resolve, reject) => {
    child.once('message', (message: { type?: string; url?: string }) => (message.type === 'ready' && message.url ? resolve(message.url) : reject(new Error('bare pipeline'))));
    child.once('exit', (code) => reject(new Error(`the bare pipeline exited ${code}`)));
  });
  child.send({ type: 'config', config });
  const url = await ready;
  if (!(await bench.slack.control.setEventsUrl({ url: `${url}/slack/events`, appId: credentials.slack.appId }))) throw new Error('the bare Events URL was refused');
  const subscription = await bench.graphCall<{ id?: string }>('/subscriptions', graphToken(), {
    changeType: 'created',
    notificationUrl: `${url}/teams/notifications`,
    resource: '/chats/getAllMessages?model=B',
    expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
    clientState,
    includeResourceData: true,
    encryptionCertificate: key.certificate,
    encryptionCertificateId: key.id,
  });
  if (subscription.status !== 201) throw new Error(`the bare subscription was refused: ${subscription.status} ${JSON.stringify(subscription.body)}`);
  return { lanes, child };
}

const cpuPerMessage = (o: Outcome) => Number((o.cpuMs / Math.max(1, o.landed)).toFixed(2));
const cpuPerMessageBy = (o: Outcome) => Object.fromEntries(Object.entries(o.cpuMsBy).map(([name, ms]) => [name, Number((ms / Math.max(1, o.landed)).toFixed(2))]));

const throughputOf = (o: Outcome) => Number(((o.landed / Math.max(1, o.lastLandedAt - o.firstSentAt)) * 1000).toFixed(1));
const latencyOf = (o: Outcome) => ({ p50: percentile(o.latencies, 50), p99: percentile(o.latencies, 99), max: Math.max(...o.latencies), samples: o.latencies.length });

function countBy(keys: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

/** CPU ms so far of each process, by `name` or `name|pid` (several processes of one name add up, see cpuSince). */
function processCpuMs(processes: Record<string, number | undefined>): Map<string, number> {
  return new Map(Object.entries(processes).map(([key, pid]) => [key, cpuMs(pid)]));
}

/** CPU used since `before`, by name: a process started since counts from 0, one gone since counts nothing. */
function cpuSince(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const by: Record<string, number> = {};
  for (const [key, ms] of after) {
    const name = key.split('|')[0] as string;
    by[name] = (by[name] ?? 0) + ms - (before.get(key) ?? 0);
  }
  return by;
}

/**
 * What both paths run on, and this process, which plays both platforms: the Kafka broker, PostgreSQL's backends (the
 * bare path uses none), Redis. Not the path's own cost, but on two cores it is what the path competes with.
 */
function sharedProcesses(): Record<string, number> {
  const found: Record<string, number> = { 'bench (sandboxes)': process.pid };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let command: string;
    try {
      command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const name = command.includes('kafka.Kafka') ? 'kafka' : command.startsWith('postgres') ? 'postgres' : command.startsWith('redis-server') ? 'redis' : undefined;
    if (name) found[`${name}|${entry}`] = Number(entry);
  }
  return found;
}

async function main(): Promise<void> {
  // The servers named in the environment, as the integration tests take them; otherwise the ones tools/infra runs.
  if (['DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS'].some((name) => !process.env[name])) {
    const infra = (await import(path.resolve(__dirname, '../../../tools/infra/infra.mjs'))) as { ensureInfra(o?: { log?: (line: string) => void }): Promise<{ env: Record<string, string> }> };
    const { env } = await infra.ensureInfra({ log: () => undefined });
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS']) process.env[name] ??= env[name];
  }
  const brokers = (process.env['KAFKA_BROKERS'] as string).split(',');
  // DATABASE_PREPARED_STATEMENTS=false measures every service without named prepared statements (ADR 0049).
  const everyApp: Record<string, string> = process.env['DATABASE_PREPARED_STATEMENTS'] ? { DATABASE_PREPARED_STATEMENTS: process.env['DATABASE_PREPARED_STATEMENTS'] } : {};
  const connectorEnv = { ...everyApp, ...PACING_OFF, ...(process.env['RELAY_BENCH_CONNECTOR_POOL_SIZE'] ? { DATABASE_POOL_SIZE: process.env['RELAY_BENCH_CONNECTOR_POOL_SIZE'] } : {}) };
  const perApp: Partial<Record<ClusterApp, Record<string, string>>> = {
    gateway: { ...everyApp, PARLEY_PUBLIC_URL: RELAY_PUBLIC_URL },
    identity: { ...everyApp, PARLEY_PUBLIC_URL: RELAY_PUBLIC_URL },
    provisioning: everyApp,
    relay: everyApp,
    'slack-connector': connectorEnv,
    // PARLEY_TEAMS_READ_BACK=false measures the path without the read-back before each handover (ADR 0047).
    'teams-connector': { ...connectorEnv, ...(process.env['PARLEY_TEAMS_READ_BACK'] ? { PARLEY_TEAMS_READ_BACK: process.env['PARLEY_TEAMS_READ_BACK'] } : {}) },
  };
  say(`starting: ${APPS.length} services, sandboxes with limits off, ${PAIRS} DM pairs`);
  const stack = await startSandboxedStack({
    label: 'benchrelay',
    apps: APPS,
    operatorKey: OPERATOR_KEY,
    sandboxes: { limitsEnabled: false },
    partitions: PARTITIONS,
    platformIngress: true,
    readyTimeoutMs: 300_000,
    perApp,
    env: { LOG_LEVEL: LOG_LEVEL, MESSAGING_PARTITION_CONCURRENCY: String(PARTITIONS) },
    nodeArguments: cpuProfiling(),
  });
  const bench = new Bench(stack);
  let bare: ChildProcess | undefined;
  try {
    const parley = await parleyLanes(bench, stack);
    const bareSetup = await bareLanes(bench, stack, brokers);
    bare = bareSetup.child;
    const paths: PathUnderTest[] = [
      { name: 'parley', lanes: parley.lanes, processes: () => Object.fromEntries(APPS.map((app) => [app, stack.cluster.process(app).pid])) },
      { name: 'bare', lanes: bareSetup.lanes, processes: () => ({ 'bare-pipeline': bareSetup.child.pid }) },
    ];
    // Warm-up: each path carries a little both ways before anything is measured (connections, caches, JIT).
    for (const p of paths) {
      const warm = await bench.offer(p, p.lanes.length * 2, 50, p.lanes, undefined, 15_000);
      say(`warm-up ${p.name}: ${warm.landed}/${warm.sent} landed ${JSON.stringify(warm.byDirection)}`);
      if (warm.landed < warm.sent) throw new Error(`${p.name} lost messages during warm-up`);
    }
    const rounds: Record<string, unknown>[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? paths : [...paths].reverse();
      for (const p of order) {
        const burst = await bench.offer(p, MESSAGES, OFFERED_RATE);
        const result = { round, path: p.name, kind: 'throughput', offeredRate: OFFERED_RATE, sent: burst.sent, landed: burst.landed, byDirection: burst.byDirection, messagesPerSecond: throughputOf(burst), cpuMsPerMessage: cpuPerMessage(burst), cpuMsPerMessageBy: cpuPerMessageBy(burst), latencyUnderLoad: latencyOf(burst), callbacks: burst.callbacks };
        say(JSON.stringify(result));
        rounds.push(result);
      }
      for (const p of order) {
        const steady = await bench.offer(p, Math.round(RATE * LATENCY_SECONDS), RATE);
        const result = { round, path: p.name, kind: 'latency', rate: RATE, sent: steady.sent, landed: steady.landed, byDirection: steady.byDirection, latencyMs: latencyOf(steady), callbacks: steady.callbacks };
        say(JSON.stringify(result));
        rounds.push(result);
      }
    }
    const of = (name: string, kind: string) => rounds.filter((r) => r['path'] === name && r['kind'] === kind);
    const parleyThroughput = median(of('parley', 'throughput').map((r) => r['messagesPerSecond'] as number));
    const bareThroughput = median(of('bare', 'throughput').map((r) => r['messagesPerSecond'] as number));
    const latency = (name: string) => {
      const l = of(name, 'latency').map((r) => r['latencyMs'] as { p50: number; p99: number });
      return { p50: median(l.map((x) => x.p50)), p99: median(l.map((x) => x.p99)) };
    };
    const cpu = (name: string) => median(of(name, 'throughput').map((r) => r['cpuMsPerMessage'] as number));
    const cpuBy = (name: string) => {
      const by = of(name, 'throughput').map((r) => r['cpuMsPerMessageBy'] as Record<string, number>);
      return Object.fromEntries(Object.keys(by[0] ?? {}).map((process) => [process, median(by.map((b) => b[process] ?? 0))]));
    };
    const lost = (name: string) => rounds.filter((r) => r['path'] === name).reduce((n, r) => n + (r['sent'] as number) - (r['landed'] as number), 0);

    const channel =
      CHANNEL_MESSAGES > 0
        ? await channelScenario(stack, parley.admin, parley.pairs, {
            messages: CHANNEL_MESSAGES,
            offeredRate: OFFERED_RATE,
            steadyRate: RATE,
            latencySeconds: LATENCY_SECONDS,
            rounds: ROUNDS,
            authors: CHANNEL_AUTHORS,
            files: FILES,
            fileBytes: Math.round(FILE_MB * 1024 * 1024),
            pids: () => APPS.map((app) => stack.cluster.process(app).pid),
          })
        : { skipped: true };
    const limits = LIMITS_SECONDS > 0 ? await limitsOn(bench, stack, perApp, parley.lanes, parley.admin) : { skipped: true };
    writeResults('relay', {
      measured: {
        throughput: 'messages carried per second, both directions at once: landed / (last post created on the far sandbox - first event or notification sent to the path), sandbox clocks; median of the rounds',
        latency: `added latency at a steady ${RATE} msg/s: per message, from the sandbox sending the event (Slack Events API) or change notification (Graph) to the path, to the other sandbox creating the post; p50 and p99 per round, median of the rounds`,
        bare: 'the bare pipeline: HTTP in, kafkajs produce -> consume -> produce -> consume, HTTP post out, in one process, no Parley (no checks, database, lookups, formatting or pacing)',
        limitsOn: 'sandboxes enforcing the documented per-chat and per-channel limits (time-compressed); busy conversations offered twice their limit; achieved rate of each as a share of its limit, over the span of its posts',
        cpu: "CPU time (user + system, from /proc) of the path's own processes (Parley's six services; the bare pipeline's one) while a throughput round ran, per message landed; capacityOnTwoCores = 2,000 CPU ms a second / that, what the path could carry on two cores of its own. Robust to other work on the machine, unlike the wall-clock figures",
        channel: `Channel Sync: one linked channel, ${CHANNEL_AUTHORS} authors per side, both ways at once, a third each top-level messages, thread replies (under roots that landed before) and reactions (on those roots); throughput and latency as above (a reaction lands at Graph's reaction createdDateTime or Slack's reaction_added event_ts; a Teams reaction is sent with the first change notification about its message after it); lost, duplicated, wrongRoot (a reply not under its root's twin, a message not top level), wrongAuthor; cpuMsPerMessage as for DMs; graphNotifications: Graph's attempts to notify Parley about the Teams channel by outcome (gave-up: a change Parley never heard); slackReactionsRemoved: reactions Parley took off on Slack though nobody took them off on Teams (the bench never removes one); median of the rounds`,
        files: 'raw: a file uploaded (Slack: files.getUploadURLExternal, the bytes, files.completeUploadExternal; Graph: PUT to a OneDrive) and downloaded (url_private_download; driveItem content) by a person, bytes/s, medians; relayed: one file at a time, bytes / (event or notification sent to Parley -> the message with the file created on the other side), the bytes checked; ratioToRaw = relayed / the raw speed of the same path (source download then target upload, back to back)',
        machine: 'a shared 2-core machine; other work ran at the same time, so compare the ratios more than the absolute numbers',
      },
      config: { pairs: PAIRS, messagesPerRound: MESSAGES, offeredRate: OFFERED_RATE, steadyRate: RATE, latencySeconds: LATENCY_SECONDS, rounds: ROUNDS, partitions: PARTITIONS, logLevel: LOG_LEVEL, channelMessagesPerRound: CHANNEL_MESSAGES, channelAuthors: CHANNEL_AUTHORS, filesPerDirection: FILES, fileMb: FILE_MB },
      parley: { messagesPerSecond: parleyThroughput, cpuMsPerMessage: cpu('parley'), cpuMsPerMessageBy: cpuBy('parley'), capacityOnTwoCores: Math.round(2_000 / cpu('parley')), latencyMs: latency('parley'), lost: lost('parley') },
      bare: { messagesPerSecond: bareThroughput, cpuMsPerMessage: cpu('bare'), cpuMsPerMessageBy: cpuBy('bare'), capacityOnTwoCores: Math.round(2_000 / cpu('bare')), latencyMs: latency('bare'), lost: lost('bare') },
      ratioToBare: Number((parleyThroughput / bareThroughput).toFixed(3)),
      cpuRatioToBare: Number((cpu('bare') / cpu('parley')).toFixed(3)),
      targets: { messagesPerSecond: 500, p99Ms: 100, ratioToBare: 0.5, limitsOn: { lost: 0, failed: 0, shareOfLimit: 0.9 } },
      met: { messagesPerSecond: parleyThroughput >= 500, p99: latency('parley').p99 < 100, ratioToBare: parleyThroughput / bareThroughput >= 0.5 },
      channel,
      limitsOn: limits,
      rounds,
    });
  } catch (error) {
    console.error(stack.cluster.describe().split('\n').slice(-200).join('\n'));
    throw error;
  } finally {
    const logDir = process.env['RELAY_BENCH_LOG_DIR'];
    if (logDir) {
      mkdirSync(logDir, { recursive: true });
      stack.cluster.history.forEach((p, i) => writeFileSync(path.join(logDir, `${i}-${p.app}.log`), `${p.rawLines.join('\n')}\n${p.stderr.join('')}`));
    }
    bare?.send({ type: 'stop' });
    await bench.close();
    await stack.stop();
    bare?.kill();
  }
}

/**
 * Limits on: both sandboxes enforce the documented limits at `LIMITS_TIME_SCALE`, and the connectors are restarted
 * pacing at the same scale. `BUSY` conversations per direction are offered twice their per-chat limit.
 */
async function limitsOn(bench: Bench, stack: SandboxedStack, perApp: Partial<Record<ClusterApp, Record<string, string>>>, lanes: readonly Lane[], admin: Awaited<ReturnType<typeof parleyLanes>>['admin']): Promise<Record<string, unknown>> {
  const scale = String(LIMITS_TIME_SCALE);
  // Pacing at the sandboxes' scale with the default margins, the rest of each connector's environment kept.
  const paced = (own: Record<string, string> = {}) => {
    const { PARLEY_GRAPH_PACING_MARGIN_MS: _margin, PARLEY_SLACK_JITTER_ALLOWANCE_MS: _jitter, ...rest } = own;
    return { ...rest, PARLEY_GRAPH_LIMIT_TIME_SCALE: scale, PARLEY_SLACK_LIMIT_TIME_SCALE: scale };
  };
  perApp['slack-connector'] = paced(perApp['slack-connector']);
  perApp['teams-connector'] = paced(perApp['teams-connector']);
  await stack.cluster.restart('slack-connector');
  await stack.cluster.restart('teams-connector');
  bench.graph.setLimits({ enabled: true, timeScale: LIMITS_TIME_SCALE });
  bench.slack.setLimits({ enabled: true, timeScale: LIMITS_TIME_SCALE });
  bench.graph.inspect.resetStatusCounts();
  const busy = lanes.slice(0, BUSY);
  const limitPerSecond = 1 / LIMITS_TIME_SCALE;
  // Twice the per-conversation limit into each busy conversation, both directions.
  const count = Math.round(2 * limitPerSecond * LIMITS_SECONDS * busy.length * 2);
  say(`limits on (time scale ${scale}): ${count} messages into ${busy.length} conversations each way at twice their limit of ${limitPerSecond}/s`);
  const outcome = await bench.offer({ name: 'parley', lanes: busy, processes: () => ({}) }, count, 2 * limitPerSecond * busy.length * 2, busy, undefined, 60_000);
  const shares = await conversationShares(bench, busy, outcome, limitPerSecond);
  const failed = await failedDeliveries(admin);
  return {
    timeScale: LIMITS_TIME_SCALE,
    perConversationLimitPerSecond: limitPerSecond,
    busyConversationsPerDirection: busy.length,
    sent: outcome.sent,
    landed: outcome.landed,
    lost: outcome.sent - outcome.landed,
    failedDeliveries: failed,
    graphStatuses: bench.graph.inspect.statusCounts(),
    shareOfLimit: shares,
    minShareOfLimit: Math.min(...shares.map((s) => s.share)),
    met: outcome.sent === outcome.landed && failed === 0 && Math.min(...shares.map((s) => s.share)) >= 0.9,
  };
}

/** Per busy conversation and direction: (posts - 1) / span of its posts' creation times, over its limit. */
async function conversationShares(bench: Bench, busy: readonly Lane[], _outcome: Outcome, limitPerSecond: number): Promise<{ conversation: string; direction: Direction; posts: number; share: number }[]> {
  const shares: { conversation: string; direction: Direction; posts: number; share: number }[] = [];
  for (const lane of busy) {
    const teams = bench.graph.inspect
      .messages({ chatId: lane.teamsChat })
      .filter((m) => (m['from'] as { user?: { id?: string } } | null)?.user?.id !== lane.teamsAuthor && String((m['body'] as { content?: string }).content).includes('bench '))
      .map((m) => Date.parse(String(m['createdDateTime'])));
    const slack = bench.slack.inspect
      .messages(lane.slackDm)
      .filter((m) => m['user'] !== lane.slackAuthor && String(m['text']).includes('bench '))
      .map((m) => Number(m['ts']) * 1000);
    for (const [direction, times, conversation] of [
      ['slack-to-teams', teams, lane.teamsChat],
      ['teams-to-slack', slack, lane.slackDm],
    ] as const) {
      const recent = times.sort((a, b) => a - b).slice(-Math.round(2 * limitPerSecond * LIMITS_SECONDS));
      const span = ((recent[recent.length - 1] as number) - (recent[0] as number)) / 1000;
      shares.push({ conversation, direction, posts: recent.length, share: Number(((recent.length - 1) / span / limitPerSecond).toFixed(3)) });
    }
  }
  return shares;
}

async function failedDeliveries(admin: Awaited<ReturnType<typeof parleyLanes>>['admin']): Promise<number> {
  const twins = await admin.expect<{ items: { id: string }[] }>(200, 'GET', '/v1/conversations?limit=200');
  let failed = 0;
  for (const twin of twins.items) {
    let cursor: string | null = null;
    do {
      const page: { items: { state: string }[]; nextCursor: string | null } = await admin.expect(200, 'GET', `/v1/conversations/${twin.id}/messages?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      failed += page.items.filter((m) => m.state === 'failed').length;
      cursor = page.nextCursor;
    } while (cursor);
  }
  return failed;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
