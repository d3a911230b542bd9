import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { RelaySettingsView, UpdateRelaySettingsRequest } from '@parley/internal-api';
import type { Logger } from '@parley/observability';
import { queryReturning } from '@parley/persistence';
import { DATA_SOURCE, LOGGER } from '@parley/service-runtime';
import { firstRow, type Sql } from '../store/relay-store';

interface SettingsRow {
  org_id: string;
  file_relay: boolean;
  updated_at: Date;
}

/** The organization's relay settings: defaults until an admin changes them, read at each message that needs them. */
@Injectable()
export class RelaySettings {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async view(orgId: string, db: Sql = this.dataSource): Promise<RelaySettingsView> {
    const row = await firstRow<SettingsRow>(db, `SELECT * FROM relay.org_settings WHERE org_id = $1`, [orgId]);
    return row ? toView(row) : { orgId, fileRelay: true, updatedAt: null };
  }

  async update(orgId: string, change: UpdateRelaySettingsRequest): Promise<RelaySettingsView> {
    const [row] = await queryReturning<SettingsRow>(
      this.dataSource,
      `INSERT INTO relay.org_settings (org_id, file_relay) VALUES ($1, $2)
       ON CONFLICT (org_id) DO UPDATE SET file_relay = EXCLUDED.file_relay, updated_at = now() RETURNING *`,
      [orgId, change.fileRelay],
    );
    this.logger.info({ orgId, fileRelay: change.fileRelay }, 'relay: settings changed');
    return toView(row as SettingsRow);
  }
}

function toView(row: SettingsRow): RelaySettingsView {
  return { orgId: row.org_id, fileRelay: row.file_relay, updatedAt: new Date(row.updated_at).toISOString() };
}
