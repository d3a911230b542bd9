import type { GraphLimitName } from './limits';

/** One acquisition in one pacing window before a request goes out. */
export interface PacingClaim {
  readonly limit: GraphLimitName;
  /** The window's key, shared by every replica: the limit plus whatever Graph counts it per. */
  readonly bucket: string;
}

/** Who a request is counted against: Graph counts per tenant, per app and tenant, or per app and team. */
export interface GraphPrincipal {
  readonly tenantId: string;
  readonly clientId: string;
  /**
   * Who a delegated token speaks as (a stable key: `person:<id>`, `team-owner`), for the limits Graph counts per user;
   * absent for the app itself.
   */
  readonly user?: string;
}

/**
 * The path of a Graph URL relative to its version, without the query: `https://host/v1.0/users/delta?x` and
 * `/users/delta?x` both give `/users/delta`.
 */
export function relativeGraphPath(pathOrUrl: string): string {
  let path = pathOrUrl;
  if (/^https?:\/\//i.test(path)) {
    const url = new URL(path);
    // Graph URLs are host/version/path; drop the version segment.
    path = url.pathname.replace(/^\/[^/]+/, '');
  }
  const query = path.indexOf('?');
  if (query >= 0) path = path.slice(0, query);
  if (!path.startsWith('/')) path = `/${path}`;
  return path.replace(/\/+$/, '') || '/';
}

/** Which limits a request passes through. Requests no documented limit covers pass freely. */
export function classifyRequest(method: string, pathOrUrl: string, principal: GraphPrincipal): PacingClaim[] {
  const verb = method.toUpperCase();
  const segments = relativeGraphPath(pathOrUrl).split('/').filter(Boolean).map((s) => safeDecode(s));
  const app = `${principal.tenantId}:${principal.clientId}`;
  const claims: PacingClaim[] = [];
  const [first, second, third, fourth] = segments;
  const collection = first?.toLowerCase();

  if (collection === 'invitations' && verb === 'POST') {
    claims.push({ limit: 'invitations', bucket: `graph:invitations:${principal.tenantId}` });
    claims.push({ limit: 'directoryWrites', bucket: `graph:directory-writes:${app}` });
    return claims;
  }
  if (collection === 'users' && segments.length === 7 && third?.toLowerCase() === 'chats' && verb === 'POST' && /^(undo)?softdelete$/i.test(segments[6] as string)) {
    claims.push(...perChatClaims(fourth as string, app, principal));
    return claims;
  }
  if (collection === 'users') {
    const writesUser = (verb === 'POST' && segments.length === 1) || ((verb === 'PATCH' || verb === 'DELETE') && segments.length === 2);
    if (writesUser) claims.push({ limit: 'directoryWrites', bucket: `graph:directory-writes:${app}` });
    if (verb === 'GET' && third?.toLowerCase() === 'joinedteams') claims.push({ limit: 'teamsGet', bucket: `graph:teams-get:${app}` });
    return claims;
  }
  if (collection === 'me' && second?.toLowerCase() === 'joinedteams' && verb === 'GET') {
    claims.push({ limit: 'teamsGet', bucket: `graph:teams-get:${app}` });
    return claims;
  }
  if (collection === 'teams' && second) {
    if (verb === 'GET') claims.push({ limit: 'teamsGet', bucket: `graph:teams-get:${app}` });
    // A request on a channel counts against the channel, anything else in the team against the team.
    const place = third?.toLowerCase() === 'channels' && fourth ? fourth : second;
    claims.push({ limit: 'perTeam', bucket: `graph:team:${app}:${place}` });
    if (place === fourth && verb !== 'GET') claims.push(...channelMessageClaims(verb, segments, second, fourth, app, principal));
    return claims;
  }
  if (collection === 'chats' && verb === 'GET') claims.push({ limit: 'teamsGet', bucket: `graph:teams-get:${app}` });
  if (collection === 'chats' && second && third?.toLowerCase() === 'messages' && (verb === 'POST' || verb === 'PATCH')) {
    const isNew = verb === 'POST' && (segments.length === 3 || (segments.length === 4 && fourth?.toLowerCase() === 'replywithquote'));
    if (isNew) claims.push({ limit: 'chatMessagePost', bucket: `graph:chat-post:${app}` });
    // Reactions count against the chat's windows too, as edits do (cautious: the docs name sends only).
    const isReaction = verb === 'POST' && segments.length === 5 && /^(un)?setreaction$/i.test(segments[4] as string);
    if (isNew || isReaction || (verb === 'PATCH' && segments.length === 4)) claims.push(...perChatClaims(second, app, principal));
  }
  // softDelete and undoSoftDelete of a chat message: POST /users/{id}/chats/{chatId}/messages/{id}/softDelete
  return claims;
}

/**
 * A message written in a channel (`/teams/{t}/channels/{c}/messages[/{root}/replies][/{id}[/action]]`): a new one counts
 * per app and tenant and against the team as a whole (4 per second per app on a team, whichever channel); every write
 * (post, edit, softDelete, reaction) counts on the channel per app and per user, as in a chat.
 */
function channelMessageClaims(verb: string, segments: readonly string[], teamId: string, channelId: string, app: string, principal: GraphPrincipal): PacingClaim[] {
  if (segments[4]?.toLowerCase() !== 'messages') return [];
  const tail = segments.slice(5).map((s) => s.toLowerCase());
  const isNew = verb === 'POST' && (tail.length === 0 || (tail.length === 2 && tail[1] === 'replies'));
  // {id} | {root}/replies/{id}, then softDelete, undoSoftDelete, setReaction or unsetReaction.
  const target = tail[1] === 'replies' ? tail.slice(3) : tail.slice(1);
  const isWrite = isNew || (verb === 'PATCH' && target.length === 0) || (verb === 'POST' && target.length === 1 && /^((undo)?softdelete|(un)?setreaction)$/.test(target[0] as string));
  if (!isWrite) return [];
  const claims: PacingClaim[] = isNew
    ? [
        { limit: 'channelMessagePost', bucket: `graph:channel-post:${app}` },
        { limit: 'perTeam', bucket: `graph:team:${app}:${teamId}` },
      ]
    : [];
  return [...claims, ...perChatClaims(channelId, app, principal)];
}

/** A message written in one chat (or channel) counts for the app on it and for the signed-in user on it. */
function perChatClaims(chatId: string, app: string, principal: GraphPrincipal): PacingClaim[] {
  const claims: PacingClaim[] = [{ limit: 'perChat', bucket: `graph:chat:${app}:${chatId}` }];
  if (principal.user) claims.push({ limit: 'perUserPerChat', bucket: `graph:chat-user:${principal.tenantId}:${principal.user}:${chatId}` });
  return claims;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
