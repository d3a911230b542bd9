import {
  createConnectionRequest,
  type ConnectionInput,
  type ConnectionSettings,
  type CreateConnectionRequest,
  type SlackSecrets,
  type TeamsSecrets,
  type VerifyConnectionResult,
} from '@parley/internal-api';
import { ProblemException, type FieldError, type PeerName } from '@parley/service-runtime';
import { problemTypes, type RefusedField } from '../http/problem-details';

const platformNames = { slack: 'Slack', teams: 'Microsoft Teams' } as const;

/** The connector that checks a platform's credentials. */
export function connectorFor(platform: ConnectionInput['platform']): Extract<PeerName, 'slack-connector' | 'teams-connector'> {
  return platform === 'slack' ? 'slack-connector' : 'teams-connector';
}

/**
 * The secrets of what an admin sent, which identity seals in its vault: Slack's bot token, signing secret, SCIM
 * token and app client secret (for people's Slack consent); Teams' client secret and the team owner's password. Everything else is settings, which the connector
 * returns once it has checked them against the platform.
 */
export function secretsOf(input: ConnectionInput): SlackSecrets | TeamsSecrets {
  if (input.platform === 'slack') {
    return {
      botToken: input.botToken,
      signingSecret: input.signingSecret,
      ...(input.scimToken === undefined ? {} : { scimToken: input.scimToken }),
      ...(input.clientSecret === undefined ? {} : { clientSecret: input.clientSecret }),
    };
  }
  return { clientSecret: input.clientSecret, teamOwnerPassword: input.teamOwner.password };
}

/** The secret values of an input, to make sure none is ever echoed back. */
export function secretValuesOf(input: ConnectionInput): string[] {
  return Object.values(secretsOf(input)).filter((value): value is string => typeof value === 'string' && value.length > 0);
}

/** What identity stores: the verified settings (from the connector) and the secrets (from the admin). */
export function createConnectionRequestFrom(input: ConnectionInput, settings: ConnectionSettings): CreateConnectionRequest {
  if (settings.platform !== input.platform) {
    throw new Error(`the ${connectorFor(input.platform)} verified a ${settings.platform} connection for a ${input.platform} input`);
  }
  return createConnectionRequest.parse({ platform: input.platform, settings, secrets: secretsOf(input) });
}

/** Internal names a connector or identity may use for a field, and the name the admin sent it under. */
const adminNames: Readonly<Record<string, string>> = {
  teamOwnerPassword: 'teamOwner.password',
  teamOwnerUsername: 'teamOwner.username',
  // The Slack workspace is not a field of the input: Slack says which one the bot token belongs to (auth.test).
  teamId: 'botToken',
};

/**
 * A connector's field name as the admin sent it: `secrets.`/`settings.` prefixes dropped, the stored names of the
 * team owner mapped back to `teamOwner.*`, and array indexes written as in a 400 (`teamIds.1`, not `teamIds[1]`).
 */
export function adminFieldName(field: string): string {
  const bare = field.replace(/^(secrets|settings)\./, '');
  const named = adminNames[bare] ?? bare;
  return named.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
}

/** 422: the platform refused the credentials; `errors` names each field with the connector's reason. */
export function connectionRefused(
  platform: ConnectionInput['platform'],
  problems: Extract<VerifyConnectionResult, { ok: false }>['problems'],
): ProblemException {
  const errors: RefusedField[] = problems.map((p) => ({ field: adminFieldName(p.field), reason: p.reason }));
  const fields = [...new Set(errors.map((e) => e.field))];
  return new ProblemException(
    422,
    `${platformNames[platform]} did not accept the connection: ${fields.join(', ')}. See errors for the reason of each.`,
    problemTypes.connectionRefused,
    errors,
  );
}

/**
 * identity's 409 for a workspace or tenant that is connected already, with its fields renamed to the admin's
 * (`settings.teamId` is the bot token's workspace, `settings.tenantId` the tenantId sent); other errors unchanged.
 */
export function inAdminTerms(error: unknown): unknown {
  if (!(error instanceof ProblemException) || error.getStatus() !== 409 || !error.errors) return error;
  const errors: FieldError[] = error.errors.map((e) => ({ field: adminFieldName(e.field), message: (e as FieldError).message }));
  return new ProblemException(409, error.detail, error.problemType, errors, error.extensions);
}
