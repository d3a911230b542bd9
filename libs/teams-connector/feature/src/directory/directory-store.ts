import type { DataSource, EntityManager } from 'typeorm';

/** Rows per INSERT: well under PostgreSQL's 65,535 parameters, small enough to keep statements quick. */
export const WRITE_CHUNK = 500;

export function chunked<T>(items: readonly T[], size = WRITE_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** teams_connector's memory of a connection's directory: its delta link and the email of each user id seen. */
export class DirectoryStore {
  constructor(private readonly dataSource: DataSource) {}

  async deltaLink(connectionId: string): Promise<string | null> {
    const rows: { delta_link: string }[] = await this.dataSource.query('SELECT delta_link FROM teams_connector.directory_delta_links WHERE connection_id = $1', [connectionId]);
    return rows[0]?.delta_link ?? null;
  }

  /** Emails remembered for these user ids (Graph reports removed users by id only). */
  async emailsOf(connectionId: string, userIds: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const ids of chunked(userIds, 5_000)) {
      const rows: { user_id: string; email: string }[] = await this.dataSource.query(
        'SELECT user_id, email FROM teams_connector.directory_users WHERE connection_id = $1 AND user_id = ANY($2::text[])',
        [connectionId, ids],
      );
      for (const row of rows) found.set(row.user_id, row.email);
    }
    return found;
  }

  /** Every remembered user of a connection (to find who disappeared between two full reads). */
  async allUsers(connectionId: string): Promise<Map<string, string>> {
    const rows: { user_id: string; email: string }[] = await this.dataSource.query('SELECT user_id, email FROM teams_connector.directory_users WHERE connection_id = $1', [connectionId]);
    return new Map(rows.map((row) => [row.user_id, row.email]));
  }

  async saveDeltaLink(manager: EntityManager, orgId: string, connectionId: string, deltaLink: string): Promise<void> {
    await manager.query(
      `INSERT INTO teams_connector.directory_delta_links (connection_id, org_id, delta_link, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (connection_id) DO UPDATE SET delta_link = EXCLUDED.delta_link, org_id = EXCLUDED.org_id, updated_at = now()`,
      [connectionId, orgId, deltaLink],
    );
  }

  async remember(manager: EntityManager, connectionId: string, users: readonly { id: string; email: string }[]): Promise<void> {
    for (const chunk of chunked(users)) {
      const params: string[] = [connectionId];
      const rows = chunk.map((user, i) => {
        params.push(user.id, user.email);
        return `($1, $${i * 2 + 2}, $${i * 2 + 3})`;
      });
      await manager.query(
        `INSERT INTO teams_connector.directory_users (connection_id, user_id, email) VALUES ${rows.join(', ')}
         ON CONFLICT (connection_id, user_id) DO UPDATE SET email = EXCLUDED.email`,
        params,
      );
    }
  }

  async forget(manager: EntityManager, connectionId: string, userIds: readonly string[]): Promise<void> {
    for (const ids of chunked(userIds, 5_000)) {
      await manager.query('DELETE FROM teams_connector.directory_users WHERE connection_id = $1 AND user_id = ANY($2::text[])', [connectionId, ids]);
    }
  }
}
