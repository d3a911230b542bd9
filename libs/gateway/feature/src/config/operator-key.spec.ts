import { ConfigError, Secret } from '@parley/config';
import { distributedConfigSections } from '@parley/service-runtime';
import { gatewayConfigSection, operatorKeyFromEnvironment } from './operator-key';

describe('operator key configuration', () => {
  it('is part of the gateway\'s distributed configuration, and of no other service\'s', () => {
    expect(Object.keys(distributedConfigSections('gateway').gateway.schema.shape)).toEqual(['PARLEY_OPERATOR_API_KEY']);
    expect(gatewayConfigSection).toBe(distributedConfigSections('gateway').gateway);
    expect('gateway' in distributedConfigSections('identity')).toBe(false);
  });

  it('reads a key of at least 32 characters as a Secret', () => {
    const key = operatorKeyFromEnvironment({ PARLEY_OPERATOR_API_KEY: 'k'.repeat(32) });
    expect(key).toBeInstanceOf(Secret);
    expect(key?.reveal()).toBe('k'.repeat(32));
    expect(String(key)).toBe('[redacted]');
  });

  it('refuses a short key without printing it', () => {
    let error: unknown;
    try {
      operatorKeyFromEnvironment({ PARLEY_OPERATOR_API_KEY: 'short-key-1234' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(/^PARLEY_OPERATOR_API_KEY: malformed/);
    expect(String((error as ConfigError).message)).not.toContain('short-key-1234');
  });

  it('means "no operator" when unset (the embedded launcher passes its key in code)', () => {
    expect(operatorKeyFromEnvironment({})).toBeUndefined();
  });
});
