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
    return claims;
  }
  if (collection === 'chats' && verb === 'GET') claims.push({ limit: 'teamsGet', bucket: `graph:teams-get:${app}` });
  return claims;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
