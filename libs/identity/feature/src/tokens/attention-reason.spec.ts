import { attentionReasonFor } from './attention-reason';
import { TokenEndpointError } from '@parley/entra-token';

const refused = (code: number, error = 'invalid_grant', description = `AADSTS${code}: Something happened. Trace ID: abc Correlation ID: def`) =>
  new TokenEndpointError('rejected', 400, error, [code], description);

describe('attentionReasonFor', () => {
  it.each([
    [50076, 'guest', /multi-factor authentication for guests.*Conditional Access/],
    [50079, 'guest', /register for multi-factor authentication/],
    [50053, 'guest', /locked/],
    [50057, 'consented-person', /disabled in Entra/],
    [50126, 'guest', /refused the password Parley holds/],
    [50126, 'team-owner', /team owner's username or password is wrong/],
    [50173, 'consented-person', /send them a new consent link/],
    [70008, 'guest', /expired or was revoked: run a guest sync again/],
  ] as const)('AADSTS%i for a %s names what an admin should do', (code, subject, expected) => {
    const verdict = attentionReasonFor(refused(code), subject);
    expect(verdict?.reason).toMatch(expected);
    expect(verdict?.reason).toContain(`(AADSTS${code})`);
  });

  it('marks the account for a person, never for the app or the team owner', () => {
    expect(attentionReasonFor(refused(50076), 'guest')?.marksAccount).toBe(true);
    expect(attentionReasonFor(refused(50076), 'consented-person')?.marksAccount).toBe(true);
    expect(attentionReasonFor(refused(50126), 'team-owner')?.marksAccount).toBe(false);
    expect(attentionReasonFor(refused(7000215, 'invalid_client'), 'app')).toMatchObject({ marksAccount: false, reason: expect.stringMatching(/client secret was refused/) });
  });

  it('says when the refresh token is dead', () => {
    expect(attentionReasonFor(refused(50173), 'consented-person')?.refreshTokenDead).toBe(true);
    expect(attentionReasonFor(refused(50076), 'guest')?.refreshTokenDead).toBe(true);
    expect(attentionReasonFor(refused(50126), 'guest')?.refreshTokenDead).toBe(false);
  });

  it('reads the code from the description when error_codes is missing, and quotes only its first sentence', () => {
    const error = new TokenEndpointError('rejected', 400, 'invalid_grant', [], 'AADSTS90099: The account is odd. It really is. Trace ID: 123 Correlation ID: 456');
    expect(error.aadsts).toBe(90099);
    expect(attentionReasonFor(error, 'guest')).toEqual({
      reason: "Microsoft refused to sign in the guest's home account: The account is odd. (AADSTS90099)",
      marksAccount: true,
      refreshTokenDead: true,
    });
  });

  it('is null when the endpoint was unavailable: that is for a retry, not an admin', () => {
    expect(attentionReasonFor(new TokenEndpointError('unavailable', 503, 'unavailable', [], 'HTTP 503'), 'guest')).toBeNull();
    expect(attentionReasonFor(refused(0, 'temporarily_unavailable'), 'guest')).toBeNull();
  });
});
