import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { EntityManager } from 'typeorm';
import type { Payload, PayloadIn, Platform } from '@parley/contracts';
import type { BusEntry, MessageContext } from '@parley/messaging';
import type { Logger } from '@parley/observability';
import { GroupCommit, type IdempotentConsumer, type Outbox } from '@parley/persistence';
import { IDEMPOTENT_CONSUMER, LOGGER, OUTBOX } from '@parley/service-runtime';
import { firstRow } from '../http/sql';
import { SlackConsentPrompts } from '../slack-consent/slack-consent-prompts';

interface ManagedAccount {
  readonly orgId: string;
  readonly personId: string;
  readonly platform: Platform;
  readonly kind: 'guest' | 'mirror';
  readonly platformUserId: string;
  readonly userPrincipalName?: string;
  readonly status: 'active' | 'deactivated' | 'needs_attention';
  readonly attentionReason?: string;
  /** Mirrors only: a SCIM user on Slack, or a profile Parley posts under. */
  readonly mirrorKind?: 'scim' | 'profile';
}

type Recorded = PayloadIn<'parley.identity.account.recorded.v1'>;

/** The sync task a connector's result answers, which identity names back when it has recorded the account. */
interface Answering {
  readonly syncId: string;
  readonly action: Recorded['action'];
  readonly topic: string;
  readonly correlationId: string;
}

interface Delivered {
  readonly eventId: string;
  readonly account: ManagedAccount;
  readonly answering: Answering;
  readonly then?: (m: EntityManager) => Promise<unknown>;
}

/** Result events per transaction at most: a sync's results arrive as a stream of thousands. */
const MAX_BATCH = 50;

/**
 * Records the accounts Parley made for people from the connectors' result events: Teams guests and Slack mirrors.
 * Each event is applied once. A person has at most one guest and one mirror: a later event updates that row.
 * Events of one kind delivered at the same time share a transaction (GroupCommit): one commit per batch instead of
 * one per guest, as for directory observations (ADR 0031).
 *
 * Each recorded event is answered, in the same transaction, with `parley.identity.account.recorded.v1`: provisioning
 * counts the task done on that answer, so a sync that says `succeeded` has every guest and mirror in `/v1/people`
 * (ADR 0038). A replayed event was answered when it was first applied and is not answered again.
 */
@Controller()
export class ManagedAccountsHandler {
  constructor(
    @Inject(IDEMPOTENT_CONSUMER) private readonly idempotent: IdempotentConsumer,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SlackConsentPrompts) private readonly prompts: SlackConsentPrompts,
    @Inject(OUTBOX) private readonly outbox: Outbox,
  ) {}

  @EventPattern('parley.teams.guest.created.v1')
  async onGuestCreated(@MessagePayload() e: Payload<'parley.teams.guest.created.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    await this.apply('identity.guest-created', ctx, answering(e, 'create_guest', ctx), {
      orgId: e.orgId,
      personId: e.personId,
      platform: 'teams',
      kind: 'guest',
      platformUserId: e.guestUserId,
      userPrincipalName: e.userPrincipalName,
      ...(e.signIn.status === 'ok' ? { status: 'active' } : { status: 'needs_attention', attentionReason: e.signIn.reason }),
    });
  }

  @EventPattern('parley.teams.guest.disabled.v1')
  async onGuestDisabled(@MessagePayload() e: Payload<'parley.teams.guest.disabled.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    await this.apply('identity.guest-disabled', ctx, answering(e, 'disable_guest', ctx), { orgId: e.orgId, personId: e.personId, platform: 'teams', kind: 'guest', platformUserId: e.guestUserId, status: 'deactivated' });
  }

  @EventPattern('parley.slack.mirror.created.v1')
  async onMirrorCreated(@MessagePayload() e: Payload<'parley.slack.mirror.created.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    // A Teams-primary person's new Slack account: Parley can speak as it once they consent, so they are asked (once).
    await this.apply('identity.mirror-created', ctx, answering(e, 'create_mirror', ctx), { orgId: e.orgId, personId: e.personId, platform: 'slack', kind: 'mirror', platformUserId: e.mirrorId, status: 'active', mirrorKind: e.kind }, (m) =>
      this.prompts.promptIfDue(m, e.orgId, e.personId),
    );
  }

  @EventPattern('parley.slack.mirror.deactivated.v1')
  async onMirrorDeactivated(@MessagePayload() e: Payload<'parley.slack.mirror.deactivated.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    await this.apply('identity.mirror-deactivated', ctx, answering(e, 'deactivate_mirror', ctx), { orgId: e.orgId, personId: e.personId, platform: 'slack', kind: 'mirror', platformUserId: e.mirrorId, status: 'deactivated', mirrorKind: e.kind });
  }

  /** One GroupCommit per consumer: the processed-message records of a batch belong to one consumer. */
  private readonly batches = new Map<string, GroupCommit<Delivered>>();

  private async apply(consumer: string, ctx: MessageContext, answering: Answering, account: ManagedAccount, then?: (m: EntityManager) => Promise<unknown>): Promise<void> {
    let batches = this.batches.get(consumer);
    if (!batches) {
      batches = new GroupCommit<Delivered>({
        maxBatch: MAX_BATCH,
        maxConcurrent: 2,
        applyBatch: (items) => this.applyAll(consumer, items),
        applyOne: (item) => this.applyAll(consumer, [item]),
      });
      this.batches.set(consumer, batches);
    }
    await batches.submit({ eventId: ctx.eventId, account, answering, then });
  }

  /**
   * One transaction; in person order, so two batches lock the people's account rows in the same order. The answers go
   * into the outbox together at the end, one insert for the batch.
   */
  private async applyAll(consumer: string, items: readonly Delivered[]): Promise<void> {
    const applied = await this.idempotent.runBatch(
      consumer,
      items.map((i) => i.eventId),
      async (manager, fresh) => {
        const ordered = items.filter((i) => fresh.has(i.eventId)).sort((a, b) => (a.account.personId < b.account.personId ? -1 : a.account.personId > b.account.personId ? 1 : 0));
        const answers: BusEntry[] = [];
        for (const { eventId, account, answering, then } of ordered) {
          const known = await this.upsert(manager, account);
          if (known) await then?.(manager);
          answers.push({
            topic: 'parley.identity.account.recorded.v1',
            payload: recorded(eventId, account, answering, known),
            options: { correlationId: answering.correlationId },
          });
        }
        await this.outbox.enqueueAll(manager, answers);
      },
    );
    for (const { eventId } of items) if (!applied.has(eventId)) this.logger.info({ eventId, consumer }, 'event already applied, skipping');
  }

  /** Records the account; false when identity does not know the person (nothing recorded). */
  private async upsert(manager: EntityManager, a: ManagedAccount): Promise<boolean> {
    const person = await firstRow<{ id: string }>(manager, `SELECT id FROM identity.people WHERE id = $1 AND org_id = $2`, [a.personId, a.orgId]);
    if (!person) {
      // Nothing to attach it to (the event names a person identity never had); retrying cannot change that.
      this.logger.warn({ orgId: a.orgId, personId: a.personId, kind: a.kind }, 'result event for an unknown person, ignored');
      return false;
    }
    const existing = await firstRow<{ id: string }>(
      manager,
      `SELECT id FROM identity.platform_accounts WHERE person_id = $1 AND platform = $2 AND kind = $3 FOR UPDATE`,
      [a.personId, a.platform, a.kind],
    );
    const reason = a.status === 'needs_attention' ? (a.attentionReason ?? null) : null;
    if (existing) {
      await manager.query(
        `UPDATE identity.platform_accounts
            SET platform_user_id = $2, user_principal_name = COALESCE($3, user_principal_name), status = $4, attention_reason = $5,
                mirror_kind = COALESCE($6, mirror_kind), last_observed_at = now(), updated_at = now()
          WHERE id = $1`,
        [existing.id, a.platformUserId, a.userPrincipalName ?? null, a.status, reason, a.mirrorKind ?? null],
      );
      return true;
    }
    await manager.query(
      `INSERT INTO identity.platform_accounts
         (org_id, person_id, platform, platform_user_id, kind, status, attention_reason, user_principal_name, mirror_kind, last_observed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
       ON CONFLICT (org_id, platform, platform_user_id) DO UPDATE SET
         person_id = EXCLUDED.person_id, kind = EXCLUDED.kind, status = EXCLUDED.status, attention_reason = EXCLUDED.attention_reason,
         user_principal_name = COALESCE(EXCLUDED.user_principal_name, identity.platform_accounts.user_principal_name),
         mirror_kind = COALESCE(EXCLUDED.mirror_kind, identity.platform_accounts.mirror_kind),
         last_observed_at = now(), updated_at = now()`,
      [a.orgId, a.personId, a.platform, a.platformUserId, a.kind, a.status, reason, a.userPrincipalName ?? null, a.mirrorKind ?? null],
    );
    return true;
  }
}

const answering = (e: { syncId: string }, action: Answering['action'], ctx: MessageContext): Answering => ({
  syncId: e.syncId,
  action,
  topic: ctx.topic,
  correlationId: ctx.correlationId,
});

/** The answer to one result event: the account as `/v1/people` now shows it, or null when nothing was recorded. */
function recorded(eventId: string, a: ManagedAccount, answering: Answering, known: boolean): Recorded {
  return {
    orgId: a.orgId,
    syncId: answering.syncId,
    personId: a.personId,
    action: answering.action,
    account: known
      ? {
          platform: a.platform,
          kind: a.kind,
          platformUserId: a.platformUserId,
          status: a.status,
          ...(a.status === 'needs_attention' && a.attentionReason ? { attentionReason: a.attentionReason } : {}),
        }
      : null,
    answers: { topic: answering.topic, eventId },
  };
}
