import type { IssuedTokens, TokenRegistry } from '../auth/token-registry';
import type { AppRegistration, Channel, Chat, ChatMessage, Drive, DriveItem, Subscription, Team, Tenant, User } from './model';
import type { SeededCredentials } from './seed';
import type { Store } from './store';

type SavedMessage = Omit<ChatMessage, 'hostedContents'> & { hostedContents: { id: string; contentType: string; bytes: string }[] };

/**
 * The sandbox's whole state as plain JSON: tenants, users (guests included), apps and their consents, teams, chats,
 * messages, subscriptions, held passwords, every token it issued, and the seed's credentials. What a restarted
 * sandbox needs to answer as if it had never stopped. Indexes (users by UPN) are rebuilt on restore.
 */
export interface GraphState {
  readonly format: 'parley-graph-sandbox/1';
  readonly version: number;
  readonly seeded: SeededCredentials | null;
  readonly tenants: Tenant[];
  readonly users: User[];
  readonly apps: (Omit<AppRegistration, 'grants'> & { grants: { tenantId: string; roles: string[]; scopes: string[] }[] })[];
  readonly teams: (Omit<Team, 'members'> & { members: [string, string[]][] })[];
  readonly channels: Channel[];
  readonly chats: (Omit<Chat, 'members'> & { members: [string, { roles: string[]; membershipId: string; since: string }][] })[];
  readonly messages: { container: string; messages: SavedMessage[] }[];
  readonly subscriptions: Subscription[];
  readonly passwords: [string, string][];
  readonly passwordChangeRequired: string[];
  readonly tokens: IssuedTokens;
  /** Absent in states saved before drives existed. */
  readonly drives?: Drive[];
  readonly driveItems?: (Omit<DriveItem, 'bytes'> & { bytes: string | null })[];
}

export function exportGraphState(store: Store, tokens: TokenRegistry, seeded: SeededCredentials | undefined): GraphState {
  return {
    format: 'parley-graph-sandbox/1',
    version: store.currentVersion(),
    seeded: seeded ?? null,
    tenants: [...store.tenants.values()],
    users: [...store.users.values()],
    apps: [...store.apps.values()].map((app) => ({
      ...app,
      redirectUris: [...app.redirectUris],
      grants: [...app.grants].map(([tenantId, grant]) => ({ tenantId, roles: [...grant.roles], scopes: [...grant.scopes] })),
    })),
    teams: [...store.teams.values()].map((team) => ({ ...team, members: [...team.members] })),
    channels: [...store.channels.values()],
    chats: [...store.chats.values()].map((chat) => ({ ...chat, members: [...chat.members] })),
    messages: [...store.messages].map(([container, box]) => ({
      container,
      messages: [...box.values()].map((m) => ({ ...m, hostedContents: m.hostedContents.map((h) => ({ ...h, bytes: h.bytes.toString('base64') })) })),
    })),
    subscriptions: [...store.subscriptions.values()],
    passwords: [...store.passwords],
    passwordChangeRequired: [...store.passwordChangeRequired],
    tokens: tokens.exportIssued(),
    drives: [...store.drives.values()],
    driveItems: [...store.driveItems.values()].map((item) => ({ ...item, bytes: item.bytes ? item.bytes.toString('base64') : null })),
  };
}

/** Replaces the store's and registry's contents with a saved state; answers the seed's credentials, if any. */
export function restoreGraphState(store: Store, tokens: TokenRegistry, state: GraphState): SeededCredentials | undefined {
  if (state.format !== 'parley-graph-sandbox/1') throw new Error(`unknown Graph sandbox state format: ${String(state.format)}`);
  store.clear();
  for (const tenant of state.tenants) store.tenants.set(tenant.id, { ...tenant });
  for (const user of state.users) store.addUser({ ...user });
  for (const app of state.apps) {
    const grants = new Map(app.grants.map((g) => [g.tenantId, { roles: new Set(g.roles), scopes: new Set(g.scopes) }]));
    store.apps.set(app.clientId, { ...app, grants });
  }
  for (const team of state.teams) store.teams.set(team.id, { ...team, members: new Map(team.members) });
  for (const channel of state.channels) store.channels.set(channel.id, { ...channel, ...(channel.members ? { members: { ...channel.members } } : {}) });
  for (const chat of state.chats) store.chats.set(chat.id, { ...chat, members: new Map(chat.members) });
  for (const { container, messages } of state.messages) {
    const box = store.messageBox(container);
    for (const m of messages) box.set(m.id, { ...m, hostedContents: m.hostedContents.map((h) => ({ ...h, bytes: Buffer.from(h.bytes, 'base64') })) });
  }
  for (const subscription of state.subscriptions) store.subscriptions.set(subscription.id, { ...subscription });
  for (const [userId, password] of state.passwords) store.passwords.set(userId, password);
  for (const userId of state.passwordChangeRequired) store.passwordChangeRequired.add(userId);
  for (const drive of state.drives ?? []) store.drives.set(drive.id, { ...drive });
  for (const item of state.driveItems ?? []) store.driveItems.set(item.id, { ...item, bytes: item.bytes === null ? null : Buffer.from(item.bytes, 'base64') });
  store.resumeVersion(state.version);
  tokens.restoreIssued(state.tokens);
  return state.seeded ?? undefined;
}
