import type { RelayOrganisation, RelayPerson } from './relay-organisation';
import { slackCall } from './relay-organisation';

export type Side = 'slack' | 'teams';

/** A DM or group DM between people of both platforms; each member writes on their own platform. */
export interface Conversation {
  readonly name: string;
  readonly members: readonly RelayPerson[];
  /** Where it starts: the first message is written there, and the other side's twin is Parley's to make. */
  readonly starter: Side;
  /** The Slack DM or group DM and the Teams chat, once the driver knows them. */
  slackId?: string;
  teamsId?: string;
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
}
interface SlackMessage {
  ts: string;
  user?: string;
  bot_id?: string;
  text?: string;
  edited?: unknown;
  subtype?: string;
}

/**
 * Plays the people: each writes, edits and deletes on their own platform through the sandbox (as their client
 * would), and reads what they see through the platform's public API with their own token. Parley is never asked.
 */
export class ConversationDriver {
  private readonly slackTokens = new Map<string, string>();
  private readonly graphTokens = new Map<string, string>();
  private readonly chatMembers = new Map<string, string[]>();

  constructor(private readonly org: RelayOrganisation) {}

  private get slack() {
    return this.org.stack.sandboxes.slack.control;
  }
  private get graph() {
    return this.org.stack.sandboxes.graph.control;
  }

  /** The first message's place: the starter side's conversation, opened by its first member there. */
  start(conversation: Conversation): void {
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
   * Waits until a Slack member sees the message tagged `tag` in the conversation: for one started on Teams, that Parley
   * made its Slack twin. Slack has one group DM per set of people, so a Slack member writing before that would start
   * the conversation from Slack (a second twin, with a new Teams group chat), as a person doing so would.
   */
  async onSlack(conversation: Conversation, tag: string, timeoutMs = 180_000): Promise<void> {
    const reader = conversation.members.find((m) => m.primary === 'slack') as RelayPerson;
    const deadline = Date.now() + timeoutMs;
    while (!(await this.readSlack(reader, this.slackConversation(conversation))).some((m) => m.text.includes(tag))) {
      if (Date.now() > deadline) throw new Error(`${reader.key} never saw ${tag} on Slack in ${conversation.name}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  async write(conversation: Conversation, author: RelayPerson, tag: string, text: string): Promise<Written> {
    const body = `${tag} ${text}`;
    let sourceId: string;
    if (sideOf(author) === 'slack') {
      sourceId = this.slack.post({ as: author.slackId, channel: this.slackConversation(conversation), text: body })['ts'] as string;
    } else {
      sourceId = this.graph.post({ as: author.teamsId, chatId: await this.teamsChat(conversation), content: body, contentType: 'text' })['id'] as string;
    }
    return { conversation, author, tag, sourceId, text: body, edited: false, deleted: false };
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
    else this.graph.edit({ as: message.author.teamsId, chatId: message.conversation.teamsId as string, messageId: message.sourceId, content: body });
    message.text = body;
    message.edited = true;
  }

  async delete(message: Written): Promise<void> {
    if (sideOf(message.author) === 'slack') this.slack.delete({ as: message.author.slackId, channel: message.conversation.slackId as string, ts: message.sourceId });
    else this.graph.delete({ as: message.author.teamsId, chatId: message.conversation.teamsId as string, messageId: message.sourceId });
    message.deleted = true;
  }

  /** What `reader` sees in the conversation on their own platform, oldest first. */
  async read(conversation: Conversation, reader: RelayPerson): Promise<Seen[]> {
    return sideOf(reader) === 'slack' ? this.readSlack(reader, this.slackConversation(conversation)) : this.readTeams(reader, await this.teamsChat(conversation));
  }

  async readSlack(reader: RelayPerson, channel: string): Promise<Seen[]> {
    const token = this.slackToken(reader);
    const all: SlackMessage[] = [];
    let cursor = '';
    do {
      const page = await slackCall<{ messages: SlackMessage[]; response_metadata?: { next_cursor?: string } }>(this.org.stack, token, 'conversations.history', {
        channel,
        limit: '200',
        ...(cursor ? { cursor } : {}),
      });
      all.push(...page.messages);
      cursor = page.response_metadata?.next_cursor ?? '';
    } while (cursor);
    return all
      .sort((a, b) => Number(a.ts) - Number(b.ts))
      .map((m) => ({ id: m.ts, from: m.bot_id ? undefined : m.user, text: m.text ?? '', deleted: false, edited: Boolean(m.edited), mentions: [] }));
  }

  async readTeams(reader: RelayPerson, chatId: string): Promise<Seen[]> {
    const all: GraphMessage[] = [];
    let next: string | undefined = `/chats/${encodeURIComponent(chatId)}/messages?$top=50&$orderby=createdDateTime desc`;
    while (next) {
      const page: { value: GraphMessage[]; '@odata.nextLink'?: string } = await this.graphGet(reader, next);
      all.push(...page.value);
      next = page['@odata.nextLink'];
    }
    return all
      .filter((m) => (m.messageType ?? 'message') === 'message')
      .sort((a, b) => Date.parse(a.createdDateTime) - Date.parse(b.createdDateTime) || Number(a.id) - Number(b.id))
      .map((m) => ({
        id: m.id,
        from: m.from?.user?.id ?? undefined,
        text: m.body.content,
        deleted: Boolean(m.deletedDateTime),
        edited: Boolean(m.lastEditedDateTime),
        mentions: (m.mentions ?? []).map((x) => x.mentioned?.user?.id ?? '').filter(Boolean),
      }));
  }

  slackToken(person: RelayPerson): string {
    let token = this.slackTokens.get(person.slackId);
    if (!token) {
      // A token of the person's own (not an installation of Parley's app: it sends no events anywhere).
      token = this.slack.issueToken({ kind: 'user', as: person.slackId, scopes: ['im:history', 'im:read', 'mpim:history', 'mpim:read', 'users:read'] });
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
  /** Messages shown before one written earlier (adjacent inversions in the order first shown). */
  readonly outOfOrder: number;
  /** Messages shown from the wrong account (the app, or someone else). */
  readonly wrongAuthor: number;
  /** Messages shown with an older text (an edit not carried) or deleted ones still shown. */
  readonly stale: number;
  readonly problem?: string;
}

export interface Tally {
  readonly lost: number;
  readonly duplicated: number;
  readonly outOfOrder: number;
  readonly wrongAuthor: number;
  readonly stale: number;
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
  const totals = { lost: 0, duplicated: 0, outOfOrder: 0, wrongAuthor: 0, stale: 0, sides: 0 };
  const problems: string[] = [];
  for (const conversation of conversations) {
    for (const source of ['slack', 'teams'] as const) {
      const mine = written.filter((w) => w.conversation === conversation && w.author.primary === source);
      if (mine.length === 0) continue;
      const reader = conversation.members.find((m) => m.primary !== source) as RelayPerson;
      const seen = (await driver.read(conversation, reader)).filter((s) => !s.deleted && TAG.exec(s.text)?.[1]?.startsWith(tagPrefix));
      const side = tallySide(conversation, source, mine, seen);
      totals.sides++;
      totals.lost += side.lost;
      totals.duplicated += side.duplicated;
      totals.outOfOrder += side.outOfOrder;
      totals.wrongAuthor += side.wrongAuthor;
      totals.stale += side.stale;
      if (side.problem) problems.push(`${conversation.name} ${source}->${reader.primary}: ${side.problem}`);
    }
  }
  return { ...totals, problems };
}

/** One source side of a conversation: what its authors wrote against what the other side shows. */
export function tallySide(conversation: Conversation, source: Side, mine: readonly Written[], seen: readonly Seen[]): SideTally {
  const authors = new Map(conversation.members.filter((m) => m.primary === source).map((m) => [source === 'slack' ? m.teamsId : m.slackId, m.key]));
  const byTag = new Map(mine.map((w) => [w.tag, w]));
  const expected = mine.filter((w) => !w.deleted);
  const shown = seen.flatMap((s) => {
    const match = TAG.exec(s.text) as RegExpExecArray;
    const w = byTag.get(match[1] as string);
    return w ? [{ w, author: authors.get(s.from ?? '') ?? `?${s.from ?? 'app'}`, edited: Boolean(match[2]) }] : [];
  });
  const firsts = new Map<string, (typeof shown)[number]>();
  for (const s of shown) if (!firsts.has(s.w.tag)) firsts.set(s.w.tag, s);
  const lost = expected.filter((w) => !firsts.has(w.tag)).length;
  const duplicated = shown.length - firsts.size;
  const wrongAuthor = [...firsts.values()].filter((s) => s.author !== s.w.author.key).length;
  const stale = [...firsts.values()].filter((s) => s.w.deleted || s.edited !== s.w.edited).length;
  const order = new Map(mine.map((w, i) => [w.tag, i]));
  const positions = [...firsts.values()].map((s) => order.get(s.w.tag) as number);
  const outOfOrder = positions.filter((p, i) => i > 0 && p < (positions[i - 1] as number)).length;
  if (lost + duplicated + wrongAuthor + stale + outOfOrder === 0) return { lost, duplicated, outOfOrder, wrongAuthor, stale };
  const expectedLine = expected.map((w) => `${w.author.key}:${w.tag}${w.edited ? '*' : ''}`);
  const actualLine = shown.map((s) => `${s.author}:${s.w.tag}${s.edited ? '*' : ''}`);
  const missing = expectedLine.filter((e) => !actualLine.includes(e));
  const extra = actualLine.filter((a) => !expectedLine.includes(a));
  const doubled = actualLine.filter((a, i) => actualLine.indexOf(a) !== i);
  // The ones that came after a message written later, with their ids on the source platform (a Teams id is the epoch
  // millisecond it was written; a Slack ts its second): what to look for in the services' logs.
  const late = [...firsts.values()].filter((s, i, all) => all.slice(0, i).some((e) => (order.get(e.w.tag) as number) > (order.get(s.w.tag) as number)));
  const problem =
    `expected ${expectedLine.length}, saw ${actualLine.length}; missing [${missing.slice(0, 8).join(' ')}] extra [${extra.slice(0, 8).join(' ')}] doubled [${doubled.slice(0, 8).join(' ')}]` +
    (missing.length === 0 && extra.length === 0 && doubled.length === 0 ? ` order: ${actualLine.join(' ')}` : '') +
    (late.length > 0 ? `; late: ${late.map((s) => `${s.w.tag}=${s.w.sourceId}`).join(' ')}` : '');
  return { lost, duplicated, outOfOrder, wrongAuthor, stale, problem };
}

/** Undefined when every side shows exactly what was written (tallySides), else one line per side that does not. */
export async function compareSides(driver: ConversationDriver, conversations: readonly Conversation[], written: readonly Written[], tagPrefix: string): Promise<string | undefined> {
  const { problems } = await tallySides(driver, conversations, written, tagPrefix);
  return problems.length === 0 ? undefined : `${problems.length} conversation sides differ:\n${problems.slice(0, 20).join('\n')}`;
}
