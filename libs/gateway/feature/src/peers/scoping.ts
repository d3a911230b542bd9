import { z } from 'zod';
import { notFound } from '@parley/service-runtime';

const resourceId = z.uuid();

/** A resource id from the path: not a UUID means no such resource (and no call to a peer). */
export function resourceIdOrNotFound(id: string, what: string): string {
  const parsed = resourceId.safeParse(id);
  if (!parsed.success) throw notFound(what);
  return parsed.data;
}

/**
 * Second line of org isolation, behind the peers scoping every query by org: a resource of another organization is
 * answered exactly like a missing one.
 */
export function ownedOrNotFound<T extends { orgId: string }>(resource: T, orgId: string, what: string): T {
  if (resource.orgId !== orgId) throw notFound(what);
  return resource;
}
