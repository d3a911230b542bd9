import { parseRetryAfter, retryDelayMs } from './retry-after';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-27T10:00:00.000Z');

  it('reads delta-seconds, fractions tolerated', () => {
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1_500);
  });

  it('reads an HTTP date as the time left until it, 0 when past', () => {
    expect(parseRetryAfter('Fri, 27 Nov 2026 10:00:07 GMT', now)).toBe(7_000);
    expect(parseRetryAfter('Fri, 27 Nov 2026 09:59:00 GMT', now)).toBe(0);
  });

  it('gives undefined for a missing or unreadable value', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
    expect(parseRetryAfter('2026-11-27', now)).toBeUndefined();
  });
});

describe('retryDelayMs', () => {
  const now = Date.parse('2026-11-27T10:00:00.000Z');
  const noJitter = () => 0;

  it('waits what Retry-After says at real time', () => {
    expect(retryDelayMs({ retryAfter: '2', attempt: 1, timeScale: 1, now, random: noJitter })).toBe(2_000);
    expect(retryDelayMs({ retryAfter: 'Fri, 27 Nov 2026 10:00:04 GMT', attempt: 3, timeScale: 1, now, random: noJitter })).toBe(4_000);
  });

  it('scales Retry-After when time is compressed, never stretches it', () => {
    expect(retryDelayMs({ retryAfter: '1', attempt: 1, timeScale: 0.1, now, random: noJitter })).toBe(100);
    expect(retryDelayMs({ retryAfter: 'Fri, 27 Nov 2026 10:00:05 GMT', attempt: 1, timeScale: 0.02, now, random: noJitter })).toBe(100);
    expect(retryDelayMs({ retryAfter: '1', attempt: 1, timeScale: 3, now, random: noJitter })).toBe(1_000);
  });

  it('adds at most 5 % jitter to a Retry-After', () => {
    expect(retryDelayMs({ retryAfter: '2', attempt: 1, timeScale: 1, now, random: () => 0.999 })).toBe(2_100);
  });

  it('backs off exponentially with jitter when there is no Retry-After, scaled and capped', () => {
    const at = (attempt: number, random: () => number, timeScale = 1) => retryDelayMs({ retryAfter: undefined, attempt, timeScale, now, random });
    expect(at(1, () => 0)).toBe(500);
    expect(at(1, () => 0.999999)).toBe(1_000);
    expect(at(2, () => 0)).toBe(1_000);
    expect(at(4, () => 0)).toBe(4_000);
    expect(at(20, () => 0.999999)).toBe(32_000);
    expect(at(2, () => 0, 0.1)).toBe(100);
  });
});
