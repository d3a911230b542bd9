import { GraphRequestError } from '@parley/teams-connector-graph-access';
import { addGuestToTeams, guestMemberBody, isAlreadyMember, type TeamMembershipAggregator, type TeamOwnerAccess } from '../guests/team-membership';

/**
 * Makes a sender a member wherever Graph requires it for posting in a channel, with the team owner's delegated token
 * (Graph refuses adding guests with application permissions): the team, through the same aggregator as guest sync;
 * then, for a private channel, the channel itself (`POST /teams/{t}/channels/{c}/members`: a private channel's
 * messages are its members' alone, and its owner, the team owner Parley created it as, adds them). Answers why they
 * could not be added, or null once they are in; anything transient (429, 5xx, Graph unreachable) is thrown, so the
 * delivery is retried.
 */
export async function joinChannel(
  memberships: TeamMembershipAggregator,
  connection: TeamOwnerAccess,
  place: { readonly teamId: string; readonly channelId: string },
  userId: string,
): Promise<string | null> {
  const [teamRefusal] = await addGuestToTeams(memberships, connection, userId, [place.teamId]);
  if (teamRefusal) return `adding them to the team was refused: ${teamRefusal.reason}`;
  const owner = connection.teamOwner();
  const channelPath = `/teams/${encodeURIComponent(place.teamId)}/channels/${encodeURIComponent(place.channelId)}`;
  let membershipType: string | null | undefined;
  try {
    membershipType = (await owner.get<{ membershipType?: string | null }>(channelPath)).membershipType;
  } catch (error) {
    // The team owner does not see a private channel it is not a member of: then it cannot add anyone to it either.
    return refusal(error, 'reading the channel as the team owner was refused');
  }
  // A standard channel's members are the team's.
  if (membershipType !== 'private' && membershipType !== 'shared') return null;
  try {
    await owner.post(`${channelPath}/members`, guestMemberBody(userId));
    return null;
  } catch (error) {
    if (error instanceof GraphRequestError && isAlreadyMember(error.status, error.graphMessage)) return null;
    return refusal(error, `adding them to the ${membershipType} channel was refused`);
  }
}

/** Graph's refusal as a reason; anything transient (429, 5xx, no answer) or not Graph's is thrown for a retry. */
function refusal(error: unknown, doing: string): string {
  if (!(error instanceof GraphRequestError)) throw error;
  const transient = error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500;
  if (transient) throw error;
  return `${doing}: Graph answered ${error.status}${error.code ? ` ${error.code}` : ''}: ${error.graphMessage}`;
}
