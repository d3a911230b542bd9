import { Inject, Injectable } from '@nestjs/common';
import type { TeamsConnectionInput, TeamsSettings, VerifyConnectionResult } from '@parley/internal-api';
import {
  GRAPH_DEFAULT_SCOPE,
  GraphRequestError,
  jwtClaims,
  jwtRoles,
  requestToken,
  type GraphAccess,
  type GraphApi,
  type TokenEndpointOutcome,
} from '@parley/teams-connector-graph-access';
import { GRAPH_ACCESS } from '../graph.providers';
import { CUSTOMER_TENANT_ROLES, HOME_TENANT_ROLES, missingRoles, type RoleRequirement } from './required-roles';

export interface ConnectionProblem {
  readonly field: string;
  readonly reason: string;
}

type Refused = Extract<TokenEndpointOutcome, { ok: false }>;

/** Verification must answer within the gateway's 15 s: fewer retries than a sync. */
const VERIFY_RETRY = { maxAttempts: 3, maxWaitMs: 5_000 };

/**
 * Checks a Teams connection against Graph before anything is stored (docs/user-sync.md, Connect Platforms): the
 * app's client credentials in the customer tenant and a read of /users, each team, the home tenant (token, read,
 * domain), the team owner's sign-in and ownership of every team, and the `roles` of JWT tokens. Each problem names
 * the input field an admin must change; no secret is ever part of an answer.
 */
@Injectable()
export class ConnectionVerifier {
  constructor(@Inject(GRAPH_ACCESS) private readonly graph: GraphAccess) {}

  async verify(input: TeamsConnectionInput): Promise<VerifyConnectionResult> {
    const problems: ConnectionProblem[] = [];
    const add = (field: string, reason: string) => problems.push({ field, reason: redact(reason, [input.clientSecret, input.teamOwner.password]) });

    const customer = await this.clientCredentials(input, input.tenantId);
    if (!customer.ok) {
      const field = appTokenField(customer, 'customer');
      add(field, `the app could not sign in to the customer tenant: ${customer.description}`);
      // Without a working client id and secret (or a reachable authority) nothing else can be checked.
      if (field !== 'tenantId') return { ok: false, problems };
    }

    const readableTeams = new Set<number>();
    let graphReachable = true;
    if (customer.ok) {
      const app = this.api(input, input.tenantId, customer.accessToken);
      this.checkRoles(customer.accessToken, CUSTOMER_TENANT_ROLES, 'clientId', 'the app', add);
      const directory = await this.readUsers(app);
      if (directory) add(directory.unreachable ? 'graphUrl' : 'clientId', directory.unreachable ? directory.reason : `the app cannot read users in the customer tenant (User.Read.All): ${directory.reason}`);
      graphReachable = !directory?.unreachable;
      if (graphReachable) {
        for (const [index, teamId] of input.teamIds.entries()) {
          const problem = await this.readTeam(app, teamId);
          if (problem) add(`teamIds[${index}]`, problem);
          else readableTeams.add(index);
        }
      }
    }

    await this.checkHomeTenant(input, graphReachable, add);
    if (customer.ok) await this.checkTeamOwner(input, graphReachable, readableTeams, add);

    if (problems.length > 0) return { ok: false, problems };
    const settings: TeamsSettings = {
      platform: 'teams',
      tenantId: input.tenantId,
      clientId: input.clientId,
      homeTenantId: input.homeTenantId,
      homeTenantDomain: input.homeTenantDomain.toLowerCase(),
      teamIds: input.teamIds,
      teamOwnerUsername: input.teamOwner.username,
      authorityUrl: input.authorityUrl,
      graphUrl: input.graphUrl,
      paymentModel: input.paymentModel,
    };
    return { ok: true, settings };
  }

  private async checkHomeTenant(input: TeamsConnectionInput, graphReachable: boolean, add: (field: string, reason: string) => void): Promise<void> {
    const home = await this.clientCredentials(input, input.homeTenantId);
    if (!home.ok) {
      add(home.status === 0 ? 'authorityUrl' : 'homeTenantId', `the app could not sign in to the home tenant: ${home.description}`);
      return;
    }
    this.checkRoles(home.accessToken, HOME_TENANT_ROLES, 'homeTenantId', 'the app in the home tenant', add);
    const problem = graphReachable ? await this.readUsers(this.api(input, input.homeTenantId, home.accessToken)) : null;
    if (problem) add(problem.unreachable ? 'graphUrl' : 'homeTenantId', problem.unreachable ? problem.reason : `the app cannot read users in the home tenant: ${problem.reason}`);
    // The domain must name the home tenant: home accounts are created on it.
    const byDomain = await this.clientCredentials(input, input.homeTenantDomain);
    if (!byDomain.ok) {
      if (byDomain.status !== 0) add('homeTenantDomain', `no tenant the app can sign in to has this domain: ${byDomain.description}`);
      return;
    }
    const tid = jwtClaims(byDomain.accessToken)?.['tid'];
    if (typeof tid === 'string' && tid.toLowerCase() !== input.homeTenantId.toLowerCase()) {
      add('homeTenantDomain', `the domain belongs to tenant ${tid}, not to the home tenant ${input.homeTenantId}`);
    }
  }

  private async checkTeamOwner(
    input: TeamsConnectionInput,
    graphReachable: boolean,
    readableTeams: ReadonlySet<number>,
    add: (field: string, reason: string) => void,
  ): Promise<void> {
    const signIn = await requestToken(this.target(input, input.tenantId), {
      grant_type: 'password',
      client_id: input.clientId,
      client_secret: input.clientSecret,
      username: input.teamOwner.username,
      password: input.teamOwner.password,
      scope: `${GRAPH_DEFAULT_SCOPE} offline_access`,
    });
    if (!signIn.ok) {
      const { field, reason } = ownerSignInProblem(signIn);
      add(field, `the team owner ${input.teamOwner.username} could not sign in: ${reason}`);
      return;
    }
    if (!graphReachable) return;
    const owner = this.api(input, input.tenantId, signIn.accessToken);
    let me: { id: string };
    try {
      me = await owner.get<{ id: string }>('/me?$select=id,userPrincipalName');
    } catch (error) {
      add('teamOwner.username', `the team owner's account could not be read: ${describe(error)}`);
      return;
    }
    for (const [index, teamId] of input.teamIds.entries()) {
      if (!readableTeams.has(index)) continue;
      try {
        const members = await owner.get<{ value?: { userId?: string; roles?: string[] }[] }>(`/teams/${encodeURIComponent(teamId)}/members`);
        const own = (members.value ?? []).find((m) => m.userId === me.id);
        if (!own) add('teamOwner.username', `${input.teamOwner.username} is not a member of team teamIds[${index}] (${teamId})`);
        else if (!(own.roles ?? []).includes('owner')) add('teamOwner.username', `${input.teamOwner.username} is a member but not an owner of team teamIds[${index}] (${teamId}); Graph adds guests only for owners`);
      } catch (error) {
        if (error instanceof GraphRequestError && error.status === 403) {
          add('teamOwner.username', `${input.teamOwner.username} cannot read the members of team teamIds[${index}] (${teamId}): ${error.graphMessage}`);
        } else {
          add('teamOwner.username', `the members of team teamIds[${index}] (${teamId}) could not be read as the team owner: ${describe(error)}`);
        }
      }
    }
  }

  /** Null when /users answers, else why not (and whether Graph was reachable at all). */
  private async readUsers(api: GraphApi): Promise<{ unreachable: boolean; reason: string } | null> {
    try {
      await api.get('/users?$top=1&$select=id');
      return null;
    } catch (error) {
      if (error instanceof GraphRequestError && error.unreachable) return { unreachable: true, reason: `Graph could not be reached: ${error.graphMessage}` };
      return { unreachable: false, reason: describe(error) };
    }
  }

  private async readTeam(api: GraphApi, teamId: string): Promise<string | null> {
    try {
      await api.get(`/teams/${encodeURIComponent(teamId)}?$select=id,displayName`);
      return null;
    } catch (error) {
      if (error instanceof GraphRequestError && error.status === 404) return `no team ${teamId} in the customer tenant`;
      if (error instanceof GraphRequestError && error.status === 403) return `the app cannot read team ${teamId} (Team.ReadBasic.All): ${error.graphMessage}`;
      return `team ${teamId} could not be read: ${describe(error)}`;
    }
  }

  private checkRoles(token: string, required: readonly RoleRequirement[], field: string, who: string, add: (field: string, reason: string) => void): void {
    const roles = jwtRoles(token);
    if (roles === undefined) return;
    const missing = missingRoles(roles, required);
    if (missing) add(field, `${who} lacks the application permission${missing.includes(',') ? 's' : ''} ${missing} (grant and admin-consent them)`);
  }

  private clientCredentials(input: TeamsConnectionInput, tenant: string): Promise<TokenEndpointOutcome> {
    return requestToken(this.target(input, tenant), {
      grant_type: 'client_credentials',
      client_id: input.clientId,
      client_secret: input.clientSecret,
      scope: GRAPH_DEFAULT_SCOPE,
    });
  }

  private target(input: TeamsConnectionInput, tenant: string) {
    return { authorityUrl: input.authorityUrl, tenant, dispatcher: this.graph.dispatcher };
  }

  private api(input: TeamsConnectionInput, tenantId: string, token: string): GraphApi {
    return this.graph.withToken(input.graphUrl, { tenantId, clientId: input.clientId }, token, VERIFY_RETRY);
  }
}

/** Which field a refused client-credentials sign-in points at. */
export function appTokenField(refused: Refused, tenant: 'customer' | 'home'): string {
  const tenantField = tenant === 'customer' ? 'tenantId' : 'homeTenantId';
  if (refused.status === 0) return 'authorityUrl';
  const has = (...codes: number[]) => codes.some((c) => refused.codes.includes(c));
  if (has(90002, 900023, 90072)) return tenantField;
  if (has(700016) || refused.error === 'unauthorized_client') return tenant === 'customer' ? 'clientId' : 'homeTenantId';
  if (has(7000215, 7000222, 7000218) || refused.error === 'invalid_client') return 'clientSecret';
  return tenant === 'customer' ? 'clientSecret' : 'homeTenantId';
}

/** Which field a refused team owner sign-in (ROPC) points at, and an admin's reading of why. */
export function ownerSignInProblem(refused: Refused): { field: string; reason: string } {
  const has = (...codes: number[]) => codes.some((c) => refused.codes.includes(c));
  if (refused.status === 0) return { field: 'authorityUrl', reason: refused.description };
  if (has(50034, 50020, 50057)) return { field: 'teamOwner.username', reason: refused.description };
  if (has(50076, 50079, 50158)) {
    return { field: 'teamOwner.password', reason: `the account must do multi-factor authentication, which a service account signing in with a password cannot: exclude it from the MFA policy (${refused.description})` };
  }
  if (has(65001)) return { field: 'clientId', reason: `the app lacks consent for the delegated permissions: ${refused.description}` };
  return { field: 'teamOwner.password', reason: refused.description };
}

function describe(error: unknown): string {
  if (error instanceof GraphRequestError) return `Graph answered ${error.status || 'nothing'}${error.code ? ` ${error.code}` : ''}: ${error.graphMessage}`;
  return error instanceof Error ? error.message : String(error);
}

/** Belt and braces: whatever a platform said, a secret the admin sent never goes back out. */
function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}
