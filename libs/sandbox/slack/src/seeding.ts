import type { SeedOrganization } from '@parley/sandbox-seed';
import type { App, Plan } from './model';
import { FULL_BOT_SCOPES, type SlackStore } from './store';

/** What a seeded workspace hands to Parley and to tests (also written to the demo credentials file by the runner). */
export interface SlackSeedCredentials {
  readonly teamId: string;
  readonly teamName: string;
  readonly plan: Plan;
  readonly appId: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly botToken: string;
  readonly signingSecret: string;
  readonly verificationToken: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** A workspace admin's user token with the `admin` scope, for SCIM. */
  readonly scimToken: string;
  readonly adminUserId: string;
  /** An app-level token (xapp-) with authorizations:read, for apps.event.authorizations.list. */
  readonly appToken: string;
  /** Channel ids by name: general, random, engineering. */
  readonly channels: Readonly<Record<string, string>>;
}

const DEFAULT_REDIRECT_URLS = ['http://localhost:3000/', 'http://127.0.0.1:3000/'];

export interface SeedOptions {
  readonly plan?: Plan;
  readonly appName?: string;
  readonly botScopes?: string[];
  /** Default internal (a customer-built app, Tier 3 history). */
  readonly distribution?: App['distribution'];
  /**
   * The app config's Redirect URLs, where the authorize page may send people back to (a URL or anything below it).
   * Default: the gateway's default origin, http://localhost:3000/ and http://127.0.0.1:3000/, as the Graph seed does.
   */
  readonly redirectUrls?: string[];
}

/**
 * Creates a workspace for the organization's Slack people: the first active human is the admin (holder of the SCIM
 * token), deactivated people are `deleted`, seed bots become bot users. The Parley app is installed and its bot sits
 * in #general and #engineering so it hears messages there.
 */
export function seedWorkspace(store: SlackStore, org: SeedOrganization, options: SeedOptions = {}): SlackSeedCredentials {
  const plan = options.plan ?? 'business+';
  const workspace = store.addWorkspace(org.name, org.domain.split('.')[0] ?? 'sandbox', plan);
  const humans: string[] = [];
  for (const person of org.people) {
    if (!person.slack) continue;
    const user = store.addUser(workspace.id, {
      name: person.key,
      realName: person.realName,
      displayName: person.displayName,
      email: person.email,
      title: person.title,
      deleted: person.deactivated,
      isBot: person.bot,
    });
    if (person.bot) {
      user.botId = store.ids.id('B');
      user.email = '';
      store.usersByEmail.delete(`${workspace.id}:${person.email.toLowerCase()}`);
    } else if (!person.deactivated) humans.push(user.id);
  }
  const adminId = humans[0];
  if (!adminId) throw new Error('a seeded workspace needs at least one active Slack person');
  const admin = store.users.get(adminId);
  if (admin) admin.isAdmin = true;
  const { app, botToken } = store.addApp(workspace.id, options.appName ?? 'Parley', options.botScopes ?? FULL_BOT_SCOPES);
  app.distribution = options.distribution ?? 'internal';
  const scim = store.issueToken('user', workspace.id, adminId, ['admin', 'users:read', 'users:read.email']);
  const general = store.addConversation(workspace.id, 'public', 'general', adminId, [...humans, app.botUserId]);
  general.isGeneral = true;
  const random = store.addConversation(workspace.id, 'public', 'random', adminId, humans);
  const engineering = store.addConversation(workspace.id, 'public', 'engineering', adminId, [...humans.slice(0, 10), app.botUserId]);
  app.redirectUrls = [...(options.redirectUrls ?? DEFAULT_REDIRECT_URLS)];
  // Issued last, so adding it left every earlier seeded id and token as it was.
  const appToken = store.issueToken('app', workspace.id, app.botUserId, ['authorizations:read'], app.id);
  return {
    teamId: workspace.id,
    teamName: workspace.name,
    plan,
    appId: app.id,
    botUserId: app.botUserId,
    botId: app.botId,
    botToken: botToken.token,
    signingSecret: app.signingSecret,
    verificationToken: app.verificationToken,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    scimToken: scim.token,
    adminUserId: adminId,
    appToken: appToken.token,
    channels: { general: general.id, random: random.id, engineering: engineering.id },
  };
}
