/**
 * A linked channel's subscription resource, as Graph documents it: one per app per channel, not metered, notifying
 * top-level messages and replies (created, edited, soft-deleted, reacted to).
 */
export function channelMessagesResource(teamId: string, channelId: string): string {
  return `/teams/${teamId}/channels/${channelId}/messages`;
}

/** A channel message as a notification's resource names it; `rootId` for a reply (`.../messages('{root}')/replies('{id}')`). */
export interface ChannelMessageRef {
  readonly teamId: string;
  readonly channelId: string;
  readonly messageId: string;
  readonly rootId?: string;
}

const part = (name: string): string => `${name}(?:\\('([^']+)'\\)|\\/([^/?]+))`;
const CHANNEL_MESSAGE = new RegExp(`^\\/?${part('teams')}\\/${part('channels')}\\/${part('messages')}(?:\\/${part('replies')})?$`, 'i');

/** `teams('{t}')/channels('{c}')/messages('{m}')[/replies('{r}')]`, also with slashes instead of parentheses; null otherwise. */
export function channelMessageOf(resource: string): ChannelMessageRef | null {
  const match = CHANNEL_MESSAGE.exec(resource);
  if (!match) return null;
  const at = (i: number): string | undefined => {
    const value = match[i] ?? match[i + 1];
    return value === undefined ? undefined : decodeURIComponent(value);
  };
  const teamId = at(1) as string;
  const channelId = at(3) as string;
  const first = at(5) as string;
  const reply = at(7);
  return reply === undefined ? { teamId, channelId, messageId: first } : { teamId, channelId, messageId: reply, rootId: first };
}
