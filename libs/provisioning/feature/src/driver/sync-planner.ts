import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { MAX_APPLIED_USERS, type Payload } from '@parley/contracts';
import type { PeoplePage, PersonView } from '@parley/internal-api';
import type { Logger } from '@parley/observability';
import { inTransaction, type Outbox } from '@parley/persistence';
import { DATA_SOURCE, LOGGER, OUTBOX } from '@parley/service-runtime';
import { FIRST_PEOPLE_PAGE_SIZE, IdentityDirectory, PEOPLE_PAGE_SIZE, permanentIdentityFailure } from '../identity/identity-directory';
import { commandEntry } from '../plan/commands';
import { planPerson, type PersonPlan, type PlanContext, type PlannedCommand } from '../plan/plan-person';
import { returningRows } from '../syncs/rows';
import { SyncStore, type SyncRow } from '../syncs/sync-store';
import { platformNames } from './sync-starter';

/** Planning is due once both directories are reconciled and until its last chunk switches the phase. */
export const needsPlanning = (sync: SyncRow): boolean =>
  sync.status === 'running' && sync.phase === 'importing' && sync.planning_started_at !== null;

/** People announced ahead of their import are planned only before planning proper begins (it covers them itself). */
const plansEarly = (sync: SyncRow): boolean => sync.status === 'running' && sync.phase === 'importing' && sync.planning_started_at === null;

export interface ResumeOptions {
  readonly heartbeat?: () => Promise<void>;
  /** Checked between chunks: a stopping service leaves the rest to whoever resumes next. */
  readonly signal?: AbortSignal;
}

/**
 * Moves a job from importing to provisioning: records each platform's reconciliation, then plans every person in
 * chunks (one identity page, one transaction; a small first page, so the first commands go out early). Each chunk commits its plan rows, tasks, counters, commands (outbox)
 * and the next cursor together, so a crash between chunks resumes at the next page; the plan and task keys make a
 * replayed page change nothing. The phase switches to provisioning only with the last chunk.
 */
@Injectable()
export class SyncPlanner {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SyncStore) private readonly syncs: SyncStore,
    @Inject(IdentityDirectory) private readonly identity: IdentityDirectory,
  ) {}

  /** A connector could not read a directory: the job fails with its reason, unless that import already counted. */
  async importFailed(manager: EntityManager, event: Payload<'parley.directory.import.failed.v1'>): Promise<void> {
    const sync = await this.syncs.lock(manager, event.syncId);
    if (!sync || sync.org_id !== event.orgId || sync.status !== 'running' || sync.phase !== 'importing') return;
    const updated = await returningRows<{ platform: string }>(
      manager,
      `UPDATE provisioning.user_sync_imports SET state = 'failed', reason = $3, updated_at = now()
       WHERE sync_id = $1 AND platform = $2 AND state = 'requested' RETURNING platform`,
      [event.syncId, event.platform, event.reason],
    );
    if (updated.length === 0) return;
    this.logger.warn({ syncId: event.syncId, platform: event.platform, reason: event.reason }, 'directory import failed: user sync failed');
    await this.syncs.fail(manager, event.syncId, `the ${platformNames[event.platform]} directory could not be read: ${event.reason}`);
  }

  /** identity applied one platform's import; with both reconciled, planning is due. Returns whether it is. */
  async reconciled(manager: EntityManager, event: Payload<'parley.identity.directory.reconciled.v1'>): Promise<boolean> {
    const sync = await this.syncs.lock(manager, event.syncId);
    if (!sync || sync.org_id !== event.orgId || sync.status !== 'running' || sync.phase !== 'importing') return false;
    await manager.query(
      `UPDATE provisioning.user_sync_imports SET state = 'reconciled', observed = $3, updated_at = now()
       WHERE sync_id = $1 AND platform = $2 AND state = 'requested'`,
      [event.syncId, event.platform, event.observed],
    );
    const [{ reconciled }]: { reconciled: number }[] = await manager.query(
      `SELECT count(*)::int AS reconciled FROM provisioning.user_sync_imports WHERE sync_id = $1 AND state = 'reconciled'`,
      [event.syncId],
    );
    if (reconciled < 2) return false;
    await manager.query(
      `UPDATE provisioning.user_syncs SET planning_started_at = coalesce(planning_started_at, now()), updated_at = now() WHERE id = $1`,
      [event.syncId],
    );
    return true;
  }

  /**
   * Plans what is left of the job's plan, page after page. Safe to run twice at once (a replica resuming while
   * another plans): a chunk commits only on the cursor it was read at.
   */
  async resume(syncId: string, options: ResumeOptions = {}): Promise<void> {
    for (;;) {
      if (options.signal?.aborted) return;
      const sync = await this.syncs.find(syncId);
      if (!sync || !needsPlanning(sync)) return;
      const context = await this.contextOf(sync);
      let page: PeoplePage;
      try {
        page = await this.identity.people(sync.org_id, sync.plan_cursor, sync.plan_chunks === 0 ? FIRST_PEOPLE_PAGE_SIZE : PEOPLE_PAGE_SIZE);
      } catch (error) {
        const refusal = permanentIdentityFailure(error);
        if (refusal === undefined) throw error;
        await inTransaction(this.dataSource, async (manager) => {
          const locked = await this.syncs.lock(manager, syncId);
          if (locked && needsPlanning(locked)) await this.syncs.fail(manager, syncId, `could not read the people to plan: ${refusal}`);
        });
        return;
      }
      await inTransaction(this.dataSource, (manager) => this.applyChunk(manager, sync, context, page));
      await options.heartbeat?.();
    }
  }

  private async contextOf(sync: SyncRow): Promise<PlanContext> {
    const imports: { platform: 'slack' | 'teams'; connection_id: string }[] = await this.dataSource.query(
      `SELECT platform, connection_id FROM provisioning.user_sync_imports WHERE sync_id = $1`,
      [sync.id],
    );
    const connectionOf = (platform: 'slack' | 'teams') => {
      const found = imports.find((i) => i.platform === platform);
      if (!found) throw new Error(`user sync ${sync.id} is planning without a ${platform} import`);
      return found.connection_id;
    };
    return {
      orgId: sync.org_id,
      syncId: sync.id,
      mode: sync.mode,
      slackConnectionId: connectionOf('slack'),
      teamsConnectionId: connectionOf('teams'),
      teamIds: sync.team_ids ?? [],
    };
  }

  /**
   * Plans people identity announced as final before their import ended (ADR 0050): the sync's import of the other
   * platform is reconciled, so their plan is what the full pass would make. Their commands go out now; the full pass
   * finds their plan rows and adds nothing for them. Only while the job imports and planning proper has not begun
   * (it covers them itself). Announcements that arrive together are planned together, one transaction per sync; a
   * replayed one finds its people planned and adds nothing.
   */
  async planAnnounced(events: readonly Payload<'parley.identity.directory.people.applied.v1'>[]): Promise<void> {
    const bySync = new Map<string, Payload<'parley.identity.directory.people.applied.v1'>[]>();
    for (const event of events) bySync.set(event.syncId, [...(bySync.get(event.syncId) ?? []), event]);
    for (const [syncId, announced] of bySync) {
      const sync = await this.syncs.find(syncId);
      if (!sync || !plansEarly(sync)) continue;
      const context = await this.contextOf(sync);
      const people: PersonView[] = [];
      try {
        for (const platform of ['slack', 'teams'] as const) {
          const ids = [...new Set(announced.filter((e) => e.orgId === sync.org_id && e.platform === platform).flatMap((e) => e.platformUserIds))];
          for (let i = 0; i < ids.length; i += MAX_APPLIED_USERS) people.push(...(await this.identity.peopleOf(sync.org_id, platform, ids.slice(i, i + MAX_APPLIED_USERS))));
        }
      } catch (error) {
        const refusal = permanentIdentityFailure(error);
        if (refusal === undefined) throw error;
        // Not the job's failure: the full pass reads these people again once both imports are reconciled.
        this.logger.warn({ syncId, reason: refusal }, 'could not read announced people; they are planned with the rest');
        continue;
      }
      if (people.length === 0) continue;
      await inTransaction(this.dataSource, async (manager) => {
        const locked = await this.syncs.lock(manager, syncId);
        if (!locked || !plansEarly(locked)) return;
        const planned = await this.planPeople(manager, locked, context, people);
        this.logger.info({ syncId, announcements: announced.length, people: people.length, ...planned }, 'user sync: planned people ahead of their import');
      });
    }
  }

  private async applyChunk(manager: EntityManager, seen: SyncRow, context: PlanContext, page: PeoplePage): Promise<void> {
    const sync = await this.syncs.lock(manager, seen.id);
    // Another planner committed this page first (or the job ended): read again from where things are now.
    if (!sync || !needsPlanning(sync) || sync.plan_chunks !== seen.plan_chunks) return;

    const { planned, commands } = await this.planPeople(manager, sync, context, page.items);
    const last = page.nextCursor === null;
    await manager.query(
      `UPDATE provisioning.user_syncs SET plan_cursor = $2, plan_chunks = plan_chunks + 1, updated_at = now(),
           phase = CASE WHEN $3::boolean THEN 'provisioning' ELSE phase END
       WHERE id = $1`,
      [sync.id, page.nextCursor, last],
    );
    this.logger.info({ syncId: sync.id, chunk: sync.plan_chunks + 1, people: page.items.length, planned, commands, last }, 'user sync: planned a chunk');
    if (last) {
      const status = await this.syncs.finishIfComplete(manager, sync.id);
      this.logger.info({ syncId: sync.id, status: status ?? 'running' }, status ? 'user sync finished: nothing to provision' : 'user sync: provisioning');
    }
  }

  /**
   * Plans these people in the caller's transaction (the job's row locked): their plan rows, tasks, commands (outbox),
   * errors and counters. Only people not planned before count: a replayed page, or a person announced early and read
   * again by the full pass, finds their plan row and adds nothing.
   */
  private async planPeople(manager: EntityManager, sync: SyncRow, context: PlanContext, people: readonly PersonView[]): Promise<{ planned: number; commands: number }> {
    const decided = uniqueById(people)
      .map((person) => ({ person, plan: planPerson(person, context) }))
      .filter((d): d is { person: PersonView; plan: Exclude<PersonPlan, { outcome: 'skipped' }> } => d.plan.outcome !== 'skipped');
    const inserted: { person_id: string }[] = decided.length
      ? await manager.query(
          `INSERT INTO provisioning.sync_people (sync_id, person_id, outcome)
           SELECT $1, p.person_id, p.outcome FROM unnest($2::uuid[], $3::text[]) AS p(person_id, outcome)
           ON CONFLICT DO NOTHING RETURNING person_id`,
          [sync.id, decided.map((d) => d.person.id), decided.map((d) => d.plan.outcome)],
        )
      : [];
    const fresh = new Set(inserted.map((r) => r.person_id));
    const planned = decided.filter((d) => fresh.has(d.person.id));
    if (planned.length === 0) return { planned: 0, commands: 0 };

    const count = (outcome: PersonPlan['outcome']) => planned.filter((d) => d.plan.outcome === outcome).length;
    const errors = planned.flatMap((d) => (d.plan.outcome === 'error' ? [{ personId: d.person.id, reason: d.plan.reason }] : []));
    const commands = planned.flatMap((d) => (d.plan.outcome === 'tasks' ? d.plan.commands : []));

    await this.insertTasksAndCommand(manager, sync, commands);
    if (errors.length > 0) {
      await manager.query(
        `INSERT INTO provisioning.sync_errors (sync_id, person_id, reason)
         SELECT $1, e.person_id, e.reason FROM unnest($2::uuid[], $3::text[]) AS e(person_id, reason)`,
        [sync.id, errors.map((e) => e.personId), errors.map((e) => e.reason)],
      );
    }
    const finishedNow = count('linked') + count('unchanged') + errors.length;
    await manager.query(
      `UPDATE provisioning.user_syncs
       SET total = total + $2, done = done + $3, linked = linked + $4, unchanged = unchanged + $5, failed = failed + $6, updated_at = now()
       WHERE id = $1`,
      [sync.id, planned.length, finishedNow, count('linked'), count('unchanged'), errors.length],
    );
    return { planned: planned.length, commands: commands.length };
  }

  /** Inserts the tasks and sends a command for each task that did not exist yet, in the caller's transaction. */
  private async insertTasksAndCommand(manager: EntityManager, sync: SyncRow, commands: readonly PlannedCommand[]): Promise<void> {
    if (commands.length === 0) return;
    const created: { person_id: string; action: string }[] = await manager.query(
      `INSERT INTO provisioning.sync_tasks (sync_id, org_id, person_id, action, command)
       SELECT $1, $2, t.person_id, t.action, t.command FROM unnest($3::uuid[], $4::text[], $5::jsonb[]) AS t(person_id, action, command)
       ON CONFLICT DO NOTHING RETURNING person_id, action`,
      [sync.id, sync.org_id, commands.map((c) => c.payload.personId), commands.map((c) => c.action), commands.map((c) => JSON.stringify(c.payload))],
    );
    const isNew = new Set(created.map((t) => `${t.person_id}:${t.action}`));
    const entries = commands.filter((c) => isNew.has(`${c.payload.personId}:${c.action}`)).map(commandEntry);
    await this.outbox.enqueueAll(manager, entries);
  }
}

function uniqueById(people: readonly PersonView[]): PersonView[] {
  const byId = new Map<string, PersonView>();
  for (const person of people) if (!byId.has(person.id)) byId.set(person.id, person);
  return [...byId.values()];
}
