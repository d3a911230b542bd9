import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Channel links (Channel Sync): a Slack channel and a Teams channel an admin linked. Each link has a twin of kind
 * `channel`, which holds the messages carried while it lived. Unlinking keeps the row (and the history) with
 * `unlinked_at`; linking the same pair again brings the same row back, so the history goes on and the link keeps its
 * id. A channel is in at most one live link on each side, but it may have older, unlinked ones, so channel twins are
 * left out of the one-twin-per-conversation indexes that DMs and group DMs keep.
 */
export class RelayChannelLinks1798100000000 implements MigrationInterface {
  name = 'RelayChannelLinks1798100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE relay.twins DROP CONSTRAINT twins_kind_check`);
    await runner.query(`ALTER TABLE relay.twins ADD CONSTRAINT twins_kind_check CHECK (kind IN ('dm', 'group', 'channel'))`);
    await runner.query(`DROP INDEX relay.twins_slack_side`);
    await runner.query(`DROP INDEX relay.twins_teams_side`);
    await runner.query(
      `CREATE UNIQUE INDEX twins_slack_side ON relay.twins (org_id, slack_conversation_id) WHERE slack_conversation_id IS NOT NULL AND kind <> 'channel'`,
    );
    await runner.query(
      `CREATE UNIQUE INDEX twins_teams_side ON relay.twins (org_id, teams_conversation_id) WHERE teams_conversation_id IS NOT NULL AND kind <> 'channel'`,
    );
    await runner.query(`
      CREATE TABLE relay.channel_links (
        id uuid PRIMARY KEY,
        org_id text NOT NULL,
        twin_id uuid NOT NULL UNIQUE REFERENCES relay.twins(id) ON DELETE CASCADE,
        slack_connection_id uuid NOT NULL,
        slack_channel_id text NOT NULL,
        -- Names as they were when linked, for the admin's list; never message text.
        slack_channel_name text NOT NULL,
        teams_connection_id uuid NOT NULL,
        team_id text NOT NULL,
        teams_channel_id text NOT NULL,
        teams_channel_name text NOT NULL,
        private boolean NOT NULL,
        created_side text CHECK (created_side IN ('slack', 'teams')),
        created_at timestamptz NOT NULL DEFAULT now(),
        linked_at timestamptz NOT NULL DEFAULT now(),
        unlinked_at timestamptz
      )`);
    await runner.query(
      `CREATE UNIQUE INDEX channel_links_live_slack ON relay.channel_links (slack_connection_id, slack_channel_id) WHERE unlinked_at IS NULL`,
    );
    await runner.query(
      `CREATE UNIQUE INDEX channel_links_live_teams ON relay.channel_links (teams_connection_id, team_id, teams_channel_id) WHERE unlinked_at IS NULL`,
    );
    await runner.query(`CREATE INDEX channel_links_org_created ON relay.channel_links (org_id, created_at DESC, id DESC)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE relay.channel_links`);
    await runner.query(`DELETE FROM relay.twins WHERE kind = 'channel'`);
    await runner.query(`DROP INDEX relay.twins_slack_side`);
    await runner.query(`DROP INDEX relay.twins_teams_side`);
    await runner.query(`CREATE UNIQUE INDEX twins_slack_side ON relay.twins (org_id, slack_conversation_id) WHERE slack_conversation_id IS NOT NULL`);
    await runner.query(`CREATE UNIQUE INDEX twins_teams_side ON relay.twins (org_id, teams_conversation_id) WHERE teams_conversation_id IS NOT NULL`);
    await runner.query(`ALTER TABLE relay.twins DROP CONSTRAINT twins_kind_check`);
    await runner.query(`ALTER TABLE relay.twins ADD CONSTRAINT twins_kind_check CHECK (kind IN ('dm', 'group'))`);
  }
}
