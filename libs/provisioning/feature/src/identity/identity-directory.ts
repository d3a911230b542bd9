import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { Platform } from '@parley/contracts';
import { InternalApiError, internalRoutes, type ConnectionView, type PeoplePage, type PersonView } from '@parley/internal-api';
import { INTERNAL_API, type InternalApiAccess } from '@parley/service-runtime';

/** People are read in pages this large; each page is planned in one transaction. */
export const PEOPLE_PAGE_SIZE = 500;
/**
 * The first page is smaller: its commands go out as soon as it is planned, so the connectors start while the rest is
 * planned. One window of Graph's invitation limit (150 per 5 s, ADR 0031): with 100, the first window of a benchmark
 * round carried only the first page's 100 invitations.
 */
export const FIRST_PEOPLE_PAGE_SIZE = 150;

/** What provisioning reads from identity: the org's connections and its people. */
@Injectable()
export class IdentityDirectory {
  constructor(@Inject(INTERNAL_API) private readonly access: InternalApiAccess) {}

  async connections(orgId: string): Promise<ConnectionView[]> {
    const list = await this.access.send(internalRoutes.identity.connections, { params: { orgId } });
    return list.items;
  }

  async people(orgId: string, cursor: string | null, limit = PEOPLE_PAGE_SIZE): Promise<PeoplePage> {
    return this.access.send(internalRoutes.identity.people, { params: { orgId }, query: { limit, cursor: cursor ?? undefined } });
  }

  /** The people behind these user ids of one platform (each once; ids of nobody are left out). */
  async peopleOf(orgId: string, platform: Platform, platformUserIds: readonly string[]): Promise<PersonView[]> {
    const answer = await this.access.send(internalRoutes.identity.resolvePeople, { params: { orgId }, body: { platform, platformUserIds: [...platformUserIds] } });
    return [...new Map(answer.items.map((i) => [i.person.id, i.person])).values()];
  }
}

/**
 * A failure retrying will not fix (identity refused the request, or answered a shape we cannot read), described
 * for the admin; undefined for transient trouble (unreachable, timeout, 5xx, 429), which the caller retries.
 */
export function permanentIdentityFailure(error: unknown): string | undefined {
  if (error instanceof InternalApiError) {
    if (error.status >= 500 || error.status === 408 || error.status === 429) return undefined;
    const said = error.problem.detail ?? error.problem.title ?? `status ${error.status}`;
    return `identity refused the request (${error.status}): ${said}`;
  }
  if (error instanceof z.ZodError) return 'identity answered in a shape provisioning cannot read (the services are out of step; check their versions)';
  return undefined;
}
