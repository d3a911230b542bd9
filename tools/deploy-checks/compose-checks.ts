import path from 'node:path';
import { ConfigError, loadConfig } from '@parley/config';
import { distributedConfigSections, services, type ServiceName } from '@parley/service-runtime';
import { configSectionsOf, knownVariables, isRuntimeVariable } from './service-config';
import { buildOf, dependsOnOf, durationMs, environmentOf, healthcheckArgv, portsOf, type ComposeFile, type ComposeService } from './compose-file';

export { knownVariables } from './service-config';

/**
 * What docker/compose.yaml must say about each Parley service, as functions that return one line per problem
 * ("<service>.<field>: what is wrong"), so a failing test names every broken field at once.
 */

/** The servers every service waits for, by their compose service names. */
export const infrastructure = ['kafka', 'postgres', 'redis'] as const;

export interface ComposeLocation {
  /** The folder compose.yaml is in: build contexts are relative to it. */
  readonly composeDir: string;
  /** The Dockerfile every service must be built from. */
  readonly dockerfile: string;
}

export function serviceOf(compose: ComposeFile, name: string): ComposeService | undefined {
  return compose.services[name];
}

export function buildProblems(name: ServiceName, service: ComposeService, location: ComposeLocation): string[] {
  const build = buildOf(service);
  if (!build) return [`${name}.build: missing (every service is built from ${path.basename(location.dockerfile)})`];
  const problems: string[] = [];
  const dockerfile = path.resolve(location.composeDir, build.context, build.dockerfile);
  if (dockerfile !== location.dockerfile) problems.push(`${name}.build.dockerfile: resolves to ${dockerfile}, expected ${location.dockerfile}`);
  if (build.args['APP'] !== name) problems.push(`${name}.build.args.APP: is ${JSON.stringify(build.args['APP'])}, expected "${name}"`);
  const port = build.args['HTTP_PORT'];
  if (port !== undefined && port !== String(services[name].port)) {
    problems.push(`${name}.build.args.HTTP_PORT: is ${port}, the service catalog says ${services[name].port}`);
  }
  return problems;
}

export function healthcheckProblems(name: string, service: ComposeService, probePath?: string): string[] {
  let argv: string[] | undefined;
  try {
    argv = healthcheckArgv(service);
  } catch (error) {
    return [`${name}.healthcheck.test: ${(error as Error).message}`];
  }
  if (!argv || argv.length === 0) return [`${name}.healthcheck: missing or disabled`];
  if (probePath !== undefined && !argv.some((arg) => arg.includes(probePath))) {
    return [`${name}.healthcheck.test: does not probe ${probePath}: ${JSON.stringify(argv)}`];
  }
  return [];
}

export function dependsOnProblems(name: string, service: ComposeService): string[] {
  const dependsOn = dependsOnOf(service);
  return infrastructure
    .filter((server) => dependsOn[server] !== 'service_healthy')
    .map((server) =>
      dependsOn[server] === undefined
        ? `${name}.depends_on.${server}: missing`
        : `${name}.depends_on.${server}.condition: is ${dependsOn[server]}, expected service_healthy`,
    );
}

export function portProblems(name: ServiceName, service: ComposeService): string[] {
  const port = services[name].port;
  const problems: string[] = [];
  const env = environmentOf(service);
  if (env['HTTP_PORT'] !== String(port)) problems.push(`${name}.environment.HTTP_PORT: is ${env['HTTP_PORT'] ?? 'unset'}, the service catalog says ${port}`);
  let ports;
  try {
    ports = portsOf(service);
  } catch (error) {
    return [...problems, `${name}.ports: ${(error as Error).message}`];
  }
  if (!ports.some((p) => p.target === port && p.published === port)) {
    problems.push(`${name}.ports: ${port} is not published as ${port} (has ${JSON.stringify(ports)})`);
  }
  return problems;
}

/**
 * The environment must load through the service's own config schema (the same loadConfig the service runs at start),
 * and every variable must be one that schema reads: a misspelt name would otherwise be silently ignored.
 */
export function environmentProblems(name: ServiceName, service: ComposeService): string[] {
  const env = environmentOf(service);
  const known = knownVariables(name);
  const problems = Object.keys(env)
    .filter((variable) => !known.has(variable) && !isRuntimeVariable(variable))
    .map((variable) => `${name}.environment.${variable}: no config section of ${name} reads it (misspelt or obsolete?)`);
  let config;
  try {
    config = loadConfig(configSectionsOf(name), env) as ReturnType<typeof loadConfig<ReturnType<typeof distributedConfigSections>>>;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [...problems, ...error.problems.map((problem) => `${name}.environment.${problem}`)];
  }
  if (config.runtime.mode !== 'distributed') problems.push(`${name}.environment.PARLEY_MODE: is ${config.runtime.mode}, expected distributed`);
  if (service.stop_grace_period === undefined) {
    problems.push(`${name}.stop_grace_period: missing (Docker's 10 s default may cut the ${config.runtime.shutdownTimeoutMs} ms drain short)`);
  } else if (durationMs(service.stop_grace_period) <= config.runtime.shutdownTimeoutMs) {
    problems.push(
      `${name}.stop_grace_period: ${service.stop_grace_period} is not longer than PARLEY_SHUTDOWN_TIMEOUT_MS (${config.runtime.shutdownTimeoutMs} ms)`,
    );
  }
  return problems;
}

/** The connection variables point at the servers this file starts, with the credentials they are started with. */
export function wiringProblems(name: string, compose: ComposeFile): string[] {
  const service = compose.services[name];
  if (!service) return [];
  const env = environmentOf(service);
  const problems: string[] = [];

  for (const broker of (env['KAFKA_BROKERS'] ?? '').split(',').filter(Boolean)) {
    const [host] = broker.trim().split(':');
    const kafka = compose.services[host];
    const advertised = kafka ? (environmentOf(kafka)['KAFKA_ADVERTISED_LISTENERS'] ?? '') : '';
    if (!kafka) problems.push(`${name}.environment.KAFKA_BROKERS: ${broker} is not a service of this file`);
    else if (!advertised.split(',').some((listener) => listener.endsWith(`://${broker.trim()}`))) {
      problems.push(`${name}.environment.KAFKA_BROKERS: ${broker} is not among ${host}'s KAFKA_ADVERTISED_LISTENERS (${advertised})`);
    }
  }

  const database = parseUrl(env['DATABASE_URL']);
  if (database) {
    const postgres = compose.services[database.hostname];
    if (!postgres) problems.push(`${name}.environment.DATABASE_URL: host ${database.hostname} is not a service of this file`);
    else {
      const pgEnv = environmentOf(postgres);
      const user = pgEnv['POSTGRES_USER'] ?? 'postgres';
      const expected = { user, password: pgEnv['POSTGRES_PASSWORD'], database: pgEnv['POSTGRES_DB'] ?? user, port: '5432' };
      const actual = {
        user: decodeURIComponent(database.username),
        password: decodeURIComponent(database.password),
        database: database.pathname.replace(/^\//, ''),
        port: database.port || '5432',
      };
      for (const key of Object.keys(expected) as Array<keyof typeof expected>) {
        if (expected[key] !== actual[key]) problems.push(`${name}.environment.DATABASE_URL: ${key} does not match the ${database.hostname} service`);
      }
    }
  }

  const redis = parseUrl(env['REDIS_URL']);
  if (redis) {
    if (!compose.services[redis.hostname]) problems.push(`${name}.environment.REDIS_URL: host ${redis.hostname} is not a service of this file`);
    else if ((redis.port || '6379') !== '6379') problems.push(`${name}.environment.REDIS_URL: port ${redis.port}, Redis listens on 6379`);
  }
  return problems;
}

function parseUrl(value: string | undefined): URL | undefined {
  if (!value) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined; // a malformed URL is reported by environmentProblems through the config schema
  }
}
