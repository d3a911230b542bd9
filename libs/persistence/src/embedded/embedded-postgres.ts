import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { SessionPinningQueue } from './session-pinning-queue';

export interface EmbeddedPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * The embedded mode's database: PGlite (PostgreSQL compiled to WebAssembly) served on a loopback socket, so the
 * services use the same pg driver, TypeORM entities and SQL migrations as against a real PostgreSQL. See
 * docs/adr/0003-embedded-database-pglite.md.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port?: number; maxConnections?: number }): Promise<EmbeddedPostgres> {
  mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: options.port ?? 0, maxConnections: options.maxConnections ?? 64 });
  // Every connection handler takes the server's queue when it is created; replace it before the first connection.
  const internals = server as unknown as { queryQueue: unknown };
  if (!('queryQueue' in internals)) throw new Error('pglite-socket changed: the server has no queryQueue to replace (see session-pinning-queue.ts)');
  internals.queryQueue = new SessionPinningQueue(db);
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgres://postgres@${address}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}
