import { randomBytes } from 'node:crypto';
import type { App, Plan, TokenKind } from '../model';
import type { SlackStore } from '../store';
import type { SlackActions } from '../actions';
import { SlackApiError } from '../errors';
import { postSigned } from '../events/delivery';
import { fileJson, messageJson, userJson } from '../serializers';
import { ControlError, resolveConversation, resolvePerson } from './people';
import { authorizePage } from '../oauth/authorize-page';
import { issueGrant } from '../oauth/grants';

export interface PostAsPerson {
  /** User id, email or handle. */
  readonly as: string;
  /** Conversation id or channel name. */
  readonly channel: string;
  readonly text: string;
  readonly threadTs?: string;
  readonly blocks?: unknown[];
  readonly replyBroadcast?: boolean;
}

export interface MessageRef {
  readonly as: string;
  readonly channel: string;
  readonly ts: string;
}

export interface ProfileChange {
  readonly as: string;
  readonly realName?: string;
  readonly displayName?: string;
  readonly email?: string;
  readonly title?: string;
  readonly avatarUrl?: string;
}

/** Slack errors surface as ControlError with the Slack code, so tests can assert on both paths alike. */
function slackCall<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof SlackApiError) throw new ControlError(error.code);
    throw error;
  }
}

/**
 * Acts as people inside the workspace (what humans do in the Slack client) and administers the sandbox. Every action
 * goes through the same SlackActions as the Web API, so it yields exactly the events Slack would send.
 */
export class SlackControl {
  constructor(
    private readonly store: SlackStore,
    private readonly actions: SlackActions,
    private readonly ackTimeoutMs: () => number,
    private readonly codeLifetimeMs: () => number,
  ) {}

  post(input: PostAsPerson): Record<string, unknown> {
    const user = resolvePerson(this.store, input.as);
    const conversation = resolveConversation(this.store, input.channel);
    if (!conversation.members.has(user.id)) throw new ControlError('not_in_channel');
    if (user.deleted) throw new ControlError('account_inactive');
    return slackCall(() => messageJson(this.actions.post(conversation, user, { text: input.text, blocks: input.blocks, threadTs: input.threadTs, replyBroadcast: input.replyBroadcast, fromClient: true })));
  }

  /** A person opens a DM or group DM with others in the Slack client (no event, as in Slack until someone posts). */
  open(input: { as: string; with: string[] }): { id: string } {
    const user = resolvePerson(this.store, input.as);
    const others = input.with.map((w) => resolvePerson(this.store, w).id);
    if (others.length === 0 || others.length > 8) throw new ControlError('a DM or group DM has 1 to 8 others');
    return { id: this.store.directConversation(user.teamId, user.id, others).conversation.id };
  }

  reply(input: PostAsPerson & { threadTs: string }): Record<string, unknown> {
    return this.post(input);
  }

  edit(input: MessageRef & { text: string }): Record<string, unknown> {
    const { user, conversation, message } = this.ownMessage(input);
    return slackCall(() => messageJson(this.actions.edit(conversation, message, user, input.text)));
  }

  delete(input: MessageRef): void {
    const { conversation, message } = this.ownMessage(input);
    slackCall(() => this.actions.delete(conversation, message));
  }

  react(input: MessageRef & { name: string }): void {
    const { user, conversation, message } = this.message(input);
    slackCall(() => this.actions.react(conversation, message, user, input.name));
  }

  unreact(input: MessageRef & { name: string }): void {
    const { user, conversation, message } = this.message(input);
    slackCall(() => this.actions.unreact(conversation, message, user, input.name));
  }

  join(input: { as: string; channel: string }): void {
    const user = resolvePerson(this.store, input.as);
    const conversation = resolveConversation(this.store, input.channel);
    if (conversation.kind !== 'public') throw new ControlError('method_not_supported_for_channel_type');
    slackCall(() => this.actions.join(conversation, user));
  }

  leave(input: { as: string; channel: string }): void {
    const user = resolvePerson(this.store, input.as);
    slackCall(() => this.actions.leave(resolveConversation(this.store, input.channel), user));
  }

  /** A member archives a channel in the Slack client (channel_archive follows); #general cannot be archived. */
  archive(input: { as: string; channel: string }): void {
    const user = resolvePerson(this.store, input.as);
    const conversation = resolveConversation(this.store, input.channel);
    if (conversation.kind !== 'public' && conversation.kind !== 'private') throw new ControlError('method_not_supported_for_channel_type');
    if (conversation.archived) throw new ControlError('already_archived');
    if (conversation.isGeneral) throw new ControlError('cant_archive_general');
    if (!conversation.members.has(user.id)) throw new ControlError('not_in_channel');
    this.actions.archive(conversation, user);
  }

  /** Uploads and shares a file the way the Slack client does: file_share message plus file_shared. */
  upload(input: { as: string; channel: string; filename: string; content: string | Buffer; initialComment?: string; threadTs?: string }): Record<string, unknown> {
    const user = resolvePerson(this.store, input.as);
    const conversation = resolveConversation(this.store, input.channel);
    if (!conversation.members.has(user.id)) throw new ControlError('not_in_channel');
    const bytes = Buffer.isBuffer(input.content) ? input.content : Buffer.from(input.content);
    const file = this.actions.createFile(conversation.teamId, user, input.filename, bytes.length);
    file.bytes = bytes;
    file.completed = true;
    const message = slackCall(() => this.actions.shareFiles(conversation, user, [file], input.initialComment ?? '', input.threadTs, undefined, true));
    return { file: fileJson(file, this.store), message: messageJson(message, false, this.store) };
  }

  /** The uploader deletes a file in the Slack client: url_private and files.info stop serving it. */
  deleteFile(input: { as: string; file: string }): void {
    const user = resolvePerson(this.store, input.as);
    const file = this.store.files.get(input.file);
    if (!file) throw new ControlError('file_not_found');
    if (file.user !== user.id) throw new ControlError('cant_delete_file');
    this.actions.deleteFile(file);
  }

  changeProfile(input: ProfileChange): Record<string, unknown> {
    const user = resolvePerson(this.store, input.as);
    this.actions.changeProfile(user, { realName: input.realName, displayName: input.displayName, email: input.email, title: input.title, image72: input.avatarUrl });
    return userJson(user, true);
  }

  /**
   * Adds a person as an admin invitation would (team_join follows). `guest: 'multi'` makes a multi-channel guest
   * (is_restricted), `'single'` a single-channel guest (is_ultra_restricted).
   */
  addPerson(input: { name: string; email: string; realName?: string; displayName?: string; title?: string; guest?: 'multi' | 'single'; teamId?: string }): Record<string, unknown> {
    const teamId = input.teamId ?? this.defaultTeam();
    if (this.store.userByEmail(teamId, input.email)) throw new ControlError('already_in_team');
    const user = this.store.addUser(teamId, {
      name: input.name,
      email: input.email,
      realName: input.realName ?? input.name,
      displayName: input.displayName ?? '',
      title: input.title ?? '',
      isRestricted: input.guest !== undefined,
      isUltraRestricted: input.guest === 'single',
    });
    this.actions.emitRaw(teamId, (app) => ({ type: 'team_join', user: userJson(user, app.botScopes.includes('users:read.email')) }));
    return userJson(user, true);
  }

  deactivate(input: { as: string }): void {
    this.actions.setDeactivated(resolvePerson(this.store, input.as), true);
  }

  reactivate(input: { as: string }): void {
    this.actions.setDeactivated(resolvePerson(this.store, input.as), false);
  }

  /** Creates a channel (setup, no events): members by id, email or handle. */
  createChannel(input: { name: string; isPrivate?: boolean; members?: string[]; teamId?: string }): Record<string, unknown> {
    const teamId = input.teamId ?? this.defaultTeam();
    const members = (input.members ?? []).map((m) => resolvePerson(this.store, m).id);
    const conversation = this.store.addConversation(teamId, input.isPrivate ? 'private' : 'public', input.name, members[0] ?? '', members);
    return { id: conversation.id, name: conversation.name };
  }

  /** Issues a token with exactly these scopes (e.g. to see missing_scope). `app` is an app-level (xapp-) token. */
  issueToken(input: { kind: TokenKind; scopes: string[]; as?: string; appId?: string }): string {
    const app = input.appId ? this.store.apps.get(input.appId) : [...this.store.apps.values()][0];
    if (input.kind === 'bot' || input.kind === 'app') {
      if (!app) throw new ControlError(`no app to issue a ${input.kind} token for`);
      return this.store.issueToken(input.kind, app.teamId, app.botUserId, input.scopes, app.id).token;
    }
    const user = input.as ? resolvePerson(this.store, input.as) : undefined;
    if (!user) throw new ControlError('a user token needs `as`');
    return this.store.issueToken(input.kind, user.teamId, user.id, input.scopes, app?.id).token;
  }

  revokeToken(token: string): void {
    const found = this.store.tokens.get(token);
    if (found) found.revoked = true;
  }

  /**
   * Records a person's approval without the page: returns the code oauth.v2.access exchanges. `scopes` are bot
   * scopes (the answer then has a bot token), `userScopes` user scopes; `redirectUri` as if sent to the page.
   */
  authorize(input: { appId?: string; as: string; scopes?: string[]; userScopes?: string[]; redirectUri?: string }): string {
    const app = this.app(input.appId);
    const person = resolvePerson(this.store, input.as);
    return issueGrant(this.store, { app, userId: person.id, botScopes: input.scopes ?? [], userScopes: input.userScopes ?? [], redirectUri: input.redirectUri, lifetimeMs: this.codeLifetimeMs() }).code;
  }

  /**
   * A person opens an authorize URL (the one an app hands out) and clicks Allow, as in a browser: the same page
   * logic as POST /oauth/v2/authorize. Returns where the browser is sent next (redirect_uri with code and state).
   */
  approve(input: { url: string; as: string; decision?: 'approve' | 'cancel' }): { location: string } {
    const params = new URL(input.url).searchParams;
    params.set('account', input.as);
    params.set('decision', input.decision ?? 'approve');
    const page = authorizePage(this.store, 'POST', params, this.codeLifetimeMs());
    const location = page.headers['location'];
    if (!location) throw new ControlError(page.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());
    return { location };
  }

  /** Installs the app for a person with these user scopes at once (no code): returns their xoxp token. */
  installForUser(input: { as: string; userScopes: string[]; appId?: string }): string {
    return this.store.installForUser(this.app(input.appId), resolvePerson(this.store, input.as).id, input.userScopes).token;
  }

  /** The app config's Redirect URLs. */
  setRedirectUrls(input: { urls: string[]; appId?: string }): void {
    this.app(input.appId).redirectUrls = [...input.urls];
  }

  setPlan(plan: Plan, teamId?: string): void {
    const workspace = this.store.workspaces.get(teamId ?? this.defaultTeam());
    if (!workspace) throw new ControlError('no workspace');
    workspace.plan = plan;
  }

  /**
   * Sets an app's Events request URL as the app config page does: Slack sends url_verification and saves the URL
   * only if the receiver echoes the challenge in time. Returns whether the URL was accepted.
   */
  async setEventsUrl(input: { url: string | undefined; appId?: string; eventTypes?: string[] }): Promise<boolean> {
    const app = this.app(input.appId);
    if (input.eventTypes) app.eventTypes = [...input.eventTypes];
    if (!input.url) {
      app.eventsUrl = undefined;
      return true;
    }
    const challenge = randomBytes(24).toString('base64url');
    const body = JSON.stringify({ token: app.verificationToken, challenge, type: 'url_verification' });
    const result = await postSigned(input.url, body, app.signingSecret, this.ackTimeoutMs());
    let answered = result.body?.trim();
    try {
      const parsed = JSON.parse(answered ?? '') as { challenge?: unknown };
      if (typeof parsed.challenge === 'string') answered = parsed.challenge;
    } catch {
      // a plain-text answer is accepted too
    }
    const accepted = result.outcome === 'acked' && answered === challenge;
    if (accepted) app.eventsUrl = input.url;
    return accepted;
  }

  private app(appId?: string): App {
    const app = appId ? this.store.apps.get(appId) : [...this.store.apps.values()][0];
    if (!app) throw new ControlError(`no such app: ${appId ?? '(none seeded)'}`);
    return app;
  }

  private defaultTeam(): string {
    const first = [...this.store.workspaces.keys()][0];
    if (!first) throw new ControlError('nothing seeded');
    return first;
  }

  private message(ref: MessageRef) {
    const user = resolvePerson(this.store, ref.as);
    const conversation = resolveConversation(this.store, ref.channel);
    const message = conversation.byTs.get(ref.ts);
    if (!message) throw new ControlError('message_not_found');
    return { user, conversation, message };
  }

  private ownMessage(ref: MessageRef) {
    const found = this.message(ref);
    if (found.message.user !== found.user.id) throw new ControlError('cant_update_message');
    return found;
  }
}
