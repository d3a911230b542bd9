import type { TokenEndpointError } from '@parley/entra-token';

/** Whose sign-in failed: the wording tells an admin what to do about that kind of account. */
export type SignInSubject = 'guest' | 'consented-person' | 'team-owner' | 'app';

export interface AttentionVerdict {
  /** A sentence an admin can act on; never quotes a credential. */
  readonly reason: string;
  /** True when the failure is about the person's account (mark it needs_attention), not about the connection. */
  readonly marksAccount: boolean;
  /** True when the stored refresh token is dead and must not be used again. */
  readonly refreshTokenDead: boolean;
}

const who: Record<SignInSubject, string> = {
  guest: "the guest's home account",
  'consented-person': "the person's Teams account",
  'team-owner': 'the team owner account',
  app: 'the Parley app',
};

/**
 * Maps a token endpoint refusal to a reason an admin can act on, or null when it is not an admin's problem
 * (the endpoint was down or overloaded: retry later). Codes: https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 */
export function attentionReasonFor(error: TokenEndpointError, subject: SignInSubject): AttentionVerdict | null {
  if (error.kind === 'unavailable') return null;
  if (error.error === 'temporarily_unavailable' || error.error === 'server_error') return null;
  const code = error.aadsts;
  const tag = code === null ? error.error : `AADSTS${code}`;
  const account = who[subject];
  const person = subject === 'guest' || subject === 'consented-person';
  const verdict = (reason: string, refreshTokenDead = false, marksAccount = person): AttentionVerdict => ({
    reason: `${reason} (${tag})`,
    marksAccount,
    refreshTokenDead,
  });

  if (error.error === 'invalid_client') {
    return verdict('The Teams connection\'s client secret was refused: create a new client secret for the Parley app and reconnect Teams', false, false);
  }
  if (error.error === 'unauthorized_client') {
    return verdict('The Parley app is not registered or not consented in this tenant: grant admin consent to the app and reconnect Teams', false, false);
  }
  switch (code) {
    case 50076:
      return verdict(
        subject === 'guest'
          ? 'The customer tenant requires multi-factor authentication for guests, so Parley cannot sign in as this guest: exclude Parley\'s guests from that Conditional Access policy, or use Account Sync for this person'
          : `A policy requires multi-factor authentication for ${account}, which Parley cannot do: exclude the account from that Conditional Access policy`,
        true,
      );
    case 50079:
      return verdict(`${capitalise(account)} must register for multi-factor authentication, which Parley cannot do: exclude it from the MFA registration policy`, true);
    case 50053:
      return verdict(`${capitalise(account)} is locked after too many sign-in attempts or a sign-in from a blocked IP: unlock it in Entra, then run the sync again`);
    case 50057:
      return verdict(`${capitalise(account)} is disabled in Entra: enable it, or remove the person from the sync`, true);
    case 50055:
      return verdict(`The password of ${account} has expired: reset it in Entra${subject === 'guest' ? ' and run a guest sync again' : ''}`);
    case 50126:
      return verdict(
        subject === 'guest'
          ? "The guest's home account refused the password Parley holds (it was changed outside Parley): reset it to Parley's, or delete the home account and run a guest sync again"
          : subject === 'team-owner'
            ? 'The team owner\'s username or password is wrong: update the Teams connection with the current password'
            : `${capitalise(account)} refused its password: sign in again`,
        false,
      );
    case 50034:
    case 50020:
      return verdict(`${capitalise(account)} does not exist in the tenant (deleted or never invited): run a guest sync again`, true);
    case 50173:
    case 70008:
    case 700082:
      return verdict(
        subject === 'consented-person'
          ? "The person's consent has expired or was revoked (for example after a password reset): send them a new consent link"
          : `The sign-in session of ${account} has expired or was revoked: run a guest sync again so Parley signs in anew`,
        true,
      );
    case 65001:
      return verdict('The Parley app lacks consent for the delegated permissions it needs in this tenant: grant admin consent to the app', true, false);
    default:
      if (error.error === 'invalid_grant' || error.error === 'interaction_required') {
        return verdict(`Microsoft refused to sign in ${account}: ${firstSentence(error.description)}`, true);
      }
      return verdict(`Microsoft refused the sign-in of ${account}: ${firstSentence(error.description) || error.error}`, false, false);
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The provider's own explanation without the `AADSTSnnn:` prefix and the trace and correlation ids that follow. */
function firstSentence(description: string): string {
  const text = description.replace(/^AADSTS\d+:\s*/, '').split(/\s+Trace ID:/)[0] ?? '';
  const end = text.search(/\.(\s|$)/);
  return (end >= 0 ? text.slice(0, end + 1) : text).trim().slice(0, 300);
}
