import { randomBytes } from 'node:crypto';
import type { SandboxContext } from '../context';
import { badRequest, notFound } from '../http/graph-error';
import type { LifecycleEvent } from '../notifications/notifier';
import { chatThreadId, newGuid, stableGuid } from '../state/ids';
import type { Chat, ChatMessage, GuestMessagingPolicy, MessageContainer, Principal, User } from '../state/model';
import { editMessage, findMessage, postMessage, setReaction, softDeleteMessage, undoSoftDeleteMessage } from '../resources/message-actions';
import { messageRecord } from '../resources/message-view';

/** Where a person acts: a chat, or a channel of a team. */
export type Place = { chatId: string } | { teamId: string; channelId: string };

export interface ActAs {
  /** Object id or UPN of the Teams person acting. */
  readonly as: string;
}

const container = (place: Place): MessageContainer => ('chatId' in place ? { kind: 'chat', chatId: place.chatId } : { kind: 'channel', teamId: place.teamId, channelId: place.channelId });

/**
 * The control API: what happens in Teams and Entra without Parley asking (people posting, admins revoking
 * sessions, policies changing), plus shortcuts tests need (tokens without a sign-in round trip). Everything goes
 * through the same state operations as the Graph handlers, so notifications fire identically.
 */
export class ControlApi {
  constructor(private readonly context: SandboxContext) {}

  private user(idOrUpn: string): User {
    const store = this.context.store;
    const user = store.users.get(idOrUpn) ?? store.users.get(store.usersByUpn.get(idOrUpn.toLowerCase()) ?? '');
    if (!user || user.deleted) throw notFound(`No user '${idOrUpn}'.`);
    return user;
  }

  private member(place: Place, userId: string): MessageContainer {
    const target = container(place);
    if (target.kind === 'chat') {
      const chat = this.context.store.chats.get(target.chatId);
      if (!chat) throw notFound(`No chat '${target.chatId}'.`);
      if (!chat.members.has(userId)) throw badRequest('That person is not a member of the chat.');
    } else {
      const team = this.context.store.teams.get(target.teamId);
      if (!team || !team.channelIds.includes(target.channelId)) throw notFound('No such team or channel.');
      if (!team.members.has(userId)) throw badRequest('That person is not a member of the team.');
      const members = this.context.store.channels.get(target.channelId)?.members;
      if (members && !Object.prototype.hasOwnProperty.call(members, userId)) throw badRequest('That person is not a member of the private channel.');
    }
    return target;
  }

  /**
   * A Teams person posts (or replies, in a channel). Returns the message as Graph would. `hostedContents` are images
   * pasted into the message, referred to in `content` as `../hostedContents/{temporaryId}/$value`, as the client posts them.
   */
  post(
    input: ActAs &
      Place & {
        content: string;
        contentType?: 'text' | 'html';
        replyToId?: string;
        mentions?: ChatMessage['mentions'];
        hostedContents?: { temporaryId: string; contentType: string; bytes: Buffer }[];
      },
  ): Record<string, unknown> {
    const user = this.user(input.as);
    const target = this.member(input, user.id);
    if (input.replyToId && target.kind === 'chat') throw badRequest('Chats have no threaded replies.');
    const message = postMessage(this.context, {
      container: target,
      fromUserId: user.id,
      replyToId: input.replyToId ?? null,
      body: { contentType: input.contentType ?? 'text', content: input.content },
      mentions: input.mentions ?? [],
      hostedContents: input.hostedContents,
    });
    return messageRecord(this.context.store, message);
  }

  edit(input: ActAs & Place & { messageId: string; content: string; contentType?: 'text' | 'html' }): void {
    const user = this.user(input.as);
    const message = findMessage(this.context, this.member(input, user.id), input.messageId);
    editMessage(this.context, message, user.id, { contentType: input.contentType ?? 'text', content: input.content });
  }

  delete(input: ActAs & Place & { messageId: string; undo?: boolean }): void {
    const user = this.user(input.as);
    const message = findMessage(this.context, this.member(input, user.id), input.messageId);
    if (input.undo) undoSoftDeleteMessage(this.context, message, user.id);
    else softDeleteMessage(this.context, message, user.id);
  }

  react(input: ActAs & Place & { messageId: string; reactionType: string; remove?: boolean }): void {
    const user = this.user(input.as);
    const message = findMessage(this.context, this.member(input, user.id), input.messageId);
    setReaction(this.context, message, user.id, input.reactionType, !input.remove);
  }

  /** Creates a chat between people (a Teams person starting a conversation). oneOnOne returns the existing one. */
  createChat(input: { members: string[]; chatType?: 'oneOnOne' | 'group'; topic?: string }): { id: string } {
    const ids = input.members.map((m) => this.user(m).id);
    const chatType = input.chatType ?? (ids.length === 2 ? 'oneOnOne' : 'group');
    const tenantId = this.user(ids[0] as string).tenantId;
    if (chatType === 'oneOnOne') {
      const existing = [...this.context.store.chats.values()].find((c) => c.chatType === 'oneOnOne' && ids.every((id) => c.members.has(id)));
      if (existing) return { id: existing.id };
    }
    const now = new Date().toISOString();
    const chat: Chat = { id: chatThreadId(), tenantId, chatType, topic: input.topic ?? null, createdDateTime: now, lastUpdatedDateTime: now, members: new Map(ids.map((id) => [id, { roles: ['owner'], membershipId: newGuid(), since: now }])) };
    this.context.store.chats.set(chat.id, chat);
    return { id: chat.id };
  }

  /** Registers another app (e.g. one missing a permission, for scope tests). */
  registerApp(input: { displayName?: string; tenantId: string; roles?: string[]; scopes?: string[]; redirectUris?: string[] }): { clientId: string; clientSecret: string } {
    if (!this.context.store.tenants.has(input.tenantId)) throw notFound(`No tenant '${input.tenantId}'.`);
    const clientId = newGuid();
    const clientSecret = `sbx~${randomBytes(18).toString('base64url')}`;
    this.context.store.apps.set(clientId, {
      clientId,
      clientSecret,
      displayName: input.displayName ?? 'Test app',
      redirectUris: input.redirectUris ?? [],
      grants: new Map([[input.tenantId, { roles: new Set(input.roles ?? []), scopes: new Set(input.scopes ?? []) }]]),
    });
    return { clientId, clientSecret };
  }

  /** An access token without a sign-in round trip (tests, benchmarks). Delegated when `as` is given. */
  token(input: { clientId: string; tenantId: string; as?: string; scopes?: string[]; roles?: string[] }): string {
    const app = this.context.store.apps.get(input.clientId);
    const grant = app?.grants.get(input.tenantId);
    if (!app || !grant) throw notFound('Unknown app or app not consented in that tenant.');
    const principal: Principal = input.as
      ? { tenantId: input.tenantId, clientId: app.clientId, kind: 'delegated', roles: new Set(), scopes: new Set(input.scopes ?? grant.scopes), userId: this.user(input.as).id }
      : { tenantId: input.tenantId, clientId: app.clientId, kind: 'application', roles: new Set(input.roles ?? grant.roles), scopes: new Set() };
    return this.context.tokens.issueAccess(principal);
  }

  /** An account in a tenant (typically the home tenant) whose password the sandbox holds. */
  createAccount(input: { tenantId: string; mailNickname: string; displayName: string; password: string; domain?: string }): User {
    const tenant = this.context.store.tenants.get(input.tenantId);
    if (!tenant) throw notFound(`No tenant '${input.tenantId}'.`);
    const upn = `${input.mailNickname}@${input.domain ?? tenant.initialDomain}`;
    if (this.context.store.usersByUpn.has(upn.toLowerCase())) throw badRequest(`UPN ${upn} is taken.`);
    const user = this.context.store.addUser({
      id: stableGuid('account', tenant.id, input.mailNickname),
      tenantId: tenant.id,
      displayName: input.displayName,
      givenName: null,
      surname: null,
      mail: upn,
      userPrincipalName: upn,
      mailNickname: input.mailNickname,
      userType: 'Member',
      accountEnabled: true,
      jobTitle: null,
      createdDateTime: new Date().toISOString(),
      externalUserState: null,
      homeUserId: null,
      version: this.context.store.nextVersion(),
      deleted: false,
    });
    this.context.store.passwords.set(user.id, input.password);
    return user;
  }

  setPassword(input: { user: string; password: string | null }): void {
    const user = this.user(input.user);
    if (input.password === null) this.context.store.passwords.delete(user.id);
    else this.context.store.passwords.set(user.id, input.password);
  }

  /** Makes an access token expire now: the next Graph call with it is 401 InvalidAuthenticationToken. */
  expireAccessToken(input: { token: string }): void {
    this.context.tokens.expireAccess(input.token);
  }

  /** Entra's revokeSignInSessions: every refresh token of the user dies (invalid_grant from then on). */
  revokeSignInSessions(input: { user: string }): { revoked: number } {
    return { revoked: this.context.tokens.revokeUser(this.user(input.user).id) };
  }

  setGuestMfaPolicy(input: { tenantId: string; required: boolean }): void {
    const tenant = this.context.store.tenants.get(input.tenantId);
    if (!tenant) throw notFound(`No tenant '${input.tenantId}'.`);
    tenant.guestMfaRequired = input.required;
  }

  /**
   * The tenant's Teams guest messaging policy (AllowUserEditMessage / AllowUserDeleteMessage for guests). Omitted
   * settings stay as they are; both default to true, as in Teams.
   */
  setGuestMessagingPolicy(input: { tenantId: string; allowUserEditMessage?: boolean; allowUserDeleteMessage?: boolean }): GuestMessagingPolicy {
    const tenant = this.context.store.tenants.get(input.tenantId);
    if (!tenant) throw notFound(`No tenant '${input.tenantId}'.`);
    tenant.guestMessaging = {
      allowUserEditMessage: input.allowUserEditMessage ?? tenant.guestMessaging?.allowUserEditMessage ?? true,
      allowUserDeleteMessage: input.allowUserDeleteMessage ?? tenant.guestMessaging?.allowUserDeleteMessage ?? true,
    };
    return { ...tenant.guestMessaging };
  }

  /** Makes a subscription expire now (subscriptions live at least 45 minutes, too long to wait for in a test). */
  expireSubscription(input: { subscriptionId: string }): void {
    const subscription = this.context.store.subscriptions.get(input.subscriptionId);
    if (!subscription) throw notFound(`No subscription '${input.subscriptionId}'.`);
    subscription.expirationDateTime = new Date(Date.now() - 1).toISOString();
  }

  redeemInvitation(input: { user: string }): void {
    const user = this.user(input.user);
    user.externalUserState = 'Accepted';
    user.version = this.context.store.nextVersion();
  }

  updateUser(input: { user: string; displayName?: string; jobTitle?: string; accountEnabled?: boolean }): void {
    const user = this.user(input.user);
    if (input.displayName !== undefined) user.displayName = input.displayName;
    if (input.jobTitle !== undefined) user.jobTitle = input.jobTitle;
    if (input.accountEnabled !== undefined) user.accountEnabled = input.accountEnabled;
    user.version = this.context.store.nextVersion();
  }

  /** Soft-deletes a user: /users/delta then reports it with `@removed`. */
  deleteUser(input: { user: string }): void {
    const user = this.user(input.user);
    user.deleted = true;
    user.version = this.context.store.nextVersion();
    this.context.tokens.revokeUser(user.id, true);
  }

  /** Sends a lifecycle notification for a subscription (and removes it for subscriptionRemoved). */
  lifecycle(input: { subscriptionId: string; event: LifecycleEvent }): void {
    const subscription = this.context.store.subscriptions.get(input.subscriptionId);
    if (!subscription) throw notFound(`No subscription '${input.subscriptionId}'.`);
    this.context.notifier.lifecycle(subscription, input.event);
    if (input.event === 'subscriptionRemoved') this.context.store.subscriptions.delete(subscription.id);
  }
}

/** Names the HTTP control API (`POST /_control/{name}`) may call. */
export const CONTROL_ACTIONS = ['post', 'edit', 'delete', 'react', 'createChat', 'registerApp', 'token', 'createAccount', 'setPassword', 'expireAccessToken', 'revokeSignInSessions', 'setGuestMfaPolicy', 'setGuestMessagingPolicy', 'expireSubscription', 'redeemInvitation', 'updateUser', 'deleteUser', 'lifecycle'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];
