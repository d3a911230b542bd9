import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the relay remembers: twins (a conversation on each platform with the same people), the messages it relayed,
 * their deliveries and links, the per-target-conversation lanes that keep one delivery in flight, and the queue in
 * front of each lane. No table holds a message body except `delivery_queue`, and only until its delivery is
 * dispatched (ADR 0017, relay.md Privacy).
 */
export class RelayConversations1797100000000 implements MigrationInterface {
  name = 'RelayConversations1797100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE relay.twins (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('dm', 'group')),
        -- Null while that side is not open yet (its first delivery opens it).
        slack_conversation_id text,
        teams_conversation_id text,
        slack_connection_id uuid,
        teams_connection_id uuid,
        member_person_ids uuid[] NOT NULL,
        -- The sorted person ids: a DM between the same people is one twin, whichever side starts it.
        member_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (slack_conversation_id IS NOT NULL OR teams_conversation_id IS NOT NULL)
      )`);
    await runner.query(`CREATE UNIQUE INDEX twins_slack_side ON relay.twins (org_id, slack_conversation_id) WHERE slack_conversation_id IS NOT NULL`);
    await runner.query(`CREATE UNIQUE INDEX twins_teams_side ON relay.twins (org_id, teams_conversation_id) WHERE teams_conversation_id IS NOT NULL`);
    await runner.query(`CREATE INDEX twins_members ON relay.twins (org_id, kind, member_key)`);
    await runner.query(`CREATE INDEX twins_org_created ON relay.twins (org_id, created_at DESC, id DESC)`);

    await runner.query(`
      CREATE TABLE relay.messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id text NOT NULL,
        twin_id uuid NOT NULL REFERENCES relay.twins(id) ON DELETE CASCADE,
        source_platform text NOT NULL CHECK (source_platform IN ('slack', 'teams')),
        source_conversation_id text NOT NULL,
        source_message_id text NOT NULL,
        source_thread_root_id text,
        sender_person_id uuid NOT NULL,
        sender_platform_user_id text NOT NULL,
        -- How many parts the last create or edit was split into on the other side.
        parts integer NOT NULL DEFAULT 1,
        deleted boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (org_id, source_platform, source_conversation_id, source_message_id)
      )`);
    await runner.query(`CREATE INDEX messages_twin_created ON relay.messages (twin_id, created_at DESC, id DESC)`);

    await runner.query(`
      CREATE TABLE relay.deliveries (
        id uuid PRIMARY KEY,
        org_id text NOT NULL,
        message_id uuid NOT NULL REFERENCES relay.messages(id) ON DELETE CASCADE,
        twin_id uuid NOT NULL REFERENCES relay.twins(id) ON DELETE CASCADE,
        part integer NOT NULL,
        change text NOT NULL CHECK (change IN ('create', 'edit', 'delete')),
        target_platform text NOT NULL CHECK (target_platform IN ('slack', 'teams')),
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
        reason text,
        target_conversation_id text,
        target_message_id text,
        voice text CHECK (voice IN ('person', 'fallback')),
        -- SHA-256 of the translated part (never the text itself): shows whether an edit changed anything.
        content_hash text,
        requested_at timestamptz NOT NULL DEFAULT now(),
        dispatched_at timestamptz,
        finished_at timestamptz
      )`);
    await runner.query(`CREATE INDEX deliveries_message ON relay.deliveries (message_id, part, requested_at)`);

    await runner.query(`
      CREATE TABLE relay.message_links (
        message_id uuid NOT NULL REFERENCES relay.messages(id) ON DELETE CASCADE,
        part integer NOT NULL,
        kind text NOT NULL CHECK (kind IN ('post', 'fallback')),
        target_platform text NOT NULL CHECK (target_platform IN ('slack', 'teams')),
        target_conversation_id text NOT NULL,
        target_message_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (message_id, kind, part, target_conversation_id)
      )`);
    await runner.query(`CREATE INDEX message_links_target ON relay.message_links (target_platform, target_conversation_id, target_message_id)`);

    // One lane per target conversation (a twin's side): at most one delivery in flight in it.
    await runner.query(`
      CREATE TABLE relay.lanes (
        twin_id uuid NOT NULL REFERENCES relay.twins(id) ON DELETE CASCADE,
        platform text NOT NULL CHECK (platform IN ('slack', 'teams')),
        in_flight_delivery_id uuid,
        PRIMARY KEY (twin_id, platform)
      )`);

    // Deliveries waiting behind the one in flight. The request (body included) lives here only until dispatch moves it
    // into the outbox in the same transaction (ADR 0017).
    await runner.query(`
      CREATE TABLE relay.delivery_queue (
        seq bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL UNIQUE REFERENCES relay.deliveries(id) ON DELETE CASCADE,
        twin_id uuid NOT NULL,
        platform text NOT NULL,
        request jsonb NOT NULL,
        enqueued_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX delivery_queue_lane ON relay.delivery_queue (twin_id, platform, seq)`);

    // "Who did not get your message" is said once per source conversation and set of people left out.
    await runner.query(`
      CREATE TABLE relay.unreached_notices (
        org_id text NOT NULL,
        source_platform text NOT NULL,
        source_conversation_id text NOT NULL,
        left_out_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, source_platform, source_conversation_id, left_out_key)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['unreached_notices', 'delivery_queue', 'lanes', 'message_links', 'deliveries', 'messages', 'twins']) {
      await runner.query(`DROP TABLE relay.${table}`);
    }
  }
}
