/**
 * Reads a Slack Events API envelope into the one message change it reports, or says why it is not relayed.
 * Pure: no I/O, so every subtype rule is unit-tested.
 */

export type ConversationKind = 'dm' | 'group' | 'channel';

export interface MessageChange {
  readonly kind: 'message';
  readonly change: 'created' | 'edited' | 'deleted';
  readonly channel: string;
  readonly conversationKind: ConversationKind;
  /** The `ts` of the message concerned (for an edit, the edited message's; for a delete, `deleted_ts`). */
  readonly messageId: string;
  readonly threadRootId?: string;
  readonly sender: string;
  readonly text?: string;
  /** Files shared with a created message (a file_share, with or without text), as the event describes them. */
  readonly files?: readonly SeenFile[];
  /**
   * What makes the change one: the same message seen through another installation, or redelivered under a new
   * event_id, has the same key.
   */
  readonly messageKey: string;
  readonly occurredAt: string;
  /** When the message itself was written (its ts), for an edit or delete too. */
  readonly writtenAt: string;
}

/** A file a message shares, as Slack's event names it (the ref is made by the processor, who knows the installation). */
export interface SeenFile {
  readonly fileId: string;
  readonly name: string;
  readonly mimeType: string;
  readonly sizeBytes: number;
  readonly kind: 'image' | 'file';
  readonly permalink?: string;
}

export interface Ignored {
  readonly kind: 'ignored';
  readonly reason: string;
}

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const obj = (v: unknown): Json | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);

/** Subtypes that are a person's message like any other (file_share: files shared with or without text, one message). */
const PLAIN_SUBTYPES = new Set([undefined, 'thread_broadcast', 'me_message', 'file_share']);

/** File modes with no bytes behind them: a deleted file, one hidden by the free plan's limit, a link to elsewhere. */
const NO_BYTES = new Set(['tombstone', 'hidden_by_limit', 'external']);

const isUrl = (value: string | undefined): value is string => {
  if (!value) return false;
  try {
    return ['https:', 'http:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

/**
 * The files of a message that Parley can carry: Slack-hosted ones with bytes. An image is a file whose mimetype Slack
 * gives as image/*; anything else travels as a file.
 */
export function filesOf(message: Json): SeenFile[] {
  const list = Array.isArray(message['files']) ? (message['files'] as unknown[]) : [];
  const seen: SeenFile[] = [];
  for (const entry of list) {
    const file = obj(entry);
    const fileId = file ? str(file['id']) : undefined;
    if (!file || !fileId || NO_BYTES.has(String(file['mode'])) || file['is_external'] === true) continue;
    const mimeType = (str(file['mimetype']) ?? 'application/octet-stream').slice(0, 255);
    const size = Number(file['size']);
    const permalink = str(file['permalink']);
    seen.push({
      fileId,
      name: (str(file['name']) ?? str(file['title']) ?? fileId).slice(0, 255),
      mimeType,
      sizeBytes: Number.isInteger(size) && size >= 0 ? size : 0,
      kind: mimeType.toLowerCase().startsWith('image/') ? 'image' : 'file',
      ...(isUrl(permalink) ? { permalink } : {}),
    });
  }
  return seen;
}

export function conversationKindOf(channelType: string | undefined, channel: string): ConversationKind {
  if (channelType === 'im' || (channelType === undefined && channel.startsWith('D'))) return 'dm';
  if (channelType === 'mpim') return 'group';
  return 'channel';
}

function occurredAt(ts: string | undefined, fallback: unknown): string {
  const seconds = Number(ts ?? fallback);
  return new Date(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : Date.now()).toISOString();
}

const isFromBot = (m: Json) => str(m['bot_id']) !== undefined || m['subtype'] === 'bot_message';
const threadRoot = (m: Json, ts: string) => {
  const thread = str(m['thread_ts']);
  return thread && thread !== ts ? thread : undefined;
};

export function readMessageEvent(envelope: Json): MessageChange | Ignored {
  const event = obj(envelope['event']);
  if (!event) return { kind: 'ignored', reason: 'no event' };
  if (event['type'] !== 'message') return { kind: 'ignored', reason: `event type ${String(event['type'])}` };
  const channel = str(event['channel']);
  if (!channel) return { kind: 'ignored', reason: 'no channel' };
  const conversationKind = conversationKindOf(str(event['channel_type']), channel);
  const subtype = str(event['subtype']);

  if (subtype === 'message_changed') {
    const message = obj(event['message']);
    const previous = obj(event['previous_message']);
    const ts = message ? str(message['ts']) : undefined;
    const sender = message ? str(message['user']) : undefined;
    if (!message || !ts || !sender) return { kind: 'ignored', reason: 'message_changed without message' };
    if (isFromBot(message)) return { kind: 'ignored', reason: 'an app post changed' };
    const text = typeof message['text'] === 'string' ? message['text'] : '';
    // Slack also sends message_changed for unfurls and thread bookkeeping: only a change of text is an edit.
    if (previous && previous['text'] === text) return { kind: 'ignored', reason: 'message_changed without a text change' };
    const editedTs = str(obj(message['edited'])?.['ts']) ?? str(event['event_ts']) ?? str(event['ts']) ?? '';
    return {
      kind: 'message',
      change: 'edited',
      channel,
      conversationKind,
      messageId: ts,
      threadRootId: threadRoot(message, ts),
      sender,
      text,
      messageKey: `${channel}:${ts}:edited:${editedTs}`,
      occurredAt: occurredAt(editedTs, envelope['event_time']),
      writtenAt: occurredAt(ts, envelope['event_time']),
    };
  }

  if (subtype === 'message_deleted') {
    const previous = obj(event['previous_message']);
    const deletedTs = str(event['deleted_ts']);
    const sender = previous ? str(previous['user']) : undefined;
    if (!deletedTs || !previous || !sender) return { kind: 'ignored', reason: 'message_deleted without the message' };
    if (isFromBot(previous)) return { kind: 'ignored', reason: 'an app post deleted' };
    return {
      kind: 'message',
      change: 'deleted',
      channel,
      conversationKind,
      messageId: deletedTs,
      threadRootId: threadRoot(previous, deletedTs),
      sender,
      messageKey: `${channel}:${deletedTs}:deleted`,
      occurredAt: occurredAt(str(event['ts']), envelope['event_time']),
      writtenAt: occurredAt(deletedTs, envelope['event_time']),
    };
  }

  if (!PLAIN_SUBTYPES.has(subtype)) return { kind: 'ignored', reason: `subtype ${subtype}` };
  if (isFromBot(event)) return { kind: 'ignored', reason: 'an app post' };
  const ts = str(event['ts']);
  const sender = str(event['user']);
  if (!ts || !sender) return { kind: 'ignored', reason: 'message without ts or user' };
  const files = filesOf(event);
  // A file_share whose files are all gone or external has nothing left to say.
  if (subtype === 'file_share' && files.length === 0 && !str(event['text'])) return { kind: 'ignored', reason: 'file_share without a file to carry' };
  return {
    kind: 'message',
    change: 'created',
    channel,
    conversationKind,
    messageId: ts,
    threadRootId: threadRoot(event, ts),
    sender,
    text: typeof event['text'] === 'string' ? event['text'] : '',
    ...(files.length > 0 ? { files } : {}),
    messageKey: `${channel}:${ts}:created`,
    occurredAt: occurredAt(ts, envelope['event_time']),
    writtenAt: occurredAt(ts, envelope['event_time']),
  };
}

/**
 * The channel of an event that is a message in a channel (public or private: `channel_type` channel or group), whatever
 * its subtype; undefined for DMs, group DMs and any other event. Channels are relayed only while linked, so ingress
 * asks this before it stores an event: the text of an unlinked channel never reaches Parley's database or the bus.
 */
export function channelOfChannelMessage(envelope: Json): string | undefined {
  const event = obj(envelope['event']);
  if (event?.['type'] !== 'message') return undefined;
  const channel = str(event['channel']);
  return channel && conversationKindOf(str(event['channel_type']), channel) === 'channel' ? channel : undefined;
}
