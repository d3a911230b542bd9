import { LaneDrainer, type LaneSource } from './lane-drainer';

interface Event {
  readonly lane: string;
  readonly n: number;
  claimedUntil: number;
  done: boolean;
}

/** An in-memory store with the claim rules the SQL sources follow: a lane is claimed whole, never while busy or held. */
class MemorySource implements LaneSource<Event> {
  readonly events: Event[] = [];
  readonly handled: string[] = [];
  gate: (event: Event) => Promise<boolean> = async () => true;

  add(lane: string, n: number): void {
    this.events.push({ lane, n, claimedUntil: 0, done: false });
  }

  async claim(room: number, busy: readonly string[]): Promise<ReadonlyMap<string, readonly Event[]>> {
    const now = Date.now();
    const held = new Set(this.events.filter((e) => !e.done && e.claimedUntil >= now).map((e) => e.lane));
    const lanes = new Map<string, Event[]>();
    for (const event of this.events) {
      if (event.done || held.has(event.lane) || busy.includes(event.lane)) continue;
      if (!lanes.has(event.lane) && lanes.size >= room) continue;
      lanes.set(event.lane, [...(lanes.get(event.lane) ?? []), event]);
    }
    for (const events of lanes.values()) for (const event of events) event.claimedUntil = now + 60_000;
    return lanes;
  }

  async handle(event: Event): Promise<boolean> {
    if (!(await this.gate(event))) return false;
    event.done = true;
    this.handled.push(`${event.lane}${event.n}`);
    return true;
  }

  async holdBack(event: Event, seconds: number): Promise<void> {
    event.claimedUntil = Date.now() + seconds * 1000;
  }

  retrySeconds(): number {
    return 0.05;
  }

  readonly renewals: string[][] = [];
  async renew(lanes: readonly string[]): Promise<void> {
    this.renewals.push([...lanes]);
    const now = Date.now();
    for (const event of this.events) if (lanes.includes(event.lane) && !event.done && event.claimedUntil >= now) event.claimedUntil = now + 60_000;
  }
}

const until = async (probe: () => boolean): Promise<void> => {
  const deadline = Date.now() + 5_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};
const quiet = { error: () => undefined };

describe('LaneDrainer', () => {
  it('keeps handling other conversations while one waits, and each in its own order', async () => {
    const source = new MemorySource();
    let release: () => void = () => undefined;
    const slow = new Promise<boolean>((resolve) => (release = () => resolve(true)));
    source.gate = (event) => (event.lane === 'a' && event.n === 1 ? slow : Promise.resolve(true));
    source.add('a', 1);
    source.add('a', 2);
    source.add('b', 1);
    const drainer = new LaneDrainer(source, { concurrency: 4, pollMs: 10_000, orderWindowMs: 0 }, quiet);
    drainer.start();
    await until(() => source.handled.includes('b1'));
    // b arrives while a still waits: it is claimed and handled at once, not after a's lane.
    source.add('b', 2);
    drainer.kick();
    await until(() => source.handled.includes('b2'));
    expect(source.handled).toEqual(['b1', 'b2']);
    release();
    await until(() => source.handled.length === 4);
    expect(source.handled.filter((h) => h.startsWith('a'))).toEqual(['a1', 'a2']);
    await drainer.stop();
  });

  it('claims a conversation again once its lane is done, for what came meanwhile', async () => {
    const source = new MemorySource();
    let release: () => void = () => undefined;
    const slow = new Promise<boolean>((resolve) => (release = () => resolve(true)));
    source.gate = (event) => (event.n === 1 ? slow : Promise.resolve(true));
    source.add('a', 1);
    const drainer = new LaneDrainer(source, { concurrency: 1, pollMs: 10_000, orderWindowMs: 0 }, quiet);
    drainer.start();
    await until(() => drainer.active === 1);
    source.add('a', 2);
    drainer.kick();
    release();
    await until(() => source.handled.length === 2);
    expect(source.handled).toEqual(['a1', 'a2']);
    await drainer.stop();
  });

  it('holds a failed event and the rest of its lane back, then tries them again in order', async () => {
    const source = new MemorySource();
    let failures = 0;
    source.gate = async (event) => !(event.n === 1 && failures++ < 2);
    source.add('a', 1);
    source.add('a', 2);
    const drainer = new LaneDrainer(source, { concurrency: 2, pollMs: 20, orderWindowMs: 0 }, quiet);
    drainer.start();
    await until(() => source.handled.length === 2);
    expect(source.handled).toEqual(['a1', 'a2']);
    expect(failures).toBe(3);
    await drainer.stop();
  });

  it('on stop, lets the running lane end early and leaves its other events claimable at once', async () => {
    const source = new MemorySource();
    let release: () => void = () => undefined;
    const slow = new Promise<boolean>((resolve) => (release = () => resolve(true)));
    source.gate = (event) => (event.n === 1 ? slow : Promise.resolve(true));
    source.add('a', 1);
    source.add('a', 2);
    const drainer = new LaneDrainer(source, { concurrency: 2, pollMs: 10_000, orderWindowMs: 0 }, quiet);
    drainer.start();
    await until(() => drainer.active === 1);
    const stopped = drainer.stop();
    release();
    await stopped;
    expect(source.handled).toEqual(['a1']);
    const second = source.events.find((e) => e.n === 2);
    expect(second?.done).toBe(false);
    expect(second?.claimedUntil).toBeLessThanOrEqual(Date.now());
  });

  it('renews the claims of the lanes in hand while they run, and only theirs', async () => {
    const source = new MemorySource();
    let release: () => void = () => undefined;
    const slow = new Promise<boolean>((resolve) => (release = () => resolve(true)));
    source.gate = (event) => (event.lane === 'a' ? slow : Promise.resolve(true));
    source.add('a', 1);
    source.add('b', 1);
    const drainer = new LaneDrainer(source, { concurrency: 4, pollMs: 10_000, orderWindowMs: 0, renewMs: 20 }, quiet);
    drainer.start();
    await until(() => source.handled.includes('b1') && source.renewals.length >= 3);
    expect(source.renewals.at(-1)).toEqual(['a']);
    release();
    await until(() => drainer.active === 0);
    const renewed = source.renewals.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Nothing in hand: nothing to renew.
    expect(source.renewals.length).toBe(renewed);
    await drainer.stop();
  });
});
