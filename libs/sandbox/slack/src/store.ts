import type { App, Conversation, ConversationKind, Message, OAuthGrant, Plan, SharedFile, Token, TokenKind, User, UserInstallation, Workspace } from './model';
import { IdFactory, nowSeconds } from './ids';

/** Every default bot scope a seeded app gets; tests issue narrower tokens to see scope errors. */
export const FULL_BOT_SCOPES = [
  'users:read', 'users:read.email', 'channels:read', 'groups:read', 'im:read', 'mpim:read', 'channels:history',
  'groups:history', 'im:history', 'mpim:history', 'channels:manage', 'groups:write', 'im:write', 'mpim:write',
  'chat:write', 'chat:write.public', 'chat:write.customize', 'reactions:read', 'reactions:write', 'files:read', 'files:write',
  'channels:join',
];

/** The sandbox's whole state. Indexes are kept next to the records so every Web API lookup is O(1). */
export class SlackStore {
  readonly workspaces = new Map<string, Workspace>();
  readonly users = new Map<string, User>();
  readonly usersByEmail = new Map<string, User>();
  readonly conversations = new Map<string, Conversation>();
  readonly apps = new Map<string, App>();
  readonly tokens = new Map<string, Token>();
  readonly files = new Map<string, SharedFile>();
  readonly grants = new Map<string, OAuthGrant>();
  /** Keyed `${appId}:${userId}`, in installation order (the order event authorizations list them in). */
  readonly installations = new Map<string, UserInstallation>();
  readonly ids: IdFactory;
  /**
   * Where the sandbox answers (set once it listens): files' url_private and url_private_download point here, as
   * Slack's point at files.slack.com, so a client downloads them from the sandbox with its bearer token.
   */
  publicUrl = 'http://sandbox.slack.local';

  constructor(seed: number) {
    this.ids = new IdFactory(seed);
  }

  clear(): void {
    for (const map of [this.workspaces, this.users, this.usersByEmail, this.conversations, this.apps, this.tokens, this.files, this.grants, this.installations]) map.clear();
    this.ids.reset();
  }

  addWorkspace(name: string, domain: string, plan: Plan): Workspace {
    const workspace: Workspace = { id: this.ids.id('T'), name, domain, plan };
    this.workspaces.set(workspace.id, workspace);
    return workspace;
  }

  addUser(teamId: string, fields: Partial<Omit<User, 'id' | 'teamId'>> & { name: string }): User {
    const id = this.ids.id('U');
    const user: User = {
      id,
      teamId,
      realName: fields.name,
      displayName: '',
      email: '',
      title: '',
      image72: `https://avatars.sandbox.slack.local/${id}_72.png`,
      deleted: false,
      isBot: false,
      isAdmin: false,
      isRestricted: false,
      isUltraRestricted: false,
      updated: nowSeconds(),
      ...fields,
    };
    this.users.set(id, user);
    if (user.email) this.usersByEmail.set(`${teamId}:${user.email.toLowerCase()}`, user);
    return user;
  }

  setEmail(user: User, email: string): void {
    if (user.email) this.usersByEmail.delete(`${user.teamId}:${user.email.toLowerCase()}`);
    user.email = email;
    if (email) this.usersByEmail.set(`${user.teamId}:${email.toLowerCase()}`, user);
  }

  userByEmail(teamId: string, email: string): User | undefined {
    return this.usersByEmail.get(`${teamId}:${email.toLowerCase()}`);
  }

  addConversation(teamId: string, kind: ConversationKind, name: string, creator: string, members: Iterable<string>): Conversation {
    const prefix = kind === 'im' ? 'D' : kind === 'public' ? 'C' : 'G';
    const conversation: Conversation = {
      id: this.ids.id(prefix),
      teamId,
      kind,
      name,
      created: nowSeconds(),
      creator,
      members: new Set(members),
      messages: [],
      byTs: new Map(),
      isGeneral: false,
      topic: '',
      purpose: '',
    };
    this.conversations.set(conversation.id, conversation);
    return conversation;
  }

  /**
   * The DM (two people, or one with themselves) or group DM (three to nine) of exactly these people, created when it
   * does not exist yet: Slack keeps one per set of people.
   */
  directConversation(teamId: string, creator: string, memberIds: Iterable<string>): { conversation: Conversation; existed: boolean } {
    const members = new Set([creator, ...memberIds]);
    const kind = members.size <= 2 ? 'im' : 'mpim';
    for (const c of this.conversations.values()) {
      if (c.teamId === teamId && c.kind === kind && c.members.size === members.size && [...members].every((m) => c.members.has(m))) return { conversation: c, existed: true };
    }
    const name = kind === 'mpim' ? `mpdm-${[...members].map((m) => this.users.get(m)?.name).join('--')}-1` : '';
    return { conversation: this.addConversation(teamId, kind, name, creator, members), existed: false };
  }

  conversationByName(teamId: string, name: string): Conversation | undefined {
    for (const c of this.conversations.values()) if (c.teamId === teamId && c.name === name && (c.kind === 'public' || c.kind === 'private')) return c;
    return undefined;
  }

  addMessage(conversation: Conversation, message: Message): void {
    conversation.messages.push(message);
    conversation.byTs.set(message.ts, message);
  }

  removeMessage(conversation: Conversation, message: Message): void {
    conversation.byTs.delete(message.ts);
    const index = conversation.messages.indexOf(message);
    if (index >= 0) conversation.messages.splice(index, 1);
  }

  addApp(teamId: string, name: string, botScopes: string[] = FULL_BOT_SCOPES): { app: App; botUser: User; botToken: Token } {
    const appId = this.ids.id('A');
    const botId = this.ids.id('B');
    const botUser = this.addUser(teamId, { name: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'), realName: name, isBot: true, botId, appId });
    const app: App = {
      id: appId,
      teamId,
      name,
      botUserId: botUser.id,
      botId,
      signingSecret: this.ids.secret(32),
      verificationToken: this.ids.id('vt').toLowerCase(),
      clientId: `${this.ids.digits(12)}.${this.ids.digits(13)}`,
      clientSecret: this.ids.secret(32),
      botScopes: [...botScopes],
      distribution: 'internal',
      redirectUrls: [],
    };
    this.apps.set(appId, app);
    const botToken = this.issueToken('bot', teamId, botUser.id, botScopes, appId);
    return { app, botUser, botToken };
  }

  issueToken(kind: TokenKind, teamId: string, userId: string, scopes: Iterable<string>, appId?: string): Token {
    const value =
      kind === 'app'
        ? `xapp-1-${appId ?? ''}-${this.ids.digits(13)}-${this.ids.secret(64)}`
        : `${kind === 'bot' ? 'xoxb' : 'xoxp'}-${this.ids.digits(12)}-${this.ids.digits(13)}-${this.ids.secret(24)}`;
    const token: Token = {
      token: value,
      kind,
      teamId,
      userId,
      appId,
      scopes: new Set(scopes),
    };
    this.tokens.set(token.token, token);
    return token;
  }

  /**
   * Installs the app for a person with user scopes. Slack's v2 OAuth is additive: authorizing again keeps the same
   * user token and adds the new scopes to it (same token: unverified, but what Slack's docs describe).
   */
  installForUser(app: App, userId: string, scopes: readonly string[]): UserInstallation {
    const key = `${app.id}:${userId}`;
    const existing = this.installations.get(key);
    const live = existing && !this.tokens.get(existing.token)?.revoked ? existing : undefined;
    const merged = [...new Set([...(live?.scopes ?? []), ...scopes])];
    if (live) {
      const token = this.tokens.get(live.token) as Token;
      this.tokens.set(live.token, { ...token, scopes: new Set(merged) });
      live.scopes = merged;
      return live;
    }
    const token = this.issueToken('user', app.teamId, userId, merged, app.id);
    const installation: UserInstallation = { appId: app.id, teamId: app.teamId, userId, scopes: merged, token: token.token, installedAt: Date.now() };
    // Re-inserted so a re-install after revocation counts as the newest installation.
    this.installations.delete(key);
    this.installations.set(key, installation);
    return installation;
  }

  /** People with a live user-token installation of the app, oldest installation first. */
  userInstallations(appId: string): UserInstallation[] {
    return [...this.installations.values()].filter((i) => i.appId === appId && !this.tokens.get(i.token)?.revoked && this.users.get(i.userId)?.deleted === false);
  }
}
