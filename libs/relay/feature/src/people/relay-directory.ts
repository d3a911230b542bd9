import { Inject, Injectable } from '@nestjs/common';
import { internalRoutes, type PersonView } from '@parley/internal-api';
import { INTERNAL_API, type InternalApiAccess } from '@parley/service-runtime';
import type { Platform } from '../planning/people';

/** How long a person or an org's connections are taken as known: long enough for a burst, short enough to follow a sync. */
export const DIRECTORY_TTL_MS = 30_000;

interface Cached<T> {
  readonly value: T;
  readonly until: number;
}

/**
 * What the relay reads from identity: the people behind platform user ids (bulk, org-scoped) and the org's connection
 * on each platform. Both are cached briefly per process; an id no person has is cached as unknown too.
 */
@Injectable()
export class RelayDirectory {
  private readonly people = new Map<string, Cached<PersonView | null>>();
  private readonly connections = new Map<string, Cached<Partial<Record<Platform, string>>>>();

  constructor(@Inject(INTERNAL_API) private readonly access: InternalApiAccess) {}

  /** The people behind these ids on this platform; ids of nobody Parley knows are absent. */
  async resolve(orgId: string, platform: Platform, platformUserIds: readonly string[]): Promise<Map<string, PersonView>> {
    const now = Date.now();
    const found = new Map<string, PersonView>();
    const missing: string[] = [];
    for (const id of new Set(platformUserIds)) {
      const hit = this.people.get(cacheKey(orgId, platform, id));
      if (hit && hit.until > now) {
        if (hit.value) found.set(id, hit.value);
      } else missing.push(id);
    }
    for (let i = 0; i < missing.length; i += 200) {
      const chunk = missing.slice(i, i + 200);
      const answer = await this.access.send(internalRoutes.identity.resolvePeople, { params: { orgId }, body: { platform, platformUserIds: chunk } });
      const byId = new Map(answer.items.filter((item) => item.person.orgId === orgId).map((item) => [item.platformUserId, item.person]));
      for (const id of chunk) {
        const person = byId.get(id) ?? null;
        this.people.set(cacheKey(orgId, platform, id), { value: person, until: now + DIRECTORY_TTL_MS });
        if (person) found.set(id, person);
      }
    }
    if (this.people.size > 50_000) this.evict(now);
    return found;
  }

  /** The org's connection id on each platform; `fresh` reads identity now (an admin's request, not a message burst). */
  async connectionIds(orgId: string, options: { fresh?: boolean } = {}): Promise<Partial<Record<Platform, string>>> {
    const now = Date.now();
    const hit = this.connections.get(orgId);
    if (hit && hit.until > now && !options.fresh) return hit.value;
    const list = await this.access.send(internalRoutes.identity.connections, { params: { orgId } });
    const value: Partial<Record<Platform, string>> = {};
    for (const connection of list.items) if (connection.orgId === orgId) value[connection.platform] = connection.id;
    this.connections.set(orgId, { value, until: now + DIRECTORY_TTL_MS });
    return value;
  }

  private evict(now: number): void {
    for (const [key, entry] of this.people) if (entry.until <= now) this.people.delete(key);
  }
}

const cacheKey = (orgId: string, platform: Platform, id: string): string => `${orgId}\0${platform}\0${id}`;
