// API shapes of the records, as Slack's Web API and events show them.
import type { Conversation, Message, SharedFile, User } from './model';
import type { SlackStore } from './store';

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

/**
 * `withMetadata`: conversations.history shows message metadata only when asked (include_all_metadata). `store`: a
 * message's files as whole file objects, as events and history show them; without it only their ids.
 */
export function messageJson(m: Message, withMetadata = false, store?: SlackStore): Record<string, unknown> {
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
  if (m.files) {
    // A file deleted since is a tombstone in the message, as Slack shows it.
    json['files'] = m.files.map((id) => {
      const file = store?.files.get(id);
      return file ? fileJson(file, store as SlackStore) : store ? { id, mode: 'tombstone' } : { id };
    });
    if (m.subtype === 'file_share') {
      json['upload'] = true;
      json['display_as_bot'] = false;
    }
  }
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

/** Mimetypes by extension, as Slack detects them for the common kinds; anything else is a binary. */
const MIMETYPES: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', bmp: 'image/bmp', heic: 'image/heic', svg: 'image/svg+xml',
  txt: 'text/plain', csv: 'text/csv', md: 'text/plain', json: 'application/json', pdf: 'application/pdf', zip: 'application/zip',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', mp4: 'video/mp4', mov: 'video/quicktime', mp3: 'audio/mpeg',
};

export function extensionOf(name: string): string | undefined {
  return name.includes('.') ? name.split('.').pop()?.toLowerCase() : undefined;
}

export function mimetypeOf(name: string): string {
  return MIMETYPES[extensionOf(name) ?? ''] ?? 'application/octet-stream';
}

/** The path below the sandbox's URL where a file's bytes are served (Slack: https://files.slack.com/files-pri/...). */
export function filePath(f: SharedFile, download: boolean): string {
  return `/files-pri/${f.teamId}-${f.id}/${download ? 'download/' : ''}${encodeURIComponent(f.name)}`;
}

/**
 * A file object as files.info, completeUploadExternal and message events show it. Where it is shared is split by
 * conversation kind (`channels` public, `groups` private channels and group DMs, `ims` DMs); `withShares` adds
 * files.info's `shares` (each share's message ts, per conversation, under `public` or `private`).
 */
export function fileJson(f: SharedFile, store: SlackStore, withShares = false): Record<string, unknown> {
  const kinds = f.channels.map((id) => ({ id, kind: store.conversations.get(id)?.kind }));
  const domain = store.workspaces.get(f.teamId)?.domain ?? 'sandbox';
  const name = encodeURIComponent(f.name);
  const json: Record<string, unknown> = {
    id: f.id,
    created: f.created,
    timestamp: f.created,
    name: f.name,
    title: f.title,
    mimetype: mimetypeOf(f.name),
    filetype: extensionOf(f.name) ?? 'binary',
    user: f.user,
    user_team: f.teamId,
    editable: false,
    size: f.bytes?.length ?? f.declaredLength,
    mode: 'hosted',
    is_external: false,
    external_type: '',
    is_public: kinds.some((k) => k.kind === 'public'),
    public_url_shared: false,
    display_as_bot: false,
    url_private: `${store.publicUrl}${filePath(f, false)}`,
    url_private_download: `${store.publicUrl}${filePath(f, true)}`,
    permalink: `https://${domain}.slack.com/files/${f.user}/${f.id}/${name}`,
    channels: kinds.filter((k) => k.kind === 'public').map((k) => k.id),
    groups: kinds.filter((k) => k.kind === 'private' || k.kind === 'mpim').map((k) => k.id),
    ims: kinds.filter((k) => k.kind === 'im').map((k) => k.id),
  };
  if (withShares) {
    const shares: { public?: Record<string, unknown[]>; private?: Record<string, unknown[]> } = {};
    for (const share of f.shares ?? []) {
      const conversation = store.conversations.get(share.channel);
      const message = conversation?.byTs.get(share.ts);
      if (!conversation || !message) continue;
      const side = conversation.kind === 'public' ? 'public' : 'private';
      const entry: Record<string, unknown> = { reply_users: [...message.replyUsers], reply_users_count: message.replyUsers.length, reply_count: message.replyCount, ts: share.ts, channel_name: conversation.name, team_id: conversation.teamId, share_user_id: share.by, source: 'UNKNOWN' };
      if (share.threadTs) entry['thread_ts'] = share.threadTs;
      if (message.latestReply) entry['latest_reply'] = message.latestReply;
      ((shares[side] ??= {})[share.channel] ??= []).push(entry);
    }
    json['shares'] = shares;
  }
  return json;
}
