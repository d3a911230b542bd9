/** The sandbox's state: plain records, owned by the store, mutated only by handlers and the control API. */

export interface Tenant {
  readonly id: string;
  readonly name: string;
  /** The initial `*.onmicrosoft.com` domain, used in guest UPNs. */
  readonly initialDomain: string;
  /** Verified domains on which member UPNs may be created. */
  readonly domains: string[];
  /** Simulated conditional-access policy: guests must do MFA (ROPC and refresh then fail). */
  guestMfaRequired: boolean;
  /** The Teams guest messaging policy (CsTeamsMessagingPolicy for guests): may guests edit or delete what they sent? */
  guestMessaging: GuestMessagingPolicy;
  /**
   * Evaluation-mode use of tenant-wide message subscriptions, per app (client id): notifications sent in the
   * current "month" (which began at periodStart, epoch ms). Plain data so it persists with the rest.
   */
  evaluationUsage: Record<string, { periodStart: number; notifications: number }>;
}

export interface GuestMessagingPolicy {
  allowUserEditMessage: boolean;
  allowUserDeleteMessage: boolean;
}

export const DEFAULT_GUEST_MESSAGING: GuestMessagingPolicy = { allowUserEditMessage: true, allowUserDeleteMessage: true };

export interface User {
  readonly id: string;
  readonly tenantId: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  userPrincipalName: string;
  mailNickname: string;
  userType: 'Member' | 'Guest';
  accountEnabled: boolean;
  jobTitle: string | null;
  createdDateTime: string;
  externalUserState: 'PendingAcceptance' | 'Accepted' | null;
  /** For guests: the account in another sandbox tenant they stand for (its credential signs them in). */
  homeUserId: string | null;
  /** Monotonic change number for /users/delta. */
  version: number;
  deleted: boolean;
}

export interface AppRegistration {
  readonly clientId: string;
  clientSecret: string;
  readonly displayName: string;
  readonly redirectUris: string[];
  /** Admin-consented permissions per tenant id: application roles and delegated scopes. */
  readonly grants: Map<string, { roles: Set<string>; scopes: Set<string> }>;
}

export interface Principal {
  readonly tenantId: string;
  readonly clientId: string;
  readonly kind: 'application' | 'delegated';
  readonly roles: ReadonlySet<string>;
  readonly scopes: ReadonlySet<string>;
  /** For delegated tokens: the signed-in user (in tenantId). */
  readonly userId?: string;
}

export interface Team {
  readonly id: string;
  readonly tenantId: string;
  displayName: string;
  description: string | null;
  readonly internalId: string;
  readonly createdDateTime: string;
  /** userId -> roles */
  readonly members: Map<string, string[]>;
  readonly channelIds: string[];
}

export interface Channel {
  readonly id: string;
  readonly teamId: string;
  readonly tenantId: string;
  displayName: string;
  description: string | null;
  readonly membershipType: 'standard' | 'private' | 'shared';
  readonly createdDateTime: string;
  /**
   * A private channel's own members (userId -> roles: [] or ['owner'], ['guest'] for guests), a subset of the team's;
   * its messages are visible to them alone. Absent for a standard channel, whose members are the team's. Plain data
   * so it persists with the rest.
   */
  members?: Record<string, string[]>;
}

export interface Chat {
  readonly id: string;
  readonly tenantId: string;
  readonly chatType: 'oneOnOne' | 'group';
  topic: string | null;
  readonly createdDateTime: string;
  lastUpdatedDateTime: string;
  /** userId -> { roles, membership id } */
  readonly members: Map<string, { roles: string[]; membershipId: string; since: string }>;
}

export interface Reaction {
  readonly reactionType: string;
  readonly createdDateTime: string;
  readonly userId: string;
}

export interface HostedContent {
  readonly id: string;
  readonly contentType: string;
  readonly bytes: Buffer;
}

/**
 * A document library: a member's OneDrive (`/me/drive`, `/users/{id}/drive`) or a team's SharePoint library
 * (`/groups/{id}/drive`, where each channel has its folder). Guests have no OneDrive in the tenant that invited them.
 */
export interface Drive {
  readonly id: string;
  readonly tenantId: string;
  readonly owner: { readonly kind: 'user'; readonly userId: string } | { readonly kind: 'group'; readonly groupId: string };
  /** The item id of the root folder. */
  readonly rootId: string;
  /** Where webUrl and webDavUrl of its items start (a OneDrive's personal site, a team site's "Shared Documents"). */
  readonly webBase: string;
}

/** A file or folder of a drive; a file's bytes are kept in memory (a sandbox, not a store). */
export interface DriveItem {
  readonly id: string;
  readonly driveId: string;
  /** null for the root. */
  readonly parentId: string | null;
  name: string;
  readonly folder: boolean;
  bytes: Buffer | null;
  mimeType: string | null;
  /** The GUID of the item's eTag (`"{GUID},{version}"`): a reference attachment's id. Fixed for the item's life. */
  readonly guid: string;
  version: number;
  readonly createdBy: string | null;
  readonly createdDateTime: string;
  lastModifiedDateTime: string;
  /** Sharing invitations (`POST .../invite`): who else may read (or write) this item and what is under it. */
  grants?: { readonly userId: string; readonly roles: string[] }[];
}

/** A resumable upload (`createUploadSession`): bytes arrive in ordered ranges, the item appears with the last one. */
export interface UploadSession {
  readonly token: string;
  readonly driveId: string;
  readonly parentId: string;
  readonly name: string;
  readonly conflictBehavior: 'fail' | 'replace' | 'rename';
  readonly createdBy: string | null;
  readonly expiresAt: number;
  /** Declared with the first range (`Content-Range: bytes 0-n/total`). */
  total: number | null;
  readonly chunks: Buffer[];
  received: number;
}

export type MessageContainer = { kind: 'chat'; chatId: string } | { kind: 'channel'; teamId: string; channelId: string };

export interface ChatMessage {
  readonly id: string;
  readonly tenantId: string;
  readonly container: MessageContainer;
  readonly replyToId: string | null;
  readonly fromUserId: string;
  readonly createdDateTime: string;
  lastModifiedDateTime: string;
  lastEditedDateTime: string | null;
  deletedDateTime: string | null;
  subject: string | null;
  body: { contentType: 'text' | 'html'; content: string };
  importance: 'normal' | 'high' | 'urgent';
  mentions: { id: number; mentionText: string; mentioned: { user: { id: string; displayName: string; userIdentityType: 'aadUser' } } }[];
  attachments: unknown[];
  reactions: Reaction[];
  readonly hostedContents: HostedContent[];
  etag: number;
  /** Set by an application (Chat.UpdatePolicyViolation.All), the only change an app token may make. */
  policyViolation?: Record<string, unknown> | null;
}

export interface Subscription {
  readonly id: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly resource: string;
  readonly changeTypes: string[];
  readonly notificationUrl: string;
  readonly lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  readonly clientState: string | null;
  readonly includeResourceData: boolean;
  readonly encryptionCertificate: string | null;
  readonly encryptionCertificateId: string | null;
  readonly creatorUserId: string | null;
  /** Set by a reauthorizationRequired challenge: change notifications pause from then on until reauthorize or PATCH. */
  pausedAfter: number | null;
  /**
   * How Graph bills it: `A`/`B` from `?model=` on a tenant-wide resource, `evaluation` for a tenant-wide resource
   * without one (capped), `unmetered` for a per-chat or per-channel resource. Optional for state saved before it.
   */
  billing?: SubscriptionBilling;
  /** For `/users/{id}/chats/getAllMessages`: the watched user's object id. */
  watchedUserId?: string | null;
}

export type SubscriptionBilling = 'A' | 'B' | 'evaluation' | 'unmetered';
