import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '../testing/manual-clock';
import { ExpiringMap } from './expiring-map';

describe('ExpiringMap', () => {
  it('hides an entry once its ttl has run', () => {
    const clock = new ManualClock();
    const map = new ExpiringMap<string, number>(() => clock.now());
    map.set('a', 1, 10);
    clock.advance(9);
    expect(map.get('a')).toBe(1);
    clock.advance(1);
    expect(map.get('a')).toBeUndefined();
    expect(map.delete('a')).toBe(false);
  });

  it('sweeps expired entries that are never read again, so idle keys do not pile up', () => {
    const clock = new ManualClock();
    const map = new ExpiringMap<string, number>(() => clock.now(), 1000);
    for (let i = 0; i < 100; i++) map.set(`idle-${i}`, i, 10);
    map.set('live', 1, 5000);
    expect(map.size).toBe(101);

    clock.advance(999);
    map.get('live');
    expect(map.size).toBe(101); // not due yet
    clock.advance(1);
    map.get('live');
    expect(map.size).toBe(1);
    expect(map.get('live')).toBe(1);
  });
});
