import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { Payload } from '@parley/contracts';
import type { MessageContext } from '@parley/messaging';
import type { Logger } from '@parley/observability';
import { GroupCommit, type IdempotentConsumer } from '@parley/persistence';
import { IDEMPOTENT_CONSUMER, LOGGER } from '@parley/service-runtime';
import { SyncPlanner } from './sync-planner';
import { SyncStarter } from './sync-starter';
import { outcomeOf } from './recorded-outcome';
import { TaskResults, type TaskResult } from './task-results';

/**
 * The user-sync driver's inputs on the bus (consumer group `provisioning`). Each event's effect and the commands it
 * implies commit together, once per event id; business failures end up on the job, never as thrown errors.
 */
@Controller()
export class SyncEventsHandler {
  constructor(
    @Inject(IDEMPOTENT_CONSUMER) private readonly idempotent: IdempotentConsumer,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SyncStarter) private readonly starter: SyncStarter,
    @Inject(SyncPlanner) private readonly planner: SyncPlanner,
    @Inject(TaskResults) private readonly results: TaskResults,
  ) {}

  /**
   * Results of one sync serialize on its row lock anyway; many transactions waiting on it would each hold a pool
   * connection (and starve the HTTP API), so results delivered together share one transaction instead.
   */
  private readonly batches = new GroupCommit<{ readonly ctx: MessageContext; readonly result: TaskResult }>({
    maxBatch: 100,
    maxConcurrent: 2,
    applyBatch: (items) => this.applyAll(items),
    applyOne: (item) => this.applyAll([item]),
  });

  @EventPattern('parley.provisioning.sync.requested.v1')
  async onSyncRequested(@MessagePayload() event: Payload<'parley.provisioning.sync.requested.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    await this.starter.start(event.syncId, ctx.eventId);
  }

  @EventPattern('parley.directory.import.failed.v1')
  async onImportFailed(@MessagePayload() event: Payload<'parley.directory.import.failed.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    await this.idempotent.run('provisioning.import-failed', ctx.eventId, (manager) => this.planner.importFailed(manager, event));
  }

  @EventPattern('parley.identity.directory.reconciled.v1')
  async onReconciled(@MessagePayload() event: Payload<'parley.identity.directory.reconciled.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    await this.idempotent.run('provisioning.directory-reconciled', ctx.eventId, async (manager) => {
      await this.planner.reconciled(manager, event);
    });
    // Also on a redelivery (recorded, then crashed while planning): resume plans whatever is left, or nothing.
    await this.planner.resume(event.syncId, { heartbeat: () => ctx.heartbeat() });
  }

  /**
   * Announcements of one sync arrive many at once (their keys spread them over partitions) and plan under the sync's
   * row lock: planned together, one batch at a time.
   */
  private readonly announcements = new GroupCommit<Payload<'parley.identity.directory.people.applied.v1'>>({
    maxBatch: 20,
    maxConcurrent: 1,
    applyBatch: (events) => this.planner.planAnnounced(events),
    applyOne: (event) => this.planner.planAnnounced([event]),
  });

  /** People final for the sync before their import ended: planned now, so the first commands leave early (ADR 0050). */
  @EventPattern('parley.identity.directory.people.applied.v1')
  async onPeopleApplied(@MessagePayload() event: Payload<'parley.identity.directory.people.applied.v1'>): Promise<void> {
    await this.announcements.submit(event);
  }

  /**
   * A guest or mirror a connector made or undid is settled only once identity has recorded it: identity consumes the
   * connector's result in its own group and may trail it, and a sync that ended first would show `succeeded` while
   * `/v1/people` lacked the account (ADR 0038). So the connectors' success events are not read here; identity's
   * answer to each of them is.
   */
  @EventPattern('parley.identity.account.recorded.v1')
  async onAccountRecorded(@MessagePayload() event: Payload<'parley.identity.account.recorded.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    await this.apply(ctx, { ...ids(event), action: event.action, outcome: outcomeOf(event) });
  }

  /** A connector that could not do a task records nothing in identity: its failure settles (or retries) the task. */
  @EventPattern('parley.teams.guest.failed.v1')
  async onGuestFailed(@MessagePayload() event: Payload<'parley.teams.guest.failed.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    const action = event.operation === 'create' ? 'create_guest' : 'disable_guest';
    await this.apply(ctx, { ...ids(event), action, outcome: { kind: 'failed', reason: event.reason, retryable: event.retryable } });
  }

  @EventPattern('parley.slack.mirror.failed.v1')
  async onMirrorFailed(@MessagePayload() event: Payload<'parley.slack.mirror.failed.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    const action = event.operation === 'create' ? 'create_mirror' : 'deactivate_mirror';
    await this.apply(ctx, { ...ids(event), action, outcome: { kind: 'failed', reason: event.reason, retryable: event.retryable } });
  }

  private async apply(ctx: MessageContext, result: TaskResult): Promise<void> {
    await this.batches.submit({ ctx, result });
  }

  /** In sync order, so two batches lock sync rows in the same order. */
  private async applyAll(items: readonly { readonly ctx: MessageContext; readonly result: TaskResult }[]): Promise<void> {
    const effects = new Map<string, string>();
    await this.idempotent.runBatch(
      'provisioning.task-result',
      items.map((i) => i.ctx.eventId),
      async (manager, fresh) => {
        const ordered = items.filter((i) => fresh.has(i.ctx.eventId)).sort((a, b) => (a.result.syncId < b.result.syncId ? -1 : a.result.syncId > b.result.syncId ? 1 : 0));
        for (const { ctx, result } of ordered) effects.set(ctx.eventId, await this.results.apply(manager, result));
      },
    );
    for (const { ctx, result } of items) {
      const effect = effects.get(ctx.eventId) ?? 'duplicate';
      if (effect === 'ignored' || effect === 'duplicate') {
        this.logger.debug({ topic: ctx.topic, syncId: result.syncId, personId: result.personId, effect }, 'result changed nothing');
      }
    }
  }
}

const ids = (event: { orgId: string; syncId: string; personId: string }) => ({ orgId: event.orgId, syncId: event.syncId, personId: event.personId });

