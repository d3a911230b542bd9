import { connectionInput, WORKSPACE_TAKEN_PROBLEM, type SlackSettings, type TeamsSettings } from '@parley/internal-api';
import { parseOrThrow, ProblemException } from '@parley/service-runtime';
import { thrownBy } from '@parley/testing';
import { adminFieldName, connectionRefused, connectorFor, createConnectionRequestFrom, inAdminTerms, secretsOf, secretValuesOf } from './connection-input';

const slack = connectionInput.parse({
  platform: 'slack',
  botToken: 'xoxb-bot-token-value-1',
  signingSecret: 'signing-secret-value-2',
  scimToken: 'scim-token-value-3',
});
const teams = connectionInput.parse({
  platform: 'teams',
  tenantId: 'tenant-1',
  clientId: 'client-1',
  clientSecret: 'client-secret-value-4',
  homeTenantId: 'home-1',
  homeTenantDomain: 'parleyhome.onmicrosoft.com',
  teamIds: ['team-a', 'team-b'],
  teamOwner: { username: 'owner@contoso.test', password: 'owner-password-value-5' },
});
const slackSettings: SlackSettings = {
  platform: 'slack',
  teamId: 'T1',
  teamName: 'Acme',
  botUserId: 'U1',
  apiUrl: 'https://slack.com/api/',
  scimUrl: 'https://api.slack.com/scim/v2',
  scim: true,
  scopes: ['users:read'],
};
const teamsSettings: TeamsSettings = {
  platform: 'teams',
  tenantId: 'tenant-1',
  clientId: 'client-1',
  homeTenantId: 'home-1',
  homeTenantDomain: 'parleyhome.onmicrosoft.com',
  teamIds: ['team-a', 'team-b'],
  teamOwnerUsername: 'owner@contoso.test',
  authorityUrl: 'https://login.microsoftonline.com',
  graphUrl: 'https://graph.microsoft.com/v1.0',
};

const problemOf = (fn: () => unknown): ProblemException => thrownBy(fn, ProblemException);

describe('splitting a connection input', () => {
  it('routes each platform to its connector', () => {
    expect(connectorFor('slack')).toBe('slack-connector');
    expect(connectorFor('teams')).toBe('teams-connector');
  });

  it('takes Slack\'s bot token, signing secret and SCIM token as secrets', () => {
    expect(secretsOf(slack)).toEqual({ botToken: 'xoxb-bot-token-value-1', signingSecret: 'signing-secret-value-2', scimToken: 'scim-token-value-3' });
    const withoutScim = connectionInput.parse({ platform: 'slack', botToken: 'xoxb-1', signingSecret: 'signing-secret-value-2' });
    expect(secretsOf(withoutScim)).toEqual({ botToken: 'xoxb-1', signingSecret: 'signing-secret-value-2' });
    expect(Object.keys(secretsOf(withoutScim))).not.toContain('scimToken');
    // The app's client secret (people's Slack consent) is a secret too; its client id is a setting.
    expect(secretsOf({ ...withoutScim, clientId: '123.456', clientSecret: 'client-secret-value-4' })).toEqual({
      botToken: 'xoxb-1',
      signingSecret: 'signing-secret-value-2',
      clientSecret: 'client-secret-value-4',
    });
  });

  it('takes Teams\' client secret and the team owner\'s password as secrets, and nothing else', () => {
    expect(secretsOf(teams)).toEqual({ clientSecret: 'client-secret-value-4', teamOwnerPassword: 'owner-password-value-5' });
    expect(secretValuesOf(teams).sort()).toEqual(['client-secret-value-4', 'owner-password-value-5']);
  });

  it('sends identity the connector\'s verified settings with the admin\'s secrets, and no secret among the settings', () => {
    const slackRequest = createConnectionRequestFrom(slack, slackSettings);
    expect(slackRequest).toEqual({ platform: 'slack', settings: slackSettings, secrets: secretsOf(slack) });
    const teamsRequest = createConnectionRequestFrom(teams, teamsSettings);
    expect(teamsRequest).toEqual({ platform: 'teams', settings: teamsSettings, secrets: secretsOf(teams) });
    for (const [request, input] of [[slackRequest, slack], [teamsRequest, teams]] as const) {
      const settings = JSON.stringify(request.settings);
      for (const secret of secretValuesOf(input)) expect(settings).not.toContain(secret);
    }
  });

  it('refuses settings verified for the other platform', () => {
    expect(() => createConnectionRequestFrom(teams, slackSettings)).toThrow(/verified a slack connection for a teams input/);
  });
});

describe('a refused connection (422)', () => {
  it('names each field as the admin sent it, with the connector\'s reason', () => {
    const problem = connectionRefused('teams', [
      { field: 'clientSecret', reason: 'AADSTS7000215: invalid client secret' },
      { field: 'teamOwnerPassword', reason: 'the team owner could not sign in' },
      { field: 'teamIds[1]', reason: 'team not found' },
      { field: 'secrets.clientSecret', reason: 'expired' },
    ]);
    expect(problem.getStatus()).toBe(422);
    expect(problem.problemType).toBe('urn:parley:problem:connection-refused');
    expect(problem.errors).toEqual([
      { field: 'clientSecret', reason: 'AADSTS7000215: invalid client secret' },
      { field: 'teamOwner.password', reason: 'the team owner could not sign in' },
      { field: 'teamIds.1', reason: 'team not found' },
      { field: 'clientSecret', reason: 'expired' },
    ]);
    expect(problem.detail).toBe('Microsoft Teams did not accept the connection: clientSecret, teamOwner.password, teamIds.1. See errors for the reason of each.');
  });

  it('keeps names that need no mapping', () => {
    expect(adminFieldName('botToken')).toBe('botToken');
    expect(adminFieldName('teamOwner.username')).toBe('teamOwner.username');
    expect(adminFieldName('teamOwnerUsername')).toBe('teamOwner.username');
    expect(adminFieldName('settings.homeTenantId')).toBe('homeTenantId');
    expect(connectionRefused('slack', [{ field: 'botToken', reason: 'missing scopes chat:write' }]).detail).toMatch(/^Slack did not accept/);
  });
});

describe('validating a connection input (400)', () => {
  it('names each bad field of the platform\'s shape, nested fields by path', () => {
    const problem = problemOf(() =>
      parseOrThrow(connectionInput, { platform: 'teams', tenantId: '', clientId: 'c', teamIds: [], teamOwner: { username: 'o' }, homeTenantDomain: 'nope' }),
    );
    expect(problem.getStatus()).toBe(400);
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(
      ['clientSecret', 'homeTenantDomain', 'homeTenantId', 'teamIds', 'teamOwner.password', 'tenantId'].sort(),
    );
    expect(problem.detail).toMatch(/^The request body is invalid: /);
  });

  it('refuses unknown fields, at the top and nested, one entry each', () => {
    const problem = problemOf(() =>
      parseOrThrow(connectionInput, {
        platform: 'slack',
        botToken: 'xoxb-1',
        signingSecret: 'signing-secret',
        homeTenantId: 'wrong-platform',
        extra: 1,
      }),
    );
    expect(problem.errors).toEqual([
      { field: 'homeTenantId', message: 'unknown field' },
      { field: 'extra', message: 'unknown field' },
    ]);
    const nested = problemOf(() => parseOrThrow(connectionInput, { ...teams, teamOwner: { username: 'o', password: 'p', mfa: '123' } }));
    expect(nested.errors).toEqual([{ field: 'teamOwner.mfa', message: 'unknown field' }]);
  });

  it('names the platform when it is missing or unknown', () => {
    expect(problemOf(() => parseOrThrow(connectionInput, { botToken: 'xoxb-1' })).errors?.map((e) => e.field)).toEqual(['platform']);
    expect(problemOf(() => parseOrThrow(connectionInput, { platform: 'zoom' })).errors?.map((e) => e.field)).toEqual(['platform']);
  });

  it('does not echo a secret it refuses', () => {
    const problem = problemOf(() => parseOrThrow(connectionInput, { platform: 'slack', botToken: 'xoxp-user-token-s3cr3t', signingSecret: 'short' }));
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(['botToken', 'signingSecret']);
    expect(JSON.stringify({ detail: problem.detail, errors: problem.errors })).not.toMatch(/s3cr3t|short"/);
  });
});

describe('a workspace or tenant connected already (409)', () => {
  it('names the field the admin sent: the bot token for a Slack workspace, tenantId for a tenant', () => {
    const taken = (field: string) => new ProblemException(409, 'Taken.', WORKSPACE_TAKEN_PROBLEM, [{ field, message: 'already connected' }]);
    const slackProblem = inAdminTerms(taken('settings.teamId')) as ProblemException;
    expect({ status: slackProblem.getStatus(), type: slackProblem.problemType, errors: slackProblem.errors }).toEqual({
      status: 409,
      type: WORKSPACE_TAKEN_PROBLEM,
      errors: [{ field: 'botToken', message: 'already connected' }],
    });
    expect((inAdminTerms(taken('settings.tenantId')) as ProblemException).errors).toEqual([{ field: 'tenantId', message: 'already connected' }]);
  });

  it('leaves every other error as it is', () => {
    const other = new ProblemException(409, 'platform: already has one.');
    expect(inAdminTerms(other)).toBe(other);
    const plain = new Error('boom');
    expect(inAdminTerms(plain)).toBe(plain);
  });
});
