import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { DataSource, EntityManager } from 'typeorm';
import type { Payload } from '@parley/contracts';
import type { MessageContext } from '@parley/messaging';
import type { Logger } from '@parley/observability';
import { GroupCommit, type IdempotentConsumer } from '@parley/persistence';
import { DATA_SOURCE, IDEMPOTENT_CONSUMER, LOGGER } from '@parley/service-runtime';
import { IDENTITY_SETTINGS, type IdentitySettings } from '../config/identity-config';
import { DirectoryImports } from '../directory/directory-imports';
import { firstRow } from '../http/sql';
import { SlackConsentPrompts } from '../slack-consent/slack-consent-prompts';
import { refreshStanding } from './standing';

type Observation = Payload<'parley.directory.user.observed.v1'>;
type ImportCompleted = Payload<'parley.directory.import.completed.v1'>;
export type ObservationOutcome = 'skipped_bot' | 'skipped_managed' | 'recorded';

interface Delivered {
  readonly observation: Observation;
  readonly eventId: string;
}

const OBSERVATION_CONSUMER = 'identity.directory-observation';
/** Observations per transaction at most: a directory import arrives as a burst. */
const MAX_BATCH = 50;

/**
 * Folds what a connector read from a directory into people and their native accounts: one person per org and
 * email, one account per platform user id; then the person's primary platform and status. Each event is applied once
 * (its record commits with the effect), together with the import's count and, when that completes it, the
 * reconciled event. Observations delivered at the same time (the bus works many keys at once) share a transaction
 * (GroupCommit): one commit per batch instead of one per person is what lets an import of thousands keep up.
 */
@Controller()
export class DirectoryObservationHandler {
  constructor(
    @Inject(IDEMPOTENT_CONSUMER) private readonly idempotent: IdempotentConsumer,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(IDENTITY_SETTINGS) private readonly settings: IdentitySettings,
    @Inject(DirectoryImports) private readonly imports: DirectoryImports,
    @Inject(SlackConsentPrompts) private readonly prompts: SlackConsentPrompts,
    @Inject(DATA_SOURCE) dataSource: DataSource,
  ) {
    // As many transactions as the pool has connections, less one for the reconcile checks and the HTTP API.
    const poolSize = (dataSource.options as { poolSize?: number }).poolSize ?? 10;
    this.batches = new GroupCommit<Delivered>({
      maxBatch: MAX_BATCH,
      maxConcurrent: Math.max(2, poolSize - 1),
      applyBatch: (items) => this.applyAll(items),
      applyOne: (item) => this.applyAll([item]),
    });
  }

  private readonly batches: GroupCommit<Delivered>;

  @EventPattern('parley.directory.user.observed.v1')
  async onUserObserved(@MessagePayload() observation: Observation, @Ctx() ctx: MessageContext): Promise<void> {
    await this.batches.submit({ observation, eventId: ctx.eventId });
    // After the commit, replays included: a crash may have come between the commit and this check.
    if (observation.syncId) await this.reconcile({ orgId: observation.orgId, syncId: observation.syncId, platform: observation.platform });
  }

  @EventPattern('parley.directory.import.completed.v1')
  async onImportCompleted(@MessagePayload() completed: ImportCompleted, @Ctx() ctx: MessageContext): Promise<void> {
    const ref = { orgId: completed.orgId, syncId: completed.syncId, platform: completed.platform };
    await this.idempotent.run('identity.directory-import-completed', ctx.eventId, (m) => this.imports.setExpected(m, ref, completed.observed));
    await this.reconcile(ref);
  }

  /**
   * A reconciled import settles native accounts and primary platforms: the Teams-primary people with a native Slack
   * account Parley may not speak as yet are asked for their Slack consent, in the reconciling transaction.
   */
  private reconcile(ref: { orgId: string; syncId: string; platform: Observation['platform'] }): Promise<boolean> {
    return this.imports.reconcileIfComplete(ref, (manager, orgId) => this.prompts.promptIn(manager, orgId));
  }

  /** One transaction; in import and email order, so two batches that meet on an import or a person lock in the same order. */
  private async applyAll(items: readonly Delivered[]): Promise<void> {
    const applied = await this.idempotent.runBatch(
      OBSERVATION_CONSUMER,
      items.map((i) => i.eventId),
      async (manager, fresh) => {
        const ordered = items.filter((i) => fresh.has(i.eventId)).sort((a, b) => compare(a.observation, b.observation));
        for (const { observation, eventId } of ordered) await this.apply(manager, observation, eventId);
      },
    );
    for (const { eventId } of items) if (!applied.has(eventId)) this.logger.info({ eventId }, 'observation already applied, skipping');
  }

  private async apply(manager: EntityManager, o: Observation, eventId: string): Promise<void> {
    const existing = await firstRow<{ kind: string; person_id: string }>(
      manager,
      `SELECT kind, person_id FROM identity.platform_accounts WHERE org_id = $1 AND platform = $2 AND platform_user_id = $3`,
      [o.orgId, o.platform, o.platformUserId],
    );
    // A guest or mirror Parley made shows up in the directory it lives in; it is not anyone's native account.
    const outcome: ObservationOutcome = o.isBot ? 'skipped_bot' : existing && existing.kind !== 'native' ? 'skipped_managed' : 'recorded';
    await manager.query(
      `INSERT INTO identity.directory_observations (event_id, org_id, platform, platform_user_id, email, outcome, observed_at, sync_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [eventId, o.orgId, o.platform, o.platformUserId, o.email, outcome, o.observedAt, o.syncId ?? null],
    );
    if (outcome === 'recorded') await this.record(manager, o, existing?.person_id ?? null);
    if (o.syncId) await this.imports.countApplied(manager, { orgId: o.orgId, syncId: o.syncId, platform: o.platform }, o.platformUserId);
  }

  private async record(manager: EntityManager, o: Observation, previousOwner: string | null): Promise<void> {
    const name = o.realName || o.displayName || o.email;
    await manager.query(
      `INSERT INTO identity.people (org_id, email, display_name) VALUES ($1, $2, $3) ON CONFLICT (org_id, email) DO NOTHING`,
      [o.orgId, o.email, name],
    );
    const person = await firstRow<{ id: string; primary_platform: string | null }>(
      manager,
      `SELECT id, primary_platform FROM identity.people WHERE org_id = $1 AND email = $2`,
      [o.orgId, o.email],
    );
    if (!person) throw new Error(`person ${o.email} of ${o.orgId} vanished during its own upsert`);

    // A deactivation always wins; needs_attention (about Parley's credential) survives an "active" observation.
    await manager.query(
      `INSERT INTO identity.platform_accounts (org_id, person_id, platform, platform_user_id, kind, status, last_observed_at)
       VALUES ($1, $2, $3, $4, 'native', $5, $6)
       ON CONFLICT (org_id, platform, platform_user_id) DO UPDATE SET
         person_id = EXCLUDED.person_id,
         status = CASE
           WHEN EXCLUDED.status = 'deactivated' THEN 'deactivated'
           WHEN identity.platform_accounts.status = 'needs_attention' THEN 'needs_attention'
           ELSE EXCLUDED.status END,
         attention_reason = CASE WHEN EXCLUDED.status = 'deactivated' THEN NULL ELSE identity.platform_accounts.attention_reason END,
         last_observed_at = EXCLUDED.last_observed_at,
         updated_at = now()`,
      [o.orgId, person.id, o.platform, o.platformUserId, o.isDeactivated ? 'deactivated' : 'active', o.observedAt],
    );
    await refreshStanding(manager, person.id, this.settings.primaryWhenBoth);
    // The account moved to another email: the person it left may have lost their primary platform.
    if (previousOwner && previousOwner !== person.id) await refreshStanding(manager, previousOwner, this.settings.primaryWhenBoth);
    // Names follow the primary platform's directory.
    await manager.query(
      `UPDATE identity.people SET display_name = $2, updated_at = now() WHERE id = $1 AND primary_platform = $3 AND display_name <> $2`,
      [person.id, name, o.platform],
    );
  }
}

function compare(a: Observation, b: Observation): number {
  const key = (o: Observation) => [o.syncId ?? '', o.platform, o.orgId, o.email];
  const [x, y] = [key(a), key(b)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] as string) < (y[i] as string) ? -1 : 1;
  return 0;
}
