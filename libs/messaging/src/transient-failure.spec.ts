import { createClient } from 'redis';
import { isTransientFailure } from './transient-failure';

const coded = (code: string) => Object.assign(new Error(code), { code });

describe('isTransientFailure', () => {
  it('sees a peer or the database down or restarting, however deep the cause', () => {
    expect(isTransientFailure(coded('ECONNREFUSED'))).toBe(true);
    expect(isTransientFailure(new TypeError('fetch failed', { cause: coded('UND_ERR_SOCKET') }))).toBe(true);
    expect(isTransientFailure(new Error('outer', { cause: new Error('middle', { cause: coded('ECONNRESET') }) }))).toBe(true);
    expect(isTransientFailure(new AggregateError([new Error('ipv6'), coded('ECONNREFUSED')]))).toBe(true);
    expect(isTransientFailure(Object.assign(new Error('identity answered 503'), { status: 503 }))).toBe(true);
    expect(isTransientFailure(Object.assign(new Error('bad gateway'), { statusCode: 502 }))).toBe(true);
    expect(isTransientFailure(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe(true);
    expect(isTransientFailure(coded('57P01'))).toBe(true);
    expect(isTransientFailure(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientFailure(Object.assign(new Error('Slack is down'), { transient: true }))).toBe(true);
  });

  it('sees Redis away: a call while the client reconnects rejects with the client’s own offline error', async () => {
    // Nothing listens on port 1: the client stays open and keeps reconnecting, as it does while Redis restarts. Without
    // an offline queue (as libs/cache connects), a call then fails at once.
    const client = createClient({ url: 'redis://127.0.0.1:1', disableOfflineQueue: true, socket: { reconnectStrategy: 50, connectTimeout: 200 } });
    client.on('error', () => undefined);
    const connecting = client.connect().catch(() => undefined);
    try {
      const error = await client.ping().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toBe('The client is offline');
      expect(isTransientFailure(error)).toBe(true);
      // The same client, closed by its owner: not a dependency's outage.
      client.destroy();
      const closed = await client.ping().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isTransientFailure(closed)).toBe(false);
    } finally {
      await connecting;
    }
  });

  it('leaves the work’s own failures to the usual attempts', () => {
    expect(isTransientFailure(new Error('cannot map this person'))).toBe(false);
    expect(isTransientFailure(Object.assign(new Error('identity answered 404'), { status: 404 }))).toBe(false);
    expect(isTransientFailure(Object.assign(new Error('identity answered 500'), { status: 500 }))).toBe(false);
    expect(isTransientFailure(coded('23505'))).toBe(false);
    expect(isTransientFailure(undefined)).toBe(false);
    expect(isTransientFailure('ECONNREFUSED')).toBe(false);
  });

  it('stops at a cycle of causes', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(isTransientFailure(a)).toBe(false);
  });
});
