import { z } from 'zod';
import { authorize, PERMISSIONS } from '../auth/permissions';
import type { SandboxContext } from '../context';
import { type Call, type GraphRouter } from '../http/call';
import { json, noContent, type GraphResponse } from '../http/exchange';
import { badRequest, forbidden, GraphError, notFound } from '../http/graph-error';
import type { RouteParams } from '../http/router';
import { newGuid, opaqueToken, stableGuid } from '../state/ids';
import type { Drive, DriveItem, UploadSession, User } from '../state/model';

/*
 * OneDrive and SharePoint document libraries, as far as a chat or channel shares files (reference: "Images and
 * files"; driveItem, put content, createUploadSession, shares get). A member has a OneDrive; a guest has none in the
 * tenant that invited them (Teams does not let guests share files in chats); a team's library holds a folder per
 * channel (`/teams/{t}/channels/{c}/filesFolder`), which its members (guests included) may write.
 */

/** Every upload session range but the last must be a multiple of 320 KiB (documented). */
export const UPLOAD_RANGE_MULTIPLE = 320 * 1024;
/** How long an upload session's URL lives without activity (scaled with the time scale). */
const UPLOAD_SESSION_MS = 15 * 60 * 1000;

const DRIVE_BASE = String.raw`(?:/me/drive|/users/(?<userId>[^/]+)/drive|/groups/(?<groupId>[^/]+)/drive|/drives/(?<driveId>[^/]+))`;
const COLON = '(?::|%3A)';
/** `root`, `root:/a/b:`, `items/{id}`, `items/{id}:/a/b:` then nothing, `/content`, `/createUploadSession`, `/children` or `/invite`. */
const ITEM_PATH = new RegExp(
  String.raw`^${DRIVE_BASE}(?:/(?<root>root)(?:${COLON}/(?<rootPath>(?:(?!${COLON}).)+?)${COLON}?)?|/items/(?<itemId>[^/:%]+)(?:${COLON}/(?<itemPath>(?:(?!${COLON}).)+?)${COLON}?)?)(?<action>/content|/createUploadSession|/children|/invite)?/?$`,
  'i',
);
const DRIVE_PATH = new RegExp(String.raw`^${DRIVE_BASE}/?$`, 'i');

const slug = (value: string): string => value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x';
const encodePath = (names: readonly string[]): string => names.map((n) => encodeURIComponent(n)).join('/');

/** Names SharePoint refuses (documented invalid characters), and the empty name. */
function checkName(name: string): void {
  if (!name.trim() || /["*:<>?/\\|]/.test(name) || name.length > 400) throw badRequest(`The name '${name}' contains characters that are not allowed, or is empty.`);
}

function tenantSlug(sandbox: SandboxContext, tenantId: string): string {
  return slug(sandbox.store.tenants.get(tenantId)?.name ?? tenantId);
}

/** A member's OneDrive, made on first use as OneDrive provisions itself; none for a guest. */
function userDrive(sandbox: SandboxContext, user: User): Drive {
  if (user.userType === 'Guest') throw notFound(`User's mysite not found: ${user.userPrincipalName} is a guest and has no OneDrive in this tenant.`);
  const id = `b!${stableGuid('drive', user.id).replace(/-/g, '')}`;
  return driveOf(sandbox, id, () => ({
    id,
    tenantId: user.tenantId,
    owner: { kind: 'user', userId: user.id },
    rootId: stableGuid('drive-root', id),
    webBase: `https://${tenantSlug(sandbox, user.tenantId)}-my.sharepoint.test/personal/${slug(user.userPrincipalName).replace(/-/g, '_')}/Documents`,
  }));
}

/** A team's (its group's) document library. */
function groupDrive(sandbox: SandboxContext, teamId: string): Drive {
  const team = sandbox.store.teams.get(teamId);
  if (!team) throw notFound(`Group ${teamId} not found.`);
  const id = `b!${stableGuid('drive', teamId).replace(/-/g, '')}`;
  return driveOf(sandbox, id, () => ({
    id,
    tenantId: team.tenantId,
    owner: { kind: 'group', groupId: teamId },
    rootId: stableGuid('drive-root', id),
    webBase: `https://${tenantSlug(sandbox, team.tenantId)}.sharepoint.test/sites/${slug(team.displayName)}/Shared%20Documents`,
  }));
}

function driveOf(sandbox: SandboxContext, id: string, make: () => Drive): Drive {
  const existing = sandbox.store.drives.get(id);
  if (existing) return existing;
  const drive = make();
  sandbox.store.drives.set(id, drive);
  const now = new Date().toISOString();
  sandbox.store.driveItems.set(drive.rootId, {
    id: drive.rootId,
    driveId: id,
    parentId: null,
    name: 'root',
    folder: true,
    bytes: null,
    mimeType: null,
    guid: newGuid(),
    version: 1,
    createdBy: null,
    createdDateTime: now,
    lastModifiedDateTime: now,
  });
  return drive;
}

/** Whether a user may read a drive's items: its owner, or a member of its team. */
export function canUseDrive(sandbox: SandboxContext, drive: Drive, userId: string): boolean {
  return drive.owner.kind === 'user' ? drive.owner.userId === userId : !!sandbox.store.teams.get(drive.owner.groupId)?.members.has(userId);
}

/** Whether a user was invited to an item or to a folder above it. */
function grantedTo(sandbox: SandboxContext, item: DriveItem, userId: string, role: 'read' | 'write'): boolean {
  for (let current: DriveItem | undefined = item; current; current = current.parentId ? sandbox.store.driveItems.get(current.parentId) : undefined) {
    if ((current.grants ?? []).some((g) => g.userId === userId && (role === 'read' || g.roles.includes('write')))) return true;
  }
  return false;
}

/** Whether a user may open an item: they may use its drive, or it (or a folder above it) was shared with them. */
export function canOpenItem(sandbox: SandboxContext, item: DriveItem, userId: string): boolean {
  return canUseDrive(sandbox, sandbox.store.drives.get(item.driveId) as Drive, userId) || grantedTo(sandbox, item, userId, 'read');
}

/** An item's reader: the app, someone who may use its drive, or someone it was shared with. */
function checkItemAccess(call: Call, item: DriveItem): void {
  const drive = call.sandbox.store.drives.get(item.driveId) as Drive;
  if (call.principal.tenantId !== drive.tenantId) throw new GraphError(404, 'itemNotFound', 'The resource could not be found.');
  const userId = call.principal.userId;
  if (call.principal.kind === 'application' || !userId || canOpenItem(call.sandbox, item, userId)) return;
  throw forbidden('Access denied: the item was not shared with the signed-in user.');
}

/** Who may use a drive: its owner, a member of its team, or the app (with a Files or Sites permission). */
function checkAccess(call: Call, drive: Drive): void {
  if (call.principal.tenantId !== drive.tenantId) throw notFound('The drive was not found.');
  const userId = call.principal.userId;
  if (call.principal.kind === 'application' || !userId) return;
  if (drive.owner.kind === 'user' && drive.owner.userId !== userId) throw forbidden('Access denied: the signed-in user cannot read or write this OneDrive.');
  if (drive.owner.kind === 'group' && !call.sandbox.store.teams.get(drive.owner.groupId)?.members.has(userId)) throw forbidden('Access denied: the signed-in user is not a member of this group.');
}

function resolveDrive(call: Call, params: RouteParams): Drive {
  const { sandbox, principal } = call;
  let drive: Drive;
  if (params['driveId'] !== undefined) {
    const found = sandbox.store.drives.get(params['driveId']);
    if (!found) throw notFound('The drive was not found.');
    drive = found;
  } else if (params['groupId'] !== undefined) {
    drive = groupDrive(sandbox, params['groupId']);
  } else {
    const userKey = params['userId'] ?? principal.userId;
    if (!userKey) throw badRequest('/me is valid only with a delegated authentication flow.');
    const user = sandbox.store.findUser(principal.tenantId, userKey);
    if (!user) throw notFound(`User ${userKey} not found.`);
    drive = userDrive(sandbox, user);
  }
  checkAccess(call, drive);
  return drive;
}

function children(sandbox: SandboxContext, parentId: string): DriveItem[] {
  return [...sandbox.store.driveItems.values()].filter((item) => item.parentId === parentId);
}

function childNamed(sandbox: SandboxContext, parentId: string, name: string): DriveItem | undefined {
  return children(sandbox, parentId).find((item) => item.name.toLowerCase() === name.toLowerCase());
}

function pathNames(path: string): string[] {
  return path.split('/').filter(Boolean).map((part) => decodeURIComponent(part));
}

/** The item a path names under a folder, or undefined; `create` makes the missing folders (as an upload does). */
function walk(sandbox: SandboxContext, drive: Drive, fromId: string, names: readonly string[], createdBy: string | null, create: boolean): DriveItem | undefined {
  let current = sandbox.store.driveItems.get(fromId);
  for (const name of names) {
    if (!current) return undefined;
    if (!current.folder) throw badRequest(`'${current.name}' is a file, not a folder.`);
    const next = childNamed(sandbox, current.id, name);
    if (next) {
      current = next;
      continue;
    }
    if (!create) return undefined;
    checkName(name);
    current = addItem(sandbox, drive, current.id, name, true, null, null, createdBy);
  }
  return current;
}

function addItem(sandbox: SandboxContext, drive: Drive, parentId: string, name: string, folder: boolean, bytes: Buffer | null, mimeType: string | null, createdBy: string | null): DriveItem {
  const now = new Date().toISOString();
  const item: DriveItem = {
    id: `01${stableGuid('item', drive.id, newGuid()).replace(/-/g, '').slice(0, 32).toUpperCase()}`,
    driveId: drive.id,
    parentId,
    name,
    folder,
    bytes,
    mimeType,
    guid: newGuid().toUpperCase(),
    version: 1,
    createdBy,
    createdDateTime: now,
    lastModifiedDateTime: now,
  };
  sandbox.store.driveItems.set(item.id, item);
  return item;
}

/** The names from the drive's root to the item (the root itself: none). */
function namesOf(sandbox: SandboxContext, item: DriveItem): string[] {
  const names: string[] = [];
  let current: DriveItem | undefined = item;
  while (current && current.parentId !== null) {
    names.unshift(current.name);
    current = sandbox.store.driveItems.get(current.parentId);
  }
  return names;
}

/** An item's web address: what a reference attachment's contentUrl and /shares name it by. */
export function itemUrl(sandbox: SandboxContext, item: DriveItem): string {
  const drive = sandbox.store.drives.get(item.driveId) as Drive;
  const names = namesOf(sandbox, item);
  return names.length ? `${drive.webBase}/${encodePath(names)}` : drive.webBase;
}

/** The item a web address (webUrl / webDavUrl, as a reference attachment's contentUrl) names, or undefined. */
export function itemByUrl(sandbox: SandboxContext, url: string): DriveItem | undefined {
  const wanted = url.replace(/\/+$/, '');
  for (const item of sandbox.store.driveItems.values()) if (item.parentId !== null && itemUrl(sandbox, item) === wanted) return item;
  return undefined;
}

/** A driveItem as Graph answers it. */
export function driveItemRecord(sandbox: SandboxContext, item: DriveItem): Record<string, unknown> {
  const drive = sandbox.store.drives.get(item.driveId) as Drive;
  const creator = item.createdBy ? sandbox.store.users.get(item.createdBy) : undefined;
  const parentNames = item.parentId ? namesOf(sandbox, sandbox.store.driveItems.get(item.parentId) as DriveItem) : [];
  const url = itemUrl(sandbox, item);
  return {
    id: item.id,
    name: item.name,
    eTag: `"{${item.guid}},${item.version}"`,
    cTag: `"c:{${item.guid}},${item.version}"`,
    createdDateTime: item.createdDateTime,
    lastModifiedDateTime: item.lastModifiedDateTime,
    size: item.folder ? children(sandbox, item.id).reduce((sum, c) => sum + (c.bytes?.length ?? 0), 0) : (item.bytes?.length ?? 0),
    webUrl: url,
    webDavUrl: url,
    createdBy: creator ? { user: { id: creator.id, displayName: creator.displayName, email: creator.mail } } : { application: { displayName: 'Parley' } },
    parentReference: {
      driveId: drive.id,
      driveType: drive.owner.kind === 'user' ? 'business' : 'documentLibrary',
      ...(item.parentId ? { id: item.parentId, path: `/drives/${drive.id}/root:${parentNames.length ? `/${encodePath(parentNames)}` : ''}` } : {}),
    },
    ...(item.folder
      ? { folder: { childCount: children(sandbox, item.id).length } }
      : {
          file: { mimeType: item.mimeType ?? 'application/octet-stream' },
          '@microsoft.graph.downloadUrl': `${sandbox.baseUrl()}/v1.0/drives/${encodeURIComponent(drive.id)}/items/${item.id}/content`,
        }),
    ...(item.parentId === null ? { root: {} } : {}),
  };
}

function mimeTypeOf(name: string, declared: string | undefined): string {
  if (declared && !/^application\/octet-stream|^text\/plain$/i.test(declared) && !/json/i.test(declared)) return declared.split(';')[0]?.trim() ?? declared;
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  const known: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', pdf: 'application/pdf', txt: 'text/plain', csv: 'text/csv', zip: 'application/zip' };
  return (ext && known[ext]) ?? 'application/octet-stream';
}

/** Writes a file's bytes at `parent/name` under a conflict behavior; answers the item and whether it is new. */
function writeFile(sandbox: SandboxContext, drive: Drive, parentId: string, name: string, bytes: Buffer, declaredType: string | undefined, createdBy: string | null, conflict: 'fail' | 'replace' | 'rename'): { item: DriveItem; created: boolean } {
  checkName(name);
  let target = name;
  const existing = childNamed(sandbox, parentId, name);
  if (existing && existing.folder) throw new GraphError(409, 'nameAlreadyExists', `A folder named '${name}' already exists.`);
  if (existing && conflict === 'fail') throw new GraphError(409, 'nameAlreadyExists', 'The specified item name already exists.');
  if (existing && conflict === 'replace') {
    existing.bytes = bytes;
    existing.mimeType = mimeTypeOf(name, declaredType);
    existing.version += 1;
    existing.lastModifiedDateTime = new Date().toISOString();
    return { item: existing, created: false };
  }
  if (existing) {
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    for (let n = 1; childNamed(sandbox, parentId, target); n++) target = `${stem} ${n}${ext}`;
  }
  return { item: addItem(sandbox, drive, parentId, target, false, bytes, mimeTypeOf(target, declaredType), createdBy), created: true };
}

function conflictOf(value: unknown): 'fail' | 'replace' | 'rename' | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'fail' || value === 'replace' || value === 'rename') return value;
  throw badRequest(`Invalid value '${String(value)}' for @microsoft.graph.conflictBehavior.`);
}

/** Where a path-addressed request points: the parent folder and the last name (for a new file), or the item itself. */
function locate(call: Call, params: RouteParams): { drive: Drive; base: DriveItem; names: string[] } {
  const drive = resolveDrive(call, params);
  const baseId = params['itemId'] ?? drive.rootId;
  const base = call.sandbox.store.driveItems.get(baseId);
  if (!base || base.driveId !== drive.id) throw new GraphError(404, 'itemNotFound', 'The resource could not be found.');
  return { drive, base, names: pathNames(params['rootPath'] ?? params['itemPath'] ?? '') };
}

function existingItem(call: Call, params: RouteParams): DriveItem {
  const { drive, base, names } = locate(call, params);
  const item = walk(call.sandbox, drive, base.id, names, null, false);
  if (!item) throw new GraphError(404, 'itemNotFound', 'The resource could not be found.');
  return item;
}

function content(item: DriveItem): GraphResponse {
  if (item.folder || !item.bytes) throw new GraphError(404, 'itemNotFound', 'The item has no content (it is a folder).');
  return { status: 200, headers: { 'content-type': item.mimeType ?? 'application/octet-stream' }, raw: item.bytes };
}

const uploadSessionBody = z
  .object({
    item: z
      .object({ '@microsoft.graph.conflictBehavior': z.enum(['fail', 'replace', 'rename']).optional(), name: z.string().optional(), description: z.string().optional(), fileSize: z.number().int().min(0).optional() })
      .passthrough()
      .optional(),
    deferCommit: z.boolean().optional(),
  })
  .passthrough();

function sessionView(sandbox: SandboxContext, session: UploadSession): Record<string, unknown> {
  return {
    uploadUrl: `${sandbox.baseUrl()}/_upload/${encodeURIComponent(session.token)}`,
    expirationDateTime: new Date(session.expiresAt).toISOString(),
    nextExpectedRanges: [`${session.received}-${session.total === null ? '' : session.total - 1}`],
  };
}

/**
 * One range of an upload session (`Content-Range: bytes {from}-{to}/{total}`): ranges come in order; each but the
 * last is a multiple of 320 KiB; the last makes the item (201, or 200 when it replaced one) and ends the session.
 */
export function uploadRange(sandbox: SandboxContext, token: string, headers: Readonly<Record<string, string>>, bytes: Buffer): GraphResponse {
  const session = sandbox.store.uploadSessions.get(token);
  if (!session || session.expiresAt < Date.now()) {
    sandbox.store.uploadSessions.delete(token);
    throw new GraphError(404, 'itemNotFound', 'The upload session was not found or has expired.');
  }
  const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(headers['content-range'] ?? '');
  if (!range) throw badRequest("The Content-Range header is missing or malformed (expected 'bytes {from}-{to}/{total}').");
  const [from, to, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
  if (to < from || to >= total || bytes.length !== to - from + 1) throw badRequest('The Content-Range does not match the length of the body.');
  if (session.total !== null && session.total !== total) throw badRequest('The declared total size changed during the upload.');
  if (from !== session.received) {
    throw new GraphError(416, 'invalidRange', `The uploaded fragment overlaps or skips data. Next expected ranges: ${session.received}-.`);
  }
  const last = to === total - 1;
  if (!last && bytes.length % UPLOAD_RANGE_MULTIPLE !== 0) throw badRequest(`Fragments other than the last must be a multiple of 320 KiB (${UPLOAD_RANGE_MULTIPLE} bytes).`);
  session.total = total;
  session.chunks.push(Buffer.from(bytes));
  session.received += bytes.length;
  if (!last) return json(202, { expirationDateTime: new Date(session.expiresAt).toISOString(), nextExpectedRanges: [`${session.received}-${total - 1}`] });
  sandbox.store.uploadSessions.delete(token);
  const drive = sandbox.store.drives.get(session.driveId);
  if (!drive || !sandbox.store.driveItems.has(session.parentId)) throw new GraphError(404, 'itemNotFound', 'The folder the upload was going to is gone.');
  const { item, created } = writeFile(sandbox, drive, session.parentId, session.name, Buffer.concat(session.chunks), undefined, session.createdBy, session.conflictBehavior);
  return json(created ? 201 : 200, driveItemRecord(sandbox, item));
}

/** The share id of `GET /shares/{id}`: `u!` + unpadded base64url of a sharing URL (an item's webUrl here). */
function itemByShareId(sandbox: SandboxContext, shareId: string): DriveItem {
  if (!shareId.startsWith('u!')) throw badRequest('The sandbox resolves encoded sharing URLs (u!...) only.');
  const url = Buffer.from(shareId.slice(2), 'base64url').toString('utf8');
  const item = itemByUrl(sandbox, url);
  if (!item) throw new GraphError(404, 'itemNotFound', 'The sharing link no longer exists, or you do not have permission to access it.');
  return item;
}

function createdByOf(call: Call): string | null {
  return call.principal.userId ?? null;
}

const inviteBody = z.object({
  recipients: z.array(z.object({ email: z.string().optional(), alias: z.string().optional(), objectId: z.string().optional() }).passthrough()).min(1),
  roles: z.array(z.enum(['read', 'write'])).min(1),
  requireSignIn: z.boolean().optional(),
  sendInvitation: z.boolean().optional(),
  message: z.string().max(2000).optional(),
});

/**
 * `POST .../invite`: gives each recipient (by objectId, email or UPN, in the caller's tenant) the roles on the item,
 * answered as permissions. Only someone who may write the item shares it; not on a drive's root (documented for
 * personal drives). No email is sent (sendInvitation is recorded, not emulated).
 */
function invite(call: Call, params: RouteParams, raw: unknown): GraphResponse {
  authorize(call.principal, PERMISSIONS.writeFiles);
  const parsed = inviteBody.safeParse(raw ?? {});
  if (!parsed.success) throw badRequest(`Invalid request body for invite: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? 'invalid'}.`);
  const item = existingItem(call, params);
  if (item.parentId === null) throw forbidden('Permissions cannot be created on the root of a drive.');
  const permissions = parsed.data.recipients.map((recipient) => {
    const key = recipient.objectId ?? recipient.email ?? recipient.alias ?? '';
    const user = call.sandbox.store.findUser(call.principal.tenantId, key) ?? [...call.sandbox.store.users.values()].find((u) => u.tenantId === call.principal.tenantId && !u.deleted && u.mail?.toLowerCase() === key.toLowerCase());
    if (!user) throw badRequest(`The recipient '${key}' was not found in this tenant (the sandbox does not share with outside addresses).`);
    item.grants = [...(item.grants ?? []).filter((g) => g.userId !== user.id), { userId: user.id, roles: [...parsed.data.roles] }];
    return {
      id: stableGuid('permission', item.id, user.id),
      roles: [...parsed.data.roles],
      grantedTo: { user: { id: user.id, displayName: user.displayName, email: user.mail } },
      invitation: { email: user.mail, signInRequired: parsed.data.requireSignIn ?? true },
    };
  });
  return json(200, { value: permissions });
}

export function registerDrives(router: GraphRouter): void {
  router.addPattern('GET', DRIVE_PATH, (_request, params, call) => {
    authorize(call.principal, PERMISSIONS.readFiles);
    const drive = resolveDrive(call, params);
    const owner = drive.owner.kind === 'user' ? call.sandbox.store.users.get(drive.owner.userId) : undefined;
    return json(200, {
      id: drive.id,
      driveType: drive.owner.kind === 'user' ? 'business' : 'documentLibrary',
      name: drive.owner.kind === 'user' ? 'OneDrive' : 'Documents',
      webUrl: drive.webBase,
      owner: owner ? { user: { id: owner.id, displayName: owner.displayName } } : { group: { id: (drive.owner as { groupId: string }).groupId } },
    });
  });

  router.addPattern('GET', ITEM_PATH, (_request, params, call) => {
    authorize(call.principal, PERMISSIONS.readFiles);
    const item = existingItem(call, params);
    const action = params['action']?.toLowerCase();
    if (action === '/content') return content(item);
    if (action === '/children') return json(200, { value: children(call.sandbox, item.id).map((c) => driveItemRecord(call.sandbox, c)) });
    if (action) throw new GraphError(405, 'Request_BadRequest', `The HTTP method 'GET' is not allowed for this resource.`);
    return json(200, driveItemRecord(call.sandbox, item));
  });

  router.addPattern('PUT', ITEM_PATH, (request, params, call) => {
    authorize(call.principal, PERMISSIONS.writeFiles);
    if (params['action']?.toLowerCase() !== '/content') throw new GraphError(405, 'Request_BadRequest', `The HTTP method 'PUT' is not allowed for this resource.`);
    const { drive, base, names } = locate(call, params);
    const bytes = request.raw ?? Buffer.alloc(0);
    const conflict = conflictOf(request.query.get('@microsoft.graph.conflictBehavior')) ?? 'replace';
    if (names.length === 0) {
      // PUT .../items/{id}/content: new bytes for an existing file.
      if (base.folder) throw badRequest('Cannot upload content to a folder.');
      base.bytes = bytes;
      base.version += 1;
      base.lastModifiedDateTime = new Date().toISOString();
      return json(200, driveItemRecord(call.sandbox, base));
    }
    const parent = walk(call.sandbox, drive, base.id, names.slice(0, -1), createdByOf(call), true) as DriveItem;
    const { item, created } = writeFile(call.sandbox, drive, parent.id, names[names.length - 1] as string, bytes, request.headers['content-type'], createdByOf(call), conflict);
    return json(created ? 201 : 200, driveItemRecord(call.sandbox, item));
  });

  router.addPattern('POST', ITEM_PATH, (request, params, call) => {
    if (params['action']?.toLowerCase() === '/invite') return invite(call, params, request.body);
    if (params['action']?.toLowerCase() !== '/createuploadsession') throw new GraphError(405, 'Request_BadRequest', `The HTTP method 'POST' is not allowed for this resource.`);
    authorize(call.principal, PERMISSIONS.uploadSession);
    const parsed = uploadSessionBody.safeParse(request.body ?? {});
    if (!parsed.success) throw badRequest(`Invalid request body for createUploadSession: ${parsed.error.issues[0]?.message ?? 'invalid'}.`);
    const { drive, base, names } = locate(call, params);
    if (names.length === 0) throw badRequest('createUploadSession needs the new file addressed by path (items/{parent-id}:/{filename}:).');
    const conflict = parsed.data.item?.['@microsoft.graph.conflictBehavior'] ?? 'replace';
    const name = names[names.length - 1] as string;
    checkName(name);
    const parent = walk(call.sandbox, drive, base.id, names.slice(0, -1), createdByOf(call), true) as DriveItem;
    if (conflict === 'fail' && childNamed(call.sandbox, parent.id, name)) throw new GraphError(409, 'nameAlreadyExists', 'The specified item name already exists.');
    const session: UploadSession = {
      token: opaqueToken('us'),
      driveId: drive.id,
      parentId: parent.id,
      name,
      conflictBehavior: conflict,
      createdBy: createdByOf(call),
      expiresAt: Date.now() + UPLOAD_SESSION_MS * call.sandbox.throttle.scale,
      total: parsed.data.item?.fileSize ?? null,
      chunks: [],
      received: 0,
    };
    call.sandbox.store.uploadSessions.set(session.token, session);
    return json(200, sessionView(call.sandbox, session));
  });

  router.addPattern('DELETE', ITEM_PATH, (_request, params, call) => {
    authorize(call.principal, PERMISSIONS.writeFiles);
    if (params['action']) throw new GraphError(405, 'Request_BadRequest', `The HTTP method 'DELETE' is not allowed for this resource.`);
    const item = existingItem(call, params);
    if (item.parentId === null) throw forbidden('The root of a drive cannot be deleted.');
    const doomed = [item.id];
    for (let i = 0; i < doomed.length; i++) for (const child of children(call.sandbox, doomed[i] as string)) doomed.push(child.id);
    for (const id of doomed) call.sandbox.store.driveItems.delete(id);
    return noContent();
  });

  router.add('GET', '/shares/{shareId}/driveItem', (_request, params, call) => {
    authorize(call.principal, PERMISSIONS.shares);
    const item = itemByShareId(call.sandbox, params['shareId'] as string);
    checkItemAccess(call, item);
    return json(200, driveItemRecord(call.sandbox, item));
  });
  router.add('GET', '/shares/{shareId}/driveItem/content', (_request, params, call) => {
    authorize(call.principal, PERMISSIONS.shares);
    const item = itemByShareId(call.sandbox, params['shareId'] as string);
    checkItemAccess(call, item);
    return content(item);
  });

  router.add('GET', '/teams/{teamId}/channels/{channelId}/filesFolder', (_request, params, call) => {
    authorize(call.principal, PERMISSIONS.readFiles);
    const channel = call.sandbox.store.channels.get(params['channelId'] as string);
    if (!channel || channel.teamId !== params['teamId']) throw notFound(`Channel ${params['channelId']} not found.`);
    const drive = groupDrive(call.sandbox, channel.teamId);
    checkAccess(call, drive);
    // The channel's folder in the team's library, named after the channel (made with the channel in Teams).
    const folder = walk(call.sandbox, drive, drive.rootId, [channel.displayName], null, true) as DriveItem;
    return json(200, driveItemRecord(call.sandbox, folder));
  });
}
