import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A dispatched delivery keeps its request (body included) in `delivery_queue` until its outcome comes, so that the
 * relay can request it again when no outcome comes in time; and each delivery counts its requests and knows when its
 * outcome is due (ADR 0029). `gave_up_at` marks a delivery failed for want of an outcome, whose late outcome is still
 * recorded.
 */
export class RelayDeliveryDeadlines1797700000000 implements MigrationInterface {
  name = 'RelayDeliveryDeadlines1797700000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE relay.delivery_queue ADD COLUMN dispatched_at timestamptz, ADD COLUMN dispatched jsonb`);
    await runner.query(`DROP INDEX relay.delivery_queue_lane`);
    await runner.query(`CREATE INDEX delivery_queue_lane ON relay.delivery_queue (twin_id, platform, seq) WHERE dispatched_at IS NULL`);
    await runner.query(
      `ALTER TABLE relay.deliveries ADD COLUMN attempts integer NOT NULL DEFAULT 0, ADD COLUMN outcome_due_at timestamptz, ADD COLUMN gave_up_at timestamptz`,
    );
    // Deliveries already in flight kept no request to send again: they get a quarter of an hour, then fail clearly.
    await runner.query(`UPDATE relay.deliveries SET attempts = 1, outcome_due_at = now() + interval '15 minutes' WHERE state = 'pending' AND dispatched_at IS NOT NULL`);
    await runner.query(`CREATE INDEX deliveries_outcome_due ON relay.deliveries (outcome_due_at) WHERE state = 'pending' AND outcome_due_at IS NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX relay.deliveries_outcome_due`);
    await runner.query(`ALTER TABLE relay.deliveries DROP COLUMN gave_up_at, DROP COLUMN outcome_due_at, DROP COLUMN attempts`);
    await runner.query(`DROP INDEX relay.delivery_queue_lane`);
    await runner.query(`CREATE INDEX delivery_queue_lane ON relay.delivery_queue (twin_id, platform, seq)`);
    await runner.query(`DELETE FROM relay.delivery_queue WHERE dispatched_at IS NOT NULL`);
    await runner.query(`ALTER TABLE relay.delivery_queue DROP COLUMN dispatched, DROP COLUMN dispatched_at`);
  }
}
