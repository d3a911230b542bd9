import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Channel Sync, ids only:
 * - linked_channels: the Teams channels an admin linked (parley.channel.link.changed.v1), with the link's time as a
 *   baseline (what was said before it is not relayed), the last change applied (a replayed or late event does not undo
 *   a newer one), how far catch-up has listed the channel (its watermark), and why Graph refused its subscription.
 * - subscriptions.channel: a per-channel subscription (`/teams/{t}/channels/{c}/messages`) names its channel by its bus
 *   id (`{teamId}/{channelId}`); NULL for the connection's tenant-wide chat subscription. Each has one current row.
 */
export class TeamsConnectorChannels1798100000400 implements MigrationInterface {
  name = 'TeamsConnectorChannels1798100000400';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE teams_connector.linked_channels (
        connection_id uuid NOT NULL,
        team_id text NOT NULL,
        channel_id text NOT NULL,
        org_id text NOT NULL,
        link_id uuid NOT NULL,
        linked boolean NOT NULL,
        linked_at timestamptz NOT NULL,
        changed_at timestamptz NOT NULL,
        watermark timestamptz NOT NULL,
        last_run_at timestamptz,
        refusal text,
        PRIMARY KEY (connection_id, team_id, channel_id)
      )`);
    await runner.query('ALTER TABLE teams_connector.subscriptions ADD COLUMN channel text');
    await runner.query('DROP INDEX teams_connector.subscriptions_current_per_connection');
    await runner.query("CREATE UNIQUE INDEX subscriptions_current_per_watch ON teams_connector.subscriptions (connection_id, COALESCE(channel, '')) WHERE current");
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX teams_connector.subscriptions_current_per_watch');
    await runner.query('DELETE FROM teams_connector.subscriptions WHERE channel IS NOT NULL');
    await runner.query('CREATE UNIQUE INDEX subscriptions_current_per_connection ON teams_connector.subscriptions (connection_id) WHERE current');
    await runner.query('ALTER TABLE teams_connector.subscriptions DROP COLUMN channel');
    await runner.query('DROP TABLE teams_connector.linked_channels');
  }
}
