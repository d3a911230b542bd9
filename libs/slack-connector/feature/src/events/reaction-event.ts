/**
 * Reads a Slack `reaction_added` / `reaction_removed` event (bot or user-token installation alike) into the one
 * reaction change it reports, or says why it is not relayed. Pure, like message-event.ts.
 */

export interface ReactionChange {
  readonly kind: 'reaction';
  readonly change: 'added' | 'removed';
  readonly channel: string;
  /** Only a DM's id says its kind (`D…`); Slack's reaction events carry no channel_type. */
  readonly conversationKind?: 'dm';
  /** The `ts` of the message reacted to. */
  readonly messageId: string;
  readonly reactor: string;
  /** Slack's name as the event gives it: `+1`, `thumbsup::skin-tone-2`, a custom emoji's name. */
  readonly reaction: string;
  /**
   * What makes the change one: the same change seen through another installation (the bot's and a person's user token
   * both see a DM the bot is in) or redelivered under a new event_id has the same key; `event_ts` tells a second add
   * after a remove from the first.
   */
  readonly changeKey: string;
  readonly occurredAt: string;
}

export interface NotAReaction {
  readonly kind: 'not-a-reaction';
}

export interface IgnoredReaction {
  readonly kind: 'ignored';
  readonly reason: string;
}

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const obj = (v: unknown): Json | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);

export function readReactionEvent(envelope: Json): ReactionChange | NotAReaction | IgnoredReaction {
  const event = obj(envelope['event']);
  const type = event?.['type'];
  if (!event || (type !== 'reaction_added' && type !== 'reaction_removed')) return { kind: 'not-a-reaction' };
  const item = obj(event['item']);
  // Reactions on files and file comments are not relayed (files are carried as messages, later).
  if (item?.['type'] !== 'message') return { kind: 'ignored', reason: `a reaction on a ${String(item?.['type'])}` };
  const channel = str(item['channel']);
  const ts = str(item['ts']);
  const reactor = str(event['user']);
  const reaction = str(event['reaction']);
  if (!channel || !ts || !reactor || !reaction) return { kind: 'ignored', reason: 'a reaction event without channel, ts, user or reaction' };
  const eventTs = str(event['event_ts']) ?? str(envelope['event_time'] as string) ?? '';
  const change = type === 'reaction_added' ? 'added' : 'removed';
  const seconds = Number(eventTs);
  return {
    kind: 'reaction',
    change,
    channel,
    ...(channel.startsWith('D') ? { conversationKind: 'dm' as const } : {}),
    messageId: ts,
    reactor,
    reaction,
    changeKey: `reaction:${channel}:${ts}:${reactor}:${reaction}:${change}:${eventTs}`,
    occurredAt: new Date(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : Date.now()).toISOString(),
  };
}
