import { GraphError } from '../http/graph-error';
import type { Principal } from '../state/model';

/** Which permissions allow an operation: any one of the listed delegated scopes or application roles. */
export interface Requirement {
  readonly delegated?: readonly string[];
  readonly application?: readonly string[];
  /** Why application tokens are refused when the API is delegated-only (Graph's own wording where known). */
  readonly applicationRefusal?: string;
}

/** Throws Graph's 403 unless the principal holds one of the permissions for its token kind. */
export function authorize(principal: Principal, requirement: Requirement): void {
  if (principal.kind === 'application') {
    if (!requirement.application) {
      throw new GraphError(403, 'Forbidden', requirement.applicationRefusal ?? 'This API is not supported for application permissions (app-only tokens); a delegated token is required.');
    }
    if (!requirement.application.some((role) => principal.roles.has(role))) {
      throw new GraphError(403, 'Authorization_RequestDenied', `Insufficient privileges to complete the operation. The application needs one of these application permissions: ${requirement.application.join(', ')}.`);
    }
    return;
  }
  if (!requirement.delegated) throw new GraphError(403, 'Forbidden', 'This API supports application permissions only; delegated tokens are not allowed.');
  if (!requirement.delegated.some((scope) => principal.scopes.has(scope))) {
    throw new GraphError(403, 'Forbidden', `Missing scope permissions on the request. API requires one of '${requirement.delegated.join(', ')}'. Scopes on the request '${[...principal.scopes].join(', ')}'.`);
  }
}

/** The permission sets the handlers use, broadest last (a write permission implies the read). */
export const PERMISSIONS = {
  readUsers: {
    delegated: ['User.Read.All', 'User.ReadBasic.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    application: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  },
  createUsers: { delegated: ['User.ReadWrite.All', 'Directory.ReadWrite.All'], application: ['User.ReadWrite.All', 'Directory.ReadWrite.All'] },
  /** PATCH /users/{id}. passwordProfile in delegated context additionally needs Directory.AccessAsUser.All (see users.ts). */
  updateUsers: { delegated: ['User.ReadWrite.All', 'Directory.ReadWrite.All'], application: ['User.ReadWrite.All', 'Directory.ReadWrite.All'] },
  /** PATCH /users/{id} setting accountEnabled alone. */
  enableDisableUsers: {
    delegated: ['User.EnableDisableAccount.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
    application: ['User.EnableDisableAccount.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  /** PATCH /me or /users/{own id}: a signed-in user's own profile. */
  updateOwnProfile: { delegated: ['User.ReadWrite', 'User.ReadWrite.All', 'Directory.ReadWrite.All'] },
  invite: { delegated: ['User.Invite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'], application: ['User.Invite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'] },
  readTeams: {
    delegated: ['Team.ReadBasic.All', 'TeamSettings.Read.All', 'TeamSettings.ReadWrite.All', 'Directory.Read.All'],
    application: ['Team.ReadBasic.All', 'TeamSettings.Read.All', 'TeamSettings.ReadWrite.All', 'Directory.Read.All'],
  },
  readChannels: {
    delegated: ['Channel.ReadBasic.All', 'ChannelSettings.Read.All', 'ChannelSettings.ReadWrite.All'],
    application: ['Channel.ReadBasic.All', 'ChannelSettings.Read.All', 'ChannelSettings.ReadWrite.All'],
  },
  readTeamMembers: {
    delegated: ['TeamMember.Read.All', 'TeamMember.ReadWrite.All'],
    application: ['TeamMember.Read.All', 'TeamMember.ReadWrite.All'],
  },
  addTeamMember: { delegated: ['TeamMember.ReadWrite.All'], application: ['TeamMember.ReadWrite.All'] },
  createChannel: {
    delegated: ['Channel.Create', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
    application: ['Channel.Create', 'Teamwork.Migrate.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  readChannelMembers: {
    delegated: ['ChannelMember.Read.All', 'ChannelMember.ReadWrite.All'],
    application: ['ChannelMember.Read.All', 'ChannelMember.ReadWrite.All'],
  },
  addChannelMember: { delegated: ['ChannelMember.ReadWrite.All'], application: ['ChannelMember.ReadWrite.All'] },
  createChat: { delegated: ['Chat.Create', 'Chat.ReadWrite'], application: ['Chat.Create', 'Teamwork.Migrate.All'] },
  readChats: { delegated: ['Chat.ReadBasic', 'Chat.Read', 'Chat.ReadWrite'], application: ['Chat.ReadBasic.All', 'Chat.Read.All', 'Chat.ReadWrite.All'] },
  chatMembersWrite: { delegated: ['ChatMember.ReadWrite', 'Chat.ReadWrite'], application: ['ChatMember.ReadWrite.All'] },
  readChatMessages: { delegated: ['Chat.Read', 'Chat.ReadWrite'], application: ['Chat.Read.All', 'Chat.ReadWrite.All'] },
  sendChatMessage: {
    delegated: ['ChatMessage.Send', 'Chat.ReadWrite'],
    applicationRefusal: 'Message POST is allowed in application-only context only for import purposes. Refer to https://docs.microsoft.com/microsoftteams/platform/graph-api/import-messages/import-external-messages-to-teams for more details.',
  },
  writeChatMessage: { delegated: ['Chat.ReadWrite'], applicationRefusal: 'Updating or deleting a chat message is supported in delegated context only.' },
  readChannelMessages: { delegated: ['ChannelMessage.Read.All'], application: ['ChannelMessage.Read.All', 'ChannelMessage.ReadWrite.All'] },
  sendChannelMessage: {
    delegated: ['ChannelMessage.Send', 'Group.ReadWrite.All'],
    applicationRefusal: 'Message POST is allowed in application-only context only for import purposes. Refer to https://docs.microsoft.com/microsoftteams/platform/graph-api/import-messages/import-external-messages-to-teams for more details.',
  },
  writeChannelMessage: { delegated: ['ChannelMessage.ReadWrite', 'Group.ReadWrite.All'], applicationRefusal: 'Updating or deleting a channel message is supported in delegated context only.' },
  /** PATCH of policyViolation, the only message change an application may make. */
  chatMessagePolicyViolation: { application: ['Chat.UpdatePolicyViolation.All'] },
  channelMessagePolicyViolation: { application: ['ChannelMessage.UpdatePolicyViolation.All'] },
  reactChatMessage: { delegated: ['ChatMessage.Send', 'Chat.ReadWrite'], applicationRefusal: 'Reactions are supported in delegated context only.' },
  reactChannelMessage: { delegated: ['ChannelMessage.Send', 'Group.ReadWrite.All'], applicationRefusal: 'Reactions are supported in delegated context only.' },
  /** A drive's items and their content, and /shares (Graph offers apps no read-only permission for /shares). */
  readFiles: {
    delegated: ['Files.Read', 'Files.ReadWrite', 'Files.Read.All', 'Files.ReadWrite.All', 'Sites.Read.All', 'Sites.ReadWrite.All'],
    application: ['Files.Read.All', 'Files.ReadWrite.All', 'Sites.Read.All', 'Sites.ReadWrite.All'],
  },
  writeFiles: { delegated: ['Files.ReadWrite', 'Files.ReadWrite.All', 'Sites.ReadWrite.All'], application: ['Files.ReadWrite.All', 'Sites.ReadWrite.All'] },
  shares: { delegated: ['Files.ReadWrite', 'Files.ReadWrite.All', 'Sites.ReadWrite.All'], application: ['Files.ReadWrite.All', 'Sites.ReadWrite.All'] },
  /** createUploadSession: application only with Sites.ReadWrite.All, as documented. */
  uploadSession: { delegated: ['Files.ReadWrite', 'Files.ReadWrite.All', 'Sites.ReadWrite.All'], application: ['Sites.ReadWrite.All'] },
} satisfies Record<string, Requirement>;
