import type { SeedOrganization } from '@parley/sandbox-seed';
import { channelThreadId, stableGuid } from './ids';
import { type AppRegistration, DEFAULT_GUEST_MESSAGING, type Tenant, type User } from './model';
import type { Store } from './store';

/** Application roles the Parley app holds in the customer tenant (admin-consented). */
export const PARLEY_APP_ROLES = [
  'User.Read.All',
  'User.ReadWrite.All',
  'User.Invite.All',
  'Chat.Read.All',
  'Chat.ReadBasic.All',
  'Chat.Create',
  'ChatMember.ReadWrite.All',
  'ChannelMessage.Read.All',
  'Team.ReadBasic.All',
  'Channel.ReadBasic.All',
  'ChannelMember.Read.All',
  'TeamMember.ReadWrite.All',
  'Files.ReadWrite.All',
];

/** Delegated scopes consented for the Parley app (used by guests and the consenting user). */
export const PARLEY_DELEGATED_SCOPES = [
  'User.Read',
  'User.ReadBasic.All',
  'Chat.Read',
  'Chat.ReadWrite',
  'Chat.Create',
  'ChatMessage.Send',
  'ChatMember.ReadWrite',
  'ChannelMessage.Send',
  'ChannelMessage.Read.All',
  'ChannelMessage.ReadWrite',
  'Team.ReadBasic.All',
  'Channel.ReadBasic.All',
  'Channel.Create',
  'ChannelMember.ReadWrite.All',
  'TeamMember.ReadWrite.All',
  'User.Invite.All',
  'Files.ReadWrite.All',
];

export interface SeededCredentials {
  readonly customerTenantId: string;
  readonly customerTenantDomain: string;
  readonly homeTenantId: string;
  readonly homeTenantDomain: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly teamId: string;
  readonly generalChannelId: string;
  /** Teams people of the seed whose credential the sandbox holds: UPN -> password. */
  readonly passwords: Readonly<Record<string, string>>;
}

const slug = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 20) || 'tenant';

/**
 * `<label>.onmicrosoft.com`, unique across the sandbox's tenants as in Entra: two organizations with the same name get
 * different initial domains (the second one a numbered label). Seeding the same tenant again keeps its domain.
 */
function initialDomainFor(store: Store, label: string, tenantId: string): string {
  const own = store.tenants.get(tenantId);
  if (own) return own.initialDomain;
  const taken = new Set([...store.tenants.values()].map((t) => t.initialDomain));
  for (let n = 1; ; n++) {
    const candidate = `${label}${n === 1 ? '' : n}.onmicrosoft.com`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * Seeds a customer tenant from the organization's Teams people, one team with a General channel that they are all
 * members of, an empty home tenant (where Parley creates the accounts behind its guests), and the Parley app
 * consented in both. Ids derive from the organization, so a seed always gives the same ids.
 */
export function seedOrganization(store: Store, org: SeedOrganization): SeededCredentials {
  const customerId = stableGuid('tenant', org.domain);
  const homeId = stableGuid('home-tenant', org.domain);
  const customer: Tenant = { id: customerId, name: org.name, initialDomain: initialDomainFor(store, slug(org.name), customerId), domains: [org.domain.toLowerCase()], guestMfaRequired: false, guestMessaging: { ...DEFAULT_GUEST_MESSAGING }, evaluationUsage: {} };
  const home: Tenant = { id: homeId, name: `${org.name} (Parley home)`, initialDomain: initialDomainFor(store, `${slug(org.name)}parley`, homeId), domains: [], guestMfaRequired: false, guestMessaging: { ...DEFAULT_GUEST_MESSAGING }, evaluationUsage: {} };
  store.tenants.set(customer.id, customer);
  store.tenants.set(home.id, home);

  const clientId = stableGuid('app', org.domain);
  const app: AppRegistration = {
    clientId,
    clientSecret: `sbx~${stableGuid('secret', org.domain).replace(/-/g, '')}`,
    displayName: 'Parley',
    redirectUris: ['http://localhost:3000/auth/callback', 'http://127.0.0.1:3000/auth/callback'],
    grants: new Map([
      [customer.id, { roles: new Set(PARLEY_APP_ROLES), scopes: new Set(PARLEY_DELEGATED_SCOPES) }],
      [home.id, { roles: new Set(['User.Read.All', 'User.ReadWrite.All']), scopes: new Set(['User.Read']) }],
    ]),
  };
  store.apps.set(app.clientId, app);

  const passwords: Record<string, string> = {};
  const created = new Date(Date.UTC(2026, 0, 1)).toISOString();
  const teamsPeople = org.people.filter((p) => p.teams);
  for (const person of teamsPeople) {
    const [given, ...rest] = person.realName.split(' ');
    const user: User = {
      id: stableGuid('user', customer.id, person.key),
      tenantId: customer.id,
      displayName: person.realName,
      givenName: given ?? null,
      surname: rest.join(' ') || null,
      mail: person.email,
      userPrincipalName: person.email,
      mailNickname: person.key,
      userType: 'Member',
      accountEnabled: !person.deactivated,
      jobTitle: person.title || null,
      createdDateTime: created,
      externalUserState: null,
      homeUserId: null,
      version: store.nextVersion(),
      deleted: false,
    };
    store.addUser(user);
    const password = `Sbx-${person.key}-1!`;
    store.passwords.set(user.id, password);
    passwords[user.userPrincipalName] = password;
  }

  const teamId = stableGuid('team', customer.id);
  const channelId = channelThreadId(`general:${teamId}`);
  const members = new Map<string, string[]>();
  teamsPeople.forEach((person, index) => {
    if (!person.deactivated) members.set(stableGuid('user', customer.id, person.key), index === 0 ? ['owner'] : []);
  });
  store.teams.set(teamId, { id: teamId, tenantId: customer.id, displayName: org.name, description: `${org.name} team`, internalId: channelId, createdDateTime: created, members, channelIds: [channelId] });
  store.channels.set(channelId, { id: channelId, teamId, tenantId: customer.id, displayName: 'General', description: null, membershipType: 'standard', createdDateTime: created });

  return {
    customerTenantId: customer.id,
    customerTenantDomain: customer.initialDomain,
    homeTenantId: home.id,
    homeTenantDomain: home.initialDomain,
    clientId,
    clientSecret: app.clientSecret,
    redirectUri: app.redirectUris[0] as string,
    teamId,
    generalChannelId: channelId,
    passwords,
  };
}
