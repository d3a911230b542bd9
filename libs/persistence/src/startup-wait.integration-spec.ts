import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { integrationEnv, uniqueSuffix } from '@parley/testing';
import { createServiceDataSource, initializeAndMigrate } from './index';

/** Log lines as objects, to see what the wait said. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

/** A port nothing listens on yet: taken and given back. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** From then on, `port` forwards to the real PostgreSQL: the database "comes back". */
async function forward(port: number, to: URL): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(to.port || 5432), to.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

function migrations(schema: string, fail?: Error) {
  return [
    class WaitInit1765000000000 implements MigrationInterface {
      name = 'WaitInit1765000000000';
      async up(runner: QueryRunner): Promise<void> {
        if (fail) throw fail;
        await runner.query(`CREATE TABLE "${schema}".marks (id int PRIMARY KEY)`);
      }
      async down(runner: QueryRunner): Promise<void> {
        await runner.query(`DROP SCHEMA "${schema}" CASCADE`);
      }
    },
  ];
}

// ADR 0059: a service starting while PostgreSQL restarts waits for it instead of exiting (the chaos run's gateway did,
// restarted while the database was away), and stops waiting for anything that is not the database being away.
describe('starting while the database is away', () => {
  const real = new URL(integrationEnv().databaseUrl);
  const servers: Server[] = [];
  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  });

  const dataSourceAt = (port: number, schema: string, fail?: Error) => {
    const url = new URL(real.toString());
    url.hostname = '127.0.0.1';
    url.port = String(port);
    return createServiceDataSource({ url: url.toString(), poolSize: 2, schema, migrations: migrations(schema, fail), logger: pino({ level: 'silent' }) });
  };

  it('connects and migrates once the database answers, saying each time that it waits', async () => {
    const port = await freePort();
    const schema = `w_${uniqueSuffix()}`;
    const dataSource = dataSourceAt(port, schema);
    const { logger, lines } = capturingLogger();
    setTimeout(() => void forward(port, real).then((server) => servers.push(server)), 1_200);
    const started = Date.now();
    await initializeAndMigrate(dataSource, schema, logger, 20_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".marks`)).toEqual([{ n: 0 }]);
    const waits = lines.filter((l) => l['msg'] === 'database not reachable yet; trying again');
    expect(waits.length).toBeGreaterThanOrEqual(2);
    expect(waits[0]).toMatchObject({ level: 40, schema, attempt: 1, err: { code: 'ECONNREFUSED' } });
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  it('gives up after its wait with the last failure', async () => {
    const port = await freePort();
    const dataSource = dataSourceAt(port, `w_${uniqueSuffix()}`);
    const started = Date.now();
    await expect(initializeAndMigrate(dataSource, 'w_never', pino({ level: 'silent' }), 1_500)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
  });

  it('does not wait on a failure that is not the database being away', async () => {
    const schema = `w_${uniqueSuffix()}`;
    const dataSource = createServiceDataSource({
      url: integrationEnv().databaseUrl,
      poolSize: 2,
      schema,
      migrations: migrations(schema, new Error('column "x" does not exist')),
      logger: pino({ level: 'silent' }),
    });
    const { logger, lines } = capturingLogger();
    await expect(initializeAndMigrate(dataSource, schema, logger, 20_000)).rejects.toThrow('column "x" does not exist');
    expect(lines.filter((l) => l['msg'] === 'database not reachable yet; trying again')).toEqual([]);
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  });
});
