// The sandbox's state model: plain records, mutated only through the store and the actions.

export type Plan = 'free' | 'pro' | 'business+' | 'enterprise';
export type ConversationKind = 'public' | 'private' | 'im' | 'mpim';
/** `app` is an app-level token (xapp-): it calls only the few methods made for it (apps.event.authorizations.list). */
export type TokenKind = 'bot' | 'user' | 'scim' | 'app';

export interface Workspace {
  readonly id: string;
  name: string;
  domain: string;
  plan: Plan;
}

export interface User {
  readonly id: string;
  readonly teamId: string;
  name: string;
  realName: string;
  displayName: string;
  email: string;
  title: string;
  image72: string;
  deleted: boolean;
  isBot: boolean;
  botId?: string;
  appId?: string;
  isAdmin: boolean;
  isRestricted: boolean;
  isUltraRestricted: boolean;
  /** Unix seconds of the last profile change. */
  updated: number;
  /** The SCIM externalId / userName, when the account came through SCIM. */
  scimUserName?: string;
}

export interface Reaction {
  readonly name: string;
  readonly users: string[];
}

export interface SharedFile {
  readonly id: string;
  readonly teamId: string;
  readonly user: string;
  readonly name: string;
  title: string;
  readonly declaredLength: number;
  bytes?: Buffer;
  readonly created: number;
  completed: boolean;
  channels: string[];
  /** Where it was shared: each file_share message (files.info lists them under `shares`). Absent in older snapshots. */
  shares?: FileShare[];
}

export interface FileShare {
  readonly channel: string;
  readonly ts: string;
  readonly threadTs?: string;
  readonly by: string;
}

export interface Message {
  readonly ts: string;
  readonly channel: string;
  readonly user: string;
  /** Set when an app posted it: the message is then a `bot_message`. */
  botId?: string;
  appId?: string;
  subtype?: string;
  text: string;
  blocks?: unknown[];
  threadTs?: string;
  replyCount: number;
  replyUsers: string[];
  latestReply?: string;
  replyBroadcast?: boolean;
  reactions: Reaction[];
  edited?: { user: string; ts: string };
  files?: string[];
  username?: string;
  iconUrl?: string;
  /** Message metadata sent with chat.postMessage; shown by conversations.history only with include_all_metadata. */
  metadata?: MessageMetadata;
}

export interface MessageMetadata {
  readonly event_type: string;
  readonly event_payload: Record<string, unknown>;
}

export interface Conversation {
  readonly id: string;
  readonly teamId: string;
  readonly kind: ConversationKind;
  name: string;
  readonly created: number;
  readonly creator: string;
  readonly members: Set<string>;
  /** Every message (top level and replies) in ts order; ts strings of equal width sort lexically. */
  readonly messages: Message[];
  readonly byTs: Map<string, Message>;
  isGeneral: boolean;
  /** Archived channels keep their history but take no posts, joins or invites (`is_archived`). */
  archived?: boolean;
  topic: string;
  purpose: string;
}

export interface App {
  readonly id: string;
  readonly teamId: string;
  name: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly signingSecret: string;
  readonly verificationToken: string;
  readonly clientId: string;
  readonly clientSecret: string;
  botScopes: string[];
  /**
   * How the app is distributed. Since 2025 Slack limits conversations.history / replies for commercially distributed
   * non-Marketplace apps to 1 request per minute and 15 messages per page; internal and Marketplace apps get Tier 3.
   */
  distribution: 'internal' | 'marketplace' | 'non-marketplace';
  /** Events request URL, set only once the url_verification handshake succeeded. */
  eventsUrl?: string;
  /** Event types this app subscribes to; undefined = every type the sandbox emits. */
  eventTypes?: string[];
  /** The app config's Redirect URLs: the authorize page sends people back only to these (or below them). */
  redirectUrls: string[];
}

export interface Token {
  readonly token: string;
  readonly kind: TokenKind;
  readonly teamId: string;
  readonly userId: string;
  readonly appId?: string;
  readonly scopes: ReadonlySet<string>;
  revoked?: boolean;
}

/** A code from the authorize page (or control.authorize), exchanged once by oauth.v2.access. */
export interface OAuthGrant {
  readonly code: string;
  readonly appId: string;
  readonly userId: string;
  /** Bot scopes asked for (`scope`); empty = a user-only authorization, answered without a bot token. */
  readonly botScopes: string[];
  readonly userScopes: string[];
  /** The redirect_uri sent to the authorize page, if one was: oauth.v2.access must then send the same. */
  readonly redirectUri?: string;
  /** Epoch ms after which the code is invalid_code (Slack: ten minutes, scaled by timeScale). */
  readonly expiresAt: number;
  used: boolean;
}

/**
 * A person's installation of an app with user scopes: their user token, and the events the app receives on their
 * behalf (messages and reactions in the conversations they are in, as far as their scopes reach).
 */
export interface UserInstallation {
  readonly appId: string;
  readonly teamId: string;
  readonly userId: string;
  /** Cumulative: authorizing again adds scopes to the same token. */
  scopes: string[];
  readonly token: string;
  readonly installedAt: number;
}
