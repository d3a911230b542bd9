import type { App, Conversation, Message, MessageMetadata, SharedFile, User } from './model';
import type { SlackStore } from './store';
import { channelType, type EventDispatcher, type SlackEvent } from './events/dispatcher';
import { fail } from './errors';
import { fileJson, messageJson, userJson } from './serializers';
import { nowSeconds } from './ids';

export interface PostInput {
  readonly text: string;
  readonly blocks?: unknown[];
  readonly threadTs?: string;
  readonly replyBroadcast?: boolean;
  /** Set when an app posts: the message becomes a bot_message. */
  readonly app?: App;
  readonly username?: string;
  readonly iconUrl?: string;
  readonly files?: string[];
  readonly subtype?: string;
  readonly metadata?: MessageMetadata;
  /** Typed in a Slack client (not posted through the API): the event then carries a client_msg_id. */
  readonly fromClient?: boolean;
}

/**
 * The state changes that Slack turns into events. Both the Web API (apps acting) and the control API (people acting)
 * go through here, so each change produces the same events whoever caused it.
 */
export class SlackActions {
  constructor(
    private readonly store: SlackStore,
    private readonly events: EventDispatcher,
  ) {}

  post(conversation: Conversation, author: User, input: PostInput): Message {
    let parent: Message | undefined;
    if (input.threadTs) {
      parent = conversation.byTs.get(input.threadTs);
      if (!parent) fail('thread_not_found');
      // Replying to a reply threads under its parent, as Slack does.
      if (parent.threadTs && parent.threadTs !== parent.ts) parent = conversation.byTs.get(parent.threadTs) ?? parent;
    }
    const ts = this.store.ids.ts();
    const message: Message = {
      ts,
      channel: conversation.id,
      user: author.id,
      text: input.text,
      blocks: input.blocks,
      replyCount: 0,
      replyUsers: [],
      reactions: [],
      files: input.files,
      subtype: input.subtype,
      metadata: input.metadata,
    };
    if (input.app) {
      message.botId = input.app.botId;
      message.appId = input.app.id;
      message.subtype = input.subtype ?? 'bot_message';
      message.username = input.username;
      message.iconUrl = input.iconUrl;
    }
    if (parent) {
      message.threadTs = parent.ts;
      message.replyBroadcast = input.replyBroadcast;
      // "Also send to channel" replies are thread_broadcast messages, from people and apps alike (apps: unverified).
      if (input.replyBroadcast) message.subtype = 'thread_broadcast';
      parent.threadTs = parent.ts;
      parent.replyCount++;
      if (!parent.replyUsers.includes(author.id)) parent.replyUsers.push(author.id);
      parent.latestReply = ts;
    }
    this.store.addMessage(conversation, message);
    const event: Record<string, unknown> = { ...messageJson(message, false, this.store), channel: conversation.id, channel_type: channelType(conversation), team: conversation.teamId, event_ts: ts };
    if (parent) event['parent_user_id'] = parent.user;
    if (input.fromClient) event['client_msg_id'] = this.store.ids.secret(32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
    this.events.emit(conversation.teamId, { ...event, type: 'message' }, { conversation });
    return message;
  }

  edit(conversation: Conversation, message: Message, editor: User, text: string, blocks?: unknown[]): Message {
    const previous = messageJson(message, false, this.store);
    message.text = text;
    if (blocks !== undefined) message.blocks = blocks;
    const eventTs = this.store.ids.ts();
    message.edited = { user: editor.id, ts: eventTs };
    this.events.emit(
      conversation.teamId,
      {
        type: 'message',
        subtype: 'message_changed',
        hidden: true,
        channel: conversation.id,
        ts: eventTs,
        message: messageJson(message, false, this.store),
        previous_message: previous,
        channel_type: channelType(conversation),
        event_ts: eventTs,
      },
      { conversation },
    );
    return message;
  }

  delete(conversation: Conversation, message: Message): void {
    const previous = messageJson(message, false, this.store);
    this.store.removeMessage(conversation, message);
    if (message.threadTs && message.threadTs !== message.ts) {
      const parent = conversation.byTs.get(message.threadTs);
      if (parent) {
        parent.replyCount = Math.max(0, parent.replyCount - 1);
        const replies = conversation.messages.filter((m) => m.threadTs === parent.ts && m.ts !== parent.ts);
        parent.replyUsers = [...new Set(replies.map((m) => m.user))];
        parent.latestReply = replies.at(-1)?.ts;
      }
    }
    const eventTs = this.store.ids.ts();
    this.events.emit(
      conversation.teamId,
      {
        type: 'message',
        subtype: 'message_deleted',
        hidden: true,
        channel: conversation.id,
        ts: eventTs,
        deleted_ts: message.ts,
        previous_message: previous,
        channel_type: channelType(conversation),
        event_ts: eventTs,
      },
      { conversation },
    );
  }

  react(conversation: Conversation, message: Message, user: User, name: string): void {
    let reaction = message.reactions.find((r) => r.name === name);
    if (reaction?.users.includes(user.id)) fail('already_reacted');
    if (!reaction) {
      reaction = { name, users: [] };
      message.reactions.push(reaction);
    }
    reaction.users.push(user.id);
    this.emitReaction('reaction_added', conversation, message, user, name);
  }

  unreact(conversation: Conversation, message: Message, user: User, name: string): void {
    const reaction = message.reactions.find((r) => r.name === name);
    if (!reaction?.users.includes(user.id)) fail('no_reaction');
    reaction.users.splice(reaction.users.indexOf(user.id), 1);
    if (reaction.users.length === 0) message.reactions.splice(message.reactions.indexOf(reaction), 1);
    this.emitReaction('reaction_removed', conversation, message, user, name);
  }

  private emitReaction(type: string, conversation: Conversation, message: Message, user: User, name: string): void {
    this.events.emit(
      conversation.teamId,
      { type, user: user.id, reaction: name, item: { type: 'message', channel: conversation.id, ts: message.ts }, item_user: message.user, event_ts: this.store.ids.ts() },
      { conversation },
    );
  }

  /** Adds a member: member_joined_channel plus the channel_join message Slack posts (not for DMs). */
  join(conversation: Conversation, user: User, inviter?: User): void {
    if (conversation.members.has(user.id)) fail('already_in_channel');
    conversation.members.add(user.id);
    const event: Record<string, unknown> = { type: 'member_joined_channel', user: user.id, channel: conversation.id, channel_type: conversation.kind === 'public' ? 'C' : 'G', team: conversation.teamId };
    if (inviter) event['inviter'] = inviter.id;
    this.events.emit(conversation.teamId, { ...event, type: 'member_joined_channel' }, { conversation });
    if (conversation.kind === 'public' || conversation.kind === 'private') {
      this.post(conversation, user, { text: `<@${user.id}> has joined the channel`, subtype: 'channel_join' });
    }
  }

  leave(conversation: Conversation, user: User): void {
    if (!conversation.members.has(user.id)) fail('not_in_channel');
    if (conversation.kind === 'public' || conversation.kind === 'private') {
      this.post(conversation, user, { text: `<@${user.id}> has left the channel`, subtype: 'channel_leave' });
    }
    // Emitted while the leaver is still a member, so a bot that leaves still hears about it.
    this.events.emit(conversation.teamId, { type: 'member_left_channel', user: user.id, channel: conversation.id, channel_type: conversation.kind === 'public' ? 'C' : 'G', team: conversation.teamId }, { conversation });
    conversation.members.delete(user.id);
  }

  /** Archives a channel: channel_archive goes to its members' apps; the members stay, the history stays readable. */
  archive(conversation: Conversation, by: User): void {
    conversation.archived = true;
    this.events.emit(conversation.teamId, { type: 'channel_archive', channel: conversation.id, user: by.id }, { conversation });
  }

  changeProfile(user: User, changes: { realName?: string; displayName?: string; email?: string; title?: string; image72?: string }): void {
    if (changes.realName !== undefined) user.realName = changes.realName;
    if (changes.displayName !== undefined) user.displayName = changes.displayName;
    if (changes.title !== undefined) user.title = changes.title;
    if (changes.image72 !== undefined) user.image72 = changes.image72;
    if (changes.email !== undefined) this.store.setEmail(user, changes.email);
    this.userChanged(user);
  }

  setDeactivated(user: User, deleted: boolean): void {
    if (user.deleted === deleted) return;
    user.deleted = deleted;
    this.userChanged(user);
  }

  /** An event with no conversation scope (team_join and the like). */
  emitRaw(teamId: string, event: SlackEvent | ((app: App) => SlackEvent)): void {
    this.events.emit(teamId, event);
  }

  userChanged(user: User): void {
    user.updated = nowSeconds();
    // The user object shows the email only to apps holding users:read.email, as in users.info.
    this.events.emit(user.teamId, (app) => ({ type: 'user_change', user: userJson(user, app.botScopes.includes('users:read.email')) }));
  }

  /** Shares completed files into a conversation: a file_share message, and file_shared per file. */
  /** `fromClient`: shared in a Slack client (control.upload), so the message carries a client_msg_id; not through the API. */
  shareFiles(conversation: Conversation, author: User, files: SharedFile[], initialComment: string, threadTs?: string, app?: App, fromClient = false): Message {
    for (const file of files) if (!file.channels.includes(conversation.id)) file.channels.push(conversation.id);
    const message = this.post(conversation, author, { text: initialComment, files: files.map((f) => f.id), threadTs, app, subtype: app ? 'bot_message' : 'file_share', fromClient: fromClient && !app });
    for (const file of files) (file.shares ??= []).push({ channel: conversation.id, ts: message.ts, by: author.id, ...(message.threadTs ? { threadTs: message.threadTs } : {}) });
    for (const file of files) {
      this.events.emit(
        conversation.teamId,
        { type: 'file_shared', file_id: file.id, user_id: author.id, file: { id: file.id }, channel_id: conversation.id, event_ts: this.store.ids.ts() },
        { conversation },
      );
    }
    return message;
  }

  /** Deletes a file (its uploader, in the client): its messages keep a tombstone, file_deleted goes where it was shared. */
  deleteFile(file: SharedFile): void {
    this.store.files.delete(file.id);
    const eventTs = this.store.ids.ts();
    for (const id of file.channels) {
      const conversation = this.store.conversations.get(id);
      if (conversation) this.events.emit(conversation.teamId, { type: 'file_deleted', file_id: file.id, event_ts: eventTs }, { conversation });
    }
  }

  createFile(teamId: string, user: User, name: string, declaredLength: number): SharedFile {
    const file: SharedFile = { id: this.store.ids.id('F'), teamId, user: user.id, name, title: name, declaredLength, created: nowSeconds(), completed: false, channels: [] };
    this.store.files.set(file.id, file);
    return file;
  }

  fileJson(file: SharedFile, withShares = false): Record<string, unknown> {
    return fileJson(file, this.store, withShares);
  }
}
