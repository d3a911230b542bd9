import { ConfigError, loadConfig } from '@parley/config';
import { teamsConnectorConfigSection } from './config';
import { DOCUMENTED_GRAPH_LIMITS } from './pacing/limits';

const load = (env: Record<string, string>) => loadConfig({ teamsConnector: teamsConnectorConfigSection }, env).teamsConnector;

describe('teamsConnectorConfigSection', () => {
  it('defaults to the documented limits at real time', () => {
    const config = load({});
    expect(config.pacing).toEqual({ timeScale: 1, margin: 0.01, marginMs: 25, limits: DOCUMENTED_GRAPH_LIMITS });
    expect(config).toMatchObject({ maxAttempts: 6, maxRetryWaitMs: 120_000 });
  });

  it('reads the time scale, the margins and limits as <requests>/<windowMs>', () => {
    const config = load({
      PARLEY_GRAPH_LIMIT_TIME_SCALE: '0.1',
      PARLEY_GRAPH_LIMIT_PER_TEAM: '8/1000',
      PARLEY_GRAPH_PACING_MARGIN: '0.02',
      PARLEY_GRAPH_PACING_MARGIN_MS: '40',
    });
    expect(config.pacing).toMatchObject({ timeScale: 0.1, margin: 0.02, marginMs: 40 });
    expect(config.pacing.limits.perTeam).toEqual({ requests: 8, windowMs: 1_000 });
    expect(config.pacing.limits.invitations).toEqual(DOCUMENTED_GRAPH_LIMITS.invitations);
  });

  it('still accepts the token-bucket burst of earlier versions as a third number, and ignores it', () => {
    const config = load({ PARLEY_GRAPH_LIMIT_INVITATIONS: '150/5000/6', PARLEY_GRAPH_LIMIT_PER_TEAM: '4/1000/9' });
    expect(config.pacing.limits.invitations).toEqual({ requests: 150, windowMs: 5_000 });
    expect(config.pacing.limits.perTeam).toEqual({ requests: 4, windowMs: 1_000 });
  });

  it('refuses malformed values, naming the variable', () => {
    expect(() => load({ PARLEY_GRAPH_LIMIT_TIME_SCALE: '0' })).toThrow(ConfigError);
    expect(() => load({ PARLEY_GRAPH_LIMIT_PER_TEAM: 'four' })).toThrow(/PARLEY_GRAPH_LIMIT_PER_TEAM/);
    expect(() => load({ PARLEY_GRAPH_LIMIT_PER_TEAM: '0/1000' })).toThrow(/PARLEY_GRAPH_LIMIT_PER_TEAM/);
    expect(() => load({ PARLEY_GRAPH_LIMIT_INVITATIONS: '150/5000/6/1' })).toThrow(/PARLEY_GRAPH_LIMIT_INVITATIONS/);
    expect(() => load({ PARLEY_GRAPH_PACING_MARGIN_MS: '-5' })).toThrow(/PARLEY_GRAPH_PACING_MARGIN_MS/);
    expect(() => load({ PARLEY_GRAPH_PACING_MARGIN: '2' })).toThrow(/PARLEY_GRAPH_PACING_MARGIN/);
  });
});
