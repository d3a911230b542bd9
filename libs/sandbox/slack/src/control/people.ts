import type { Conversation, User } from '../model';
import type { SlackStore } from '../store';

/** A person by user id, email, or handle (the seed key), so tests can say `as: 'eng01'`. */
export function resolvePerson(store: SlackStore, who: string): User {
  const byId = store.users.get(who);
  if (byId) return byId;
  for (const user of store.users.values()) {
    if (user.name === who || (user.email && user.email.toLowerCase() === who.toLowerCase())) return user;
  }
  throw new ControlError(`no such person: ${who}`);
}

/** A conversation by id or channel name (with or without #). */
export function resolveConversation(store: SlackStore, which: string): Conversation {
  const byId = store.conversations.get(which);
  if (byId) return byId;
  const name = which.replace(/^#/, '');
  for (const c of store.conversations.values()) if (c.name === name) return c;
  throw new ControlError(`no such conversation: ${which}`);
}

/** A misuse of the control API (not a Slack error): HTTP 400 on /_control, thrown in-process. */
export class ControlError extends Error {}
