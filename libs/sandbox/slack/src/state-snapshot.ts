import type { IdPosition } from './ids';
import type { App, Conversation, Message, OAuthGrant, SharedFile, Token, User, UserInstallation, Workspace } from './model';
import type { SlackStore } from './store';

/**
 * The sandbox's whole state as plain JSON: what a restarted sandbox needs to answer as if it had never stopped
 * (workspaces, people, conversations and messages, apps, every token it issued, and where its id sequence stands).
 * Indexes (users by email, messages by ts) are rebuilt on restore, so shared records stay shared.
 */
export interface SlackState {
  readonly format: 'parley-slack-sandbox/1';
  readonly ids: IdPosition;
  readonly workspaces: Workspace[];
  readonly users: User[];
  readonly conversations: (Omit<Conversation, 'members' | 'byTs'> & { members: string[] })[];
  readonly apps: App[];
  readonly tokens: (Omit<Token, 'scopes'> & { scopes: string[] })[];
  readonly files: (Omit<SharedFile, 'bytes'> & { bytes?: string })[];
  readonly grants: OAuthGrant[];
  /** People who installed the app with user scopes (absent in states saved before user tokens existed). */
  readonly installations?: UserInstallation[];
}

export function exportSlackState(store: SlackStore): SlackState {
  return {
    format: 'parley-slack-sandbox/1',
    ids: store.ids.position,
    workspaces: [...store.workspaces.values()],
    users: [...store.users.values()],
    conversations: [...store.conversations.values()].map(({ members, byTs: _index, ...rest }) => ({ ...rest, members: [...members] })),
    apps: [...store.apps.values()],
    tokens: [...store.tokens.values()].map((token) => ({ ...token, scopes: [...token.scopes] })),
    files: [...store.files.values()].map(({ bytes, ...rest }) => (bytes ? { ...rest, bytes: bytes.toString('base64') } : rest)),
    grants: [...store.grants.values()],
    installations: [...store.installations.values()].map((i) => ({ ...i, scopes: [...i.scopes] })),
  };
}

/** Replaces the store's contents with a saved state (an empty store: the sandbox has not answered anything yet). */
export function restoreSlackState(store: SlackStore, state: SlackState): void {
  if (state.format !== 'parley-slack-sandbox/1') throw new Error(`unknown Slack sandbox state format: ${String(state.format)}`);
  store.clear();
  store.ids.resume(state.ids);
  for (const workspace of state.workspaces) store.workspaces.set(workspace.id, { ...workspace });
  for (const user of state.users) {
    const copy: User = { ...user };
    store.users.set(copy.id, copy);
    if (copy.email) store.usersByEmail.set(`${copy.teamId}:${copy.email.toLowerCase()}`, copy);
  }
  for (const saved of state.conversations) {
    const messages: Message[] = saved.messages.map((m) => ({ ...m }));
    store.conversations.set(saved.id, { ...saved, members: new Set(saved.members), messages, byTs: new Map(messages.map((m) => [m.ts, m])) });
  }
  for (const app of state.apps) store.apps.set(app.id, { ...app });
  for (const token of state.tokens) store.tokens.set(token.token, { ...token, scopes: new Set(token.scopes) });
  for (const { bytes, ...file } of state.files) store.files.set(file.id, bytes === undefined ? { ...file } : { ...file, bytes: Buffer.from(bytes, 'base64') });
  for (const grant of state.grants) store.grants.set(grant.code, { ...grant });
  // Oldest first, as saved: the store's insertion order is what 'the newest installation' means.
  for (const installation of state.installations ?? []) store.installations.set(`${installation.appId}:${installation.userId}`, { ...installation, scopes: [...installation.scopes] });
}
