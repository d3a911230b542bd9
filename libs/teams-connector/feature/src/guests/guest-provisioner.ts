import { Inject, Injectable } from '@nestjs/common';
import type { Payload, PayloadIn } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import type { IdempotentConsumer, Outbox } from '@parley/persistence';
import { IDEMPOTENT_CONSUMER, LOGGER, OUTBOX } from '@parley/service-runtime';
import { GraphRequestError, NeedsAttentionError, type ConnectionGraph, type GraphAccess } from '@parley/teams-connector-graph-access';
import { RefusedError, refusalReason } from '../failures';
import { GRAPH_ACCESS } from '../graph.providers';
import { homeUserPrincipalName, mailNicknameOf } from './home-upn';
import { addGuestToTeams, TeamMembershipAggregator } from './team-membership';

type CreateRequested = Payload<'parley.teams.guest.create.requested.v1'>;
type DisableRequested = Payload<'parley.teams.guest.disable.requested.v1'>;
type Created = PayloadIn<'parley.teams.guest.created.v1'>;

const CREATE_CONSUMER = 'teams-connector.guest-create';
const DISABLE_CONSUMER = 'teams-connector.guest-disable';
/** Where Graph would send an invitee who redeems the invitation by hand (no email is sent, Parley redeems nothing). */
const INVITE_REDIRECT_URL = 'https://teams.microsoft.com';

export type GuestOutcome = 'created' | 'disabled' | 'failed' | 'duplicate';

interface HomeUser {
  readonly id: string;
  readonly userPrincipalName: string;
}

/**
 * Guest Account Sync for one person (docs/user-sync.md), each step finding its earlier effect so a replayed command
 * never makes a second guest: the home account in Parley's home tenant (created with identity's password only if
 * missing), an invitation into the customer tenant without email (Graph answers the existing guest when invited
 * before), identity signing in as the guest, then the guest added to every team by the team owner (one bulk
 * members/add per team, shared with the concurrent commands for that team: TeamMembershipAggregator). The resulting
 * event goes through the outbox; refusals an admin must fix become parley.teams.guest.failed.v1, anything transient
 * is thrown for the bus to retry.
 */
@Injectable()
export class GuestProvisioner {
  constructor(
    @Inject(GRAPH_ACCESS) private readonly graph: GraphAccess,
    @Inject(IDEMPOTENT_CONSUMER) private readonly idempotent: IdempotentConsumer,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(TeamMembershipAggregator) private readonly memberships: TeamMembershipAggregator,
  ) {}

  async create(command: CreateRequested, eventId: string): Promise<GuestOutcome> {
    if (await this.idempotent.hasProcessed(CREATE_CONSUMER, eventId)) return 'duplicate';
    const step = { doing: 'reading the Teams connection' };
    let created: Created;
    try {
      created = await this.provision(command, step);
    } catch (error) {
      const reason = refusalReason(error, step.doing);
      if (reason === null) throw error;
      return this.publishFailure(CREATE_CONSUMER, eventId, command, 'create', reason);
    }
    const outcome = await this.idempotent.run(CREATE_CONSUMER, eventId, (manager) => this.outbox.enqueue(manager, 'parley.teams.guest.created.v1', created));
    if (outcome === 'duplicate') return 'duplicate';
    this.logger.info({ personId: command.personId, guestUserId: created.guestUserId, reused: created.reused, signIn: created.signIn.status }, 'Teams guest ready');
    return 'created';
  }

  async disable(command: DisableRequested, eventId: string): Promise<GuestOutcome> {
    if (await this.idempotent.hasProcessed(DISABLE_CONSUMER, eventId)) return 'duplicate';
    const doing = 'disabling the guest (PATCH /users/{id} accountEnabled false)';
    try {
      const connection = await this.graph.forConnection(command.orgId, command.connectionId);
      await connection.app('customer').patch(`/users/${encodeURIComponent(command.guestUserId)}`, { accountEnabled: false });
    } catch (error) {
      // A guest that no longer exists cannot sign in either: that is disabled.
      if (!(error instanceof GraphRequestError && error.status === 404)) {
        const reason = refusalReason(error, doing);
        if (reason === null) throw error;
        return this.publishFailure(DISABLE_CONSUMER, eventId, command, 'disable', reason);
      }
    }
    const outcome = await this.idempotent.run(DISABLE_CONSUMER, eventId, (manager) =>
      this.outbox.enqueue(manager, 'parley.teams.guest.disabled.v1', {
        orgId: command.orgId,
        syncId: command.syncId,
        personId: command.personId,
        guestUserId: command.guestUserId,
      }),
    );
    return outcome === 'duplicate' ? 'duplicate' : 'disabled';
  }

  private async provision(command: CreateRequested, step: { doing: string }): Promise<Created> {
    const connection = await this.graph.forConnection(command.orgId, command.connectionId);
    const homeUpn = homeUserPrincipalName(command.email, command.personId, connection.settings.homeTenantDomain);

    step.doing = `finding or creating the home account ${homeUpn} in the home tenant`;
    const home = await this.homeAccount(connection, command, homeUpn);

    step.doing = 'inviting the home account into the customer tenant';
    const customer = connection.app('customer');
    const invitation = await customer.post<{ invitedUser?: { id?: string } }>('/invitations', {
      invitedUserEmailAddress: home.user.userPrincipalName,
      invitedUserDisplayName: command.displayName,
      inviteRedirectUrl: INVITE_REDIRECT_URL,
      sendInvitationMessage: false,
      invitedUserType: 'Guest',
    });
    const guestUserId = invitation.invitedUser?.id;
    if (!guestUserId) throw new GraphRequestError(502, null, 'the invitation answer has no invitedUser.id', 'POST /invitations');
    step.doing = 'reading the guest user';
    const guest = await customer.get<{ userPrincipalName: string }>(`/users/${encodeURIComponent(guestUserId)}?$select=id,userPrincipalName,userType`);

    step.doing = 'signing in as the guest';
    let signIn: Created['signIn'] = { status: 'ok' };
    try {
      await connection.signInAs(command.personId);
    } catch (error) {
      if (!(error instanceof NeedsAttentionError)) throw error;
      signIn = { status: 'needs_attention', reason: error.reason };
    }

    const teamIds = [...new Set(command.teamIds)];
    if (signIn.status === 'ok' && teamIds.length > 0) {
      step.doing = `adding the guest to team${teamIds.length > 1 ? 's' : ''} ${teamIds.join(', ')} as the team owner`;
      const refusals = await addGuestToTeams(this.memberships, connection, guestUserId, teamIds);
      if (refusals.length > 0) {
        throw new RefusedError(refusals.map((r) => `team ${r.teamId}: ${r.reason}`).join('; '));
      }
    }

    return {
      orgId: command.orgId,
      syncId: command.syncId,
      personId: command.personId,
      guestUserId,
      userPrincipalName: guest.userPrincipalName,
      homeUserPrincipalName: home.user.userPrincipalName,
      teamIds: signIn.status === 'ok' ? teamIds : [],
      reused: home.found,
      signIn,
    };
  }

  /**
   * POST /users with identity's password; Graph answers "already exists" when an earlier attempt (a replay after a
   * crash, a re-run) made it, and only then is it read by UPN. No GET beforehand: for a first creation, the usual
   * case, it could only answer 404 (2,000 such per 2,000 guests), and it saves no write on a replay either.
   */
  private async homeAccount(connection: ConnectionGraph, command: CreateRequested, upn: string): Promise<{ user: HomeUser; found: boolean }> {
    const home = connection.app('home');
    const password = await this.graph.identity.guestPassword(command.orgId, command.personId, command.connectionId, upn);
    try {
      const made = await home.post<HomeUser>('/users', {
        accountEnabled: true,
        displayName: command.displayName,
        mailNickname: mailNicknameOf(upn),
        userPrincipalName: upn,
        passwordProfile: { password: password.reveal(), forceChangePasswordNextSignIn: false },
      });
      return { user: { id: made.id, userPrincipalName: made.userPrincipalName ?? upn }, found: false };
    } catch (error) {
      if (error instanceof GraphRequestError && error.status === 400 && /already exists/i.test(error.graphMessage)) {
        // Not yet readable (replication lag) is thrown below, and the bus retries.
        const existing = await home.getOrNull<HomeUser>(`/users/${encodeURIComponent(upn)}?$select=id,userPrincipalName`);
        if (existing) return { user: existing, found: true };
      }
      throw error;
    }
  }

  private async publishFailure(
    consumer: string,
    eventId: string,
    command: { orgId: string; syncId: string; personId: string },
    operation: 'create' | 'disable',
    reason: string,
  ): Promise<GuestOutcome> {
    this.logger.warn({ personId: command.personId, operation, reason }, 'Teams guest refused');
    const outcome = await this.idempotent.run(consumer, eventId, (manager) =>
      this.outbox.enqueue(manager, 'parley.teams.guest.failed.v1', {
        orgId: command.orgId,
        syncId: command.syncId,
        personId: command.personId,
        operation,
        reason,
        retryable: false,
      }),
    );
    return outcome === 'duplicate' ? 'duplicate' : 'failed';
  }

}
