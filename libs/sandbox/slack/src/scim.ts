import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SlackStore } from './store';
import type { SlackActions } from './actions';
import type { User } from './model';
import { sendJson } from './http-io';
import { userJson } from './serializers';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: string,
  ) {
    super(detail);
  }
}

function scimUser(user: User, baseUrl: string): Record<string, unknown> {
  const [givenName, ...rest] = user.realName.split(' ');
  return {
    schemas: [USER_SCHEMA],
    id: user.id,
    externalId: '',
    userName: user.scimUserName ?? user.name,
    nickName: user.name,
    name: { givenName: givenName ?? '', familyName: rest.join(' ') },
    displayName: user.displayName,
    emails: user.email ? [{ value: user.email, primary: true }] : [],
    title: user.title,
    active: !user.deleted,
    photos: [{ value: user.image72, type: 'photo' }],
    meta: { created: new Date(user.updated * 1000).toISOString(), location: `${baseUrl}/scim/v2/Users/${user.id}` },
  };
}

interface ScimUserInput {
  userName?: unknown;
  displayName?: unknown;
  title?: unknown;
  active?: unknown;
  name?: { givenName?: unknown; familyName?: unknown };
  emails?: Array<{ value?: unknown; primary?: unknown }>;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function primaryEmail(input: ScimUserInput): string | undefined {
  if (!Array.isArray(input.emails)) return undefined;
  const primary = input.emails.find((e) => e?.primary === true) ?? input.emails[0];
  return str(primary?.value);
}

/**
 * SCIM v2 Users, on Business+ and Enterprise workspaces only, with a token that carries the `admin` scope.
 * DELETE deactivates (Slack never removes accounts). Creations emit team_join; changes emit user_change.
 */
export class ScimUsers {
  constructor(
    private readonly store: SlackStore,
    private readonly actions: SlackActions,
  ) {}

  handle(request: IncomingMessage, response: ServerResponse, path: string, query: URLSearchParams, body: Buffer, baseUrl: string): void {
    try {
      const teamId = this.authorize(request);
      const id = path.replace(/^\/scim\/v2\/Users\/?/, '');
      const method = request.method ?? 'GET';
      if (!id && method === 'GET') return sendJson(response, 200, this.list(teamId, query, baseUrl));
      if (!id && method === 'POST') return sendJson(response, 201, scimUser(this.create(teamId, this.input(body)), baseUrl));
      const user = this.store.users.get(id);
      if (!id || !user || user.teamId !== teamId || user.isBot) throw new ScimError(404, 'User not found');
      if (method === 'GET') return sendJson(response, 200, scimUser(user, baseUrl));
      if (method === 'PATCH') return sendJson(response, 200, scimUser(this.patch(user, body), baseUrl));
      if (method === 'PUT') return sendJson(response, 200, scimUser(this.apply(user, this.input(body)), baseUrl));
      if (method === 'DELETE') {
        this.actions.setDeactivated(user, true);
        response.writeHead(204).end();
        return;
      }
      throw new ScimError(405, 'Method not allowed');
    } catch (error) {
      if (!(error instanceof ScimError)) throw error;
      const payload: Record<string, unknown> = { schemas: [ERROR_SCHEMA], status: String(error.status), detail: error.detail };
      if (error.scimType) payload['scimType'] = error.scimType;
      sendJson(response, error.status, payload);
    }
  }

  private authorize(request: IncomingMessage): string {
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? this.store.tokens.get(header.slice(7).trim()) : undefined;
    if (!token || token.revoked) throw new ScimError(401, 'invalid_authentication');
    const workspace = this.store.workspaces.get(token.teamId);
    if (!workspace || (workspace.plan !== 'business+' && workspace.plan !== 'enterprise')) {
      throw new ScimError(403, `SCIM is not available on the ${workspace?.plan ?? 'unknown'} plan (Business+ or Enterprise Grid required)`);
    }
    if (!token.scopes.has('admin')) throw new ScimError(403, 'missing_scope: admin');
    return token.teamId;
  }

  private input(body: Buffer): ScimUserInput {
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as ScimUserInput;
    } catch {
      // answered below
    }
    throw new ScimError(400, 'Request body is not a JSON object', 'invalidSyntax');
  }

  private list(teamId: string, query: URLSearchParams, baseUrl: string): Record<string, unknown> {
    let users = [...this.store.users.values()].filter((u) => u.teamId === teamId && !u.isBot);
    const filter = query.get('filter');
    if (filter) {
      const match = /^\s*(userName|emails(?:\.value)?|email)\s+eq\s+"([^"]*)"\s*$/i.exec(filter);
      if (!match) throw new ScimError(400, `Unsupported filter: ${filter}`, 'invalidFilter');
      const value = (match[2] ?? '').toLowerCase();
      users = match[1]?.toLowerCase() === 'username'
        ? users.filter((u) => (u.scimUserName ?? u.name).toLowerCase() === value)
        : users.filter((u) => u.email.toLowerCase() === value);
    }
    const startIndex = Math.max(1, Number(query.get('startIndex') ?? 1) || 1);
    const count = Math.min(1000, Math.max(0, Number(query.get('count') ?? 100) || 100));
    const page = users.slice(startIndex - 1, startIndex - 1 + count);
    return { schemas: [LIST_SCHEMA], totalResults: users.length, itemsPerPage: page.length, startIndex, Resources: page.map((u) => scimUser(u, baseUrl)) };
  }

  private create(teamId: string, input: ScimUserInput): User {
    const userName = str(input.userName);
    const email = primaryEmail(input);
    if (!userName || !email) throw new ScimError(400, 'userName and emails are required', 'invalidValue');
    if (this.store.userByEmail(teamId, email)) throw new ScimError(409, 'email_taken', 'uniqueness');
    if ([...this.store.users.values()].some((u) => u.teamId === teamId && (u.scimUserName ?? u.name) === userName)) throw new ScimError(409, 'username_taken', 'uniqueness');
    const realName = [str(input.name?.givenName), str(input.name?.familyName)].filter(Boolean).join(' ') || str(input.displayName) || userName;
    const user = this.store.addUser(teamId, {
      name: userName.toLowerCase().replace(/[^a-z0-9._-]+/g, '.'),
      scimUserName: userName,
      realName,
      displayName: str(input.displayName) ?? '',
      email,
      title: str(input.title) ?? '',
      deleted: input.active === false,
    });
    this.actionsTeamJoin(user);
    return user;
  }

  private actionsTeamJoin(user: User): void {
    // Slack announces new members with team_join carrying the full user object.
    this.actions.emitRaw(user.teamId, (app) => ({ type: 'team_join', user: userJson(user, app.botScopes.includes('users:read.email')) }));
  }

  private apply(user: User, input: ScimUserInput): User {
    const email = primaryEmail(input);
    if (email && email.toLowerCase() !== user.email.toLowerCase() && this.store.userByEmail(user.teamId, email)) throw new ScimError(409, 'email_taken', 'uniqueness');
    const given = str(input.name?.givenName);
    const family = str(input.name?.familyName);
    const [oldGiven, ...oldFamily] = user.realName.split(' ');
    const realName = given !== undefined || family !== undefined ? [given ?? oldGiven, family ?? oldFamily.join(' ')].filter(Boolean).join(' ') : undefined;
    if (str(input.userName)) user.scimUserName = str(input.userName);
    const changes = { realName, displayName: str(input.displayName), title: str(input.title), email };
    if (Object.values(changes).some((v) => v !== undefined)) this.actions.changeProfile(user, changes);
    if (typeof input.active === 'boolean') this.actions.setDeactivated(user, !input.active);
    return user;
  }

  private patch(user: User, body: Buffer): User {
    const input = this.input(body) as { schemas?: unknown; Operations?: unknown };
    if (!Array.isArray(input.schemas) || !input.schemas.includes(PATCH_SCHEMA) || !Array.isArray(input.Operations)) {
      throw new ScimError(400, 'Expected a PatchOp with Operations', 'invalidSyntax');
    }
    const changes: ScimUserInput = {};
    for (const op of input.Operations as Array<{ op?: unknown; path?: unknown; value?: unknown }>) {
      const kind = str(op?.op)?.toLowerCase();
      if (kind !== 'replace' && kind !== 'add') throw new ScimError(400, `Unsupported op: ${String(op?.op)}`, 'invalidValue');
      const path = str(op.path);
      if (!path) {
        if (typeof op.value !== 'object' || op.value === null) throw new ScimError(400, 'value must be an object', 'invalidValue');
        Object.assign(changes, op.value);
      } else if (path === 'active') changes.active = op.value === true || op.value === 'true' || op.value === 'True';
      else if (path === 'displayName' || path === 'userName' || path === 'title') changes[path] = op.value;
      else if (path === 'name.givenName' || path === 'name.familyName') changes.name = { ...changes.name, [path.slice(5)]: op.value };
      else if (path.startsWith('emails')) changes.emails = Array.isArray(op.value) ? op.value : [{ value: op.value, primary: true }];
      else throw new ScimError(400, `Unsupported path: ${path}`, 'invalidPath');
    }
    return this.apply(user, changes);
  }
}
