import type { RelayOrganisation, RelayPerson } from './relay-organisation';
import { slackCall } from './relay-organisation';

export type Side = 'slack' | 'teams';

/**
 * A DM or group DM between people of both platforms, or a linked channel; each member writes on their own platform.
 */
export interface Conversation {
  readonly name: string;
  readonly members: readonly RelayPerson[];
  /** Where it starts: the first message is written there, and the other side's twin is Parley's to make. */
  readonly starter: Side;
  /** The Slack DM, group DM or channel, and the Teams chat, once the driver knows them. */
  slackId?: string;
  teamsId?: string;
  /** A linked channel's Teams side (its Slack side is slackId); chats have none. Channels have threads. */
  readonly teamsChannel?: { readonly teamId: string; readonly channelId: string };
}

/**
 * The reactions the drivers use, as each platform names them: what a person picks on one side and what the other side
 * must show. Written out here, not taken from Parley's emoji mapping, so that the check does not share its mistakes.
 */
export const REACTIONS = [
  { slack: ['+1', 'thumbsup'], teams: ['👍', 'like'] },
  { slack: ['heart'], teams: ['❤️', '❤', 'heart'] },
  { slack: ['joy'], teams: ['😂'] },
  { slack: ['tada'], teams: ['🎉'] },
] as const;

/** Which of REACTIONS a platform's reaction name is (its index), or the name itself when none. */
function reactionKey(side: Side, name: string): string {
  const index = REACTIONS.findIndex((r) => (r[side] as readonly string[]).includes(name));
  return index === -1 ? name : String(index);
}

/** A tiny PNG and PDF of a given size, as people share them. */
export function sampleFile(kind: 'image' | 'document', bytes: number): Buffer {
  const head = kind === 'image' ? Buffer.from('89504e470d0a1a0a', 'hex') : Buffer.from('%PDF-1.7\n');
  return Buffer.concat([head, Buffer.alloc(Math.max(0, bytes - head.length), kind === 'image' ? 7 : 3)]);
}

/** What a person wrote, as the driver remembers it: the source of truth the other side is compared with. */
export interface Written {
  readonly conversation: Conversation;
  readonly author: RelayPerson;
  readonly tag: string;
  /** The message's id on the author's platform (Slack ts or Graph message id). */
  readonly sourceId: string;
  text: string;
  edited: boolean;
  deleted: boolean;
  /** In a linked channel: the reply's thread, by its root's tag. */
  readonly rootTag?: string;
  /** Files shared with it (its text is their comment). */
  readonly files?: number;
  /** Reactions people made on it on their own platform, by person and reaction: whether each still stands. */
  reactions?: Map<string, { readonly by: RelayPerson; readonly reaction: number; on: boolean }>;
}

/** A message as a reader sees it on their platform. */
export interface Seen {
  readonly id: string;
  /** The account it is from (Slack user or Teams user id); undefined for a bot or app post. */
  readonly from: string | undefined;
  readonly text: string;
  readonly deleted: boolean;
  readonly edited: boolean;
  /** Teams mentions: mentioned user ids. */
  readonly mentions: readonly string[];
  /** In a channel: the id of the thread's root this is a reply to. */
  readonly threadRootId?: string;
  /** Files it carries: Slack's files, Teams' inline images and references. */
  readonly files: number;
  /** Its reactions: which (reactionKey) and by whose account. */
  readonly reactions: readonly { readonly key: string; readonly by: string }[];
}

const sideOf = (person: RelayPerson): Side => person.primary;

interface GraphMessage {
  id: string;
  messageType?: string;
  createdDateTime: string;
  lastEditedDateTime?: string | null;
  deletedDateTime?: string | null;
  from?: { user?: { id?: string } | null } | null;
  body: { content: string };
  mentions?: { mentioned?: { user?: { id?: string } | null } | null }[];
  attachments?: { contentType: string }[];
  reactions?: { reactionType: string; user?: { user?: { id?: string } | null } | null }[];
}
interface SlackMessage {
  ts: string;
  thread_ts?: string;
  reply_count?: number;
  user?: string;
  bot_id?: string;
  text?: string;
  edited?: unknown;
  subtype?: string;
  files?: unknown[];
  reactions?: { name: string; users: string[] }[];
}

/**
 * Plays the people: each writes, edits and deletes on their own platform through the sandbox (as their client
 * would), and reads what they see through the platform's public API with their own token. Parley is never asked.
 */
export class ConversationDriver {
  private readonly slackTokens = new Map<string, string>();
  private readonly graphTokens = new Map<string, string>();
  private readonly chatMembers = new Map<string, string[]>();
  /** Each message's id on each side, as its readers have seen it (`side:tag`): what people reply and react to. */
  private readonly ids = new Map<string, string>();
  /** The roots with replies in each channel, by tag: the threads a Teams reader opens. */
  private readonly threads = new Map<Conversation, Set<string>>();

  constructor(private readonly org: RelayOrganisation) {}

  private get slack() {
    return this.org.stack.sandboxes.slack.control;
  }
  private get graph() {
    return this.org.stack.sandboxes.graph.control;
  }

  /** The first message's place: the starter side's conversation, opened by its first member there. */
  start(conversation: Conversation): void {
    if (conversation.teamsChannel) return;
    if (conversation.starter === 'slack') this.slackConversation(conversation);
    else if (!conversation.teamsId) {
      const ids = conversation.members.map((m) => m.teamsId);
      conversation.teamsId = this.graph.createChat({ members: ids, chatType: ids.length === 2 ? 'oneOnOne' : 'group' }).id;
    }
  }

  /** Slack has one DM or group DM per set of people: opening it again answers the same one. */
  private slackConversation(conversation: Conversation): string {
    const [first, ...others] = conversation.members.map((m) => m.slackId) as [string, ...string[]];
    conversation.slackId ??= this.slack.open({ as: first, with: others }).id;
    return conversation.slackId;
  }

  /** The Teams twin of a conversation started on Slack: the chat Parley made, found by a member in their chat list. */
  async teamsChat(conversation: Conversation, timeoutMs = 120_000): Promise<string> {
    if (conversation.teamsId) return conversation.teamsId;
    const reader = conversation.members.find((m) => m.primary === 'teams') as RelayPerson;
    const wanted = new Set(conversation.members.map((m) => m.teamsId));
    const kind = wanted.size === 2 ? 'oneOnOne' : 'group';
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const chats = (await this.graphGet<{ value: { id: string; chatType: string }[] }>(reader, '/chats')).value.filter((c) => c.chatType === kind);
      for (const chat of chats) {
        // Nobody joins or leaves these chats: each chat's members are asked for once.
        let members = this.chatMembers.get(chat.id);
        if (!members) {
          members = (await this.graphGet<{ value: { userId: string }[] }>(reader, `/chats/${encodeURIComponent(chat.id)}/members`)).value.map((m) => m.userId);
          this.chatMembers.set(chat.id, members);
        }
        if (members.length === wanted.size && members.every((m) => wanted.has(m))) return (conversation.teamsId = chat.id);
      }
      if (Date.now() > deadline) throw new Error(`${reader.key} never saw a Teams chat for ${conversation.name}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /**
   * Waits until a member on `side` sees the message tagged `tag` in the conversation: for one started on the other side,
   * that Parley made its twin there. Slack has one group DM per set of people, so a Slack member writing before that
   * would start the conversation from Slack (a second twin, with a new Teams group chat), as a person doing so would.
   */
  async shownOn(conversation: Conversation, side: Side, tag: string, timeoutMs = 180_000): Promise<void> {
    const reader = conversation.members.find((m) => m.primary === side) as RelayPerson;
    const deadline = Date.now() + timeoutMs;
    while (!(await this.read(conversation, reader)).some((m) => m.text.includes(tag))) {
      if (Date.now() > deadline) throw new Error(`${reader.key} never saw ${tag} on ${side} in ${conversation.name}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  async write(conversation: Conversation, author: RelayPerson, tag: string, text: string): Promise<Written> {
    const body = `${tag} ${text}`;
    let sourceId: string;
    if (sideOf(author) === 'slack') {
      sourceId = this.slack.post({ as: author.slackId, channel: this.slackConversation(conversation), text: body })['ts'] as string;
    } else {
      sourceId = this.graph.post({ as: author.teamsId, ...(await this.teamsPlace(conversation)), content: body, contentType: 'text' })['id'] as string;
    }
    return { conversation, author, tag, sourceId, text: body, edited: false, deleted: false };
  }

  /** The Teams side of a conversation, as Graph's control addresses a message's place. */
  private async teamsPlace(conversation: Conversation): Promise<{ chatId: string } | { teamId: string; channelId: string }> {
    return conversation.teamsChannel ?? { chatId: await this.teamsChat(conversation) };
  }

  /** A message's id on `side`: its own where it was written, else its twin's once a reader there has seen it. */
  idOn(message: Written, side: Side): string | undefined {
    return sideOf(message.author) === side ? message.sourceId : this.ids.get(`${side}:${message.tag}`);
  }

  /**
   * A reply in a linked channel's thread, written where the author is: under the root itself, or under its twin once
   * the author's side has seen it; undefined when the author cannot see the root yet.
   */
  async reply(root: Written, author: RelayPerson, tag: string, text: string): Promise<Written | undefined> {
    const conversation = root.conversation;
    const parent = this.idOn(root, sideOf(author));
    if (!conversation.teamsChannel || parent === undefined) return undefined;
    const body = `${tag} ${text}`;
    const sourceId =
      sideOf(author) === 'slack'
        ? (this.slack.reply({ as: author.slackId, channel: conversation.slackId as string, threadTs: parent, text: body })['ts'] as string)
        : (this.graph.post({ as: author.teamsId, ...conversation.teamsChannel, replyToId: parent, content: body, contentType: 'text' })['id'] as string);
    const threads = this.threads.get(conversation) ?? new Set<string>();
    this.threads.set(conversation, threads.add(root.tag));
    return { conversation, author, tag, sourceId, text: body, edited: false, deleted: false, rootTag: root.tag };
  }

  /**
   * A message with a file, as people share one: on Slack an upload with a comment (an image or a document); on Teams
   * an image pasted into the message (documents there go through OneDrive, which this driver does not play).
   */
  async writeFile(conversation: Conversation, author: RelayPerson, tag: string, text: string, kind: 'image' | 'document', bytes: number): Promise<Written> {
    const body = `${tag} ${text}`;
    const content = sampleFile(kind, bytes);
    let sourceId: string;
    if (sideOf(author) === 'slack') {
      const filename = `${tag}.${kind === 'image' ? 'png' : 'pdf'}`;
      const shared = this.slack.upload({ as: author.slackId, channel: this.slackConversation(conversation), filename, content, initialComment: body });
      sourceId = (shared['message'] as { ts: string }).ts;
    } else {
      sourceId = this.graph.post({
        as: author.teamsId,
        ...(await this.teamsPlace(conversation)),
        content: `<p>${body}</p><img src="../hostedContents/1/$value">`,
        contentType: 'html',
        hostedContents: [{ temporaryId: '1', contentType: 'image/png', bytes: sampleFile('image', bytes) }],
      })['id'] as string;
    }
    return { conversation, author, tag, sourceId, text: body, edited: false, deleted: false, files: 1 };
  }

  /**
   * `by` adds (or removes) one of REACTIONS on the message as their platform shows it to them; false when they cannot
   * see it there yet.
   */
  async react(message: Written, by: RelayPerson, reaction: number, remove = false): Promise<boolean> {
    const side = sideOf(by);
    const id = this.idOn(message, side);
    if (id === undefined) return false;
    const names = REACTIONS[reaction] as (typeof REACTIONS)[number];
    if (side === 'slack') {
      const ref = { as: by.slackId, channel: this.slackConversation(message.conversation), ts: id, name: names.slack[0] };
      if (remove) this.slack.unreact(ref);
      else this.slack.react(ref);
    } else {
      this.graph.react({ as: by.teamsId, ...(await this.teamsPlace(message.conversation)), messageId: id, reactionType: names.teams[0], remove });
    }
    message.reactions ??= new Map();
    message.reactions.set(`${by.key}:${reaction}`, { by, reaction, on: !remove });
    return true;
  }

  /** Writes with Teams mentions (html with `<at>`) or Slack mentions (`<@U…>` in the text). */
  async writeWithMention(conversation: Conversation, author: RelayPerson, tag: string, before: string, mentioned: RelayPerson): Promise<Written> {
    if (sideOf(author) === 'slack') {
      const text = `${tag} ${before} <@${mentioned.slackId}>`;
      const ts = this.slack.post({ as: author.slackId, channel: this.slackConversation(conversation), text })['ts'] as string;
      return { conversation, author, tag, sourceId: ts, text, edited: false, deleted: false };
    }
    const content = `<p>${tag} ${before} <at id="0">${mentioned.realName}</at></p>`;
    const posted = this.graph.post({
      as: author.teamsId,
      chatId: await this.teamsChat(conversation),
      content,
      contentType: 'html',
      mentions: [{ id: 0, mentionText: mentioned.realName, mentioned: { user: { id: mentioned.teamsId, displayName: mentioned.realName, userIdentityType: 'aadUser' } } }] as never,
    });
    return { conversation, author, tag, sourceId: posted['id'] as string, text: content, edited: false, deleted: false };
  }

  async edit(message: Written, text: string): Promise<void> {
    const body = `${message.tag} edited ${text}`;
    if (sideOf(message.author) === 'slack') this.slack.edit({ as: message.author.slackId, channel: message.conversation.slackId as string, ts: message.sourceId, text: body });
    else this.graph.edit({ as: message.author.teamsId, ...(await this.teamsPlace(message.conversation)), messageId: message.sourceId, content: body });
    message.text = body;
    message.edited = true;
  }

  async delete(message: Written): Promise<void> {
    if (sideOf(message.author) === 'slack') this.slack.delete({ as: message.author.slackId, channel: message.conversation.slackId as string, ts: message.sourceId });
    else this.graph.delete({ as: message.author.teamsId, ...(await this.teamsPlace(message.conversation)), messageId: message.sourceId });
    message.deleted = true;
  }

  /**
   * What `reader` sees in the conversation on their own platform, oldest first (a channel's thread replies among the
   * rest, in the order they were posted); the ids of the tagged messages are remembered for replies and reactions.
   */
  async read(conversation: Conversation, reader: RelayPerson): Promise<Seen[]> {
    const side = sideOf(reader);
    let seen: Seen[];
    if (side === 'slack') seen = await this.readSlack(reader, this.slackConversation(conversation));
    else if (conversation.teamsChannel) seen = await this.readTeamsChannel(reader, conversation.teamsChannel, this.threads.get(conversation) ?? new Set());
    else seen = await this.readTeams(reader, await this.teamsChat(conversation));
    this.remember(side, seen.filter((s) => !s.deleted));
    return seen;
  }

  /** The ids of the tagged messages a reader saw on `side`: what people there reply and react to. */
  private remember(side: Side, seen: readonly { readonly id: string; readonly text: string }[]): void {
    for (const s of seen) {
      const tag = TAG.exec(s.text)?.[1];
      if (tag && !this.ids.has(`${side}:${tag}`)) this.ids.set(`${side}:${tag}`, s.id);
    }
  }

  /**
   * A glance at a linked channel, as a person scrolling it: the newest page of its top-level messages on `side`, whose
   * ids are remembered for replies and reactions. One call, where read() opens every thread.
   */
  async glance(conversation: Conversation, side: Side): Promise<void> {
    const reader = conversation.members.find((m) => m.primary === side) as RelayPerson;
    const place = conversation.teamsChannel;
    if (!place) return;
    const texts =
      side === 'slack'
        ? (await slackCall<{ messages: SlackMessage[] }>(this.org.stack, this.slackToken(reader), 'conversations.history', { channel: conversation.slackId as string, limit: '50' })).messages.map((m) => ({ id: m.ts, text: m.text ?? '' }))
        : (await this.graphGet<{ value: GraphMessage[] }>(reader, `/teams/${place.teamId}/channels/${encodeURIComponent(place.channelId)}/messages?$top=50`)).value.map((m) => ({ id: m.id, text: m.body.content }));
    this.remember(side, texts);
  }

  /** What a reader sees in a Slack conversation, oldest first; in a channel, each thread's replies too. */
  async readSlack(reader: RelayPerson, channel: string): Promise<Seen[]> {
    const token = this.slackToken(reader);
    const roots = await this.slackPages(token, 'conversations.history', { channel });
    const replies: SlackMessage[] = [];
    for (const root of roots) {
      if (!root.reply_count) continue;
      for (const reply of await this.slackPages(token, 'conversations.replies', { channel, ts: root.ts })) if (reply.ts !== root.ts) replies.push(reply);
    }
    const all = [...new Map([...roots, ...replies].map((m) => [m.ts, m])).values()];
    return all
      .sort((a, b) => Number(a.ts) - Number(b.ts))
      .map((m) => ({
        id: m.ts,
        from: m.bot_id ? undefined : m.user,
        text: m.text ?? '',
        deleted: false,
        edited: Boolean(m.edited),
        mentions: [],
        ...(m.thread_ts && m.thread_ts !== m.ts ? { threadRootId: m.thread_ts } : {}),
        files: m.files?.length ?? 0,
        reactions: (m.reactions ?? []).flatMap((r) => r.users.map((by) => ({ key: reactionKey('slack', r.name), by }))),
      }));
  }

  private async slackPages(token: string, method: string, params: Record<string, string>): Promise<SlackMessage[]> {
    const all: SlackMessage[] = [];
    let cursor = '';
    do {
      const page = await slackCall<{ messages: SlackMessage[]; response_metadata?: { next_cursor?: string } }>(this.org.stack, token, method, {
        ...params,
        limit: '200',
        ...(cursor ? { cursor } : {}),
      });
      all.push(...page.messages);
      cursor = page.response_metadata?.next_cursor ?? '';
    } while (cursor);
    return all;
  }

  async readTeams(reader: RelayPerson, chatId: string): Promise<Seen[]> {
    return teamsSeen(await this.graphPages(reader, `/chats/${encodeURIComponent(chatId)}/messages?$top=50&$orderby=createdDateTime desc`));
  }

  /** A Teams channel as a member sees it: its messages, and the replies of the roots in `threads` (tags). */
  async readTeamsChannel(reader: RelayPerson, place: { teamId: string; channelId: string }, threads: ReadonlySet<string>): Promise<Seen[]> {
    const base = `/teams/${place.teamId}/channels/${encodeURIComponent(place.channelId)}/messages`;
    const roots = await this.graphPages(reader, `${base}?$top=50`);
    const replies: (GraphMessage & { threadRootId: string })[] = [];
    for (const root of roots) {
      const tag = TAG.exec(root.body.content)?.[1];
      if (!tag || !threads.has(tag)) continue;
      for (const reply of await this.graphPages(reader, `${base}/${encodeURIComponent(root.id)}/replies?$top=50`)) replies.push({ ...reply, threadRootId: root.id });
    }
    return teamsSeen([...roots, ...replies]);
  }

  private async graphPages(reader: RelayPerson, first: string): Promise<GraphMessage[]> {
    const all: GraphMessage[] = [];
    let next: string | undefined = first;
    while (next) {
      const page: { value: GraphMessage[]; '@odata.nextLink'?: string } = await this.graphGet(reader, next);
      all.push(...page.value);
      next = page['@odata.nextLink'];
    }
    return all;
  }

  slackToken(person: RelayPerson): string {
    let token = this.slackTokens.get(person.slackId);
    if (!token) {
      // A token of the person's own (not an installation of Parley's app: it sends no events anywhere).
      token = this.slack.issueToken({
        kind: 'user',
        as: person.slackId,
        scopes: ['im:history', 'im:read', 'mpim:history', 'mpim:read', 'users:read', 'channels:history', 'channels:read', 'reactions:read', 'files:read'],
      });
      this.slackTokens.set(person.slackId, token);
    }
    return token;
  }

  async graphGet<T>(person: RelayPerson, path: string): Promise<T> {
    let token = this.graphTokens.get(person.teamsId);
    if (!token) {
      const graph = this.org.stack.sandboxes.credentials.graph;
      token = this.graph.token({ clientId: graph.clientId, tenantId: graph.customerTenantId, as: person.teamsId });
      this.graphTokens.set(person.teamsId, token);
    }
    const answer = await this.org.probe.graph<T>(path, token);
    if (answer.status !== 200) throw new Error(`Graph ${path} as ${person.key}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }
}

/** Teams messages as a reader sees them, oldest first; system messages left out. */
function teamsSeen(messages: readonly (GraphMessage & { threadRootId?: string })[]): Seen[] {
  return messages
    .filter((m) => (m.messageType ?? 'message') === 'message')
    .sort((a, b) => Date.parse(a.createdDateTime) - Date.parse(b.createdDateTime) || Number(a.id) - Number(b.id))
    .map((m) => ({
      id: m.id,
      from: m.from?.user?.id ?? undefined,
      text: m.body.content,
      deleted: Boolean(m.deletedDateTime),
      edited: Boolean(m.lastEditedDateTime),
      mentions: (m.mentions ?? []).map((x) => x.mentioned?.user?.id ?? '').filter(Boolean),
      ...(m.threadRootId ? { threadRootId: m.threadRootId } : {}),
      files: (m.body.content.match(/hostedContents\/[^/"]+\/\$value/g) ?? []).length + (m.attachments ?? []).filter((a) => a.contentType === 'reference').length,
      reactions: (m.reactions ?? []).map((r) => ({ key: reactionKey('teams', r.reactionType), by: r.user?.user?.id ?? '' })),
    }));
}

/** Polls until `check` passes (returns undefined) or the deadline; then fails with what it said last. */
export async function eventually(check: () => Promise<string | undefined>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined = 'not checked';
  for (;;) {
    last = await check().catch((error: unknown) => `check threw: ${error instanceof Error ? error.message : String(error)}`);
    if (last === undefined) return;
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms:\n${last}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** The run's tags in what the reader sees: `tag` and whether it reads as edited; Parley adds nothing of its own. */
const TAG = /\b(r\d+c\d+m\d+)\b( edited)?/;

/** How one conversation side differs from what was written: counts, and a line saying how (empty when it holds). */
export interface SideTally {
  /** Live messages written that the other side does not show. */
  readonly lost: number;
  /** Extra copies of a message the other side shows more than once. */
  readonly duplicated: number;
  /** Messages shown before one written earlier (adjacent inversions in the order first shown, per chat, channel and thread). */
  readonly outOfOrder: number;
  /** Messages shown from the wrong account (the app, or someone else). */
  readonly wrongAuthor: number;
  /** Messages shown with an older text (an edit not carried) or deleted ones still shown. */
  readonly stale: number;
  /** Thread replies shown outside their root's thread (or as a root). */
  readonly wrongThread: number;
  /** Messages shown with fewer files than they were written with. */
  readonly filesLost: number;
  readonly problem?: string;
}

export interface Tally {
  readonly lost: number;
  readonly duplicated: number;
  readonly outOfOrder: number;
  readonly wrongAuthor: number;
  readonly stale: number;
  readonly wrongThread: number;
  readonly filesLost: number;
  /** Reactions a person made that the other side does not show from their account there. */
  readonly reactionsLost: number;
  /** Reactions a person took back that the other side still shows. */
  readonly reactionsStale: number;
  /** Messages with files, and reactions, the tally checked. */
  readonly files: number;
  readonly reactions: number;
  readonly sides: number;
  readonly problems: readonly string[];
}

/**
 * Compares what every source side wrote with what the other side's members see, as they see it. Per source side of
 * each conversation: the live messages (not deleted) arrive once each, from their author's account there, in the
 * order written, with their last text; deleted ones are gone (Slack) or shown deleted (Teams). Counts each kind of
 * difference (the chaos run reports them); `problems` has one line per conversation side that does not hold.
 */
export async function tallySides(driver: ConversationDriver, conversations: readonly Conversation[], written: readonly Written[], tagPrefix: string): Promise<Tally> {
  const totals = { lost: 0, duplicated: 0, outOfOrder: 0, wrongAuthor: 0, stale: 0, wrongThread: 0, filesLost: 0, reactionsLost: 0, reactionsStale: 0, files: 0, reactions: 0, sides: 0 };
  const problems: string[] = [];
  const ours = (s: Seen) => !s.deleted && TAG.exec(s.text)?.[1]?.startsWith(tagPrefix);
  for (const conversation of conversations) {
    // Each side is read once, by one of its people, for the messages and for the reactions.
    const reads = new Map<Side, Promise<Seen[]>>();
    const seenOn = (side: Side): Promise<Seen[]> => {
      let read = reads.get(side);
      if (!read) {
        const reader = conversation.members.find((m) => m.primary === side) as RelayPerson;
        read = driver.read(conversation, reader).then((all) => all.filter(ours));
        reads.set(side, read);
      }
      return read;
    };
    const here = written.filter((w) => w.conversation === conversation);
    for (const source of ['slack', 'teams'] as const) {
      const mine = here.filter((w) => w.author.primary === source);
      if (mine.length === 0) continue;
      const other = source === 'slack' ? 'teams' : 'slack';
      const side = tallySide(conversation, source, mine, await seenOn(other));
      totals.sides++;
      totals.lost += side.lost;
      totals.duplicated += side.duplicated;
      totals.outOfOrder += side.outOfOrder;
      totals.wrongAuthor += side.wrongAuthor;
      totals.stale += side.stale;
      totals.wrongThread += side.wrongThread;
      totals.filesLost += side.filesLost;
      totals.files += mine.filter((w) => !w.deleted && (w.files ?? 0) > 0).length;
      if (side.problem) problems.push(`${conversation.name} ${source}->${other}: ${side.problem}`);
    }
    const reactions = await tallyReactions(driver, here, seenOn);
    totals.reactions += reactions.checked;
    totals.reactionsLost += reactions.lost;
    totals.reactionsStale += reactions.stale;
    if (reactions.problem) problems.push(`${conversation.name} reactions: ${reactions.problem}`);
  }
  return { ...totals, problems };
}

/**
 * Each reaction a person made (or took back) on their own platform, against the message's copy on the other platform:
 * shown there from their account there while it stands, and gone once taken back. Messages deleted since, or not
 * carried at all (counted as lost already), are not asked about.
 */
async function tallyReactions(driver: ConversationDriver, written: readonly Written[], seenOn: (side: Side) => Promise<Seen[]>): Promise<{ checked: number; lost: number; stale: number; problem?: string }> {
  let checked = 0;
  const missing: string[] = [];
  const kept: string[] = [];
  for (const w of written) {
    if (w.deleted || !w.reactions) continue;
    for (const r of w.reactions.values()) {
      const side: Side = r.by.primary === 'slack' ? 'teams' : 'slack';
      const copy = (await seenOn(side)).find((s) => TAG.exec(s.text)?.[1] === w.tag);
      if (!copy) continue;
      checked++;
      const account = side === 'slack' ? r.by.slackId : r.by.teamsId;
      const shown = copy.reactions.some((x) => x.key === String(r.reaction) && x.by === account);
      // Named with the message's id where the reaction was made, to look for in the connectors' logs.
      const named = `${r.by.key}:${w.tag}:${r.reaction}=${r.by.primary}:${driver.idOn(w, r.by.primary) ?? '?'}`;
      if (r.on && !shown) missing.push(named);
      if (!r.on && shown) kept.push(named);
    }
  }
  const problem = missing.length + kept.length === 0 ? undefined : `missing [${missing.slice(0, 8).join(' ')}] taken back but shown [${kept.slice(0, 8).join(' ')}]`;
  return { checked, lost: missing.length, stale: kept.length, ...(problem ? { problem } : {}) };
}

/** One source side of a conversation: what its authors wrote against what the other side shows. */
export function tallySide(conversation: Conversation, source: Side, mine: readonly Written[], seen: readonly Seen[]): SideTally {
  const authors = new Map(conversation.members.filter((m) => m.primary === source).map((m) => [source === 'slack' ? m.teamsId : m.slackId, m.key]));
  const byTag = new Map(mine.map((w) => [w.tag, w]));
  const expected = mine.filter((w) => !w.deleted);
  const shown = seen.flatMap((s) => {
    const match = TAG.exec(s.text) as RegExpExecArray;
    const w = byTag.get(match[1] as string);
    return w ? [{ w, s, author: authors.get(s.from ?? '') ?? `?${s.from ?? 'app'}`, edited: Boolean(match[2]) }] : [];
  });
  // Where each message is on this side, by tag: a reply's root here (its twin, or the root itself when written here).
  const idHere = new Map<string, string>();
  for (const s of seen) {
    const tag = TAG.exec(s.text)?.[1] as string;
    if (!idHere.has(tag)) idHere.set(tag, s.id);
  }
  const firsts = new Map<string, (typeof shown)[number]>();
  for (const s of shown) if (!firsts.has(s.w.tag)) firsts.set(s.w.tag, s);
  const lost = expected.filter((w) => !firsts.has(w.tag)).length;
  const duplicated = shown.length - firsts.size;
  const wrongAuthor = [...firsts.values()].filter((s) => s.author !== s.w.author.key).length;
  const stale = [...firsts.values()].filter((s) => s.w.deleted || s.edited !== s.w.edited).length;
  const misplaced = [...firsts.values()].filter((s) => (s.w.rootTag === undefined ? s.s.threadRootId !== undefined : s.s.threadRootId !== idHere.get(s.w.rootTag)));
  const wrongThread = misplaced.length;
  const withoutFiles = [...firsts.values()].filter((s) => s.s.files < (s.w.files ?? 0));
  const filesLost = withoutFiles.length;
  const order = new Map(mine.map((w, i) => [w.tag, i]));
  // Order is what a reader sees: a chat, a channel's top-level messages, and each thread on its own. A reply that
  // lands after a message of another thread is in its place in both.
  const views = new Map<string, (typeof shown)[number][]>();
  for (const s of firsts.values()) views.set(s.w.rootTag ?? '', [...(views.get(s.w.rootTag ?? '') ?? []), s]);
  let outOfOrder = 0;
  for (const view of views.values()) {
    const positions = view.map((s) => order.get(s.w.tag) as number);
    outOfOrder += positions.filter((p, i) => i > 0 && p < (positions[i - 1] as number)).length;
  }
  if (lost + duplicated + wrongAuthor + stale + outOfOrder + wrongThread + filesLost === 0) return { lost, duplicated, outOfOrder, wrongAuthor, stale, wrongThread, filesLost };
  const expectedLine = expected.map((w) => `${w.author.key}:${w.tag}${w.edited ? '*' : ''}`);
  const actualLine = shown.map((s) => `${s.author}:${s.w.tag}${s.edited ? '*' : ''}`);
  const missing = expectedLine.filter((e) => !actualLine.includes(e));
  const extra = actualLine.filter((a) => !expectedLine.includes(a));
  const doubled = actualLine.filter((a, i) => actualLine.indexOf(a) !== i);
  // The ones that came after a message written later, with their ids on the source platform (a Teams id is the epoch
  // millisecond it was written; a Slack ts its second): what to look for in the services' logs.
  const late = [...views.values()].flatMap((view) => view.filter((s, i) => view.slice(0, i).some((e) => (order.get(e.w.tag) as number) > (order.get(s.w.tag) as number))));
  const problem =
    `expected ${expectedLine.length}, saw ${actualLine.length}; missing [${missing.slice(0, 8).join(' ')}] extra [${extra.slice(0, 8).join(' ')}] doubled [${doubled.slice(0, 8).join(' ')}]` +
    (missing.length === 0 && extra.length === 0 && doubled.length === 0 ? ` order: ${actualLine.join(' ')}` : '') +
    (late.length > 0 ? `; late: ${late.map((s) => `${s.w.tag}=${s.w.sourceId}`).join(' ')}` : '') +
    (misplaced.length > 0 ? `; outside their thread: ${misplaced.map((s) => `${s.w.tag} (root ${s.w.rootTag ?? 'none'})`).join(' ')}` : '') +
    (withoutFiles.length > 0 ? `; files missing: ${withoutFiles.map((s) => `${s.w.tag} (${s.s.files}/${s.w.files})`).join(' ')}` : '');
  return { lost, duplicated, outOfOrder, wrongAuthor, stale, wrongThread, filesLost, problem };
}

/** Undefined when every side shows exactly what was written (tallySides), else one line per side that does not. */
export async function compareSides(driver: ConversationDriver, conversations: readonly Conversation[], written: readonly Written[], tagPrefix: string): Promise<string | undefined> {
  const { problems } = await tallySides(driver, conversations, written, tagPrefix);
  return problems.length === 0 ? undefined : `${problems.length} conversation sides differ:\n${problems.slice(0, 20).join('\n')}`;
}
