import { databaseSection, httpSection, kafkaSection, redisSection, runtimeSection } from '@parley/config';

/** The six services: what each is called, where it listens by default, and which database schema it owns. */
export const services = {
  gateway: { port: 3000, schema: 'gateway' },
  identity: { port: 3001, schema: 'identity' },
  provisioning: { port: 3002, schema: 'provisioning' },
  'slack-connector': { port: 3003, schema: 'slack_connector' },
  'teams-connector': { port: 3004, schema: 'teams_connector' },
  relay: { port: 3005, schema: 'relay' },
} as const;

export type ServiceName = keyof typeof services;
export const serviceNames = Object.keys(services) as ServiceName[];

/** Every service needs these dependencies in distributed mode; each app may add sections of its own. */
export function distributedConfigSections(service: ServiceName) {
  return {
    runtime: runtimeSection,
    http: httpSection(services[service].port),
    kafka: kafkaSection,
    database: databaseSection,
    redis: redisSection,
  };
}
