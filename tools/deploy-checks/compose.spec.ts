import path from 'node:path';
import { serviceNames, services } from '@parley/service-runtime';
import {
  buildProblems,
  dependsOnProblems,
  environmentProblems,
  healthcheckProblems,
  infrastructure,
  portProblems,
  wiringProblems,
  type ComposeLocation,
} from './compose-checks';
import { environmentOf, healthcheckArgv, loadComposeFile, type ComposeFile, type ComposeService } from './compose-file';

const root = path.resolve(__dirname, '../..');
const composePath = path.join(root, 'docker/compose.yaml');
const location: ComposeLocation = { composeDir: path.dirname(composePath), dockerfile: path.join(root, 'docker/Dockerfile') };
// Interpolated as on a machine with nothing exported: the defaults in the file must be enough.
const compose = loadComposeFile(composePath);

/** The service, or a test failure that says it is missing. */
function service(name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`docker/compose.yaml: no service "${name}" (has ${Object.keys(compose.services).join(', ')})`);
  return found;
}

describe('docker/compose.yaml', () => {
  it('runs exactly the six catalog services and the three servers they need', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...serviceNames, ...infrastructure].sort());
  });

  describe.each(serviceNames)('%s', (name) => {
    it('is built from docker/Dockerfile with APP set to its name', () => {
      expect(buildProblems(name, service(name), location)).toEqual([]);
    });

    it('has a healthcheck that probes /readyz', () => {
      expect(healthcheckProblems(name, service(name), '/readyz')).toEqual([]);
    });

    it('waits for Kafka, PostgreSQL and Redis to be healthy', () => {
      expect(dependsOnProblems(name, service(name))).toEqual([]);
    });

    it(`listens on and publishes its catalog port ${services[name].port}`, () => {
      expect(portProblems(name, service(name))).toEqual([]);
    });

    it('has an environment its config schema loads, with no variable the schema does not know', () => {
      expect(environmentProblems(name, service(name))).toEqual([]);
    });

    it('connects to the Kafka, PostgreSQL and Redis of this file, with their credentials', () => {
      expect(wiringProblems(name, compose)).toEqual([]);
    });
  });

  describe.each(infrastructure)('%s', (name) => {
    it('has a healthcheck', () => {
      expect(healthcheckProblems(name, service(name))).toEqual([]);
    });
  });

  it('runs Kafka 3.9.1 in KRaft combined mode, single node, with topic auto-creation off', () => {
    const kafka = service('kafka');
    const env = environmentOf(kafka);
    const problems: string[] = [];
    if (kafka.image !== 'apache/kafka:3.9.1') problems.push(`kafka.image: is ${kafka.image}, expected apache/kafka:3.9.1`);
    const expected: Record<string, string> = {
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    };
    for (const [key, value] of Object.entries(expected)) {
      if (env[key] !== value) problems.push(`kafka.environment.${key}: is ${env[key] ?? 'unset'}, expected ${value}`);
    }
    for (const key of ['KAFKA_NODE_ID', 'KAFKA_LISTENERS', 'KAFKA_ADVERTISED_LISTENERS', 'KAFKA_CONTROLLER_QUORUM_VOTERS', 'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP']) {
      if (!env[key]) problems.push(`kafka.environment.${key}: unset`);
    }
    // The single voter is this node, on a listener it opens, and every listener has a security protocol.
    if (env['KAFKA_CONTROLLER_QUORUM_VOTERS'] !== `${env['KAFKA_NODE_ID']}@kafka:9093`) {
      problems.push(`kafka.environment.KAFKA_CONTROLLER_QUORUM_VOTERS: expected ${env['KAFKA_NODE_ID']}@kafka:9093`);
    }
    const protocols = new Set((env['KAFKA_LISTENER_SECURITY_PROTOCOL_MAP'] ?? '').split(',').map((entry) => entry.split(':')[0]));
    for (const listener of (env['KAFKA_LISTENERS'] ?? '').split(',')) {
      const listenerName = listener.split('://')[0];
      if (!protocols.has(listenerName)) problems.push(`kafka.environment.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: no protocol for ${listenerName}`);
    }
    if (!(healthcheckArgv(kafka) ?? []).join(' ').includes('kafka-broker-api-versions.sh --bootstrap-server localhost:9092')) {
      problems.push('kafka.healthcheck.test: expected kafka-broker-api-versions.sh --bootstrap-server localhost:9092');
    }
    expect(problems).toEqual([]);
  });

  it('runs PostgreSQL 15 checked by pg_isready and Redis 7 checked by redis-cli ping', () => {
    const problems: string[] = [];
    const postgres = service('postgres');
    const redis = service('redis');
    if (!/^postgres:15([.-]|$)/.test(postgres.image ?? '')) problems.push(`postgres.image: is ${postgres.image}, expected PostgreSQL 15`);
    if (!(healthcheckArgv(postgres) ?? []).includes('pg_isready')) problems.push('postgres.healthcheck.test: expected pg_isready');
    if (!/^redis:7([.-]|$)/.test(redis.image ?? '')) problems.push(`redis.image: is ${redis.image}, expected Redis 7`);
    if ((healthcheckArgv(redis) ?? []).join(' ') !== 'redis-cli ping') problems.push('redis.healthcheck.test: expected redis-cli ping');
    expect(problems).toEqual([]);
  });
});

// The checks above pass on the real file; these show they would fail on the mistakes they exist for.
describe('the compose checks catch', () => {
  const relay = service('relay');
  const withRelay = (changes: Partial<ComposeService>): ComposeFile => ({ services: { ...compose.services, relay: { ...relay, ...changes } } });
  const relayEnv = environmentOf(relay);

  it('a misspelt variable, and the required one it leaves unset', () => {
    const { KAFKA_BROKERS, ...rest } = relayEnv;
    const problems = environmentProblems('relay', { ...relay, environment: { ...rest, KAFKA_BROKER: KAFKA_BROKERS } });
    expect(problems).toEqual(['relay.environment.KAFKA_BROKER: no config section of relay reads it (misspelt or obsolete?)', 'relay.environment.KAFKA_BROKERS: required but not set']);
  });

  it('a malformed value', () => {
    expect(environmentProblems('relay', { ...relay, environment: { ...relayEnv, REDIS_URL: 'http://redis:6379' } })).toEqual([
      'relay.environment.REDIS_URL: malformed (expected a redis or rediss URL)',
    ]);
  });

  it('a drain longer than the grace period', () => {
    expect(environmentProblems('relay', { ...relay, stop_grace_period: '10s' })).toEqual([
      'relay.stop_grace_period: 10s is not longer than PARLEY_SHUTDOWN_TIMEOUT_MS (15000 ms)',
    ]);
  });

  it("another service's port or image", () => {
    expect(portProblems('relay', { ...relay, environment: { ...relayEnv, HTTP_PORT: '3004' } })).toEqual([
      'relay.environment.HTTP_PORT: is 3004, the service catalog says 3005',
    ]);
    expect(buildProblems('relay', { ...relay, build: { context: '..', dockerfile: 'docker/Dockerfile', args: { APP: 'gateway' } } }, location)).toEqual([
      'relay.build.args.APP: is "gateway", expected "relay"',
    ]);
  });

  it('a dependency it starts without waiting for', () => {
    expect(dependsOnProblems('relay', { ...relay, depends_on: ['kafka', 'postgres', 'redis'] })).toEqual([
      'relay.depends_on.kafka.condition: is service_started, expected service_healthy',
      'relay.depends_on.postgres.condition: is service_started, expected service_healthy',
      'relay.depends_on.redis.condition: is service_started, expected service_healthy',
    ]);
  });

  it('credentials that do not match the database it points at', () => {
    const env = { ...relayEnv, DATABASE_URL: 'postgres://parley:secret@postgres:5432/parley' };
    expect(wiringProblems('relay', withRelay({ environment: env }))).toEqual(['relay.environment.DATABASE_URL: password does not match the postgres service']);
  });
});
