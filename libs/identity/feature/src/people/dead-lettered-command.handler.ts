import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { EntityManager } from 'typeorm';
import type { Payload } from '@parley/contracts';
import type { MessageContext } from '@parley/messaging';
import type { Logger } from '@parley/observability';
import type { IdempotentConsumer } from '@parley/persistence';
import { IDEMPOTENT_CONSUMER, LOGGER } from '@parley/service-runtime';
import { firstRow } from '../http/sql';

type CommandDeadLettered = Payload<'parley.provisioning.command.dead-lettered.v1'>;

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
 */
@Controller()
export class DeadLetteredCommandHandler {
  constructor(
    @Inject(IDEMPOTENT_CONSUMER) private readonly idempotent: IdempotentConsumer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern('parley.provisioning.command.dead-lettered.v1')
  async onCommandDeadLettered(@MessagePayload() e: CommandDeadLettered, @Ctx() ctx: MessageContext): Promise<void> {
    await this.idempotent.run('identity.command-dead-lettered', ctx.eventId, (manager) => this.markAttention(manager, e));
  }

  private async markAttention(manager: EntityManager, e: CommandDeadLettered): Promise<void> {
    const person = await firstRow<{ id: string }>(manager, `SELECT id FROM identity.people WHERE id = $1 AND org_id = $2 FOR UPDATE`, [e.personId, e.orgId]);
    if (!person) {
      this.logger.warn({ orgId: e.orgId, personId: e.personId, action: e.action }, 'dead-lettered command for an unknown person, ignored');
      return;
    }
    const { platform, kind } = accountOf[e.action];
    const existing = await firstRow<{ id: string; status: string }>(
      manager,
      `SELECT id, status FROM identity.platform_accounts WHERE person_id = $1 AND platform = $2 AND kind = $3 FOR UPDATE`,
      [e.personId, platform, kind],
    );
    if (!existing) {
      await manager.query(
        `INSERT INTO identity.platform_accounts (org_id, person_id, platform, platform_user_id, kind, status, attention_reason, last_observed_at)
         VALUES ($1, $2, $3, NULL, $4, 'needs_attention', $5, now())`,
        [e.orgId, e.personId, platform, kind, e.reason],
      );
      return;
    }
    // A deactivated account stays deactivated: there is nothing left on it for an admin to do.
    if (existing.status === 'deactivated') return;
    await manager.query(`UPDATE identity.platform_accounts SET status = 'needs_attention', attention_reason = $2, updated_at = now() WHERE id = $1`, [
      existing.id,
      e.reason,
    ]);
  }
}
