import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { DataSource, EntityManager } from 'typeorm';
import type { Payload } from '@parley/contracts';
import type { MessageContext } from '@parley/messaging';
import type { Logger } from '@parley/observability';
import { GroupCommit, type IdempotentConsumer } from '@parley/persistence';
import { DATA_SOURCE, IDEMPOTENT_CONSUMER, LOGGER } from '@parley/service-runtime';
import { IDENTITY_SETTINGS, type IdentitySettings } from '../config/identity-config';
import { DirectoryImports, type ImportRef } from '../directory/directory-imports';
import { rows } from '../http/sql';
import { SlackConsentPrompts } from '../slack-consent/slack-consent-prompts';
import { refreshStandings } from './standing';

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
 * (GroupCommit), and each step of a batch is one statement for all of them: one commit and about a dozen statements
 * per batch instead of a dozen statements per person is what lets an import of thousands keep up (ADR 0031).
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
    // Resolves once committed and the import checked for completeness (applyAll).
    await this.batches.submit({ observation, eventId: ctx.eventId });
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
  private reconcile(ref: ImportRef): Promise<boolean> {
    return this.imports.reconcileIfComplete(ref, (manager, orgId) => this.prompts.promptIn(manager, orgId));
  }

  /**
   * One transaction, then the reconcile check once per import the batch touched (replays included: a crash may have
   * come between the commit and the check). Set-based: each step is one statement for a whole round of observations
   * (see rounds()), so a batch of 50 costs about a dozen statements instead of about a dozen per observation.
   */
  private async applyAll(items: readonly Delivered[]): Promise<void> {
    const applied = await this.idempotent.runBatch(
      OBSERVATION_CONSUMER,
      items.map((i) => i.eventId),
      async (manager, fresh) => {
        const ordered = items.filter((i) => fresh.has(i.eventId)).sort((a, b) => compare(a.observation, b.observation));
        for (const round of rounds(ordered)) await this.applyRound(manager, round);
        await this.countApplied(manager, ordered.map((i) => i.observation));
      },
    );
    for (const { eventId } of items) if (!applied.has(eventId)) this.logger.info({ eventId }, 'observation already applied, skipping');
    const imports = new Map<string, ImportRef>();
    for (const { observation: o } of items) {
      if (o.syncId) imports.set(`${o.syncId}|${o.platform}`, { orgId: o.orgId, syncId: o.syncId, platform: o.platform });
    }
    for (const ref of imports.values()) await this.reconcile(ref);
  }

  /**
   * Observations with distinct people (org and email) and distinct accounts (org, platform and user id), in the
   * order they were sorted: every statement works them all at once, in that order, so concurrent batches take their
   * row locks in the same order. A person's standing is computed once, after every account of the round is written:
   * it depends only on their native accounts (and an admin's choice), so this is what applying them one by one ends in.
   */
  private async applyRound(manager: EntityManager, round: readonly Delivered[]): Promise<void> {
    const obs = round.map((r) => r.observation);
    const existing = await rows<{ org_id: string; platform: string; platform_user_id: string; kind: string; person_id: string }>(
      manager,
      `SELECT a.org_id, a.platform, a.platform_user_id, a.kind, a.person_id
         FROM identity.platform_accounts a
         JOIN unnest($1::text[], $2::text[], $3::text[]) AS o(org_id, platform, platform_user_id)
           ON a.org_id = o.org_id AND a.platform = o.platform AND a.platform_user_id = o.platform_user_id`,
      [obs.map((o) => o.orgId), obs.map((o) => o.platform), obs.map((o) => o.platformUserId)],
    );
    const accountKey = (orgId: string, platform: string, platformUserId: string) => `${orgId}\u0000${platform}\u0000${platformUserId}`;
    const existingByAccount = new Map(existing.map((e) => [accountKey(e.org_id, e.platform, e.platform_user_id), e]));
    const decided = round.map(({ observation: o, eventId }) => {
      const found = existingByAccount.get(accountKey(o.orgId, o.platform, o.platformUserId));
      // A guest or mirror Parley made shows up in the directory it lives in; it is not anyone's native account.
      const outcome: ObservationOutcome = o.isBot ? 'skipped_bot' : found && found.kind !== 'native' ? 'skipped_managed' : 'recorded';
      return { o, eventId, outcome, previousOwner: found?.person_id ?? null };
    });
    await manager.query(
      `INSERT INTO identity.directory_observations (event_id, org_id, platform, platform_user_id, email, outcome, observed_at, sync_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::uuid[])`,
      [
        decided.map((d) => d.eventId),
        decided.map((d) => d.o.orgId),
        decided.map((d) => d.o.platform),
        decided.map((d) => d.o.platformUserId),
        decided.map((d) => d.o.email),
        decided.map((d) => d.outcome),
        decided.map((d) => d.o.observedAt),
        decided.map((d) => d.o.syncId ?? null),
      ],
    );
    const recorded = decided.filter((d) => d.outcome === 'recorded');
    if (recorded.length === 0) return;
    const nameOf = (o: Observation) => o.realName || o.displayName || o.email;

    await manager.query(
      `INSERT INTO identity.people (org_id, email, display_name)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT (org_id, email) DO NOTHING`,
      [recorded.map((d) => d.o.orgId), recorded.map((d) => d.o.email), recorded.map((d) => nameOf(d.o))],
    );
    const people = await rows<{ id: string; org_id: string; email: string }>(
      manager,
      `SELECT p.id, p.org_id, p.email FROM identity.people p
         JOIN unnest($1::text[], $2::text[]) AS o(org_id, email) ON p.org_id = o.org_id AND p.email = o.email`,
      [recorded.map((d) => d.o.orgId), recorded.map((d) => d.o.email)],
    );
    const personKey = (orgId: string, email: string) => `${orgId}\u0000${email}`;
    const personOf = new Map(people.map((p) => [personKey(p.org_id, p.email), p.id]));
    const withPerson = recorded.map((d) => {
      const personId = personOf.get(personKey(d.o.orgId, d.o.email));
      if (!personId) throw new Error(`person ${d.o.email} of ${d.o.orgId} vanished during its own upsert`);
      return { ...d, personId };
    });

    // A deactivation always wins; needs_attention (about Parley's credential) survives an "active" observation.
    await manager.query(
      `INSERT INTO identity.platform_accounts (org_id, person_id, platform, platform_user_id, kind, status, last_observed_at)
       SELECT o.org_id, o.person_id, o.platform, o.platform_user_id, 'native', o.status, o.observed_at
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
           AS o(org_id, person_id, platform, platform_user_id, status, observed_at)
       ON CONFLICT (org_id, platform, platform_user_id) DO UPDATE SET
         person_id = EXCLUDED.person_id,
         status = CASE
           WHEN EXCLUDED.status = 'deactivated' THEN 'deactivated'
           WHEN identity.platform_accounts.status = 'needs_attention' THEN 'needs_attention'
           ELSE EXCLUDED.status END,
         attention_reason = CASE WHEN EXCLUDED.status = 'deactivated' THEN NULL ELSE identity.platform_accounts.attention_reason END,
         last_observed_at = EXCLUDED.last_observed_at,
         updated_at = now()`,
      [
        withPerson.map((d) => d.o.orgId),
        withPerson.map((d) => d.personId),
        withPerson.map((d) => d.o.platform),
        withPerson.map((d) => d.o.platformUserId),
        withPerson.map((d) => (d.o.isDeactivated ? 'deactivated' : 'active')),
        withPerson.map((d) => d.o.observedAt),
      ],
    );
    // The people observed, and those an account moved away from (they may have lost their primary platform).
    const touched = new Set<string>();
    for (const d of withPerson) {
      touched.add(d.personId);
      if (d.previousOwner && d.previousOwner !== d.personId) touched.add(d.previousOwner);
    }
    await refreshStandings(manager, [...touched], this.settings.primaryWhenBoth);
    // Names follow the primary platform's directory.
    await manager.query(
      `UPDATE identity.people p SET display_name = o.name, updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS o(id, name, platform)
        WHERE p.id = o.id AND p.primary_platform = o.platform AND p.display_name <> o.name`,
      [withPerson.map((d) => d.personId), withPerson.map((d) => nameOf(d.o)), withPerson.map((d) => d.o.platform)],
    );
  }

  /** Every observation of an import counts once it is applied, bots and managed accounts included. */
  private async countApplied(manager: EntityManager, observations: readonly Observation[]): Promise<void> {
    const byImport = new Map<string, { ref: ImportRef; platformUserIds: string[] }>();
    for (const o of observations) {
      if (!o.syncId) continue;
      const key = `${o.syncId}|${o.platform}`;
      const entry = byImport.get(key) ?? { ref: { orgId: o.orgId, syncId: o.syncId, platform: o.platform }, platformUserIds: [] };
      entry.platformUserIds.push(o.platformUserId);
      byImport.set(key, entry);
    }
    for (const { ref, platformUserIds } of byImport.values()) await this.imports.countApplied(manager, ref, platformUserIds);
  }
}

/**
 * Splits observations (in their sorted order) into rounds in which no person (org and email) and no account (org,
 * platform and user id) appears twice, keeping each one's order: a later observation of the same person or account
 * is applied in a later round, after the earlier one, as one by one would.
 */
function rounds(items: readonly Delivered[]): Delivered[][] {
  const result: Delivered[][] = [];
  const lastRoundOf = new Map<string, number>();
  for (const item of items) {
    const o = item.observation;
    const person = `p\u0000${o.orgId}\u0000${o.email}`;
    const account = `a\u0000${o.orgId}\u0000${o.platform}\u0000${o.platformUserId}`;
    const index = Math.max(lastRoundOf.get(person) ?? -1, lastRoundOf.get(account) ?? -1) + 1;
    (result[index] ??= []).push(item);
    lastRoundOf.set(person, index);
    lastRoundOf.set(account, index);
  }
  return result;
}

function compare(a: Observation, b: Observation): number {
  const key = (o: Observation) => [o.syncId ?? '', o.platform, o.orgId, o.email];
  const [x, y] = [key(a), key(b)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] as string) < (y[i] as string) ? -1 : 1;
  return 0;
}
