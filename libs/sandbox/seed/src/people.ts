/**
 * The people both sandboxes are seeded with. One list drives both, so the Slack workspace and the Teams tenant agree
 * on who exists where, and a test can state expectations (who should get a guest, who a mirror) from the same data.
 */
export interface SeedPerson {
  readonly key: string;
  readonly email: string;
  readonly displayName: string;
  readonly realName: string;
  /** Where this person has a native account. */
  readonly slack: boolean;
  readonly teams: boolean;
  /** Deactivated on the platforms where they have an account. */
  readonly deactivated: boolean;
  readonly bot: boolean;
  readonly title: string;
}

export interface SeedOrganization {
  readonly name: string;
  readonly domain: string;
  readonly people: readonly SeedPerson[];
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Barbara', 'Edsger', 'Frances', 'Donald', 'Margaret', 'Ken', 'Radia', 'Dennis', 'Hedy', 'John', 'Karen', 'Linus', 'Shafi', 'Tim', 'Anita', 'Niklaus', 'Jean'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Liskov', 'Dijkstra', 'Allen', 'Knuth', 'Hamilton', 'Thompson', 'Perlman', 'Ritchie', 'Lamarr', 'Backus', 'Jones', 'Torvalds', 'Goldwasser', 'Berners', 'Borg', 'Wirth', 'Sammet'];

/**
 * A small deterministic PRNG (mulberry32) whose whole state is one number, so a sandbox can save where its sequence
 * stands and continue it after a restart.
 */
export class SeededRandom {
  private current: number;

  constructor(seed: number) {
    this.current = seed >>> 0;
  }

  /** The position in the sequence: `new SeededRandom(r.state)` continues exactly where `r` is. */
  get state(): number {
    return this.current;
  }

  next(): number {
    this.current = (this.current + 0x6d2b79f5) >>> 0;
    let t = this.current;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** A seeded random function, so a seed always yields the same directory. */
export function seededRandom(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.next();
}

function person(key: string, index: number, domain: string, fields: Partial<SeedPerson>): SeedPerson {
  const first = FIRST[index % FIRST.length] as string;
  const last = LAST[Math.floor(index / FIRST.length) % LAST.length] as string;
  return {
    key,
    email: `${key}@${domain}`,
    displayName: first,
    realName: `${first} ${last}`,
    slack: false,
    teams: false,
    deactivated: false,
    bot: false,
    title: '',
    ...fields,
  };
}

/**
 * The demo organization: 25 Slack engineers, 25 Teams sales reps, 3 people on both, 2 deactivated (one per platform)
 * and 1 Slack bot. Issue 4's acceptance test is written against exactly this.
 */
export function demoOrganization(domain = 'parley-demo.example'): SeedOrganization {
  const people: SeedPerson[] = [];
  let i = 0;
  for (let n = 1; n <= 25; n++) people.push(person(`eng${String(n).padStart(2, '0')}`, i++, domain, { slack: true, title: 'Engineer' }));
  for (let n = 1; n <= 25; n++) people.push(person(`sales${String(n).padStart(2, '0')}`, i++, domain, { teams: true, title: 'Sales' }));
  for (let n = 1; n <= 3; n++) people.push(person(`both${n}`, i++, domain, { slack: true, teams: true, title: 'Lead' }));
  people.push(person('eng-gone', i++, domain, { slack: true, deactivated: true, title: 'Engineer' }));
  people.push(person('sales-gone', i++, domain, { teams: true, deactivated: true, title: 'Sales' }));
  people.push({ ...person('deploybot', i++, domain, { slack: true, bot: true, title: '' }), displayName: 'deploybot', realName: 'Deploy Bot' });
  return { name: 'Parley Demo', domain, people };
}

/**
 * A generated directory of `size` people for load tests (up to 10,000 and beyond), deterministic per seed:
 * about 45% Slack only, 45% Teams only, 7% both, 2% deactivated, 1% bots.
 */
export function generatedOrganization(size: number, seed = 1, domain = 'parley-load.example'): SeedOrganization {
  const random = seededRandom(seed);
  const people: SeedPerson[] = [];
  for (let n = 0; n < size; n++) {
    const roll = random();
    const key = `user${String(n).padStart(5, '0')}`;
    const bot = roll > 0.99;
    const both = roll > 0.9 && !bot;
    const slack = bot || both || roll < 0.45;
    const teams = both || (!slack && !bot);
    people.push(person(key, n, domain, { slack, teams, bot, deactivated: !bot && random() < 0.02, title: slack && !teams ? 'Engineer' : 'Sales' }));
  }
  return { name: `Load ${size}`, domain, people };
}

/**
 * A Guest Account Sync load: `size` Slack-only engineers, every one needing a Teams guest, and one Teams person who
 * owns the tenant's team. Used by the guest-sync benchmark.
 */
export function guestLoadOrganization(size: number, domain = 'parley-guests.example', name = `Guests ${size}`): SeedOrganization {
  const people: SeedPerson[] = [person('owner', 0, domain, { teams: true, title: 'Owner' })];
  for (let n = 0; n < size; n++) people.push(person(`eng${String(n).padStart(5, '0')}`, n + 1, domain, { slack: true, title: 'Engineer' }));
  return { name, domain, people };
}
