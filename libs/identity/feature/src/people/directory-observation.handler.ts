import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { EntityManager } from 'typeorm';
import type { Payload } from '@parley/contracts';
import type { MessageContext } from '@parley/messaging';
import type { Logger } from '@parley/observability';
import type { IdempotentConsumer } from '@parley/persistence';
import { IDEMPOTENT_CONSUMER, LOGGER } from '@parley/service-runtime';
import { Person } from './person.entity';
import { PlatformAccount } from './platform-account.entity';

type Observation = Payload<'parley.directory.user.observed.v1'>;
export type ObservationOutcome = 'skipped_bot' | 'recorded';

/**
 * Folds what a connector read from a directory into people and their native accounts: one person per org and
 * email, one account per platform user id. Applied once per event (the record of it commits with the effect).
 */
@Controller()
export class DirectoryObservationHandler {
  constructor(
    @Inject(IDEMPOTENT_CONSUMER) private readonly idempotent: IdempotentConsumer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern('parley.directory.user.observed.v1')
  async onUserObserved(@MessagePayload() observation: Observation, @Ctx() ctx: MessageContext): Promise<void> {
    const outcome = await this.idempotent.run('identity.directory-observation', ctx.eventId, (m) => this.apply(m, observation, ctx.eventId));
    if (outcome === 'duplicate') this.logger.info('observation already applied, skipping');
  }

  private async apply(manager: EntityManager, o: Observation, eventId: string): Promise<void> {
    const outcome: ObservationOutcome = o.isBot ? 'skipped_bot' : 'recorded';
    await manager.query(
      `INSERT INTO identity.directory_observations (event_id, org_id, platform, platform_user_id, email, outcome, observed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [eventId, o.orgId, o.platform, o.platformUserId, o.email, outcome, o.observedAt],
    );
    if (o.isBot) return;

    await manager
      .createQueryBuilder()
      .insert()
      .into(Person)
      .values({ orgId: o.orgId, email: o.email, displayName: o.realName || o.displayName || o.email })
      .orIgnore()
      .execute();
    const person = await manager.findOneByOrFail(Person, { orgId: o.orgId, email: o.email });

    await manager
      .createQueryBuilder()
      .insert()
      .into(PlatformAccount)
      .values({
        orgId: o.orgId,
        personId: person.id,
        platform: o.platform,
        platformUserId: o.platformUserId,
        kind: 'native',
        status: o.isDeactivated ? 'deactivated' : 'active',
        lastObservedAt: new Date(o.observedAt),
      })
      .orUpdate(['person_id', 'status', 'last_observed_at'], ['org_id', 'platform', 'platform_user_id'])
      .execute();
  }
}
