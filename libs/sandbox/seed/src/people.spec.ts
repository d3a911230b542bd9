import { demoOrganization, generatedOrganization, guestLoadOrganization, SeededRandom, seededRandom } from './index';

describe('seed organizations', () => {
  it('has the demo population the user-sync acceptance test expects', () => {
    const { people } = demoOrganization();
    const count = (f: (p: (typeof people)[number]) => boolean) => people.filter(f).length;
    expect(count((p) => p.slack && !p.teams && !p.bot && !p.deactivated)).toBe(25);
    expect(count((p) => p.teams && !p.slack && !p.deactivated)).toBe(25);
    expect(count((p) => p.slack && p.teams)).toBe(3);
    expect(count((p) => p.deactivated)).toBe(2);
    expect(count((p) => p.bot)).toBe(1);
    expect(new Set(people.map((p) => p.email)).size).toBe(people.length);
  });

  it('generates the same directory for the same seed, and a different one for another', () => {
    const a = generatedOrganization(10_000, 7);
    expect(a.people).toHaveLength(10_000);
    expect(generatedOrganization(10_000, 7).people).toEqual(a.people);
    expect(generatedOrganization(10_000, 8).people).not.toEqual(a.people);
    expect(a.people.every((p) => p.slack || p.teams)).toBe(true);
    expect(new Set(a.people.map((p) => p.email)).size).toBe(10_000);
  });

  it('makes a guest load: every person Slack-only and active but the one Teams owner', () => {
    const { people } = guestLoadOrganization(2000, 'load.example');
    expect(people).toHaveLength(2001);
    expect(people.filter((p) => p.slack && !p.teams && !p.bot && !p.deactivated)).toHaveLength(2000);
    expect(people.filter((p) => p.teams)).toEqual([expect.objectContaining({ key: 'owner', slack: false })]);
    expect(new Set(people.map((p) => p.email)).size).toBe(2001);
  });
});

describe('SeededRandom', () => {
  it('continues its sequence from a saved state, as a restarted sandbox does', () => {
    const first = new SeededRandom(1);
    for (let i = 0; i < 5; i++) first.next();
    const resumed = new SeededRandom(first.state);
    expect([resumed.next(), resumed.next()]).toEqual([first.next(), first.next()]);
    const fresh = seededRandom(1);
    expect(fresh()).not.toEqual(new SeededRandom(first.state).next());
  });
});
