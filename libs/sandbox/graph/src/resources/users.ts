import { z } from 'zod';
import { PERMISSIONS, authorize } from '../auth/permissions';
import { type GraphRouter, objectBody } from '../http/call';
import { json } from '../http/exchange';
import { GraphError, badRequest, notFound } from '../http/graph-error';
import { decodeSkipToken, encodeSkipToken, parseFilter, project, selectParameter, topParameter } from '../http/odata';
import { newGuid } from '../state/ids';
import { DEFAULT_USER_FIELDS, FILTERABLE_USER_FIELDS, USER_FIELDS, userRecord } from './user-view';

interface UsersPage {
  filter: string | null;
  select: string | null;
  top: number;
  offset: number;
}

interface DeltaPage {
  select: string | null;
  /** change number the round started from (0 = full sync) */
  since: number;
  /** change number at which the round was started: the next delta link's starting point */
  until: number;
  offset: number;
}

const createUserSchema = z.object({
  accountEnabled: z.boolean(),
  displayName: z.string().min(1).max(256),
  mailNickname: z.string().min(1).max(64).regex(/^[^\s@()\\[\]";:<>,]+$/),
  userPrincipalName: z.string().regex(/^[^@\s]+@[^@\s]+$/),
  passwordProfile: z.object({ password: z.string().min(8), forceChangePasswordNextSignIn: z.boolean().optional() }),
  givenName: z.string().optional(),
  surname: z.string().optional(),
  jobTitle: z.string().optional(),
  mail: z.string().optional(),
});

export function registerUsers(router: GraphRouter): void {
  router.add('GET', '/users', (request, _params, { sandbox, principal }) => {
    authorize(principal, PERMISSIONS.readUsers);
    const token = request.query.get('$skiptoken');
    const page: UsersPage = token
      ? decodeSkipToken<UsersPage>(token)
      : { filter: request.query.get('$filter'), select: request.query.get('$select'), top: topParameter(request.query, 100, 999), offset: 0 };
    const filter = parseFilter(page.filter, FILTERABLE_USER_FIELDS);
    const fields = selectParameter(new URLSearchParams(page.select ? { $select: page.select } : {}), USER_FIELDS) ?? DEFAULT_USER_FIELDS;
    const users = sandbox.store.tenantUsers(principal.tenantId);
    // Without a filter only the page is rendered: generated tenants reach 10,000 users.
    const filtered = filter ? users.map(userRecord).filter(filter) : undefined;
    const total = filtered ? filtered.length : users.length;
    const slice = filtered ? filtered.slice(page.offset, page.offset + page.top) : users.slice(page.offset, page.offset + page.top).map(userRecord);
    const body: Record<string, unknown> = {
      '@odata.context': `${sandbox.baseUrl()}/v1.0/$metadata#users`,
      value: slice.map((record) => project(record, fields)),
    };
    if (page.offset + page.top < total) {
      body['@odata.nextLink'] = `${sandbox.baseUrl()}/v1.0/users?$skiptoken=${encodeSkipToken({ ...page, offset: page.offset + page.top })}`;
    }
    return json(200, body);
  });

  router.add('GET', '/users/delta', (request, _params, { sandbox, principal }) => {
    authorize(principal, PERMISSIONS.readUsers);
    const skip = request.query.get('$skiptoken');
    const delta = request.query.get('$deltatoken');
    let page: DeltaPage;
    if (skip) page = decodeSkipToken<DeltaPage>(skip);
    else if (delta) page = { ...decodeSkipToken<Omit<DeltaPage, 'offset' | 'until'>>(delta), until: sandbox.store.currentVersion(), offset: 0 };
    else page = { select: request.query.get('$select'), since: 0, until: sandbox.store.currentVersion(), offset: 0 };
    const fields = selectParameter(new URLSearchParams(page.select ? { $select: page.select } : {}), USER_FIELDS) ?? DEFAULT_USER_FIELDS;
    const changed = [...sandbox.store.users.values()]
      .filter((u) => u.tenantId === principal.tenantId && u.version > page.since && u.version <= page.until && (page.since > 0 || !u.deleted))
      .sort((a, b) => a.version - b.version);
    const size = 200;
    const slice = changed.slice(page.offset, page.offset + size);
    const body: Record<string, unknown> = {
      '@odata.context': `${sandbox.baseUrl()}/v1.0/$metadata#users`,
      value: slice.map((u) => (u.deleted ? { id: u.id, '@removed': { reason: 'changed' } } : project(userRecord(u), fields.includes('id') ? fields : [...fields, 'id']))),
    };
    if (page.offset + size < changed.length) {
      body['@odata.nextLink'] = `${sandbox.baseUrl()}/v1.0/users/delta?$skiptoken=${encodeSkipToken({ ...page, offset: page.offset + size })}`;
    } else {
      body['@odata.deltaLink'] = `${sandbox.baseUrl()}/v1.0/users/delta?$deltatoken=${encodeSkipToken({ select: page.select, since: page.until })}`;
    }
    return json(200, body);
  });

  router.add('GET', '/users/{id}', (request, params, { sandbox, principal }) => {
    authorize(principal, PERMISSIONS.readUsers);
    const user = sandbox.store.findUser(principal.tenantId, params['id'] as string);
    if (!user) throw new GraphError(404, 'Request_ResourceNotFound', `Resource '${params['id']}' does not exist or one of its queried reference-property objects are not present.`);
    const fields = selectParameter(request.query, USER_FIELDS) ?? DEFAULT_USER_FIELDS;
    return json(200, { '@odata.context': `${sandbox.baseUrl()}/v1.0/$metadata#users/$entity`, ...project(userRecord(user), fields) });
  });

  router.add('GET', '/me', (request, _params, { sandbox, principal }) => {
    if (!principal.userId) throw badRequest('/me request is only valid with delegated authentication flow.');
    const user = sandbox.store.users.get(principal.userId);
    if (!user) throw notFound();
    const fields = selectParameter(request.query, USER_FIELDS) ?? DEFAULT_USER_FIELDS;
    return json(200, { '@odata.context': `${sandbox.baseUrl()}/v1.0/$metadata#users/$entity`, ...project(userRecord(user), fields) });
  });

  router.add('POST', '/users', (request, _params, { sandbox, principal }) => {
    authorize(principal, PERMISSIONS.createUsers);
    sandbox.throttle.take('directoryWrites', `${principal.tenantId}:${principal.clientId}`);
    const parsed = createUserSchema.safeParse(objectBody(request.body));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw badRequest(`Invalid value specified for property '${issue?.path.join('.') ?? ''}' of resource 'User'.`);
    }
    const input = parsed.data;
    const tenant = sandbox.store.tenants.get(principal.tenantId);
    const domain = input.userPrincipalName.split('@')[1]?.toLowerCase() ?? '';
    if (!tenant || (!tenant.domains.includes(domain) && tenant.initialDomain !== domain)) {
      throw badRequest(`The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.`);
    }
    if (sandbox.store.usersByUpn.has(input.userPrincipalName.toLowerCase())) {
      throw badRequest('Another object with the same value for property userPrincipalName already exists.');
    }
    const user = sandbox.store.addUser({
      id: newGuid(),
      tenantId: principal.tenantId,
      displayName: input.displayName,
      givenName: input.givenName ?? null,
      surname: input.surname ?? null,
      mail: input.mail ?? null,
      userPrincipalName: input.userPrincipalName,
      mailNickname: input.mailNickname,
      userType: 'Member',
      accountEnabled: input.accountEnabled,
      jobTitle: input.jobTitle ?? null,
      createdDateTime: new Date().toISOString(),
      externalUserState: null,
      homeUserId: null,
      version: sandbox.store.nextVersion(),
      deleted: false,
    });
    // The creator set the password, so the sandbox treats it as a credential Parley holds (ROPC works).
    sandbox.store.passwords.set(user.id, input.passwordProfile.password);
    if (input.passwordProfile.forceChangePasswordNextSignIn === true) sandbox.store.passwordChangeRequired.add(user.id);
    return json(201, { '@odata.context': `${sandbox.baseUrl()}/v1.0/$metadata#users/$entity`, ...project(userRecord(user), DEFAULT_USER_FIELDS) }, {
      location: `${sandbox.baseUrl()}/v1.0/users/${user.id}`,
    });
  });
}
