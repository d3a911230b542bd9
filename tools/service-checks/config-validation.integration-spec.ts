import { serviceNames } from '@parley/service-runtime';
import { ServiceProcess } from '@parley/testing';

// Starting with a broken configuration must fail fast, before touching any server, naming every bad variable.
describe.each(serviceNames)('%s with a bad configuration', (name) => {
  it('exits 78 with one line per missing or malformed variable and never prints a secret', async () => {
    const service = new ServiceProcess({
      app: name,
      env: {
        PARLEY_MODE: 'distributed',
        DATABASE_URL: 'mysql://root:hunter2@db/parley',
        REDIS_URL: 'redis://127.0.0.1:6379',
        HTTP_PORT: 'eighty',
        // Read only by the gateway; too short, and a secret that must never be echoed.
        PARLEY_OPERATOR_API_KEY: 'hunter2',
      },
    }).start();
    expect(await service.waitForExit(30_000)).toEqual({ code: 78, signal: null });
    const stderr = service.stderr.join('');
    const lines = stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^${name}: config error: DATABASE_URL: malformed \\(expected a postgres or postgresql URL\\)$`)),
      expect.stringMatching(new RegExp(`^${name}: config error: HTTP_PORT: malformed`)),
      `${name}: config error: KAFKA_BROKERS: required but not set`,
      `${name}: config error: PARLEY_INTERNAL_TOKEN: required but not set`,
      ...(name === 'gateway' ? [expect.stringMatching(/^gateway: config error: PARLEY_OPERATOR_API_KEY: malformed/)] : []),
      ...(name === 'identity'
        ? ['identity: config error: PARLEY_VAULT_ACTIVE_KEY: required but not set', 'identity: config error: PARLEY_VAULT_KEYS: required but not set']
        : []),
    ]);
    expect(stderr).not.toContain('hunter2');
  });
});
