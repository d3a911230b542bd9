import { topicDefinition } from '@parley/contracts';
import { personView, type AccountView, type PersonView } from '@parley/internal-api';
import { commandEntry, storedCommand } from './commands';
import { mirrorKindOf, NO_TEAMS_ACCOUNT, planPerson, WAITING_FOR_CONSENT, type PlanContext, type SyncMode } from './plan-person';

const context = (mode: SyncMode): PlanContext => ({
  orgId: 'org_acme12345',
  syncId: '0b6f3a52-6d8e-4c61-9f0e-2a1f4b7c9d10',
  mode,
  slackConnectionId: '11111111-1111-4111-8111-111111111111',
  teamsConnectionId: '22222222-2222-4222-8222-222222222222',
  teamIds: ['team-eng', 'team-all'],
});

const personId = '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9';
const slackNative: AccountView = { platform: 'slack', kind: 'native', status: 'active', platformUserId: 'U024BE7LH' };
const teamsNative: AccountView = { platform: 'teams', kind: 'native', status: 'active', platformUserId: 'aad-native-1' };
const guest = (status: AccountView['status']): AccountView => ({ platform: 'teams', kind: 'guest', status, platformUserId: 'aad-guest-1' });
const mirror = (status: AccountView['status'], platformUserId = 'W0123ABCD'): AccountView => ({ platform: 'slack', kind: 'mirror', status, platformUserId });

function person(accounts: AccountView[], overrides: Partial<PersonView> = {}): PersonView {
  // Parsed with the peer's schema, so the fixtures are people identity could really answer.
  return personView.parse({
    id: personId,
    orgId: 'org_acme12345',
    email: 'Ada@Example.com',
    displayName: 'Ada Lovelace',
    primaryPlatform: accounts.find((a) => a.kind === 'native')?.platform ?? null,
    status: 'active',
    accounts,
    createdAt: '2026-11-27T10:00:00.000Z',
    updatedAt: '2026-11-27T10:00:00.000Z',
    ...overrides,
  });
}

const base = { orgId: 'org_acme12345', syncId: '0b6f3a52-6d8e-4c61-9f0e-2a1f4b7c9d10', personId };
const createGuest = {
  action: 'create_guest',
  payload: { ...base, connectionId: '22222222-2222-4222-8222-222222222222', email: 'ada@example.com', displayName: 'Ada Lovelace', teamIds: ['team-eng', 'team-all'] },
};
const createMirror = {
  action: 'create_mirror',
  payload: { ...base, connectionId: '11111111-1111-4111-8111-111111111111', email: 'ada@example.com', displayName: 'Ada Lovelace' },
};
const disableGuest = { action: 'disable_guest', payload: { ...base, connectionId: '22222222-2222-4222-8222-222222222222', guestUserId: 'aad-guest-1' } };
const deactivateMirror = (kind: 'scim' | 'profile', mirrorId: string) => ({
  action: 'deactivate_mirror',
  payload: { ...base, connectionId: '11111111-1111-4111-8111-111111111111', kind, mirrorId },
});

describe('planPerson: the plan table of docs/user-sync.md', () => {
  describe.each<SyncMode>(['guest', 'account'])('rows the same in both modes (%s mode)', (mode) => {
    it('Slack-primary, active, guest active: unchanged', () => {
      expect(planPerson(person([slackNative, guest('active')]), context(mode))).toEqual({ outcome: 'unchanged' });
    });

    it('Slack-primary, active, guest needs_attention: create the guest again (the connector re-signs it in)', () => {
      expect(planPerson(person([slackNative, guest('needs_attention')]), context(mode))).toEqual({ outcome: 'tasks', commands: [createGuest] });
    });

    it('Teams-primary, active, no Slack account: create a mirror', () => {
      expect(planPerson(person([teamsNative]), context(mode))).toEqual({ outcome: 'tasks', commands: [createMirror] });
    });

    it('Teams-primary, active, mirror active: unchanged', () => {
      expect(planPerson(person([teamsNative, mirror('active')]), context(mode))).toEqual({ outcome: 'unchanged' });
    });

    it('deactivated, guest active: disable the guest', () => {
      const plan = planPerson(person([{ ...slackNative, status: 'deactivated' }, guest('active')], { status: 'deactivated' }), context(mode));
      expect(plan).toEqual({ outcome: 'tasks', commands: [disableGuest] });
    });

    it('deactivated, mirror active: deactivate the mirror (SCIM or profile by its id)', () => {
      const scim = planPerson(person([{ ...teamsNative, status: 'deactivated' }, mirror('active')], { status: 'deactivated' }), context(mode));
      expect(scim).toEqual({ outcome: 'tasks', commands: [deactivateMirror('scim', 'W0123ABCD')] });
      const profileId = '9d0c7d1e-2b3a-4c5d-8e9f-0a1b2c3d4e5f';
      const profile = planPerson(person([{ ...teamsNative, status: 'deactivated' }, mirror('active', profileId)], { status: 'deactivated' }), context(mode));
      expect(profile).toEqual({ outcome: 'tasks', commands: [deactivateMirror('profile', profileId)] });
    });

    it('deactivated, guest and mirror both still live: undo both', () => {
      const plan = planPerson(person([{ ...slackNative, status: 'deactivated' }, guest('needs_attention'), mirror('active')], { status: 'deactivated' }), context(mode));
      expect(plan).toEqual({ outcome: 'tasks', commands: [disableGuest, deactivateMirror('scim', 'W0123ABCD')] });
    });

    it('a guest or mirror never made (its command was dead-lettered): made again while active, nothing to undo once deactivated', () => {
      const unmadeGuest: AccountView = { ...guest('needs_attention'), platformUserId: null, attentionReason: 'dead-lettered' };
      const unmadeMirror: AccountView = { ...mirror('needs_attention'), platformUserId: null, attentionReason: 'dead-lettered' };
      expect(planPerson(person([slackNative, unmadeGuest]), context(mode))).toEqual({ outcome: 'tasks', commands: [createGuest] });
      expect(planPerson(person([teamsNative, unmadeMirror]), context(mode))).toEqual({ outcome: 'tasks', commands: [createMirror] });
      expect(planPerson(person([{ ...slackNative, status: 'deactivated' }, unmadeGuest], { status: 'deactivated' }), context(mode))).toEqual({ outcome: 'skipped' });
      expect(planPerson(person([{ ...teamsNative, status: 'deactivated' }, unmadeMirror], { status: 'deactivated' }), context(mode))).toEqual({ outcome: 'skipped' });
    });

    it('deactivated, nothing to undo: skipped (not counted)', () => {
      expect(planPerson(person([{ ...slackNative, status: 'deactivated' }], { status: 'deactivated' }), context(mode))).toEqual({ outcome: 'skipped' });
      expect(planPerson(person([{ ...teamsNative, status: 'deactivated' }], { status: 'deactivated' }), context(mode))).toEqual({ outcome: 'skipped' });
      const undone = person([{ ...slackNative, status: 'deactivated' }, guest('deactivated'), mirror('deactivated')], { status: 'deactivated' });
      expect(planPerson(undone, context(mode))).toEqual({ outcome: 'skipped' });
    });
  });

  describe('rows that differ by mode', () => {
    it('native accounts on both platforms: linked in guest mode', () => {
      expect(planPerson(person([slackNative, teamsNative]), context('guest'))).toEqual({ outcome: 'linked' });
    });

    it('native accounts on both platforms: in account mode linked if consented, else waiting for consent', () => {
      expect(planPerson(person([slackNative, { ...teamsNative, consented: true }]), context('account'))).toEqual({ outcome: 'linked' });
      expect(planPerson(person([slackNative, { ...teamsNative, consented: false }]), context('account'))).toEqual({ outcome: 'error', reason: WAITING_FOR_CONSENT });
      expect(planPerson(person([slackNative, teamsNative]), context('account'))).toEqual({ outcome: 'error', reason: WAITING_FOR_CONSENT });
      expect(WAITING_FOR_CONSENT).toMatch(/^waiting for consent/);
    });

    it('Slack-primary, active, no Teams account: create a guest in guest mode', () => {
      expect(planPerson(person([slackNative]), context('guest'))).toEqual({ outcome: 'tasks', commands: [createGuest] });
    });

    it('Slack-primary, active, no Teams account: an error in account mode', () => {
      expect(planPerson(person([slackNative]), context('account'))).toEqual({ outcome: 'error', reason: NO_TEAMS_ACCOUNT });
      expect(NO_TEAMS_ACCOUNT).toBe('no Teams account: use guest mode');
    });
  });

  describe('details', () => {
    it('falls back to the email when the display name is blank (commands need a name)', () => {
      const plan = planPerson(person([slackNative], { displayName: '  ' }), context('guest'));
      expect(plan).toEqual({ outcome: 'tasks', commands: [{ ...createGuest, payload: { ...createGuest.payload, displayName: 'ada@example.com' } }] });
    });

    it('prefers a live guest over an old deactivated one', () => {
      const old: AccountView = { ...guest('deactivated'), platformUserId: 'aad-guest-0' };
      expect(planPerson(person([slackNative, old, guest('active')]), context('guest'))).toEqual({ outcome: 'unchanged' });
    });

    it('plans a mirror again when the earlier one was deactivated and the person is back', () => {
      expect(planPerson(person([teamsNative, mirror('deactivated')]), context('guest'))).toEqual({ outcome: 'tasks', commands: [createMirror] });
    });

    it('skips a person without any native account', () => {
      expect(planPerson(person([guest('active')]), context('guest'))).toEqual({ outcome: 'skipped' });
    });

    it('tells SCIM mirror ids from profile mirror ids', () => {
      expect(mirrorKindOf({ platformUserId: 'mirror_7f3a', mirrorKind: 'scim' })).toBe('scim');
      expect(mirrorKindOf({ platformUserId: 'U024BE7LH', mirrorKind: 'profile' })).toBe('profile');
      expect(mirrorKindOf({ platformUserId: 'U024BE7LH' })).toBe('scim');
      expect(mirrorKindOf({ platformUserId: 'W0123ABCD' })).toBe('scim');
      expect(mirrorKindOf({ platformUserId: 'mirror_7f3a' })).toBe('profile');
      expect(mirrorKindOf({ platformUserId: '9d0c7d1e-2b3a-4c5d-8e9f-0a1b2c3d4e5f' })).toBe('profile');
    });

    it('plans commands that are valid on their topics and survive being stored and read back', () => {
      const plans = [
        planPerson(person([slackNative]), context('guest')),
        planPerson(person([teamsNative]), context('guest')),
        planPerson(person([{ ...slackNative, status: 'deactivated' }, guest('active'), mirror('active')], { status: 'deactivated' }), context('guest')),
      ];
      const commands = plans.flatMap((p) => (p.outcome === 'tasks' ? p.commands : []));
      expect(commands.map((c) => c.action)).toEqual(['create_guest', 'create_mirror', 'disable_guest', 'deactivate_mirror']);
      for (const command of commands) {
        const entry = commandEntry(command);
        expect(() => topicDefinition(entry.topic).schema.parse(entry.payload)).not.toThrow();
        expect(storedCommand(command.action, JSON.parse(JSON.stringify(command.payload)))).toEqual(command);
      }
      expect(() => storedCommand('disable_guest', { ...disableGuest.payload, guestUserId: '' })).toThrow();
    });
  });
});
