// The channel part of `npm run bench:relay` (issue 10): one Slack channel linked with a Teams channel Parley creates,
// several Slack-primary and Teams-primary authors, and a mix of top-level messages, thread replies and reactions offered
// both ways; then files, timed against the sandboxes' raw upload and download speed measured in the same run.
// Everything is read from the sandboxes (their clocks and inspect views), as the DM part does.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Agent, fetch } from 'undici';
import type { AdminApi } from '@parley/admin-client';
import { normalizeShortcode, unicodeToShortcode } from '@parley/relay-formatting';
import type { RelayPair, SandboxedStack } from '@parley/testing-stack';
import { cpuMs, eventually, median, percentile } from './bench-support';

export interface ChannelBenchOptions {
  /** Items (messages, replies and reactions) per throughput round; 0 skips the channel part. */
  readonly messages: number;
  readonly offeredRate: number;
  readonly steadyRate: number;
  readonly latencySeconds: number;
  readonly rounds: number;
  /** Authors per side. */
  readonly authors: number;
  /** Files per direction, and their size. */
  readonly files: number;
  readonly fileBytes: number;
  /** Parley's processes: their CPU time per item carried is robust to other work on the machine. */
  readonly pids: () => (number | undefined)[];
}

type Direction = 'slack-to-teams' | 'teams-to-slack';
type Kind = 'message' | 'reply' | 'reaction';
const KINDS: readonly Kind[] = ['message', 'reply', 'reaction'];
/** One person as both sandboxes know them: their own account and the one Parley made for them on the other side. */
interface Author {
  readonly slackId: string;
  readonly teamsId: string;
}
/** A top-level message that has landed on both sides: replies go under it, reactions onto it. */
interface Root {
  readonly slackTs: string;
  readonly teamsId: string;
}
/** A Slack reaction name and the emoji Teams shows for it. */
interface Emoji {
  readonly slack: string;
  readonly unicode: string;
}
interface Item {
  readonly index: number;
  readonly kind: Kind;
  readonly direction: Direction;
  readonly author: Author;
  /** A reply's root; a reaction's target. */
  readonly root?: Root;
  readonly emoji?: Emoji;
  /** The source's id of a Teams message or reply, to find its change notification. */
  teamsMessageId?: string;
  /** When a Teams reaction was made (Graph's createdDateTime): its notification is the first update after it. */
  reactedAt?: number;
}
interface Landing {
  at: number;
  copies: number;
  underRoot: boolean;
  fromAuthor: boolean;
  /** False when no sandbox clock says when it landed (a Slack reaction whose reaction_added the app did not hear): `at` is when the bench saw it. */
  timed: boolean;
}
export interface ChannelOutcome {
  readonly sent: number;
  readonly landed: number;
  readonly duplicated: number;
  readonly wrongRoot: number;
  readonly wrongAuthor: number;
  readonly latencies: number[];
  readonly latenciesByKind: Record<Kind, number[]>;
  readonly byKind: Record<string, { sent: number; landed: number }>;
  readonly firstSentAt: number;
  readonly lastLandedAt: number;
  /** Graph's attempts to notify Parley about the Teams channel during the offering, by outcome (a `gave-up` is a change Parley never heard). */
  readonly graphNotifications: Record<string, number>;
  /** CPU ms Parley's processes used from the first item offered until the last one landed. */
  readonly cpuMs: number;
  /** Reactions Parley took off on Slack though no one took them off on Teams (the bench never removes one). */
  readonly slackReactionsRemoved: number;
}

const say = (text: string) => console.log(`[bench:relay] ${text}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const markerPattern = /Q([a-z0-9]+)Q(\d+)Q/g;
/** Emoji both platforms know by these names; a reaction is (target, reactor, emoji), so each pairing is used once. */
const EMOJIS: readonly Emoji[] = [
  ['+1', '👍'],
  ['heart', '❤️'],
  ['joy', '😂'],
  ['open_mouth', '😮'],
  ['cry', '😢'],
  ['tada', '🎉'],
  ['eyes', '👀'],
  ['rocket', '🚀'],
  ['fire', '🔥'],
  ['clap', '👏'],
].map(([slack, unicode]) => ({ slack: slack as string, unicode: unicode as string }));
/** One key for an emoji however a side names it (Slack `+1` or `thumbsup`, Teams 👍 with or without FE0F). */
const canonicalName = (name: string) => normalizeShortcode(name) ?? name;
const canonical = (unicode: string) => canonicalName(unicodeToShortcode(unicode) ?? unicode);
const userOf = (m: Record<string, unknown>) => (m['from'] as { user?: { id?: string } | null } | null)?.user?.id;
const bodyOf = (m: Record<string, unknown>) => String((m['body'] as { content?: string } | null)?.content ?? '');


/** The linked pair of channels and what the bench needs to act and read on both sides. */
class LinkedChannel {
  private readonly graphAgent: Agent;
  private counter = 0;
  private readonly reactionsUsed: Record<Direction, number> = { 'slack-to-teams': 0, 'teams-to-slack': 0 };

  constructor(
    readonly stack: SandboxedStack,
    readonly admin: AdminApi,
    readonly slackChannel: string,
    readonly teamId: string,
    readonly channelId: string,
    readonly conversationId: string,
    readonly slackAuthors: readonly Author[],
    readonly teamsAuthors: readonly Author[],
  ) {
    this.graphAgent = new Agent({ connect: { ca: stack.sandboxes.graph.caPem } });
  }

  get slack() {
    return this.stack.sandboxes.slack;
  }
  get graph() {
    return this.stack.sandboxes.graph;
  }
  get place() {
    return { teamId: this.teamId, channelId: this.channelId };
  }
  nextTag(): string {
    return `c${(++this.counter).toString(36)}${randomBytes(2).toString('hex')}`;
  }

  graphToken(as?: string): string {
    const graph = this.stack.sandboxes.credentials.graph;
    return this.graph.control.token({ clientId: graph.clientId, tenantId: graph.customerTenantId, ...(as ? { as } : {}) });
  }

  /** A Graph request over HTTPS with the sandbox's CA; a Buffer body is sent as bytes, anything else as JSON. */
  async graphFetch(method: string, pathname: string, token: string, body?: unknown): Promise<{ status: number; json: <T>() => T; bytes: Buffer }> {
    const isBytes = Buffer.isBuffer(body);
    const response = await fetch(`${this.graph.graphUrl}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': isBytes ? 'application/octet-stream' : 'application/json' }) },
      body: body === undefined ? undefined : isBytes ? (body as Buffer) : JSON.stringify(body),
      dispatcher: this.graphAgent,
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    return { status: response.status, bytes, json: <T>() => JSON.parse(bytes.toString('utf8')) as T };
  }

  async slackCall<T>(token: string, method: string, params: Record<string, string>): Promise<T> {
    const response = await fetch(`${this.stack.sandboxes.credentials.slack.apiUrl}${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    const body = (await response.json()) as T & { ok: boolean; error?: string };
    if (!body.ok) throw new Error(`Slack ${method}: ${body.error}`);
    return body;
  }

  /** Sends one item as its author on its source platform; the sandbox sends the event or notification on its own. */
  send(item: Item, text: string): void {
    const { author, root, emoji } = item;
    if (item.direction === 'slack-to-teams') {
      if (item.kind === 'message') this.slack.control.post({ as: author.slackId, channel: this.slackChannel, text });
      else if (item.kind === 'reply') this.slack.control.reply({ as: author.slackId, channel: this.slackChannel, threadTs: (root as Root).slackTs, text });
      else this.slack.control.react({ as: author.slackId, channel: this.slackChannel, ts: (root as Root).slackTs, name: (emoji as Emoji).slack });
      return;
    }
    if (item.kind === 'reaction') {
      this.graph.control.react({ as: author.teamsId, ...this.place, messageId: (root as Root).teamsId, reactionType: (emoji as Emoji).unicode });
      item.reactedAt = Date.now();
      return;
    }
    const message = this.graph.control.post({ as: author.teamsId, ...this.place, content: text, ...(item.kind === 'reply' ? { replyToId: (root as Root).teamsId } : {}) });
    item.teamsMessageId = String(message['id']);
  }

  /** The next unused (target, reactor, emoji) for a direction's reactions. */
  reaction(direction: Direction, roots: readonly Root[]): { root: Root; author: Author; emoji: Emoji } {
    const reactors = direction === 'slack-to-teams' ? this.slackAuthors : this.teamsAuthors;
    const n = this.reactionsUsed[direction]++;
    if (n >= roots.length * reactors.length * EMOJIS.length) throw new Error('the bench ran out of distinct reactions: make more roots');
    return {
      root: roots[n % roots.length] as Root,
      author: reactors[Math.floor(n / roots.length) % reactors.length] as Author,
      emoji: EMOJIS[Math.floor(n / (roots.length * reactors.length))] as Emoji,
    };
  }

  async close(): Promise<void> {
    await this.graphAgent.close();
  }
}

/**
 * Links a new Slack channel with a Teams channel Parley creates, as an admin does, and waits until both connectors
 * hear it (the app in the Slack channel, teams-connector's subscription to the Teams channel).
 */
async function linkChannel(stack: SandboxedStack, admin: AdminApi, pairs: readonly RelayPair[], authors: number): Promise<LinkedChannel> {
  const chosen = pairs.slice(0, authors);
  const slackAuthors = chosen.map((p) => ({ slackId: p.slackPerson.slackUserId, teamsId: p.slackPerson.teamsGuestId }));
  const teamsAuthors = chosen.map((p) => ({ slackId: p.teamsPerson.slackMirrorId, teamsId: p.teamsPerson.teamsUserId }));
  const slack = stack.sandboxes.slack;
  // The Slack-primary authors are in the channel; the Teams-primary ones' mirrors are invited by Parley when they speak.
  const channel = String(slack.control.createChannel({ name: `bench-channel-${randomBytes(3).toString('hex')}`, members: slackAuthors.map((a) => a.slackId) })['id']);
  const link = await admin.expect<{ conversationId: string; teams: { teamId: string; channelId: string } }>(201, 'POST', '/v1/channel-links', { slack: { channelId: channel }, teams: { create: true } });
  const linked = new LinkedChannel(stack, admin, channel, link.teams.teamId, link.teams.channelId, link.conversationId, slackAuthors, teamsAuthors);
  await eventually('a subscription to the linked Teams channel', () => (linked.graph.inspect.subscriptions().some((s) => s.resource.includes(link.teams.channelId)) ? true : undefined));
  const bot = (await linked.slackCall<{ user_id: string }>(stack.sandboxes.credentials.slack.botToken, 'auth.test', {})).user_id;
  await eventually('the Parley app in the Slack channel', () => ((slack.inspect.channels().find((c) => c['id'] === channel)?.['members'] as string[] | undefined)?.includes(bot) ? true : undefined));
  say(`channel linked: Slack ${channel} with Teams ${link.teams.teamId}/${link.teams.channelId}, ${authors} authors per side`);
  return linked;
}

/** What has landed so far, read from both sandboxes: each item's first landing time, its copies, and whether it is placed right. */
function landings(ch: LinkedChannel, tag: string, items: readonly Item[]): Map<number, Landing> {
  const landed = new Map<number, Landing>();
  const note = (index: number, at: number, underRoot: boolean, fromAuthor: boolean, timed = true) => {
    const seen = landed.get(index);
    if (seen) seen.copies++;
    else landed.set(index, { at, copies: 1, underRoot, fromAuthor, timed });
  };
  // Reactions expected on each side, keyed by where they land: target id | reactor id | emoji.
  const reactions = new Map<string, Item>();
  for (const item of items) {
    if (item.kind !== 'reaction') continue;
    const root = item.root as Root;
    const emoji = canonical((item.emoji as Emoji).unicode);
    if (item.direction === 'slack-to-teams') reactions.set(`${root.teamsId}|${item.author.teamsId}|${emoji}`, item);
    else reactions.set(`${root.slackTs}|${item.author.slackId}|${emoji}`, item);
  }
  const byRootTeams = new Map(items.filter((i) => i.root).map((i) => [i.index, (i.root as Root).teamsId]));
  const byRootSlack = new Map(items.filter((i) => i.root).map((i) => [i.index, (i.root as Root).slackTs]));
  for (const m of ch.graph.inspect.messages(ch.place)) {
    for (const match of bodyOf(m).matchAll(markerPattern)) {
      const item = items[Number(match[2])];
      if (match[1] !== tag || item?.direction !== 'slack-to-teams') continue;
      const replyToId = (m['replyToId'] as string | null) ?? null;
      note(item.index, Date.parse(String(m['createdDateTime'])), item.kind === 'reply' ? replyToId === byRootTeams.get(item.index) : replyToId === null, userOf(m) === item.author.teamsId);
    }
    for (const r of (m['reactions'] as { reactionType: string; createdDateTime: string; user: { user: { id: string } } }[] | undefined) ?? []) {
      const item = reactions.get(`${String(m['id'])}|${r.user.user.id}|${canonical(r.reactionType)}`);
      if (item?.direction === 'slack-to-teams') note(item.index, Date.parse(r.createdDateTime), true, true);
    }
  }
  // A reaction on Slack carries no time: reaction_added's event_ts (the app is in the channel and hears it) does.
  const reactedOnSlack = new Map<string, number>();
  for (const event of ch.slack.inspect.events({ type: 'reaction_added' })) {
    const inner = (event.envelope as { event?: { user?: string; reaction?: string; event_ts?: string; item?: { channel?: string; ts?: string } } }).event;
    if (inner?.item?.channel !== ch.slackChannel) continue;
    const key = `${inner.item.ts}|${inner.user}|${canonicalName(String(inner.reaction))}`;
    if (!reactedOnSlack.has(key)) reactedOnSlack.set(key, Math.round(Number(inner.event_ts) * 1000));
  }
  for (const m of ch.slack.inspect.messages(ch.slackChannel)) {
    for (const match of String(m['text'] ?? '').matchAll(markerPattern)) {
      const item = items[Number(match[2])];
      if (match[1] !== tag || item?.direction !== 'teams-to-slack') continue;
      const threadTs = (m['thread_ts'] as string | undefined) ?? null;
      note(item.index, Math.round(Number(m['ts']) * 1000), item.kind === 'reply' ? threadTs === byRootSlack.get(item.index) : threadTs === null || threadTs === m['ts'], m['user'] === item.author.slackId);
    }
    for (const r of (m['reactions'] as { name: string; users: string[] }[] | undefined) ?? []) {
      for (const user of r.users) {
        const key = `${String(m['ts'])}|${user}|${canonicalName(r.name)}`;
        const item = reactions.get(key);
        if (item?.direction === 'teams-to-slack') note(item.index, reactedOnSlack.get(key) ?? Date.now(), true, true, reactedOnSlack.has(key));
      }
    }
  }
  return landed;
}

/** When each item's event (Slack) or change notification (Graph) first went out to Parley. */
function sentTimes(ch: LinkedChannel, tag: string, items: readonly Item[]): Map<number, number> {
  const sentAt = new Map<number, number>();
  const slackReactions = new Map(items.filter((i) => i.kind === 'reaction' && i.direction === 'slack-to-teams').map((i) => [`${(i.root as Root).slackTs}|${i.author.slackId}|${canonicalName((i.emoji as Emoji).slack)}`, i.index]));
  for (const event of ch.slack.inspect.events()) {
    if (event.attempt !== 0) continue;
    const inner = (event.envelope as { event?: { type?: string; user?: string; text?: string; channel?: string; reaction?: string; item?: { channel?: string; ts?: string } } }).event;
    if (inner?.type === 'message' && inner.channel === ch.slackChannel) {
      for (const match of String(inner.text ?? '').matchAll(markerPattern)) {
        const index = Number(match[2]);
        if (match[1] === tag && items[index]?.author.slackId === inner.user && items[index]?.direction === 'slack-to-teams' && !sentAt.has(index)) sentAt.set(index, event.at);
      }
    } else if (inner?.type === 'reaction_added' && inner.item?.channel === ch.slackChannel) {
      const index = slackReactions.get(`${inner.item.ts}|${inner.user}|${canonicalName(String(inner.reaction))}`);
      if (index !== undefined && !sentAt.has(index)) sentAt.set(index, event.at);
    }
  }
  const byTeamsId = new Map(items.filter((i) => i.teamsMessageId).map((i) => [i.teamsMessageId as string, i.index]));
  // A reaction on Teams is an update of its message: its notification is the first one about that message after it.
  const updates = new Map<string, number[]>();
  for (const delivery of ch.graph.inspect.deliveries()) {
    if (delivery.kind !== 'change' || delivery.attempt !== 1 || !delivery.sentAt) continue;
    for (const value of (delivery.body as { value?: { changeType?: string; resourceData?: { id?: string } }[] }).value ?? []) {
      const id = value.resourceData?.id ?? '';
      const index = byTeamsId.get(id);
      if (index !== undefined && value.changeType === 'created' && !sentAt.has(index)) sentAt.set(index, Date.parse(delivery.sentAt));
      if (value.changeType === 'updated') updates.set(id, [...(updates.get(id) ?? []), Date.parse(delivery.sentAt)]);
    }
  }
  for (const item of items) {
    if (item.kind !== 'reaction' || item.direction !== 'teams-to-slack' || item.reactedAt === undefined) continue;
    const after = (updates.get((item.root as Root).teamsId) ?? []).filter((t) => t >= (item.reactedAt as number) - 5).sort((a, b) => a - b)[0];
    if (after !== undefined) sentAt.set(item.index, after);
  }
  return sentAt;
}

/** Offers `count` items at `rate` a second: both directions alternately, each cycling message, reply, reaction. */
async function offer(ch: LinkedChannel, roots: readonly Root[], count: number, rate: number, pids: () => (number | undefined)[], settleMs = 30_000): Promise<ChannelOutcome> {
  const cpuBefore = pids().reduce<number>((sum, pid) => sum + cpuMs(pid), 0);
  const tag = ch.nextTag();
  const items: Item[] = [];
  const since = Date.now();
  const turn: Record<Direction, number> = { 'slack-to-teams': 0, 'teams-to-slack': 0 };
  const started = performance.now();
  while (items.length < count) {
    const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    while (items.length < due) {
      const index = items.length;
      const direction: Direction = index % 2 === 0 ? 'slack-to-teams' : 'teams-to-slack';
      const n = turn[direction]++;
      const kind = KINDS[n % KINDS.length] as Kind;
      const authors = direction === 'slack-to-teams' ? ch.slackAuthors : ch.teamsAuthors;
      const item: Item =
        kind === 'reaction'
          ? { index, kind, direction, ...ch.reaction(direction, roots) }
          : { index, kind, direction, author: authors[n % authors.length] as Author, ...(kind === 'reply' ? { root: roots[n % roots.length] as Root } : {}) };
      items.push(item);
      ch.send(item, `bench ${kind} Q${tag}Q${index}Q carried`);
    }
    await sleep(5);
  }
  let landed = landings(ch, tag, items);
  let lastProgress = Date.now();
  let lastCount = landed.size;
  while (landed.size < items.length && Date.now() - lastProgress < settleMs) {
    await sleep(250);
    landed = landings(ch, tag, items);
    if (landed.size > lastCount) {
      lastCount = landed.size;
      lastProgress = Date.now();
    }
  }
  // A late copy would show as a duplicate: give the path a moment past the last landing.
  await sleep(1_000);
  landed = landings(ch, tag, items);
  const sentAt = sentTimes(ch, tag, items);
  const latenciesByKind: Record<Kind, number[]> = { message: [], reply: [], reaction: [] };
  const byKind: Record<string, { sent: number; landed: number }> = {};
  for (const item of items) {
    const key = `${item.direction} ${item.kind}`;
    byKind[key] ??= { sent: 0, landed: 0 };
    (byKind[key] as { sent: number }).sent++;
    const landing = landed.get(item.index);
    if (!landing) continue;
    (byKind[key] as { landed: number }).landed++;
    const from = sentAt.get(item.index);
    if (from !== undefined && landing.timed) latenciesByKind[item.kind].push(landing.at - from);
  }
  const all = [...landed.values()];
  return {
    sent: items.length,
    landed: landed.size,
    duplicated: all.reduce((n, l) => n + l.copies - 1, 0),
    wrongRoot: all.filter((l) => !l.underRoot).length,
    wrongAuthor: all.filter((l) => !l.fromAuthor).length,
    latencies: [...latenciesByKind.message, ...latenciesByKind.reply, ...latenciesByKind.reaction],
    latenciesByKind,
    byKind,
    firstSentAt: Math.min(...sentAt.values()),
    lastLandedAt: Math.max(...all.map((l) => l.at)),
    graphNotifications: notificationOutcomes(ch, since),
    slackReactionsRemoved: reactionsRemovedOnSlack(ch, since),
    cpuMs: pids().reduce<number>((sum, pid) => sum + cpuMs(pid), 0) - cpuBefore,
  };
}

function reactionsRemovedOnSlack(ch: LinkedChannel, since: number): number {
  const mirrors = new Set(ch.teamsAuthors.map((a) => a.slackId));
  return ch.slack.inspect.events({ type: 'reaction_removed' }).filter((e) => {
    const inner = (e.envelope as { event?: { user?: string; item?: { channel?: string } } }).event;
    return e.attempt === 0 && e.at >= since && inner?.item?.channel === ch.slackChannel && mirrors.has(String(inner.user));
  }).length;
}

function notificationOutcomes(ch: LinkedChannel, since: number): Record<string, number> {
  const subscriptions = new Set(ch.graph.inspect.subscriptions().filter((s) => s.resource.includes(ch.channelId)).map((s) => s.id));
  const outcomes: Record<string, number> = {};
  for (const d of ch.graph.inspect.deliveries()) {
    if (d.kind === 'change' && subscriptions.has(d.subscriptionId) && Date.parse(d.at) >= since) outcomes[d.outcome] = (outcomes[d.outcome] ?? 0) + 1;
  }
  return outcomes;
}

/**
 * Top-level messages from every author on both sides, waited for until each has landed: they are the roots replies go
 * under and reactions go onto, and the first message of each Teams-primary author gets their mirror into the channel.
 */
async function plantRoots(ch: LinkedChannel, count: number): Promise<Root[]> {
  const tag = ch.nextTag();
  const planted: { direction: Direction; slackTs?: string; teamsId?: string; marker: string }[] = [];
  for (let i = 0; i < count; i++) {
    const marker = `Q${tag}Q${i}Q`;
    if (i % 2 === 0) {
      const author = ch.slackAuthors[(i / 2) % ch.slackAuthors.length] as Author;
      planted.push({ direction: 'slack-to-teams', marker, slackTs: String(ch.slack.control.post({ as: author.slackId, channel: ch.slackChannel, text: `bench root ${marker}` })['ts']) });
    } else {
      const author = ch.teamsAuthors[((i - 1) / 2) % ch.teamsAuthors.length] as Author;
      planted.push({ direction: 'teams-to-slack', marker, teamsId: String(ch.graph.control.post({ as: author.teamsId, ...ch.place, content: `bench root ${marker}` })['id']) });
    }
    await sleep(50);
  }
  return eventually(
    `${count} roots landed on both sides`,
    () => {
      const teams = ch.graph.inspect.messages(ch.place).filter((m) => !m['replyToId']);
      const slack = ch.slack.inspect.messages(ch.slackChannel).filter((m) => !m['thread_ts'] || m['thread_ts'] === m['ts']);
      const roots: Root[] = [];
      for (const p of planted) {
        const slackTs = p.slackTs ?? slack.find((m) => String(m['text']).includes(p.marker))?.['ts'];
        const teamsId = p.teamsId ?? teams.find((m) => bodyOf(m).includes(p.marker))?.['id'];
        if (!slackTs || !teamsId) return undefined;
        roots.push({ slackTs: String(slackTs), teamsId: String(teamsId) });
      }
      return roots;
    },
    180_000,
  );
}

const cpuPerItem = (o: ChannelOutcome) => Number((o.cpuMs / Math.max(1, o.landed)).toFixed(2));
const rate = (o: ChannelOutcome) => Number(((o.landed / Math.max(1, o.lastLandedAt - o.firstSentAt)) * 1000).toFixed(1));
const latencyOf = (values: readonly number[]) => (values.length ? { p50: percentile(values, 50), p99: percentile(values, 99), max: Math.max(...values), samples: values.length } : { samples: 0 });
const summary = (o: ChannelOutcome) => ({
  sent: o.sent,
  landed: o.landed,
  lost: o.sent - o.landed,
  duplicated: o.duplicated,
  wrongRoot: o.wrongRoot,
  wrongAuthor: o.wrongAuthor,
  byKind: o.byKind,
  graphNotifications: o.graphNotifications,
  slackReactionsRemoved: o.slackReactionsRemoved,
  latencyMs: latencyOf(o.latencies),
  latencyMsByKind: Object.fromEntries(Object.entries(o.latenciesByKind).map(([kind, values]) => [kind, latencyOf(values)])),
});

/** The channel scenario: throughput and steady-rate latency rounds on one linked channel, then files. */
export async function channelScenario(stack: SandboxedStack, admin: AdminApi, pairs: readonly RelayPair[], options: ChannelBenchOptions): Promise<Record<string, unknown>> {
  const ch = await linkChannel(stack, admin, pairs, Math.min(options.authors, pairs.length));
  try {
    // Enough roots that every reaction of the run is a distinct (target, reactor, emoji): a third of each direction's items.
    const perRound = options.messages + Math.round(options.steadyRate * options.latencySeconds);
    const reactionsPerDirection = Math.ceil((options.rounds * perRound) / 6) + 10;
    const rootCount = Math.max(2 * options.authors, Math.ceil(reactionsPerDirection / (options.authors * EMOJIS.length)) * 2);
    const roots = await plantRoots(ch, rootCount);
    say(`channel: ${roots.length} roots landed on both sides`);
    const warm = await offer(ch, roots, 12 * options.authors, 50, options.pids, 15_000);
    say(`channel warm-up: ${JSON.stringify(summary(warm))}`);
    const rounds: Record<string, unknown>[] = [];
    const outcomes: { kind: 'throughput' | 'latency'; outcome: ChannelOutcome }[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      const burst = await offer(ch, roots, options.messages, options.offeredRate, options.pids);
      outcomes.push({ kind: 'throughput', outcome: burst });
      const b = { round, kind: 'throughput', offeredRate: options.offeredRate, messagesPerSecond: rate(burst), cpuMsPerMessage: cpuPerItem(burst), ...summary(burst) };
      say(`channel ${JSON.stringify(b)}`);
      rounds.push(b);
      const steady = await offer(ch, roots, Math.round(options.steadyRate * options.latencySeconds), options.steadyRate, options.pids);
      outcomes.push({ kind: 'latency', outcome: steady });
      const s = { round, kind: 'latency', rate: options.steadyRate, ...summary(steady) };
      say(`channel ${JSON.stringify(s)}`);
      rounds.push(s);
    }
    const latency = outcomes.filter((o) => o.kind === 'latency').map((o) => o.outcome);
    const messagesPerSecond = median(outcomes.filter((o) => o.kind === 'throughput').map((o) => rate(o.outcome)));
    const p99 = median(latency.map((o) => percentile(o.latencies, 99)));
    const cpu = median(outcomes.filter((o) => o.kind === 'throughput').map((o) => cpuPerItem(o.outcome)));
    const total = (field: 'duplicated' | 'wrongRoot' | 'wrongAuthor') => outcomes.reduce((n, o) => n + o.outcome[field], 0);
    const files = await fileScenario(ch, options);
    return {
      link: { slackChannel: ch.slackChannel, teamsChannel: `${ch.teamId}/${ch.channelId}`, conversationId: ch.conversationId, authorsPerSide: ch.slackAuthors.length, roots: roots.length },
      messagesPerSecond,
      cpuMsPerMessage: cpu,
      capacityOnTwoCores: Math.round(2_000 / cpu),
      latencyMs: { p50: median(latency.map((o) => percentile(o.latencies, 50))), p99 },
      lost: outcomes.reduce((n, o) => n + o.outcome.sent - o.outcome.landed, 0),
      duplicated: total('duplicated'),
      wrongRoot: total('wrongRoot'),
      wrongAuthor: total('wrongAuthor'),
      met: { messagesPerSecond: messagesPerSecond >= 500, p99: p99 < 100 },
      files,
      rounds,
    };
  } finally {
    await ch.close();
  }
}

/** Bytes a second, from a size and a time in ms. */
const speed = (bytes: number, ms: number) => Math.round((bytes / Math.max(1, ms)) * 1000);
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface SlackFile {
  id: string;
  name: string;
  size: number;
  url_private_download: string;
}

/** A person's Slack client uploading as Slack's files.uploadV2 does: the upload URL, the bytes, the share. */
async function slackUpload(ch: LinkedChannel, token: string, channel: string, name: string, bytes: Buffer, comment?: string): Promise<SlackFile> {
  const { upload_url: url, file_id: id } = await ch.slackCall<{ upload_url: string; file_id: string }>(token, 'files.getUploadURLExternal', { filename: name, length: String(bytes.length) });
  const uploaded = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
  await uploaded.arrayBuffer();
  if (uploaded.status !== 200) throw new Error(`Slack's upload URL answered ${uploaded.status}`);
  const done = await ch.slackCall<{ files: SlackFile[] }>(token, 'files.completeUploadExternal', { files: JSON.stringify([{ id, title: name }]), channel_id: channel, ...(comment ? { initial_comment: comment } : {}) });
  return done.files[0] as SlackFile;
}

async function slackDownload(url: string, token: string): Promise<Buffer> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`Slack's url_private_download answered ${response.status}`);
  return bytes;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/**
 * The sandboxes' raw speeds for a file of the scenario's size (upload and download on each, as a person's client does
 * them), then files relayed each way one at a time: bytes / (event or notification sent to Parley -> the message with
 * the file created on the other side), as a ratio to the raw speed of the same path (a download from the source and an
 * upload to the target, back to back).
 */
async function fileScenario(ch: LinkedChannel, options: ChannelBenchOptions): Promise<Record<string, unknown>> {
  if (options.files <= 0) return { skipped: true };
  const size = options.fileBytes;
  const slackAuthor = ch.slackAuthors[0] as Author;
  const teamsAuthor = ch.teamsAuthors[0] as Author;
  const slackToken = ch.slack.control.issueToken({ kind: 'user', as: slackAuthor.slackId, scopes: ['files:write', 'files:read', 'channels:read', 'channels:history'] });
  const teamsToken = ch.graphToken(teamsAuthor.teamsId);
  const scratch = String(ch.slack.control.createChannel({ name: `bench-files-${randomBytes(3).toString('hex')}`, members: [slackAuthor.slackId] })['id']);
  const raw = { slackUpload: [] as number[], slackDownload: [] as number[], graphUpload: [] as number[], graphDownload: [] as number[] };
  for (let i = 0; i < options.files; i++) {
    const bytes = randomBytes(size);
    const up = await timed(() => slackUpload(ch, slackToken, scratch, `raw-${i}.bin`, bytes));
    const down = await timed(() => slackDownload(up.value.url_private_download, slackToken));
    if (sha(down.value) !== sha(bytes)) throw new Error('the Slack sandbox gave back other bytes');
    raw.slackUpload.push(speed(size, up.ms));
    raw.slackDownload.push(speed(size, down.ms));
    const put = await timed(() => ch.graphFetch('PUT', `/me/drive/root:/bench/raw-${randomBytes(4).toString('hex')}.bin:/content`, teamsToken, bytes));
    if (put.value.status !== 200 && put.value.status !== 201) throw new Error(`Graph's drive upload answered ${put.value.status}: ${put.value.bytes.toString().slice(0, 300)}`);
    const itemId = put.value.json<{ id: string }>().id;
    const get = await timed(() => ch.graphFetch('GET', `/me/drive/items/${itemId}/content`, teamsToken));
    if (get.value.status !== 200 || sha(get.value.bytes) !== sha(bytes)) throw new Error(`Graph's drive download answered ${get.value.status} or other bytes`);
    raw.graphUpload.push(speed(size, put.ms));
    raw.graphDownload.push(speed(size, get.ms));
  }
  const rawSpeeds = { slackUpload: median(raw.slackUpload), slackDownload: median(raw.slackDownload), graphUpload: median(raw.graphUpload), graphDownload: median(raw.graphDownload) };
  // A path's raw speed: the same bytes read from the source and written to the target by one client, back to back.
  const pathSpeed = (down: number, up: number) => Math.round(size / (size / down + size / up));
  const toTeams = await relayFilesToTeams(ch, slackToken, slackAuthor, options.files, size);
  const toSlack = await relayFilesToSlack(ch, teamsToken, teamsAuthor, options.files, size);
  const ratio = (relayed: Record<string, unknown>, raw: number) => (typeof relayed['bytesPerSecond'] === 'number' ? Number(((relayed['bytesPerSecond'] as number) / raw).toFixed(3)) : null);
  const slackToTeamsRaw = pathSpeed(rawSpeeds.slackDownload, rawSpeeds.graphUpload);
  const teamsToSlackRaw = pathSpeed(rawSpeeds.graphDownload, rawSpeeds.slackUpload);
  const result = {
    fileBytes: size,
    filesPerDirection: options.files,
    rawBytesPerSecond: rawSpeeds,
    'slack-to-teams': { ...toTeams, rawPathBytesPerSecond: slackToTeamsRaw, ratioToRaw: ratio(toTeams, slackToTeamsRaw) },
    'teams-to-slack': { ...toSlack, rawPathBytesPerSecond: teamsToSlackRaw, ratioToRaw: ratio(toSlack, teamsToSlackRaw) },
    target: { ratioToRaw: 0.7 },
    met: { 'slack-to-teams': (ratio(toTeams, slackToTeamsRaw) ?? 0) >= 0.7, 'teams-to-slack': (ratio(toSlack, teamsToSlackRaw) ?? 0) >= 0.7 },
  };
  say(`files: ${JSON.stringify(result)}`);
  return result;
}

/** What the admin API says about the link's latest message: the plain account when a file does not arrive. */
async function deliveryStory(ch: LinkedChannel): Promise<string> {
  const page = await ch.admin.expect<{ items: Record<string, unknown>[] }>(200, 'GET', `/v1/conversations/${ch.conversationId}/messages?limit=1`).catch((e: unknown) => ({ items: [{ error: String(e) }] }));
  return `Parley's record of it: ${JSON.stringify(page.items[0] ?? null).slice(0, 600)}`;
}

/** Slack -> Teams: a Slack author shares a file in the linked channel; it should land on Teams with its bytes. */
async function relayFilesToTeams(ch: LinkedChannel, token: string, author: Author, count: number, size: number): Promise<Record<string, unknown>> {
  const tag = ch.nextTag();
  const speeds: number[] = [];
  for (let i = 0; i < count; i++) {
    const marker = `Q${tag}Q${i}Q`;
    const bytes = randomBytes(size);
    const name = `bench-${tag}-${i}.bin`;
    await slackUpload(ch, token, ch.slackChannel, name, bytes, `bench file ${marker}`);
    const landed = await eventually(
      'the file on Teams',
      () => {
        const m = ch.graph.inspect.messages(ch.place).find((x) => bodyOf(x).includes(marker));
        return m ? m : undefined;
      },
      60_000,
    ).catch(() => undefined);
    if (!landed) return { carried: false, what: `not carried end to end yet: the message with ${name} did not reach Teams within 60 s. ${await deliveryStory(ch)}` };
    const attachment = ((landed['attachments'] as { contentType: string; contentUrl?: string; name?: string }[] | undefined) ?? []).find((a) => a.name === name && a.contentUrl);
    if (!attachment) return { carried: false, what: `not carried end to end yet: the message reached Teams without ${name} (attachments ${JSON.stringify(landed['attachments']).slice(0, 300)}; body ${bodyOf(landed).slice(0, 300)}). ${await deliveryStory(ch)}` };
    const content = await ch.graphFetch('GET', `/shares/u!${Buffer.from(attachment.contentUrl as string).toString('base64url')}/driveItem/content`, ch.graphToken());
    if (content.status !== 200 || sha(content.bytes) !== sha(bytes)) return { carried: false, what: `the file on Teams is not the one sent (${content.status}, ${content.bytes.length} bytes of ${size})` };
    const event = ch.slack.inspect.events().find((e) => e.attempt === 0 && String((e.envelope as { event?: { text?: string } }).event?.text ?? '').includes(marker));
    // Carried, but with no event on record (caught up later) there is no start to time it from.
    if (event) speeds.push(speed(size, Date.parse(String(landed['createdDateTime'])) - event.at));
  }
  return { carried: true, bytesPerSecond: speeds.length ? median(speeds) : null, perFile: speeds, untimed: count - speeds.length };
}

/** Teams -> Slack: a Teams author puts a file in the channel's folder and shares it by reference in a message. */
async function relayFilesToSlack(ch: LinkedChannel, token: string, author: Author, count: number, size: number): Promise<Record<string, unknown>> {
  const tag = ch.nextTag();
  const speeds: number[] = [];
  const folder = await ch.graphFetch('GET', `/teams/${ch.teamId}/channels/${encodeURIComponent(ch.channelId)}/filesFolder`, token);
  if (folder.status !== 200) return { carried: false, what: `the channel's files folder could not be read (${folder.status})` };
  const { id: folderId, parentReference } = folder.json<{ id: string; parentReference: { driveId: string } }>();
  const botToken = ch.stack.sandboxes.credentials.slack.botToken;
  for (let i = 0; i < count; i++) {
    const marker = `Q${tag}Q${i}Q`;
    const bytes = randomBytes(size);
    const name = `bench-${tag}-${i}.bin`;
    const put = await ch.graphFetch('PUT', `/drives/${parentReference.driveId}/items/${folderId}:/${name}:/content`, token, bytes);
    if (put.status !== 200 && put.status !== 201) return { carried: false, what: `the file could not be put in the channel's folder (${put.status})` };
    const item = put.json<{ eTag: string; webDavUrl: string }>();
    const guid = /\{([0-9A-Fa-f-]{36})\}/.exec(item.eTag)?.[1] ?? randomUUID();
    const posted = await ch.graphFetch('POST', `/teams/${ch.teamId}/channels/${encodeURIComponent(ch.channelId)}/messages`, token, {
      body: { contentType: 'html', content: `<p>bench file ${marker}</p><attachment id="${guid}"></attachment>` },
      attachments: [{ id: guid, contentType: 'reference', contentUrl: item.webDavUrl, name }],
    });
    if (posted.status !== 201) return { carried: false, what: `Graph refused the message sharing ${name} (${posted.status} ${posted.bytes.toString().slice(0, 300)})` };
    const messageId = posted.json<{ id: string }>().id;
    const landed = await eventually(
      'the file on Slack',
      () => ch.slack.inspect.messages(ch.slackChannel).find((m) => String(m['text'] ?? '').includes(marker)),
      60_000,
    ).catch(() => undefined);
    if (!landed) return { carried: false, what: `not carried end to end yet: the message with ${name} did not reach Slack within 60 s. ${await deliveryStory(ch)}` };
    const file = ((landed['files'] as SlackFile[] | undefined) ?? []).find((f) => f.name === name);
    if (!file) return { carried: false, what: `not carried end to end yet: the message reached Slack without ${name} (files ${JSON.stringify(landed['files'] ?? []).slice(0, 300)}; text ${String(landed['text']).slice(0, 300)}). ${await deliveryStory(ch)}` };
    const copy = await slackDownload(file.url_private_download, botToken);
    if (sha(copy) !== sha(bytes)) return { carried: false, what: `the file on Slack is not the one sent (${copy.length} bytes of ${size})` };
    const delivery = ch.graph.inspect
      .deliveries()
      .find((d) => d.kind === 'change' && d.attempt === 1 && d.sentAt && ((d.body as { value?: { resourceData?: { id?: string } }[] }).value ?? []).some((v) => v.resourceData?.id === messageId));
    if (delivery?.sentAt) speeds.push(speed(size, Math.round(Number(landed['ts']) * 1000) - Date.parse(delivery.sentAt)));
  }
  return { carried: true, bytesPerSecond: speeds.length ? median(speeds) : null, perFile: speeds, untimed: count - speeds.length };
}
