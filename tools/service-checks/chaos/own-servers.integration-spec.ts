import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { createClient } from 'redis';
import { startOwnServers, type OwnServers } from './own-servers';

// The chaos run's own servers: real ones that a restart really restarts, keeping what a restart keeps.
describe('the chaos run’s own Kafka, PostgreSQL and Redis', () => {
  let servers: OwnServers;
  beforeAll(async () => {
    servers = await startOwnServers('own-servers-check');
  }, 180_000);
  afterAll(() => servers?.stop());

  it('keeps PostgreSQL’s committed rows across a restart, and cuts the sessions that were open', async () => {
    const before = new Client({ connectionString: servers.env.DATABASE_URL });
    await before.connect();
    const ended = new Promise<Error>((resolve) => before.on('error', resolve));
    await before.query('create table kept (n int)');
    await before.query('insert into kept values (1), (2)');
    await servers.restartPostgres(200);
    expect(String(await ended)).toMatch(/terminat|shut|connection|ECONNRESET/i);
    await before.end().catch(() => undefined);
    const after = new Client({ connectionString: servers.env.DATABASE_URL });
    await after.connect();
    expect((await after.query('select count(*)::int as n from kept')).rows[0]).toEqual({ n: 2 });
    await after.end();
  }, 120_000);

  it('comes back from a Redis restart empty', async () => {
    const client = createClient({ url: servers.env.REDIS_URL });
    client.on('error', () => undefined);
    await client.connect();
    await client.set('before', '1');
    await servers.restartRedis(200);
    // The client reconnects by itself to the restarted, empty server.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await client.get('before')).toBeNull();
    await client.quit();
  }, 60_000);

  it('keeps what Kafka acknowledged across a broker crash and restart', async () => {
    const kafka = new Kafka({ clientId: 'own-servers-check', brokers: servers.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kept', numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'kept', acks: -1, messages: [{ value: 'one' }, { value: 'two' }] });
    await producer.disconnect();
    await admin.disconnect();
    await servers.restartKafka(500);
    const reader = kafka.admin();
    await reader.connect();
    const [offsets] = await reader.fetchTopicOffsets('kept');
    expect(Number(offsets?.high)).toBe(2);
    await reader.disconnect();
  }, 180_000);
});
