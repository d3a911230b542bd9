import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { Payload } from '@parley/contracts';
import type { MessageContext } from '@parley/messaging';
import type { IdempotentConsumer } from '@parley/persistence';
import { IDEMPOTENT_CONSUMER } from '@parley/service-runtime';

type DeadLettered = Payload<'parley.messaging.message.dead-lettered.v1'>;

/** Keeps every dead letter of every service, once per event, so the operator can list them through the API. */
@Controller()
export class DeadLetterHandler {
  constructor(@Inject(IDEMPOTENT_CONSUMER) private readonly idempotent: IdempotentConsumer) {}

  @EventPattern('parley.messaging.message.dead-lettered.v1')
  async onDeadLettered(@MessagePayload() d: DeadLettered, @Ctx() ctx: MessageContext): Promise<void> {
    await this.idempotent.run('gateway.dead-letters', ctx.eventId, (manager) =>
      manager.query(
        `INSERT INTO gateway.dead_letters (event_id, original_topic, partition, "offset", message_key, value, value_encoding, headers,
           consumer_group, reason, failure, attempts, dead_lettered_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13) ON CONFLICT (event_id) DO NOTHING`,
        [
          ctx.eventId,
          d.originalTopic,
          d.partition ?? null,
          d.offset ?? null,
          d.key,
          d.value,
          d.valueEncoding,
          JSON.stringify(d.headers),
          d.consumerGroup,
          d.reason,
          d.failure,
          d.attempts,
          d.deadLetteredAt,
        ],
      ),
    );
  }
}
