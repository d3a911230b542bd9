import { ConfigError, loadConfig } from '@parley/config';
import { teamsConnectorConfigSection } from './config';
import { DOCUMENTED_GRAPH_LIMITS } from './pacing/limits';

const load = (env: Record<string, string>) => loadConfig({ teamsConnector: teamsConnectorConfigSection }, env).teamsConnector;

describe('teamsConnectorConfigSection', () => {
  it('defaults to the documented limits at real time', () => {
    const config = load({});
    expect(config.pacing).toEqual({ timeScale: 1, margin: 0.05, limits: DOCUMENTED_GRAPH_LIMITS });
    expect(config).toMatchObject({ maxAttempts: 6, maxRetryWaitMs: 120_000 });
  });

  it('reads the time scale and limits as <requests>/<windowMs>[/<burst>]', () => {
    const config = load({ PARLEY_GRAPH_LIMIT_TIME_SCALE: '0.1', PARLEY_GRAPH_LIMIT_INVITATIONS: '100/5000/10', PARLEY_GRAPH_LIMIT_PER_TEAM: '8/1000' });
    expect(config.pacing.timeScale).toBe(0.1);
    expect(config.pacing.limits.invitations).toEqual({ requests: 100, windowMs: 5_000, burst: 10 });
    expect(config.pacing.limits.perTeam).toEqual({ requests: 8, windowMs: 1_000, burst: 1 });
  });

  it('refuses malformed values, naming the variable', () => {
    expect(() => load({ PARLEY_GRAPH_LIMIT_TIME_SCALE: '0' })).toThrow(ConfigError);
    expect(() => load({ PARLEY_GRAPH_LIMIT_PER_TEAM: 'four' })).toThrow(/PARLEY_GRAPH_LIMIT_PER_TEAM/);
    expect(() => load({ PARLEY_GRAPH_LIMIT_PER_TEAM: '4/1000/9' })).toThrow(/PARLEY_GRAPH_LIMIT_PER_TEAM/);
  });
});
