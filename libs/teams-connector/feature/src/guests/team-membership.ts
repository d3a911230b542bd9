import { GraphRequestError, RETRYABLE_STATUSES, graphErrorOf, type BatchItem, type GraphApi } from '@parley/teams-connector-graph-access';

/** The body Graph wants to add a guest to a team: by object id (never by UPN), with the guest role. */
export function guestMemberBody(guestUserId: string): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.aadUserConversationMember',
    roles: ['guest'],
    'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${guestUserId}')`,
  };
}

/** Graph's ways of saying the user is in the team already: that counts as done. */
export function isAlreadyMember(status: number, message: string): boolean {
  return status === 409 || (status === 400 && /already (a )?member|already exists?\b/i.test(message));
}

export interface TeamRefusal {
  readonly teamId: string;
  readonly reason: string;
}

/**
 * Adds a guest to every team with the team owner's delegated token. One team: one POST. Several: one $batch (inner
 * requests paced per team, inner 429s sent again by GraphApi). Refusals come back per team; a team still throttled
 * or unavailable after the retries throws, so the whole command is retried later.
 */
export async function addGuestToTeams(owner: GraphApi, guestUserId: string, teamIds: readonly string[]): Promise<TeamRefusal[]> {
  const body = guestMemberBody(guestUserId);
  const path = (teamId: string) => `/teams/${encodeURIComponent(teamId)}/members`;
  if (teamIds.length === 0) return [];
  if (teamIds.length === 1) {
    const teamId = teamIds[0] as string;
    try {
      await owner.request('POST', path(teamId), { body });
      return [];
    } catch (error) {
      if (!(error instanceof GraphRequestError)) throw error;
      if (isAlreadyMember(error.status, error.graphMessage)) return [];
      if (error.status === 0 || error.status === 429 || error.status >= 500) throw error;
      return [{ teamId, reason: `Graph answered ${error.status}${error.code ? ` ${error.code}` : ''}: ${error.graphMessage}` }];
    }
  }
  const items: BatchItem[] = teamIds.map((teamId) => ({ method: 'POST', url: path(teamId), body }));
  const answers = await owner.batch(items);
  const refusals: TeamRefusal[] = [];
  answers.forEach((answer, index) => {
    const teamId = teamIds[index] as string;
    if (answer.status >= 200 && answer.status < 300) return;
    const { code, message } = graphErrorOf(answer.body);
    if (isAlreadyMember(answer.status, message)) return;
    if (RETRYABLE_STATUSES.has(answer.status) || answer.status >= 500) {
      throw new GraphRequestError(answer.status, code, message, `POST ${path(teamId)} (in $batch)`, answer.headers);
    }
    refusals.push({ teamId, reason: `Graph answered ${answer.status}${code ? ` ${code}` : ''}: ${message}` });
  });
  return refusals;
}
