import { z } from 'zod';
import { PERMISSIONS, authorize } from '../auth/permissions';
import { type GraphRouter, objectBody } from '../http/call';
import { json } from '../http/exchange';
import { badRequest } from '../http/graph-error';
import { newGuid } from '../state/ids';
import type { User } from '../state/model';

const invitationSchema = z.object({
  invitedUserEmailAddress: z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/),
  inviteRedirectUrl: z.string().url(),
  invitedUserDisplayName: z.string().optional(),
  sendInvitationMessage: z.boolean().optional(),
  invitedUserType: z.enum(['Guest', 'Member']).optional(),
  invitedUserMessageInfo: z.object({ customizedMessageBody: z.string().optional() }).passthrough().optional(),
});

/** B2B guest UPN: `alias_domain#EXT#@tenant.onmicrosoft.com`. */
export const guestUpn = (email: string, initialDomain: string): string => `${email.replace('@', '_')}#EXT#@${initialDomain}`;

export function registerInvitations(router: GraphRouter): void {
  router.add('POST', '/invitations', (request, _params, { sandbox, principal }) => {
    authorize(principal, PERMISSIONS.invite);
    sandbox.throttle.take('invitations', principal.tenantId);
    sandbox.throttle.take('directoryWrites', `${principal.tenantId}:${principal.clientId}`);
    const parsed = invitationSchema.safeParse(objectBody(request.body));
    if (!parsed.success) {
      const path = parsed.error.issues[0]?.path.join('.') ?? '';
      throw badRequest(path ? `Invalid value specified for property '${path}' of resource 'Invitation'.` : 'Invalid invitation.');
    }
    const input = parsed.data;
    const store = sandbox.store;
    const tenant = store.tenants.get(principal.tenantId);
    if (!tenant) throw badRequest('Unknown tenant.');
    const email = input.invitedUserEmailAddress.toLowerCase();
    const emailDomain = email.split('@')[1] ?? '';
    if (tenant.domains.includes(emailDomain)) throw badRequest(`The invited user already exists in the directory as a member: ${email} belongs to a verified domain of this tenant.`);
    const upn = guestUpn(email, tenant.initialDomain);
    let guest: User | undefined = store.findUser(tenant.id, upn);
    if (!guest) {
      // A guest that stands for an account of another sandbox tenant signs in with that account's credential.
      const home = store.users.get(store.usersByUpn.get(email) ?? '');
      guest = store.addUser({
        id: newGuid(),
        tenantId: tenant.id,
        displayName: input.invitedUserDisplayName ?? home?.displayName ?? email,
        givenName: home?.givenName ?? null,
        surname: home?.surname ?? null,
        mail: email,
        userPrincipalName: upn,
        mailNickname: email.replace('@', '_'),
        userType: input.invitedUserType ?? 'Guest',
        accountEnabled: true,
        jobTitle: null,
        createdDateTime: new Date().toISOString(),
        externalUserState: 'PendingAcceptance',
        homeUserId: home && home.tenantId !== tenant.id ? home.id : null,
        version: store.nextVersion(),
        deleted: false,
      });
    }
    const id = newGuid();
    const inviteRedeemUrl = `${sandbox.baseUrl()}/redeem/${encodeURIComponent(tenant.id)}/${guest.id}?ticket=${id}`;
    const sendInvitationMessage = input.sendInvitationMessage ?? false;
    if (sendInvitationMessage) {
      sandbox.inspection.emails.push({
        to: email,
        subject: `You're invited to the ${tenant.name} organization`,
        inviteRedeemUrl,
        customizedMessageBody: input.invitedUserMessageInfo?.customizedMessageBody ?? null,
        at: new Date().toISOString(),
      });
    }
    return json(201, {
      '@odata.context': `${sandbox.baseUrl()}/v1.0/$metadata#invitations/$entity`,
      id,
      inviteRedeemUrl,
      invitedUserDisplayName: input.invitedUserDisplayName ?? null,
      invitedUserType: guest.userType,
      invitedUserEmailAddress: input.invitedUserEmailAddress,
      sendInvitationMessage,
      resetRedemption: false,
      inviteRedirectUrl: input.inviteRedirectUrl,
      status: guest.externalUserState === 'Accepted' ? 'Completed' : 'PendingAcceptance',
      invitedUserMessageInfo: { messageLanguage: null, ccRecipients: [], customizedMessageBody: input.invitedUserMessageInfo?.customizedMessageBody ?? null },
      invitedUser: { id: guest.id },
    });
  });
}
