import { personStatusOf, primaryPlatformOf, standingOf, type NativeAccount } from './primary-platform';

const none = { platform: null, source: null } as const;
const slack = (status: NativeAccount['status'] = 'active'): NativeAccount => ({ platform: 'slack', status });
const teams = (status: NativeAccount['status'] = 'active'): NativeAccount => ({ platform: 'teams', status });

describe('primaryPlatformOf', () => {
  it('is the only platform with a native account', () => {
    expect(primaryPlatformOf([slack()], 'teams', none)).toEqual({ platform: 'slack', source: 'rule' });
    expect(primaryPlatformOf([teams()], 'slack', none)).toEqual({ platform: 'teams', source: 'rule' });
    expect(primaryPlatformOf([slack('deactivated')], 'teams', none)).toEqual({ platform: 'slack', source: 'rule' });
  });

  it('follows the configured rule for people on both', () => {
    expect(primaryPlatformOf([slack(), teams()], 'teams', none)).toEqual({ platform: 'teams', source: 'rule' });
    expect(primaryPlatformOf([slack(), teams()], 'slack', none)).toEqual({ platform: 'slack', source: 'rule' });
    expect(primaryPlatformOf([slack('deactivated'), teams('deactivated')], 'slack', none)).toEqual({ platform: 'slack', source: 'rule' });
  });

  it('prefers the platform where the person is still active', () => {
    expect(primaryPlatformOf([slack(), teams('deactivated')], 'teams', none)).toEqual({ platform: 'slack', source: 'rule' });
    expect(primaryPlatformOf([slack('deactivated'), teams('needs_attention')], 'slack', none)).toEqual({ platform: 'teams', source: 'rule' });
  });

  it("keeps an admin's choice, and recomputes a rule's", () => {
    expect(primaryPlatformOf([slack(), teams()], 'teams', { platform: 'slack', source: 'admin' })).toEqual({ platform: 'slack', source: 'admin' });
    expect(primaryPlatformOf([teams()], 'teams', { platform: 'slack', source: 'admin' })).toEqual({ platform: 'slack', source: 'admin' });
    expect(primaryPlatformOf([teams()], 'teams', { platform: 'slack', source: 'rule' })).toEqual({ platform: 'teams', source: 'rule' });
  });

  it('is null without a native account', () => {
    expect(primaryPlatformOf([], 'teams', none)).toEqual(none);
  });
});

describe('personStatusOf', () => {
  it('follows the native account on the primary platform', () => {
    expect(personStatusOf([slack('deactivated'), teams()], 'slack')).toBe('deactivated');
    expect(personStatusOf([slack('deactivated'), teams()], 'teams')).toBe('active');
    expect(personStatusOf([teams('needs_attention')], 'teams')).toBe('active');
  });

  it('falls back to any native account when there is none on the primary platform', () => {
    expect(personStatusOf([teams('deactivated')], 'slack')).toBe('deactivated');
    expect(personStatusOf([teams()], 'slack')).toBe('active');
    expect(personStatusOf([], null)).toBe('active');
  });

  it('standingOf combines both', () => {
    expect(standingOf([slack('deactivated')], 'teams', none)).toEqual({ primaryPlatform: 'slack', primarySource: 'rule', status: 'deactivated' });
    expect(standingOf([slack(), teams('deactivated')], 'teams', { platform: 'teams', source: 'admin' })).toEqual({
      primaryPlatform: 'teams',
      primarySource: 'admin',
      status: 'deactivated',
    });
  });
});
