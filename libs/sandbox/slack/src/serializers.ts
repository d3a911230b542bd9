// API shapes of the records, as Slack's Web API and events show them.
import type { Conversation, Message, SharedFile, User } from './model';

export function userJson(user: User, withEmail: boolean): Record<string, unknown> {
  const profile: Record<string, unknown> = {
    real_name: user.realName,
    real_name_normalized: user.realName,
    display_name: user.displayName,
    display_name_normalized: user.displayName,
    title: user.title,
    image_24: user.image72.replace('_72', '_24'),
    image_48: user.image72.replace('_72', '_48'),
    image_72: user.image72,
    image_192: user.image72.replace('_72', '_192'),
    team: user.teamId,
  };
  // Email is only visible with users:read.email (documented on users.list / users.info).
  if (withEmail && user.email) profile['email'] = user.email;
  if (user.isBot) {
    profile['bot_id'] = user.botId;
    profile['api_app_id'] = user.appId;
  }
  return {
    id: user.id,
    team_id: user.teamId,
    name: user.name,
    deleted: user.deleted,
    real_name: user.realName,
    tz: 'Europe/London',
    tz_label: 'Greenwich Mean Time',
    tz_offset: 0,
    profile,
    is_admin: user.isAdmin,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: user.isRestricted,
    is_ultra_restricted: user.isUltraRestricted,
    is_bot: user.isBot,
    is_app_user: false,
    updated: user.updated,
  };
}

export function conversationJson(c: Conversation, viewer: string): Record<string, unknown> {
  if (c.kind === 'im') {
    const other = [...c.members].find((m) => m !== viewer) ?? viewer;
    return { id: c.id, created: c.created, is_im: true, is_org_shared: false, user: other, is_user_deleted: false, priority: 0 };
  }
  return {
    id: c.id,
    name: c.name,
    is_channel: c.kind === 'public',
    is_group: c.kind === 'private',
    is_im: false,
    is_mpim: c.kind === 'mpim',
    is_private: c.kind !== 'public',
    created: c.created,
    creator: c.creator,
    is_archived: c.archived === true,
    is_general: c.isGeneral,
    is_shared: false,
    is_ext_shared: false,
    is_org_shared: false,
    is_member: c.members.has(viewer),
    name_normalized: c.name,
    num_members: c.members.size,
    topic: { value: c.topic, creator: '', last_set: 0 },
    purpose: { value: c.purpose, creator: '', last_set: 0 },
  };
}

/** `withMetadata`: conversations.history shows message metadata only when asked (include_all_metadata). */
export function messageJson(m: Message, withMetadata = false): Record<string, unknown> {
  const json: Record<string, unknown> = { type: 'message' };
  if (m.subtype) json['subtype'] = m.subtype;
  json['text'] = m.text;
  json['user'] = m.user;
  json['ts'] = m.ts;
  if (m.botId) {
    json['bot_id'] = m.botId;
    json['app_id'] = m.appId;
    if (m.username) json['username'] = m.username;
    if (m.iconUrl) json['icons'] = { image_48: m.iconUrl };
  }
  if (m.blocks) json['blocks'] = m.blocks;
  if (m.files) json['files'] = m.files.map((id) => ({ id }));
  if (m.threadTs) json['thread_ts'] = m.threadTs;
  if (m.threadTs === m.ts && m.replyCount > 0) {
    json['reply_count'] = m.replyCount;
    json['reply_users_count'] = m.replyUsers.length;
    json['reply_users'] = [...m.replyUsers];
    json['latest_reply'] = m.latestReply;
  }
  if (m.edited) json['edited'] = { ...m.edited };
  if (m.reactions.length > 0) json['reactions'] = m.reactions.map((r) => ({ name: r.name, users: [...r.users], count: r.users.length }));
  if (withMetadata && m.metadata) json['metadata'] = { event_type: m.metadata.event_type, event_payload: structuredClone(m.metadata.event_payload) };
  return json;
}

export function fileJson(f: SharedFile): Record<string, unknown> {
  return {
    id: f.id,
    created: f.created,
    timestamp: f.created,
    name: f.name,
    title: f.title,
    mimetype: 'application/octet-stream',
    filetype: f.name.includes('.') ? f.name.split('.').pop() : 'binary',
    user: f.user,
    size: f.bytes?.length ?? f.declaredLength,
    channels: [...f.channels],
    url_private: `https://files.sandbox.slack.local/files-pri/${f.teamId}-${f.id}/${encodeURIComponent(f.name)}`,
  };
}
