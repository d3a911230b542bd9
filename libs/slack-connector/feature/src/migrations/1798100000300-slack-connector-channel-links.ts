import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Channel Sync: the Slack side of each channel link the relay announced (parley.channel.link.changed.v1), ids only.
 * Ingress relays a channel's messages and reactions only while its row says `linked`. An unlinked link keeps its row:
 * `changed_at` (the change's own time) is what lets a late or redelivered older change be told and ignored.
 */
export class SlackConnectorChannelLinks1798100000300 implements MigrationInterface {
  name = 'SlackConnectorChannelLinks1798100000300';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE slack_connector.channel_links (
        link_id uuid PRIMARY KEY,
        org_id text NOT NULL,
        connection_id uuid NOT NULL,
        channel_id text NOT NULL,
        private boolean NOT NULL,
        state text NOT NULL CHECK (state IN ('linked', 'unlinked')),
        changed_at timestamptz NOT NULL,
        joined_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX channel_links_live ON slack_connector.channel_links (connection_id, channel_id) WHERE state = 'linked'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE slack_connector.channel_links');
  }
}
