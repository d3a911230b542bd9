import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * A Docker Compose file read the way `docker compose` reads it, as far as the checks need: YAML merge keys (`<<`)
 * resolved, `${VAR:-default}` interpolated, and the short and long syntaxes of each field turned into one shape.
 */
export interface ComposeFile {
  readonly services: Readonly<Record<string, ComposeService>>;
}

/** The raw service as parsed; read it through the accessors below, which accept every syntax Compose does. */
export interface ComposeService {
  readonly image?: string;
  readonly build?: string | { context?: string; dockerfile?: string; args?: Record<string, unknown> | string[] };
  readonly environment?: Record<string, unknown> | string[];
  readonly ports?: Array<string | number | { target?: number | string; published?: number | string; host_ip?: string }>;
  readonly depends_on?: string[] | Record<string, { condition?: string }>;
  readonly healthcheck?: { test?: string | string[]; disable?: boolean };
  readonly stop_grace_period?: string;
}

/** Reads and interpolates a compose file. `hostEnv` stands for the shell running `docker compose` (empty: defaults). */
export function loadComposeFile(file: string, hostEnv: Readonly<Record<string, string>> = {}): ComposeFile {
  const document: unknown = parse(readFileSync(file, 'utf8'), { merge: true });
  if (!isRecord(document) || !isRecord(document['services'])) throw new Error(`${file}: no top-level services mapping`);
  const missing = new Set<string>();
  const interpolated = interpolateDeep(document, hostEnv, missing) as unknown as ComposeFile;
  if (missing.size > 0) {
    throw new Error(`${file}: \${${[...missing].join('}, ${')}} used without a default; \`docker compose up\` would need them set`);
  }
  return interpolated;
}

/** Compose's interpolation: `$$` is a literal `$`; `${VAR}`, `${VAR:-default}` and `${VAR-default}`. */
export function interpolate(value: string, hostEnv: Readonly<Record<string, string>>, missing: Set<string>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g, (match, name?: string, op?: string, fallback?: string) => {
    if (match === '$$' || name === undefined) return '$';
    const value = hostEnv[name];
    if (op === ':-') return value === undefined || value === '' ? (fallback ?? '') : value;
    if (op === '-') return value === undefined ? (fallback ?? '') : value;
    if (value === undefined) missing.add(name);
    return value ?? '';
  });
}

function interpolateDeep(node: unknown, hostEnv: Readonly<Record<string, string>>, missing: Set<string>): unknown {
  if (typeof node === 'string') return interpolate(node, hostEnv, missing);
  if (Array.isArray(node)) return node.map((item) => interpolateDeep(item, hostEnv, missing));
  if (isRecord(node)) {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolateDeep(value, hostEnv, missing)]));
  }
  return node;
}

/** The environment a container gets from the file (`KEY: value` or `- KEY=value`); a bare `KEY` inherits and is left out. */
export function environmentOf(service: ComposeService): Record<string, string> {
  return keyValues(service.environment);
}

export interface BuildSpec {
  readonly context: string;
  readonly dockerfile: string;
  readonly args: Record<string, string>;
}

export function buildOf(service: ComposeService): BuildSpec | undefined {
  const build = service.build;
  if (build === undefined) return undefined;
  if (typeof build === 'string') return { context: build, dockerfile: 'Dockerfile', args: {} };
  return { context: build.context ?? '.', dockerfile: build.dockerfile ?? 'Dockerfile', args: keyValues(build.args) };
}

export interface PublishedPort {
  readonly hostIp?: string;
  readonly published?: number;
  readonly target: number;
}

/** Ports in short (`[ip:]published:target[/proto]`, `target`) or long syntax; ranges are not used here and rejected. */
export function portsOf(service: ComposeService): PublishedPort[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') {
      return { hostIp: port.host_ip, published: port.published === undefined ? undefined : Number(port.published), target: Number(port.target) };
    }
    const spec = String(port).replace(/\/(tcp|udp)$/, '');
    const parts = spec.split(':');
    if (parts.some((part) => part.includes('-'))) throw new Error(`port ranges are not supported by these checks: ${spec}`);
    const target = Number(parts.pop());
    const published = parts.length > 0 ? Number(parts.pop()) : undefined;
    const hostIp = parts.length > 0 ? parts.join(':') : undefined;
    return { hostIp, published, target };
  });
}

/** Dependencies with their start condition (the list syntax means `service_started`). */
export function dependsOnOf(service: ComposeService): Record<string, string> {
  const dependsOn = service.depends_on;
  if (dependsOn === undefined) return {};
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(dependsOn).map(([name, spec]) => [name, spec?.condition ?? 'service_started']));
}

/** The healthcheck as an argv (`CMD` form) or a shell line wrapped in `sh -c` (`CMD-SHELL` or a plain string). */
export function healthcheckArgv(service: ComposeService): string[] | undefined {
  const check = service.healthcheck;
  if (check === undefined || check.disable === true || check.test === undefined) return undefined;
  if (typeof check.test === 'string') return ['/bin/sh', '-c', check.test];
  const [kind, ...rest] = check.test;
  if (kind === 'NONE') return undefined;
  if (kind === 'CMD-SHELL') return ['/bin/sh', '-c', rest.join(' ')];
  if (kind === 'CMD') return rest;
  throw new Error(`healthcheck test must start with CMD, CMD-SHELL or NONE, not ${kind}`);
}

/** Compose durations such as `20s`, `1m30s`, `500ms`, in milliseconds. */
export function durationMs(duration: string): number {
  const units: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(us|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== duration) throw new Error(`not a duration: ${duration}`);
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * units[unit], 0);
}

function keyValues(source: Record<string, unknown> | string[] | undefined): Record<string, string> {
  if (source === undefined) return {};
  const entries: Array<[string, unknown]> = Array.isArray(source)
    ? source.map((line): [string, unknown] => {
        const eq = line.indexOf('=');
        return eq < 0 ? [line, null] : [line.slice(0, eq), line.slice(eq + 1)];
      })
    : Object.entries(source);
  return Object.fromEntries(entries.filter(([, value]) => value !== null && value !== undefined).map(([key, value]) => [key, String(value)]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
