import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';

// PGlite is one session shared by every connection; these are the interleavings that broke pglite-socket's own queue
// (wrong rows across connections, lost unnamed statements, hangs) and must work for six services on one database.
describe('embedded PostgreSQL with several connections', () => {
  let dir: string;
  let database: EmbeddedPostgres;
  let clients: Client[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'parley-pglite-'));
    database = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pgdata') });
    clients = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const client = new Client({ connectionString: database.url });
        await client.connect();
        return client;
      }),
    );
    await clients[0]?.query('CREATE TABLE pinned (k int PRIMARY KEY, v text)');
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.end()));
    await database.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps each connection\'s parameterized queries and transactions to itself', async () => {
    let wrong = 0;
    const errors: string[] = [];
    await Promise.all(
      clients.map(async (client, i) => {
        for (let n = 0; n < 40; n++) {
          try {
            if (i % 2 === 0) {
              await client.query('BEGIN');
              const row = await client.query('SELECT v FROM pinned WHERE k = $1 FOR UPDATE', [n]);
              if (row.rows.length === 0) await client.query('INSERT INTO pinned (k, v) VALUES ($1, $2)', [n, `c${i}`]);
              await client.query('COMMIT');
            } else {
              const row = await client.query('SELECT $1::int AS v', [i * 1000 + n]);
              if (row.rows[0]?.v !== i * 1000 + n) wrong++;
            }
          } catch (error) {
            errors.push((error as Error).message);
            await client.query('ROLLBACK').catch(() => undefined);
          }
        }
      }),
    );
    expect({ wrong, errors }).toEqual({ wrong: 0, errors: [] });
    expect((await clients[1]?.query('SELECT count(*)::int AS n FROM pinned'))?.rows[0]).toEqual({ n: 40 });
  }, 60_000);

  it('rolls back what a connection that went away left open, and the others carry on', async () => {
    const quitter = new Client({ connectionString: database.url });
    await quitter.connect();
    await quitter.query('BEGIN');
    await quitter.query("INSERT INTO pinned (k, v) VALUES (1000, 'left open')");
    await quitter.end();
    const row = await clients[0]?.query('SELECT count(*)::int AS n FROM pinned WHERE k = 1000');
    expect(row?.rows[0]).toEqual({ n: 0 });
  }, 30_000);
});
