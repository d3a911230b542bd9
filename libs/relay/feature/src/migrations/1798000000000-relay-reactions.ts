import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reaction changes carried between the twins (ADR 0032): one row per observed add or remove, with its state. They do
 * not go through the lanes; a change on a message whose target-side id is not known yet waits here (`waiting`) until
 * the message's delivered outcome releases it. Emoji keys and ids only, no message text.
 */
export class RelayReactions1798000000000 implements MigrationInterface {
  name = 'RelayReactions1798000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE relay.reaction_deliveries (
        id uuid PRIMARY KEY,
        seq bigserial NOT NULL UNIQUE,
        org_id text NOT NULL,
        message_id uuid NOT NULL REFERENCES relay.messages(id) ON DELETE CASCADE,
        twin_id uuid NOT NULL REFERENCES relay.twins(id) ON DELETE CASCADE,
        -- Where the reaction was made, by whom (null: nobody Parley knows).
        source_platform text NOT NULL CHECK (source_platform IN ('slack', 'teams')),
        reactor_platform_user_id text NOT NULL,
        reactor_person_id uuid,
        -- The emoji key that pairs an add with its remove (u:<unicode without FE0F>, slack:<custom name>, teams:<type>).
        reaction_key text NOT NULL,
        change text NOT NULL CHECK (change IN ('add', 'remove')),
        target_platform text NOT NULL CHECK (target_platform IN ('slack', 'teams')),
        -- The reaction in the target platform's terms, when it can be carried.
        target_reaction text,
        state text NOT NULL CHECK (state IN ('waiting', 'pending', 'delivered', 'failed', 'unvoiced')),
        reason text,
        target_conversation_id text,
        target_message_id text,
        requested_at timestamptz NOT NULL DEFAULT now(),
        dispatched_at timestamptz,
        finished_at timestamptz
      )`);
    await runner.query(`CREATE INDEX reaction_deliveries_message ON relay.reaction_deliveries (message_id, seq)`);
    await runner.query(`CREATE INDEX reaction_deliveries_waiting ON relay.reaction_deliveries (message_id, seq) WHERE state = 'waiting'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE relay.reaction_deliveries`);
  }
}
