import type { AccountView, PersonView } from '@parley/internal-api';

const at = '2026-11-27T10:00:00.000Z';
let n = 0;
const uuid = (): string => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

/** A person as identity's internal API shows them, for tests of the relay's planning. */
export function person(displayName: string, primaryPlatform: 'slack' | 'teams', accounts: AccountView[], id = uuid()): PersonView {
  return {
    id,
    orgId: 'org_demo',
    email: `${displayName.split(' ')[0]?.toLowerCase()}@example.com`,
    displayName,
    primaryPlatform,
    status: 'active',
    accounts,
    createdAt: at,
    updatedAt: at,
  };
}

export const native = (platform: 'slack' | 'teams', platformUserId: string): AccountView => ({ platform, kind: 'native', status: 'active', platformUserId });
export const guest = (platformUserId: string): AccountView => ({ platform: 'teams', kind: 'guest', status: 'active', platformUserId });
export const mirror = (platformUserId: string, consented = true): AccountView => ({
  platform: 'slack',
  kind: 'mirror',
  status: 'active',
  platformUserId,
  consented,
  mirrorKind: 'scim',
});

/** The demo organization: Ada and Grace on Slack with Teams guests, Frances on Teams with a Slack mirror, Linus on Slack only. */
export function demoPeople() {
  const ada = person('Ada Lovelace', 'slack', [native('slack', 'U0ADA'), guest('aad-ada-guest')]);
  const grace = person('Grace Hopper', 'slack', [native('slack', 'U0GRA'), guest('aad-grace-guest')]);
  const frances = person('Frances Allen', 'teams', [native('teams', 'aad-frances'), mirror('U0FRAMIRROR')]);
  const linus = person('Linus Pauling', 'slack', [native('slack', 'U0LIN')]);
  const mary = person('Mary Jackson', 'teams', [native('teams', 'aad-mary')]);
  const all = [ada, grace, frances, linus, mary];
  const lookup = (id: string): PersonView | undefined => all.find((p) => p.accounts.some((a) => a.platformUserId === id));
  return { ada, grace, frances, linus, mary, all, lookup };
}
