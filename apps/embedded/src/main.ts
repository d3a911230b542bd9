import './instrument';
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { Agent, setGlobalDispatcher } from 'undici';
import { z } from 'zod';
import { createInMemoryCache } from '@parley/cache';
import { ConfigError, defineConfigSection, env, httpSection, loadConfig, runtimeSection, Secret } from '@parley/config';
import { createGatewayService, loadOrCreateOperatorKey } from '@parley/gateway-feature';
import { identityService } from '@parley/identity-feature';
import { InProcessBroker } from '@parley/messaging';
import { createLogger, resolveLogFormat, ServiceMetrics } from '@parley/observability';
import { startEmbeddedPostgres } from '@parley/persistence';
import { provisioningService } from '@parley/provisioning-feature';
import { relayService } from '@parley/relay-feature';
import { startPlatformSandboxes, type PlatformSandboxes } from '@parley/sandbox-runner';
import {
  createEmbeddedInfrastructure,
  EXIT_CONFIG,
  InternalApiAccess,
  installShutdown,
  services,
  startService,
  type RunningService,
  type ServiceDefinition,
} from '@parley/service-runtime';
import { slackConnectorService } from '@parley/slack-connector-feature';
import { teamsConnectorService } from '@parley/teams-connector-feature';
import { loadOrCreateVaultKeys } from './embedded-secrets';

const embeddedSection = defineConfigSection(
  'embedded',
  {
    PARLEY_DATA_DIR: z.string().default(path.join(process.cwd(), '.parley', 'embedded')),
    SANDBOX_DIR: z.string().default(path.join(process.cwd(), '.sandbox')),
    SLACK_SANDBOX_PORT: env.port(4010),
    GRAPH_SANDBOX_PORT: env.port(4020),
  },
  (v) => ({ dataDir: v.PARLEY_DATA_DIR, sandboxDir: v.SANDBOX_DIR, slackSandboxPort: v.SLACK_SANDBOX_PORT, graphSandboxPort: v.GRAPH_SANDBOX_PORT }),
);

// Start order: owners of data first, the gateway last, so it only answers once everything behind it is up.
function serviceDefinitions(operatorApiKey: ReturnType<typeof loadOrCreateOperatorKey>['key']): ServiceDefinition[] {
  return [identityService, provisioningService, relayService, slackConnectorService, teamsConnectorService, createGatewayService({ operatorApiKey })];
}

/**
 * All six services in one process: in-process bus, embedded PostgreSQL (PGlite), in-memory cache, and the Slack and
 * Graph sandboxes seeded with the demo organization standing in for the real platforms.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig({ runtime: runtimeSection, http: httpSection(services.gateway.port), embedded: embeddedSection });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`parley: config error: ${problem}\n`);
    process.exit(EXIT_CONFIG);
  }
  const logger = createLogger({ service: 'parley-embedded', level: config.runtime.logLevel, format: config.runtime.logFormat });
  // The sandboxes stand in for Slack and Teams, which keep what Parley made there: their state lives with the embedded
  // database, so after a restart both sides still agree (guests, mirrors, tokens, the CA clients trust).
  const sandboxStateDir = path.join(config.embedded.dataDir, 'sandboxes');
  const pgdata = path.join(config.embedded.dataDir, 'pgdata');
  if (existsSync(pgdata) && !existsSync(sandboxStateDir)) {
    // A data folder from before the sandboxes kept their state: Parley remembers platforms that start afresh now.
    logger.warn({ dataDir: config.embedded.dataDir }, 'the embedded database predates saved sandbox state; delete the data folder once to start both afresh');
  }
  const sandboxes: PlatformSandboxes = await startPlatformSandboxes({
    slackPort: config.embedded.slackSandboxPort,
    graphPort: config.embedded.graphSandboxPort,
    stateDir: sandboxStateDir,
  });
  const sandboxFiles = sandboxes.writeFiles(config.embedded.sandboxDir);
  // The Graph sandbox serves HTTPS with a CA made at run time; this process's fetch trusts it besides the public roots
  // (a distributed service is started with NODE_EXTRA_CA_CERTS instead).
  setGlobalDispatcher(new Agent({ connect: { ca: [...rootCertificates, sandboxes.graph.caPem] } }));
  const database = await startEmbeddedPostgres({ dataDir: pgdata });
  // The operator key is made once and kept in the data folder (owner-only); its path is printed, never the key.
  const operatorKey = loadOrCreateOperatorKey(config.embedded.dataDir);
  const definitions = serviceDefinitions(operatorKey.key);
  // identity's vault key, kept like the operator key unless the operator configured their own.
  const serviceEnvironment: Record<string, string | undefined> = { ...process.env };
  if (!serviceEnvironment['PARLEY_VAULT_KEYS']) {
    const vault = loadOrCreateVaultKeys(config.embedded.dataDir);
    serviceEnvironment['PARLEY_VAULT_KEYS'] = vault.keys;
    serviceEnvironment['PARLEY_VAULT_ACTIVE_KEY'] = vault.activeKey;
  }
  // teams-connector's notification certificates are made by the connector and kept in identity's vault (ADR 0028);
  // Graph (the sandbox) reaches the notification endpoint through the gateway.
  serviceEnvironment['PARLEY_TEAMS_PUBLIC_URL'] ??= `http://127.0.0.1:${config.http.port}`;
  // On a laptop, a tenant connected a moment ago gets its subscription within seconds, not at the next minute.
  serviceEnvironment['PARLEY_TEAMS_SUBSCRIPTION_CHECK_MS'] ??= '5000';
  // Every service's own configuration is checked before anything starts, as distributed mode does (exit 78).
  const serviceConfigs = new Map<ServiceDefinition, Record<string, unknown>>();
  try {
    for (const definition of definitions) serviceConfigs.set(definition, loadServiceConfig(definition, serviceEnvironment));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`parley: config error: ${problem}\n`);
    await sandboxes.stop();
    await database.stop();
    process.exit(EXIT_CONFIG);
  }
  const broker = new InProcessBroker(12);
  const cache = createInMemoryCache();
  const running: RunningService[] = [];
  // One internal token per boot; each service's URL is known once it listens, and later services call earlier ones.
  const internalApi = new InternalApiAccess(new Secret(randomBytes(32).toString('base64url')), {});
  try {
    for (const definition of definitions) {
      const ownConfig = serviceConfigs.get(definition) ?? {};
      // Replaces the process's `service` binding (keys stay unique): each line names the service that wrote it.
      const serviceLogger = logger.child({ service: definition.name });
      const infra = await createEmbeddedInfrastructure({
        definition,
        schema: services[definition.name].schema,
        logger: serviceLogger,
        metrics: new ServiceMetrics(definition.name, { defaultMetrics: definition.name === 'gateway' }),
        broker,
        databaseUrl: database.url,
        cache,
      });
      const isGateway = definition.name === 'gateway';
      const service = await startService(definition, infra, { host: isGateway ? config.http.host : '127.0.0.1', port: isGateway ? config.http.port : 0 }, { internalApi, config: ownConfig });
      if (!isGateway) internalApi.setUrl(definition.name, service.url);
      running.push(service);
    }
  } catch (error) {
    logger.fatal({ err: error }, 'embedded start failed');
    for (const service of running.reverse()) await service.stop().catch(() => undefined);
    await database.stop();
    await sandboxes.stop();
    process.exit(1);
  }
  const gateway = running[running.length - 1] as RunningService;
  // The Slack sandbox's app sends its Events API requests where Slack would: the public /slack/events on the gateway,
  // which passes them to slack-connector. Until Slack is connected they are refused (unknown workspace) and dropped.
  const eventsAccepted = await sandboxes.slack.control.setEventsUrl({ url: `${gateway.url}/slack/events` }).catch(() => false);
  if (!eventsAccepted) logger.warn({ url: `${gateway.url}/slack/events` }, 'the Slack sandbox did not accept the Events API URL; Slack messages will not be relayed');
  logger.info(
    {
      services: running.map((s) => ({ name: s.name, url: s.url })),
      sandboxes: { slack: sandboxes.slack.url, graph: sandboxes.graph.url, credentials: sandboxFiles.credentialsPath, restored: sandboxes.restored },
      operatorKeyFile: operatorKey.file,
    },
    'all services up',
  );
  // For a person at a terminal; a log pipeline reads the same from the line above (stdout stays JSON lines only).
  if (resolveLogFormat(config.runtime.logFormat) === 'pretty') {
    process.stdout.write(
      `\nParley is running in embedded mode. Gateway: ${gateway.url}  (health: ${gateway.url}/healthz)\n` +
      `Admin API docs: ${gateway.url}/docs  (operator API key in ${operatorKey.file})\n` +
      `Slack sandbox ${sandboxes.slack.url}, Graph sandbox ${sandboxes.graph.url} (${sandboxes.restored ? 'state kept from the last run' : 'freshly seeded'}); credentials in ${sandboxFiles.credentialsPath}\n\n`,
    );
  }
  installShutdown(
    [
      { name: 'sandboxes', stop: () => sandboxes.stop() },
      { name: 'embedded-database', stop: () => database.stop() },
      ...running,
    ],
    logger,
    config.runtime.shutdownTimeoutMs,
  );
}

/** A service's own configuration, read from the environment like in distributed mode (embedded defaults applied). */
function loadServiceConfig(definition: ServiceDefinition, environment: Record<string, string | undefined>): Record<string, unknown> {
  return loadConfig({ ...(definition.configSections ?? {}) }, environment);
}

void main();
