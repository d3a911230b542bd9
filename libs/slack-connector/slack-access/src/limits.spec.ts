import { DEFAULT_SLACK_LIMITS, parseRetryAfter, perMinuteBucket, retryAfterWaitMs, scimBuckets, tierOf, webApiBucket } from './limits';

describe('Slack limits', () => {
  it('knows the documented tiers of the methods the connector calls', () => {
    expect(tierOf('users.list')).toBe(2);
    expect(tierOf('users.info')).toBe(4);
    expect(tierOf('auth.test')).toBe(4);
    expect(tierOf('users.lookupByEmail')).toBe(3);
    expect(tierOf('some.new.method')).toBe(3);
  });

  it('sizes a bucket as a minute of calls, refilled over a scaled minute', () => {
    expect(perMinuteBucket(20, 20, 1)).toEqual({ capacity: 20, refillPerSecond: 20 / 60 });
    expect(perMinuteBucket(20, 20, 0.1).capacity).toBe(20);
    expect(perMinuteBucket(20, 20, 0.1).refillPerSecond).toBeCloseTo(20 / 6, 9);
  });

  it('keeps back the tokens that refill within the jitter allowance, at least one', () => {
    // Real time: a third of a token refills in 250 ms at Tier 2, so one is kept back.
    expect(perMinuteBucket(20, 20, 1, 250).capacity).toBe(19);
    // A hundredfold compression: 33 tokens a second, 9 of them in 250 ms.
    expect(perMinuteBucket(20, 20, 0.01, 250).capacity).toBe(11);
    // Never below one token.
    expect(perMinuteBucket(1, 1, 1, 250).capacity).toBe(1);
    expect(perMinuteBucket(100, 100, 0.01, 2000).capacity).toBe(1);
  });

  it('names one bucket per workspace and method', () => {
    const users = webApiBucket(DEFAULT_SLACK_LIMITS, 'T1', 'users.list');
    expect(users).toEqual({ key: 'slack:T1:web:users.list', spec: { capacity: 19, refillPerSecond: 20 / 60 } });
  });

  it('draws SCIM writes from the org-wide set and from the endpoint, each with its burst', () => {
    const [set, endpoint] = scimBuckets(DEFAULT_SLACK_LIMITS, 'T1', 'create');
    expect(set).toEqual({ key: 'slack:T1:scim:writes', spec: { capacity: 177, refillPerSecond: 10 } });
    expect(endpoint).toEqual({ key: 'slack:T1:scim:create-user', spec: { capacity: 19, refillPerSecond: 3 } });
    expect(scimBuckets(DEFAULT_SLACK_LIMITS, 'T1', 'list').map((b) => b.key)).toEqual(['slack:T1:scim:reads']);
    expect(scimBuckets(DEFAULT_SLACK_LIMITS, 'T1', 'get').map((b) => b.key)).toEqual(['slack:T1:scim:reads', 'slack:T1:scim:get-user']);
  });

  describe('retryAfterWaitMs', () => {
    it('honours Retry-After as given against real Slack (time scale 1)', () => {
      expect(retryAfterWaitMs(3, 1)).toBe(3000);
      expect(retryAfterWaitMs(30, 1)).toBe(30_000);
    });

    it('scales Retry-After when the time scale compresses the windows', () => {
      expect(retryAfterWaitMs(3, 0.1)).toBe(300);
      expect(retryAfterWaitMs(1, 0.01)).toBe(10);
    });

    it('never scales up: a time scale above 1 keeps the wait Slack asked for', () => {
      expect(retryAfterWaitMs(2, 5)).toBe(2000);
    });

    it('waits a second when Slack sent no usable Retry-After', () => {
      expect(retryAfterWaitMs(undefined, 1)).toBe(1000);
      expect(retryAfterWaitMs(Number.NaN, 0.5)).toBe(500);
    });

    it('doubles the wait on each consecutive 429, capped at a scaled minute', () => {
      expect(retryAfterWaitMs(2, 1, 1)).toBe(2000);
      expect(retryAfterWaitMs(2, 1, 2)).toBe(4000);
      expect(retryAfterWaitMs(2, 1, 3)).toBe(8000);
      expect(retryAfterWaitMs(2, 1, 10)).toBe(60_000);
      expect(retryAfterWaitMs(90, 1, 3)).toBe(90_000);
      expect(retryAfterWaitMs(1, 0.01, 20)).toBe(600);
    });
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('7')).toBe(7);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });
});
