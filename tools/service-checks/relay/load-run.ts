import { seededRandom } from '@parley/sandbox-seed';
import { compareSides, type Conversation, type ConversationDriver, eventually, REACTIONS, type Written } from './conversation-driver';
import type { RelayOrganisation, RelayPerson } from './relay-organisation';

/** Issue 9's load: 1,000 messages over 50 DM pairs and 10 group DMs (RELAY_LOAD_MESSAGES scales it down for a quick look). */
export const LOAD_MESSAGES = Number(process.env['RELAY_LOAD_MESSAGES'] ?? 1_000);

/**
 * The load's conversations, made once and reused by every run: 50 DMs pairing each engineer (Slack) with two sales
 * reps (Teams), half started on each side; 5 Slack group DMs of two engineers and a rep, and 5 Teams group chats of
 * two reps and an engineer's guest. Group chats are created once: Teams makes a new one each time, Slack does not.
 */
export function loadConversations(org: RelayOrganisation): Conversation[] {
  const e = (i: number) => org.engineers[i % org.engineers.length] as RelayPerson;
  const r = (i: number) => org.reps[i % org.reps.length] as RelayPerson;
  const conversations: Conversation[] = [];
  for (let i = 0; i < 25; i++) {
    conversations.push({ name: `dm${i}a`, members: [e(i), r(i + 3)], starter: 'slack' });
    conversations.push({ name: `dm${i}b`, members: [e(i), r(i + 4)], starter: 'teams' });
  }
  for (let i = 0; i < 5; i++) {
    conversations.push({ name: `slackgroup${i}`, members: [e(2 * i + 5), e(2 * i + 6), r(i + 10)], starter: 'slack' });
    conversations.push({ name: `teamsgroup${i}`, members: [r(2 * i + 15), r(2 * i + 16), e(i + 17)], starter: 'teams' });
  }
  return conversations;
}

export interface LoadRunOptions {
  /** Tags of this run start with it (`r1`, `r2`...), so runs over the same conversations are told apart. */
  readonly run: number;
  readonly messages?: number;
  /** Messages written per second, all conversations together: a stream, so that a kill lands in its middle. */
  readonly perSecond?: number;
  /** Called once when this fraction of the messages is written (the stream goes on meanwhile). */
  readonly at?: readonly { readonly fraction: number; readonly action: () => Promise<void> }[];
  readonly settleMs?: number;
  /**
   * What people do besides writing, as fractions of the stream's steps: reply in a linked channel's thread, share a
   * file, react (or take a reaction back). Without it the stream writes, edits and deletes only, as before.
   */
  readonly mix?: { readonly replies: number; readonly files: number; readonly reactions: number };
  /** The share of the messages that go to the linked channels among the conversations (with `mix`). */
  readonly channelShare?: number;
}

/**
 * How the platforms' deliveries to Parley went, as the sandboxes recorded them: Slack's Events API attempts by outcome
 * (an `http_timeout` is an ack later than 3 s, and Slack sends the event again) and Graph's change notifications by
 * outcome (a `failed` one is retried later). Late acks are what reorders a conversation: the retry comes seconds after
 * the messages written next.
 */
export function platformDeliveries(org: RelayOrganisation): { slack: Record<string, number>; graph: Record<string, number> } {
  const count = (outcomes: readonly (string | undefined)[]) => outcomes.reduce<Record<string, number>>((all, o) => ({ ...all, [o ?? 'pending']: (all[o ?? 'pending'] ?? 0) + 1 }), {});
  return {
    slack: count(org.stack.sandboxes.slack.inspect.events().map((d) => d.outcome)),
    graph: count(org.stack.sandboxes.graph.inspect.deliveries().filter((d) => d.kind === 'change').map((d) => `${d.outcome}${d.outcome === 'delivered' ? '' : `:${d.status}${d.failure ? `:${d.failure}` : ''}`}`)),
  };
}

export interface LoadRunResult {
  readonly written: number;
  readonly edits: number;
  readonly deletes: number;
  readonly writeMs: number;
  readonly settleMs: number;
}

/** What people did besides writing: edits and deletes; replies in channel threads and messages with a file (among the written); reactions made and taken back. */
export interface LoadCounts {
  readonly edits: number;
  readonly deletes: number;
  readonly replies: number;
  readonly files: number;
  readonly reactions: number;
  readonly unreactions: number;
}

/** What a run wrote, the source of truth to compare the other sides with (`tallySides`, tags starting `tagPrefix`). */
export interface WrittenLoad extends LoadCounts {
  readonly written: readonly Written[];
  readonly tagPrefix: string;
  readonly writeMs: number;
}

/**
 * Writes, then waits until every other side shows exactly what was written (writeLoad): nothing lost, nothing doubled,
 * each source's order kept, edits and deletes applied.
 */
export async function runLoad(driver: ConversationDriver, conversations: readonly Conversation[], options: LoadRunOptions): Promise<LoadRunResult> {
  const { written, tagPrefix, edits, deletes, writeMs } = await writeLoad(driver, conversations, options);
  const settleStarted = Date.now();
  await eventually(() => compareSides(driver, conversations, written, tagPrefix), options.settleMs ?? 240_000, `run ${options.run}: every side shows what was written`);
  return { written: written.length, edits, deletes, writeMs, settleMs: Date.now() - settleStarted };
}

/**
 * Writes the run's messages over the conversations (each conversation's messages in order, from its members on their
 * own platforms; about 10% edited and 5% deleted later in the stream; with `mix`, replies in linked channels' threads,
 * files and reactions too), running each `at` action when the stream gets there; resolves once they are all written and
 * every action is done. The run number seeds the stream.
 */
export async function writeLoad(driver: ConversationDriver, conversations: readonly Conversation[], options: LoadRunOptions): Promise<WrittenLoad> {
  const total = options.messages ?? LOAD_MESSAGES;
  const random = seededRandom(1_000 + options.run);
  const written: Written[] = [];
  const tagPrefix = `r${options.run}c`;
  const pending = [...(options.at ?? [])].sort((a, b) => a.fraction - b.fraction);
  const actions: Promise<void>[] = [];
  const interval = 1_000 / (options.perSecond ?? 100);
  const begun = Date.now();
  const counts = { edits: 0, deletes: 0, replies: 0, files: 0, reactions: 0, unreactions: 0 };
  const mix = options.mix;
  const channels = conversations.filter((c) => c.teamsChannel);
  const chats = conversations.filter((c) => !c.teamsChannel);
  // Roots with replies: deleting one would leave a thread without its root, which neither platform shows alike.
  const threadRoots = new Set<string>();

  // Openers first: each conversation's starter writes, and the other side's twin appears (made by Parley).
  for (const [i, c] of conversations.entries()) {
    driver.start(c);
    const opener = c.members.find((m) => m.primary === c.starter) as RelayPerson;
    written.push(await driver.write(c, opener, `${tagPrefix}${i}m0`, 'opens'));
  }
  await Promise.all(
    conversations.map((c, i) => (c.starter === 'slack' && !c.teamsChannel ? driver.teamsChat(c, 180_000) : driver.shownOn(c, c.starter === 'slack' ? 'teams' : 'slack', `${tagPrefix}${i}m0`))),
  );
  // People reply and react to what they see: each channel is looked at every few seconds, both sides, so that a
  // message's twin is known to the people on the other side (chats' twins are not: there, people react on their side).
  let writing = true;
  const looking = mix && channels.length > 0 ? lookAtChannels(driver, channels, () => writing) : Promise.resolve();
  // The stream's pace counts from here: counted from before the openers, the first few hundred messages were all
  // overdue and went out in one synchronous burst (the sandboxes run in this process, so their deliveries waited
  // for it to end), a burst of hundreds of POSTs in one instant rather than the steady rate asked for.
  const started = Date.now();

  try {
    for (let n = conversations.length; n < total; n++) {
      const c = mix && channels.length > 0 && random() < (options.channelShare ?? 0.2) ? pick(random, channels) : pick(random, mix ? chats : conversations);
      const index = conversations.indexOf(c);
      const author = pick(random, c.members);
      const tag = `${tagPrefix}${index}m${n}`;
      const text = `message ${n} from ${author.key}`;
      const kind = mix ? random() : 1;
      let message: Written | undefined;
      if (mix && c.teamsChannel && kind < mix.replies) {
        // A reply to a root its author can see, not deleted; a root nobody can see yet makes it a message of its own.
        const roots = written.filter((w) => w.conversation === c && w.rootTag === undefined && !w.deleted && driver.idOn(w, author.primary) !== undefined);
        const root = roots.length > 0 ? pick(random, roots.slice(-20)) : undefined;
        message = root ? await driver.reply(root, author, tag, text) : undefined;
        if (message && root) {
          threadRoots.add(root.tag);
          counts.replies++;
        }
      } else if (mix && kind < (c.teamsChannel ? mix.replies : 0) + mix.files) {
        // Slack people share images, and documents in channels; Teams people paste images. (A document in a chat goes
        // to the sender's OneDrive, and a Slack person's Teams guest has none: Parley says so instead of carrying it.)
        const document = author.primary === 'slack' && c.teamsChannel !== undefined && random() < 0.5;
        message = await driver.writeFile(c, author, tag, text, document ? 'document' : 'image', 2_000 + Math.floor(random() * 60_000));
        counts.files++;
      }
      message ??= await driver.write(c, author, tag, text);
      written.push(message);
      const roll = random();
      // A person edits or deletes a message written earlier: never in the millisecond it was posted, which Graph's
      // timestamps could not tell apart from the post itself. Messages with files keep their text; thread roots stay.
      const own = written.filter((w) => w.conversation === c && !w.deleted && !w.files).slice(0, -1);
      const target = own[Math.floor(random() * own.length)];
      if (target && roll < 0.1) {
        await driver.edit(target, `change ${n}`);
        counts.edits++;
      } else if (target && roll < 0.15 && !threadRoots.has(target.tag)) {
        await driver.delete(target);
        counts.deletes++;
      }
      if (mix && random() < mix.reactions) {
        // Someone in the conversation reacts to a recent message they can see, or takes their reaction back.
        const by = pick(random, c.members);
        const visible = written.filter((w) => w.conversation === c && !w.deleted && driver.idOn(w, by.primary) !== undefined).slice(-15);
        const reaction = Math.floor(random() * REACTIONS.length);
        const on = visible.length > 0 ? pick(random, visible) : undefined;
        if (on) {
          const remove = on.reactions?.get(`${by.key}:${reaction}`)?.on === true;
          if (await driver.react(on, by, reaction, remove)) counts[remove ? 'unreactions' : 'reactions']++;
        }
      }
      while (pending[0] && n / total >= pending[0].fraction) actions.push((pending.shift() as { action: () => Promise<void> }).action());
      const due = started + (n - conversations.length + 1) * interval;
      // Behind the pace, it still lets the sandboxes deliver what was written, as the platforms do while people type.
      await new Promise((resolve) => (due > Date.now() ? setTimeout(resolve, due - Date.now()) : setImmediate(resolve)));
    }
    await Promise.all(actions);
  } finally {
    writing = false;
    await looking;
  }
  return { written, tagPrefix, ...counts, writeMs: Date.now() - begun };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/**
 * Glances at every channel on both sides every few seconds while `going` holds (its newest top-level messages: what
 * people reply and react to); a failed look (a platform fault) waits for the next.
 */
async function lookAtChannels(driver: ConversationDriver, channels: readonly Conversation[], going: () => boolean): Promise<void> {
  while (going()) {
    for (const c of channels) {
      for (const side of ['slack', 'teams'] as const) await driver.glance(c, side).catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  }
}
