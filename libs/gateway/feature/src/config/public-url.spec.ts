import { ConfigError, loadConfig } from '@parley/config';
import { distributedConfigSections } from '@parley/service-runtime';
import { gatewayService } from '../index';
import { consentRedirectUri, DEFAULT_PUBLIC_URL, gatewayConfigSections, publicUrlFrom } from './public-url';

describe('PARLEY_PUBLIC_URL', () => {
  it('is a section of the gateway\'s definition whose key the runtime\'s sections do not shadow', () => {
    expect(gatewayService.configSections).toBe(gatewayConfigSections);
    const runtimeKeys = Object.keys(distributedConfigSections('gateway'));
    for (const key of Object.keys(gatewayConfigSections)) expect(runtimeKeys).not.toContain(key);
  });

  it('defaults to the local gateway, whose callback the Graph sandbox\'s app registers', () => {
    const config = loadConfig(gatewayConfigSections, {});
    expect(config.gatewayPublic.publicUrl).toBe(DEFAULT_PUBLIC_URL);
    expect(consentRedirectUri(publicUrlFrom(config))).toBe('http://localhost:3000/auth/callback');
    expect(publicUrlFrom(undefined)).toBe(DEFAULT_PUBLIC_URL);
    expect(publicUrlFrom({})).toBe(DEFAULT_PUBLIC_URL);
  });

  it('drops a trailing slash and refuses what is not an http(s) URL', () => {
    const config = loadConfig(gatewayConfigSections, { PARLEY_PUBLIC_URL: 'https://parley.example.com/' });
    expect(consentRedirectUri(publicUrlFrom(config))).toBe('https://parley.example.com/auth/callback');
    expect(() => loadConfig(gatewayConfigSections, { PARLEY_PUBLIC_URL: 'parley.example.com' })).toThrow(ConfigError);
  });
});
