import { ConfigError, loadConfig } from '@parley/config';
import { resolveSlackConnectorConfig, slackConnectorConfigSection } from './config';
import { missingScopes } from './verify/connection-verifier';

describe('slack-connector config', () => {
  it("defaults to Slack's documented limits at real time", () => {
    const config = resolveSlackConnectorConfig(undefined);
    expect(config.limits.timeScale).toBe(1);
    expect(config.limits.tiersPerMinute).toEqual({ 1: 1, 2: 20, 3: 50, 4: 100 });
    expect(config.limits.scim).toEqual({ readsPerMinute: 1000, userReadsPerMinute: 300, writesPerMinute: 600, writeBurst: 180, userWritesPerMinute: 180, userWriteBurst: 20 });
    expect(config.limits).toMatchObject({ jitterAllowanceMs: 250, rateLimitRetries: 6 });
    expect(config).toMatchObject({ httpTimeoutMs: 15_000, connectionCacheMs: 30_000, importChunkSize: 500, scimMirrorType: 'multi-channel-guest' });
  });

  it('reads the variables, e.g. a time scale matching a compressed sandbox', () => {
    const { slackConnector } = loadConfig(
      { slackConnector: slackConnectorConfigSection },
      { PARLEY_SLACK_LIMIT_TIME_SCALE: '0.1', PARLEY_SLACK_TIER2_PER_MINUTE: '40', PARLEY_SLACK_SCIM_MIRROR_TYPE: 'member' },
    );
    expect(slackConnector.limits.timeScale).toBe(0.1);
    expect(slackConnector.limits.tiersPerMinute[2]).toBe(40);
    expect(slackConnector.scimMirrorType).toBe('member');
  });

  it('rejects a time scale that is not a positive number', () => {
    expect(() => loadConfig({ s: slackConnectorConfigSection }, { PARLEY_SLACK_LIMIT_TIME_SCALE: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ s: slackConnectorConfigSection }, { PARLEY_SLACK_TIER2_PER_MINUTE: 'lots' })).toThrow(/PARLEY_SLACK_TIER2_PER_MINUTE/);
  });

  it('prefers the section the runtime parsed', () => {
    const parsed = loadConfig({ slackConnector: slackConnectorConfigSection }, { PARLEY_SLACK_IMPORT_CHUNK_SIZE: '7' });
    expect(resolveSlackConnectorConfig(parsed).importChunkSize).toBe(7);
  });
});

describe('missingScopes', () => {
  it('names the required scopes a token lacks', () => {
    expect(missingScopes(['users:read', 'chat:write'])).toEqual(['users:read.email', 'chat:write.customize']);
    expect(missingScopes(['users:read', 'users:read.email', 'chat:write', 'chat:write.customize', 'channels:history'])).toEqual([]);
  });
});
