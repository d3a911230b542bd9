import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import { decodeMessage, provisioningCommandTopics, uuid, type Payload } from '@parley/contracts';
import type { MessageContext } from '@parley/messaging';
import type { Logger } from '@parley/observability';
import type { IdempotentConsumer, Outbox } from '@parley/persistence';
import { IDEMPOTENT_CONSUMER, LOGGER, OUTBOX } from '@parley/service-runtime';
import type { TaskAction } from '../plan/plan-person';
import { TaskResults } from './task-results';

type DeadLetter = Payload<'parley.messaging.message.dead-lettered.v1'>;

interface CommandIds {
  readonly orgId: string;
  readonly syncId: string;
  readonly personId: string;
}

/**
 * A command provisioning sent that a connector dead-lettered will never be answered by the connector: identity hears
 * of it at once through `parley.provisioning.command.dead-lettered.v1`, marks the guest or mirror needs_attention
 * with the dead letter's reason, and answers with `parley.identity.account.recorded.v1` carrying that reason, on which
 * the task fails (the sync can end). The task is not failed here: the sync would end before `/v1/people` showed the
 * needs_attention (ADR 0038). Only a pending task of a running job is reported, so a late dead letter of a command
 * that already succeeded (a copy the recovery sweep sent again) changes nothing. Every other dead letter is the
 * gateway's business alone.
 */
@Controller()
export class DeadLetteredCommandsHandler {
  constructor(
    @Inject(IDEMPOTENT_CONSUMER) private readonly idempotent: IdempotentConsumer,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(TaskResults) private readonly results: TaskResults,
  ) {}

  @EventPattern('parley.messaging.message.dead-lettered.v1')
  async onDeadLettered(@MessagePayload() d: DeadLetter, @Ctx() ctx: MessageContext): Promise<void> {
    const action = actionOf(d.originalTopic);
    if (!action) return;
    const ids = commandIds(d);
    if (!ids) {
      this.logger.warn({ originalTopic: d.originalTopic, deadLetterId: ctx.eventId }, 'dead-lettered command names no task; the recovery sweep will end it');
      return;
    }
    const reason = `the command was dead-lettered by ${d.consumerGroup}: ${d.reason}`;
    await this.idempotent.run('provisioning.dead-lettered-command', ctx.eventId, async (manager) => {
      if (!(await this.results.isPending(manager, { ...ids, action }))) return;
      await this.outbox.enqueue(manager, 'parley.provisioning.command.dead-lettered.v1', { ...ids, action, reason, deadLetterId: ctx.eventId });
      this.logger.warn({ ...ids, action, deadLetterId: ctx.eventId }, 'a command was dead-lettered: identity is told, its task fails on its answer');
    });
  }
}

function actionOf(topic: string): TaskAction | undefined {
  return Object.prototype.hasOwnProperty.call(provisioningCommandTopics, topic)
    ? provisioningCommandTopics[topic as keyof typeof provisioningCommandTopics]
    : undefined;
}

/**
 * The task a dead-lettered command belongs to. Provisioning's commands are validated when sent, so the original
 * normally decodes; a value damaged on the way is read leniently for the three ids before giving up.
 */
function commandIds(d: DeadLetter): CommandIds | undefined {
  if (d.value === null) return undefined;
  const bytes = Buffer.from(d.value, d.valueEncoding === 'base64' ? 'base64' : 'utf8');
  try {
    const { payload } = decodeMessage(d.originalTopic as keyof typeof provisioningCommandTopics, bytes);
    return { orgId: payload.orgId, syncId: payload.syncId, personId: payload.personId };
  } catch {
    try {
      const data = (JSON.parse(bytes.toString('utf8')) as { data?: Record<string, unknown> }).data ?? {};
      const { orgId, syncId, personId } = data;
      if (typeof orgId === 'string' && uuid.safeParse(syncId).success && uuid.safeParse(personId).success) {
        return { orgId, syncId: syncId as string, personId: personId as string };
      }
    } catch {
      // not JSON: nothing to go on
    }
    return undefined;
  }
}
