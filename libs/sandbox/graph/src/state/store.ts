import type { AppRegistration, Channel, Chat, ChatMessage, Drive, DriveItem, Subscription, Team, Tenant, UploadSession, User } from './model';

/** Everything the sandbox knows, with the indexes the handlers need. `clear()` is the reset. */
export class Store {
  readonly tenants = new Map<string, Tenant>();
  readonly users = new Map<string, User>();
  /** lower-cased UPN -> user id (all tenants; UPNs are globally unique here as in Entra). */
  readonly usersByUpn = new Map<string, string>();
  readonly apps = new Map<string, AppRegistration>();
  readonly teams = new Map<string, Team>();
  readonly channels = new Map<string, Channel>();
  readonly chats = new Map<string, Chat>();
  /** container key -> message id -> message (replies included, keyed by their own id). */
  readonly messages = new Map<string, Map<string, ChatMessage>>();
  readonly subscriptions = new Map<string, Subscription>();
  /** password credentials Parley holds, by user id */
  readonly passwords = new Map<string, string>();
  /** user ids whose password must be changed at the next sign-in (passwordProfile.forceChangePasswordNextSignIn) */
  readonly passwordChangeRequired = new Set<string>();
  readonly drives = new Map<string, Drive>();
  readonly driveItems = new Map<string, DriveItem>();
  /** Upload sessions by their URL's token (not persisted: a restart ends them, as their expiry would). */
  readonly uploadSessions = new Map<string, UploadSession>();
  private changeCounter = 0;

  /** For a restored sandbox: /users/delta links issued before the restart stay valid, so the counter goes on. */
  resumeVersion(version: number): void {
    this.changeCounter = version;
  }

  nextVersion(): number {
    return ++this.changeCounter;
  }

  currentVersion(): number {
    return this.changeCounter;
  }

  addUser(user: User): User {
    this.users.set(user.id, user);
    this.usersByUpn.set(user.userPrincipalName.toLowerCase(), user.id);
    return user;
  }

  /** By object id or UPN, in one tenant, deleted users excluded. */
  findUser(tenantId: string, idOrUpn: string): User | undefined {
    const user = this.users.get(idOrUpn) ?? this.users.get(this.usersByUpn.get(idOrUpn.toLowerCase()) ?? '');
    return user && user.tenantId === tenantId && !user.deleted ? user : undefined;
  }

  tenantUsers(tenantId: string): User[] {
    const result: User[] = [];
    for (const user of this.users.values()) if (user.tenantId === tenantId && !user.deleted) result.push(user);
    return result;
  }

  messageBox(key: string): Map<string, ChatMessage> {
    let box = this.messages.get(key);
    if (!box) {
      box = new Map();
      this.messages.set(key, box);
    }
    return box;
  }

  clear(): void {
    this.tenants.clear();
    this.users.clear();
    this.usersByUpn.clear();
    this.apps.clear();
    this.teams.clear();
    this.channels.clear();
    this.chats.clear();
    this.messages.clear();
    this.subscriptions.clear();
    this.passwords.clear();
    this.passwordChangeRequired.clear();
    this.drives.clear();
    this.driveItems.clear();
    this.uploadSessions.clear();
    this.changeCounter = 0;
  }
}

export const chatKey = (chatId: string): string => `chat:${chatId}`;
export const channelKey = (teamId: string, channelId: string): string => `channel:${teamId}:${channelId}`;
