import { z } from 'zod';
import { databaseSection, defineConfigSection, httpSection, internalApiSection, kafkaSection, redisSection, runtimeSection, Secret } from '@parley/config';

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

/** Sections only one service reads, keyed by service; `distributedConfigSections` adds them to the common ones. */
const serviceSections = {
  gateway: {
    gateway: defineConfigSection(
      'gateway',
      // The operator key creates organizations; high entropy is what makes a plain SHA-256 comparison safe.
      { PARLEY_OPERATOR_API_KEY: z.string().min(32).transform((value) => new Secret(value)) },
      (v) => ({ operatorApiKey: v.PARLEY_OPERATOR_API_KEY as Secret }),
    ),
  },
} as const;
type ServiceSections<S extends ServiceName> = S extends keyof typeof serviceSections ? (typeof serviceSections)[S] : unknown;

/** Every service needs these dependencies in distributed mode; each app may add sections of its own. */
export function distributedConfigSections<S extends ServiceName>(service: S) {
  const own = (serviceSections as Partial<Record<ServiceName, object>>)[service] ?? {};
  return {
    runtime: runtimeSection,
    http: httpSection(services[service].port),
    kafka: kafkaSection,
    database: databaseSection,
    redis: redisSection,
    internalApi: internalApiSection,
    ...own,
  } as {
    internalApi: typeof internalApiSection;
    runtime: typeof runtimeSection;
    http: ReturnType<typeof httpSection>;
    kafka: typeof kafkaSection;
    database: typeof databaseSection;
    redis: typeof redisSection;
  } & ServiceSections<S>;
}
