import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { Payload } from '@parley/contracts';
import type { MessageContext } from '@parley/messaging';
import type { IdempotentConsumer } from '@parley/persistence';
import { IDEMPOTENT_CONSUMER } from '@parley/service-runtime';
import { DeadLetterStore } from './dead-letter-store';

/** Keeps every dead letter of every service, once per event, so the operator can list, retry and discard them. */
@Controller()
export class DeadLetterHandler {
  constructor(
    @Inject(IDEMPOTENT_CONSUMER) private readonly idempotent: IdempotentConsumer,
    @Inject(DeadLetterStore) private readonly store: DeadLetterStore,
  ) {}

  @EventPattern('parley.messaging.message.dead-lettered.v1')
  async onDeadLettered(@MessagePayload() d: Payload<'parley.messaging.message.dead-lettered.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    await this.idempotent.run('gateway.dead-letters', ctx.eventId, (manager) => this.store.record(manager, ctx.eventId, d));
  }
}
