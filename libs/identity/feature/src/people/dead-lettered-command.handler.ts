import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { EntityManager } from 'typeorm';
import type { Payload, PayloadIn } from '@parley/contracts';
import type { MessageContext } from '@parley/messaging';
import type { Logger } from '@parley/observability';
import type { IdempotentConsumer, Outbox } from '@parley/persistence';
import { IDEMPOTENT_CONSUMER, LOGGER, OUTBOX } from '@parley/service-runtime';
import { firstRow } from '../http/sql';

type CommandDeadLettered = Payload<'parley.provisioning.command.dead-lettered.v1'>;
type RecordedAccount = PayloadIn<'parley.identity.account.recorded.v1'>['account'];

/** The account each provisioning action is about. */
const accountOf = {
  create_guest: { platform: 'teams', kind: 'guest' },
  disable_guest: { platform: 'teams', kind: 'guest' },
  create_mirror: { platform: 'slack', kind: 'mirror' },
  deactivate_mirror: { platform: 'slack', kind: 'mirror' },
} as const;

/**
 * A provisioning command was dead-lettered while its task waited (provisioning already failed the task): the guest or
 * mirror it was about needs an admin, with the dead letter's reason. A create that never happened leaves no account
 * on the platform, so identity records one without a platform id; the next sync that makes it (or a retry of the dead
 * letter) fills the id in and makes it active through the connector's result event.
 *
 * provisioning fails the task only on identity's answer (`parley.identity.account.recorded.v1` with the reason, in the
 * same transaction), so the sync does not end before `/v1/people` shows the needs_attention (ADR 0038).
 */
@Controller()
export class DeadLetteredCommandHandler {
  constructor(
    @Inject(IDEMPOTENT_CONSUMER) private readonly idempotent: IdempotentConsumer,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(OUTBOX) private readonly outbox: Outbox,
  ) {}

  @EventPattern('parley.provisioning.command.dead-lettered.v1')
  async onCommandDeadLettered(@MessagePayload() e: CommandDeadLettered, @Ctx() ctx: MessageContext): Promise<void> {
    await this.idempotent.run('identity.command-dead-lettered', ctx.eventId, async (manager) => {
      const account = await this.markAttention(manager, e);
      await this.outbox.enqueue(
        manager,
        'parley.identity.account.recorded.v1',
        { orgId: e.orgId, syncId: e.syncId, personId: e.personId, action: e.action, account, failedBecause: e.reason, answers: { topic: ctx.topic, eventId: ctx.eventId } },
        { correlationId: ctx.correlationId },
      );
    });
  }

  /** The account as it now stands, or null when identity does not know the person. */
  private async markAttention(manager: EntityManager, e: CommandDeadLettered): Promise<RecordedAccount> {
    const person = await firstRow<{ id: string }>(manager, `SELECT id FROM identity.people WHERE id = $1 AND org_id = $2 FOR UPDATE`, [e.personId, e.orgId]);
    if (!person) {
      this.logger.warn({ orgId: e.orgId, personId: e.personId, action: e.action }, 'dead-lettered command for an unknown person, ignored');
      return null;
    }
    const { platform, kind } = accountOf[e.action];
    const existing = await firstRow<{ id: string; status: 'active' | 'deactivated' | 'needs_attention'; platform_user_id: string | null }>(
      manager,
      `SELECT id, status, platform_user_id FROM identity.platform_accounts WHERE person_id = $1 AND platform = $2 AND kind = $3 FOR UPDATE`,
      [e.personId, platform, kind],
    );
    const attention = { platform, kind, status: 'needs_attention', attentionReason: e.reason } as const;
    if (!existing) {
      await manager.query(
        `INSERT INTO identity.platform_accounts (org_id, person_id, platform, platform_user_id, kind, status, attention_reason, last_observed_at)
         VALUES ($1, $2, $3, NULL, $4, 'needs_attention', $5, now())`,
        [e.orgId, e.personId, platform, kind, e.reason],
      );
      return { ...attention, platformUserId: null };
    }
    // A deactivated account stays deactivated: there is nothing left on it for an admin to do.
    if (existing.status === 'deactivated') return { platform, kind, platformUserId: existing.platform_user_id, status: 'deactivated' };
    await manager.query(`UPDATE identity.platform_accounts SET status = 'needs_attention', attention_reason = $2, updated_at = now() WHERE id = $1`, [
      existing.id,
      e.reason,
    ]);
    return { ...attention, platformUserId: existing.platform_user_id };
  }
}
