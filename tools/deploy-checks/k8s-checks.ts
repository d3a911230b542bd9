import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '@parley/config';
import { serviceNames, services, type ServiceName } from '@parley/service-runtime';
import { asArray, containersOf, isRecord, parseEnvFile, readManifests, splitImage, type Container, type K8sObject, type SecretGenerator } from './k8s-render';
import { configSectionsOf, knownVariables, isRuntimeVariable, peerUrlVariables, requiredVariables } from './service-config';

/**
 * What the Kubernetes manifests (k8s/, rendered by k8s-render.ts) must say about each Parley service, as functions
 * that return one line per problem ("<service>.<Kind>.<field>: what is wrong"), like compose-checks.ts.
 */

export type Manifests = readonly K8sObject[];

/** Every object of a service is called parley-<service> (Deployment, Service, PodDisruptionBudget, autoscaler). */
export const resourceName = (service: ServiceName): string => `parley-${service}`;

/** The services scaled by a HorizontalPodAutoscaler, independently of each other. */
export const autoscaledServices: readonly ServiceName[] = ['slack-connector', 'teams-connector', 'relay'];

/** The gateway routes the Ingress publishes; everything else (notably /internal) stays inside the cluster. */
export const publicRoutes = [
  { path: '/v1', pathType: 'Prefix' },
  { path: '/docs', pathType: 'Prefix' },
  { path: '/auth/callback', pathType: 'Exact' },
  { path: '/auth/slack/callback', pathType: 'Exact' },
  { path: '/auth/slack/start', pathType: 'Exact' },
  // Graph's notifications for teams-connector: the gateway forwards them (Graph must reach them, like the callbacks).
  { path: '/teams/notifications', pathType: 'Exact' },
  { path: '/teams/lifecycle', pathType: 'Exact' },
  { path: '/slack/events', pathType: 'Exact' },
] as const;

/** Kubernetes' default when terminationGracePeriodSeconds is not set. */
const defaultGracePeriodSeconds = 30;
/** Kafka topic partitions when KAFKA_TOPIC_PARTITIONS is unset (the kafka config section's default). */
const defaultPartitions = 12;

export function find(objects: Manifests, kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata?.name === name);
}

const ofKind = (objects: Manifests, kind: string) => objects.filter((o) => o.kind === kind);

/** A parsed YAML mapping to read fields from, or an empty one. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are untyped; every read is checked
const mapping = (value: unknown): Record<string, any> => (isRecord(value) ? value : {});

/** The labels of the pods a workload creates. */
export function podLabels(workload: K8sObject | undefined): Record<string, string> {
  const labels: unknown = workload?.spec?.template?.metadata?.labels;
  return isRecord(labels) ? (labels as Record<string, string>) : {};
}

/** A LabelSelector (matchLabels and matchExpressions) against a label set; an empty selector selects everything. */
export function selects(selector: unknown, labels: Record<string, string>): boolean {
  if (!isRecord(selector)) return false;
  // A Service's selector is a plain map; workload, budget and policy selectors have matchLabels/matchExpressions.
  const isLabelSelector = 'matchLabels' in selector || 'matchExpressions' in selector;
  const matchLabels = (isLabelSelector ? selector['matchLabels'] : selector) ?? {};
  if (!isRecord(matchLabels)) return false;
  if (!Object.entries(matchLabels).every(([key, value]) => labels[key] === String(value))) return false;
  return asArray<Record<string, unknown>>(isLabelSelector ? selector['matchExpressions'] : undefined).every((expression) => {
    const key = String(expression['key']);
    const values = asArray<unknown>(expression['values']).map(String);
    switch (expression['operator']) {
      case 'In':
        return key in labels && values.includes(labels[key]);
      case 'NotIn':
        return !(key in labels) || !values.includes(labels[key]);
      case 'Exists':
        return key in labels;
      case 'DoesNotExist':
        return !(key in labels);
      default:
        return false;
    }
  });
}

/** A selector that selects nothing in particular (no labels, no expressions) selects everything. */
function isEmptySelector(selector: unknown): boolean {
  return !isRecord(selector) || (Object.keys(selector['matchLabels'] ?? {}).length === 0 && asArray(selector['matchExpressions']).length === 0);
}

/** The service's own container in its Deployment: the one named after it, or the only one. */
function serviceContainer(deployment: K8sObject, name: ServiceName): Container | undefined {
  const containers = asArray<Container>(deployment.spec?.template?.spec?.containers).filter(isRecord);
  return containers.find((c) => c.name === name) ?? (containers.length === 1 ? containers[0] : undefined);
}

/** A port by number or by the name of one of the container's ports, as a number. */
export function resolveContainerPort(container: Container | undefined, port: unknown): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port === 'string' && /^\d+$/.test(port)) return Number(port);
  const named = asArray<Record<string, unknown>>(container?.ports).find((p) => p['name'] === port);
  return typeof named?.['containerPort'] === 'number' ? named['containerPort'] : undefined;
}

export function deploymentProblems(objects: Manifests, name: ServiceName): string[] {
  const at = `${name}.Deployment`;
  const deployment = find(objects, 'Deployment', resourceName(name));
  if (!deployment) return [`${at}: no Deployment ${resourceName(name)}`];
  const problems: string[] = [];
  const labels = podLabels(deployment);
  if (isEmptySelector(deployment.spec?.selector) || !selects(deployment.spec?.selector, labels)) {
    problems.push(`${at}.spec.selector: does not select the pod template's labels ${JSON.stringify(labels)}`);
  }
  const container = serviceContainer(deployment, name);
  if (!container) return [...problems, `${at}.containers: no container named ${name}`];
  const c = `${at}.containers[${container.name}]`;
  const port = services[name].port;

  const { repository } = splitImage(container.image ?? '');
  if (repository !== `parley/${name}`) problems.push(`${c}.image: is ${container.image}, expected parley/${name}[:tag]`);
  if (!asArray<Record<string, unknown>>(container.ports).some((p) => p['containerPort'] === port)) {
    problems.push(`${c}.ports: does not declare ${port}, the service catalog's port`);
  }

  const probes: Array<[string, string | undefined]> = [
    ['livenessProbe', '/healthz'],
    ['readinessProbe', '/readyz'],
    ['startupProbe', undefined],
  ];
  for (const [probeName, expectedPath] of probes) {
    const probe: unknown = container[probeName];
    if (probe === undefined) {
      if (expectedPath) problems.push(`${c}.${probeName}: missing (expected an httpGet on ${expectedPath})`);
      continue;
    }
    const httpGet = isRecord(probe) && isRecord(probe['httpGet']) ? probe['httpGet'] : undefined;
    if (!httpGet) {
      problems.push(`${c}.${probeName}: not an httpGet probe`);
      continue;
    }
    const probePath = String(httpGet['path'] ?? '/');
    if (expectedPath ? probePath !== expectedPath : !['/healthz', '/readyz'].includes(probePath)) {
      problems.push(`${c}.${probeName}.httpGet.path: is ${probePath}, expected ${expectedPath ?? '/healthz or /readyz'}`);
    }
    if (resolveContainerPort(container, httpGet['port']) !== port) {
      problems.push(`${c}.${probeName}.httpGet.port: ${String(httpGet['port'])} is not the service's port ${port}`);
    }
  }

  const pod = deployment.spec?.template?.spec ?? {};
  const podSecurity = mapping(pod.securityContext);
  const security = mapping(container['securityContext']);
  const effective = (key: string): unknown => security[key] ?? podSecurity[key];
  if (effective('runAsNonRoot') !== true) problems.push(`${c}.securityContext.runAsNonRoot: not true`);
  const uid = effective('runAsUser');
  // The image's USER is a name ("node"), which the kubelet cannot verify against runAsNonRoot: a numeric uid is needed.
  if (typeof uid !== 'number' || uid === 0) problems.push(`${c}.securityContext.runAsUser: ${uid === 0 ? 'is root' : 'missing'} (the image's user node is uid 1000)`);
  if (security['readOnlyRootFilesystem'] !== true) problems.push(`${c}.securityContext.readOnlyRootFilesystem: not true`);
  if (security['allowPrivilegeEscalation'] !== false) problems.push(`${c}.securityContext.allowPrivilegeEscalation: not false`);
  if (!asArray(security['capabilities']?.drop).includes('ALL')) problems.push(`${c}.securityContext.capabilities.drop: does not drop ALL`);

  const resources = mapping(container['resources']);
  for (const [kind, resource] of [
    ['requests', 'cpu'],
    ['requests', 'memory'],
    ['limits', 'memory'],
  ] as const) {
    if (resources[kind]?.[resource] === undefined) problems.push(`${c}.resources.${kind}.${resource}: missing`);
  }

  const annotations = deployment.spec?.template?.metadata?.annotations ?? {};
  const expected = { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' };
  for (const [key, value] of Object.entries(expected)) {
    if (String(annotations[key] ?? '') !== value) problems.push(`${at}.template.annotations.${key}: is ${annotations[key] ?? 'unset'}, expected ${value}`);
  }
  return problems;
}

interface LiteralValue {
  readonly value: string;
  /** Where it came from, for problem lines: "env" or "ConfigMap <name>". */
  readonly from: string;
}

interface RuntimeValue {
  readonly from: string;
  readonly optional: boolean;
  readonly secret?: { readonly name: string; readonly key: string };
}

export interface PodEnvironment {
  /** Literal values, from `env[].value` and ConfigMaps. */
  readonly values: Map<string, LiteralValue>;
  /** Values only known at run time: secretKeyRef (with its Secret and key), fieldRef, resourceFieldRef. */
  readonly runtime: Map<string, RuntimeValue>;
  readonly problems: string[];
}

/** The environment the container gets, as Kubernetes builds it: envFrom in order, then env (later entries win). */
export function podEnvironment(objects: Manifests, container: Container, at: string): PodEnvironment {
  const env: PodEnvironment = { values: new Map(), runtime: new Map(), problems: [] };
  const set = (variable: string, value?: LiteralValue, runtime?: RuntimeValue) => {
    env.values.delete(variable);
    env.runtime.delete(variable);
    if (value) env.values.set(variable, value);
    if (runtime) env.runtime.set(variable, runtime);
  };
  for (const source of asArray<Record<string, unknown>>(container['envFrom'])) {
    const prefix = String(source['prefix'] ?? '');
    if (isRecord(source['configMapRef'])) {
      const ref = source['configMapRef'];
      const configMap = find(objects, 'ConfigMap', String(ref['name']));
      if (!configMap) {
        if (ref['optional'] !== true) env.problems.push(`${at}.envFrom: ConfigMap ${String(ref['name'])} is not in the manifests`);
        continue;
      }
      for (const [key, value] of Object.entries(configMap.data ?? {})) set(prefix + key, { value: String(value), from: `ConfigMap ${String(ref['name'])}` });
    } else if (isRecord(source['secretRef'])) {
      // Its keys live in an uncommitted Secret, so nothing could check them: reference each key instead.
      env.problems.push(`${at}.envFrom: secretRef ${String(source['secretRef']['name'])} hides which variables it sets; use env[].valueFrom.secretKeyRef per key`);
    }
  }
  for (const entry of asArray<Record<string, unknown>>(container['env'])) {
    const variable = String(entry['name']);
    const valueFrom = isRecord(entry['valueFrom']) ? entry['valueFrom'] : undefined;
    if (!valueFrom) {
      set(variable, { value: String(entry['value'] ?? ''), from: 'env' });
    } else if (isRecord(valueFrom['secretKeyRef'])) {
      const ref = valueFrom['secretKeyRef'];
      const secret = { name: String(ref['name']), key: String(ref['key']) };
      set(variable, undefined, { from: `Secret ${secret.name} key ${secret.key}`, optional: ref['optional'] === true, secret });
    } else if (isRecord(valueFrom['configMapKeyRef'])) {
      const ref = valueFrom['configMapKeyRef'];
      const value = find(objects, 'ConfigMap', String(ref['name']))?.data?.[String(ref['key'])];
      if (value === undefined && ref['optional'] !== true) env.problems.push(`${at}.env.${variable}: ConfigMap ${String(ref['name'])} has no key ${String(ref['key'])}`);
      set(variable, value === undefined ? undefined : { value: String(value), from: `ConfigMap ${String(ref['name'])}` });
    } else {
      set(variable, undefined, { from: 'the pod (fieldRef)', optional: false });
    }
  }
  return env;
}

/** Milliseconds a preStop hook holds the pod before SIGTERM (`sleep N` exec or the native sleep action). */
function preStopMs(container: Container): number {
  const preStop = container['lifecycle']?.preStop;
  if (!isRecord(preStop)) return 0;
  if (isRecord(preStop['sleep'])) return Number(preStop['sleep']['seconds'] ?? 0) * 1000;
  const command = asArray<string>(mapping(preStop['exec'])['command']).map(String).join(' ');
  const match = /(?:^|[\s/;])sleep\s+(\d+(?:\.\d+)?)\b/.exec(command);
  return match ? Number(match[1]) * 1000 : 0;
}

/**
 * The pod's environment (ConfigMaps, Secret references and literals) must cover every variable the service's config
 * requires, every literal must load through its config schema, and every variable must be one some section reads (a
 * misspelt name would otherwise be silently ignored). The grace period must outlast preStop plus the drain.
 */
export function environmentProblems(objects: Manifests, name: ServiceName): string[] {
  const deployment = find(objects, 'Deployment', resourceName(name));
  const container = deployment && serviceContainer(deployment, name);
  if (!deployment || !container) return []; // deploymentProblems reports it
  const at = `${name}.Deployment.containers[${container.name}]`;
  const env = podEnvironment(objects, container, at);
  const problems = [...env.problems];
  const known = knownVariables(name);
  for (const [variable, { from }] of [...env.values, ...env.runtime]) {
    if (!known.has(variable) && !isRuntimeVariable(variable)) {
      problems.push(`${at}.env.${variable}: (from ${from}) no config section of ${name} reads it (misspelt or obsolete?)`);
    }
  }
  for (const variable of requiredVariables(name)) {
    const runtime = env.runtime.get(variable);
    if (runtime?.optional) problems.push(`${at}.env.${variable}: required, but its secretKeyRef is optional`);
  }

  // Values known only at run time pass as set; everything else loads through the service's own schema.
  const literal = Object.fromEntries([...env.values].map(([variable, { value }]) => [variable, value]));
  const sections = configSectionsOf(name);
  try {
    loadConfig(sections, literal);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const line of error.problems) {
      const variable = line.split(':')[0];
      if (line.endsWith('required but not set') && env.runtime.has(variable)) continue;
      problems.push(`${at}.env.${line}`);
    }
  }

  const httpPort = env.values.get('HTTP_PORT')?.value;
  if (httpPort !== String(services[name].port)) {
    problems.push(`${at}.env.HTTP_PORT: is ${httpPort ?? 'unset'}, expected ${services[name].port} (otherwise the image's build-time HTTP_PORT applies)`);
  }
  let runtime: { mode: string; shutdownTimeoutMs: number } | undefined;
  try {
    runtime = loadConfig({ runtime: sections.runtime }, literal).runtime;
  } catch {
    return problems; // reported above
  }
  if (runtime.mode !== 'distributed') problems.push(`${at}.env.PARLEY_MODE: is ${runtime.mode}, expected distributed`);
  const graceSeconds = deployment.spec?.template?.spec?.terminationGracePeriodSeconds ?? defaultGracePeriodSeconds;
  const needed = preStopMs(container) + runtime.shutdownTimeoutMs;
  if (typeof graceSeconds !== 'number' || graceSeconds * 1000 <= needed) {
    problems.push(
      `${name}.Deployment.terminationGracePeriodSeconds: ${String(graceSeconds)} s is not longer than preStop (${preStopMs(container)} ms) + PARLEY_SHUTDOWN_TIMEOUT_MS (${runtime.shutdownTimeoutMs} ms)`,
    );
  }
  return problems;
}

/** The literal value of a variable in the service's pod, or undefined when unset or only known at run time. */
export function podValue(objects: Manifests, name: ServiceName, variable: string): { value?: string; atRuntime: boolean } {
  const deployment = find(objects, 'Deployment', resourceName(name));
  const container = deployment && serviceContainer(deployment, name);
  if (!container) return { atRuntime: false };
  const env = podEnvironment(objects, container, '');
  return { value: env.values.get(variable)?.value, atRuntime: env.runtime.has(variable) };
}

/** A ClusterIP Service on the catalog port that reaches this service's pods and no other Deployment's. */
export function serviceProblems(objects: Manifests, name: ServiceName): string[] {
  const at = `${name}.Service`;
  const service = find(objects, 'Service', resourceName(name));
  if (!service) return [`${at}: no Service ${resourceName(name)}`];
  const problems: string[] = [];
  const type = service.spec?.type ?? 'ClusterIP';
  if (type !== 'ClusterIP') problems.push(`${at}.spec.type: is ${type}, expected ClusterIP (only the Ingress is public)`);
  const selector: unknown = service.spec?.selector;
  const deployment = find(objects, 'Deployment', resourceName(name));
  if (!isRecord(selector) || Object.keys(selector).length === 0) problems.push(`${at}.spec.selector: missing`);
  else {
    if (deployment && !selects(selector, podLabels(deployment))) problems.push(`${at}.spec.selector: does not select ${name}'s pods`);
    const others = ofKind(objects, 'Deployment').filter((d) => d !== deployment && selects(selector, podLabels(d)));
    if (others.length > 0) problems.push(`${at}.spec.selector: also selects the pods of ${others.map((d) => d.metadata?.name).join(', ')}`);
  }
  const port = services[name].port;
  const servicePort = asArray<Record<string, unknown>>(service.spec?.ports).find((p) => p['port'] === port);
  if (!servicePort) problems.push(`${at}.spec.ports: no port ${port} (the peers' PARLEY_*_URL use the catalog port)`);
  else if (deployment) {
    const container = serviceContainer(deployment, name);
    const target = resolveContainerPort(container, servicePort['targetPort'] ?? servicePort['port']);
    if (target !== port) problems.push(`${at}.spec.ports[${port}].targetPort: ${String(servicePort['targetPort'])} does not reach the container's port ${port}`);
  }
  return problems;
}

/**
 * Each PARLEY_<PEER>_URL the service's config reads must name, by its in-cluster DNS name, a Service of these
 * manifests on one of its ports, and that Service must lead to the peer's pods on their port.
 */
export function peerUrlProblems(objects: Manifests, name: ServiceName): string[] {
  const problems: string[] = [];
  const at = `${name}.env`;
  for (const [variable, peer] of peerUrlVariables(name)) {
    const { value, atRuntime } = podValue(objects, name, variable);
    if (atRuntime) continue;
    if (value === undefined) {
      problems.push(`${at}.${variable}: unset, so it defaults to loopback, which in a pod is the pod itself`);
      continue;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      continue; // environmentProblems reports the malformed value
    }
    if (url.protocol !== 'http:') problems.push(`${at}.${variable}: ${value}: the services serve plain HTTP inside the cluster`);
    const [serviceName, namespace, ...rest] = url.hostname.split('.');
    if (rest.length > 0 && rest.join('.') !== 'svc' && rest.join('.') !== 'svc.cluster.local') {
      problems.push(`${at}.${variable}: ${url.hostname} is not a Service's DNS name (<service>[.<namespace>[.svc[.cluster.local]]])`);
      continue;
    }
    const service = find(objects, 'Service', serviceName);
    if (!service) {
      problems.push(`${at}.${variable}: ${value} names no Service of these manifests (${serviceName})`);
      continue;
    }
    if (namespace !== undefined && service.metadata?.namespace !== namespace) {
      problems.push(
        `${at}.${variable}: ${value} names namespace ${namespace}, but Service ${serviceName} is in ${service.metadata?.namespace ?? 'the namespace it is applied to (no namespace set)'}`,
      );
    }
    const port = Number(url.port || 80);
    const servicePort = asArray<Record<string, unknown>>(service.spec?.ports).find((p) => p['port'] === port);
    if (!servicePort) {
      problems.push(`${at}.${variable}: ${value}: Service ${serviceName} has no port ${port}`);
      continue;
    }
    const peerDeployment = find(objects, 'Deployment', resourceName(peer));
    if (!peerDeployment || !selects(service.spec?.selector, podLabels(peerDeployment))) {
      problems.push(`${at}.${variable}: ${value}: Service ${serviceName} does not lead to ${peer}'s pods`);
      continue;
    }
    const target = resolveContainerPort(serviceContainer(peerDeployment, peer), servicePort['targetPort'] ?? servicePort['port']);
    if (target !== services[peer].port) problems.push(`${at}.${variable}: ${value}: port ${port} does not reach ${peer}'s port ${services[peer].port}`);
  }
  return problems;
}

interface IngressPath {
  readonly ingress: string;
  readonly host: string;
  readonly path: string;
  readonly pathType: string;
  readonly backend: Record<string, unknown>;
}

function ingressPaths(objects: Manifests): IngressPath[] {
  return ofKind(objects, 'Ingress').flatMap((ingress) =>
    asArray<Record<string, unknown>>(ingress.spec?.rules).flatMap((rule) =>
      asArray<Record<string, unknown>>(isRecord(rule['http']) ? rule['http']['paths'] : undefined).map((p) => ({
        ingress: String(ingress.metadata?.name),
        host: String(rule['host'] ?? '*'),
        path: String(p['path'] ?? '/'),
        pathType: String(p['pathType'] ?? 'ImplementationSpecific'),
        backend: isRecord(p['backend']) ? p['backend'] : {},
      })),
    ),
  );
}

const trimSlash = (p: string) => p.replace(/\/+$/, '') || '/';
const under = (p: string, prefix: string) => p === prefix || p.startsWith(`${prefix}/`);

/** Whether a request to /internal/... can match this path (Prefix matching is by whole path segments). */
export function exposesInternal(rawPath: string, pathType: string): boolean {
  const p = trimSlash(rawPath);
  return pathType === 'Exact' ? under(p, '/internal') : p === '/' || under(p, '/internal');
}

/** Whether everything this path matches is one of the public routes. */
export function isPublicPath(rawPath: string, pathType: string): boolean {
  const p = trimSlash(rawPath);
  return publicRoutes.some((route) => (route.pathType === 'Exact' ? p === route.path || (pathType === 'Exact' && under(p, route.path)) : under(p, route.path)));
}

/** The Ingress publishes the gateway's public routes and nothing else: no /internal, no other service, no catch-all. */
export function ingressProblems(objects: Manifests): string[] {
  const problems: string[] = [];
  const gateway = resourceName('gateway');
  for (const ingress of ofKind(objects, 'Ingress')) {
    const at = `Ingress/${ingress.metadata?.name}`;
    if (ingress.spec?.defaultBackend) problems.push(`${at}.spec.defaultBackend: sends every unmatched path (/internal included) to a backend`);
    for (const key of Object.keys(ingress.metadata?.annotations ?? {}).filter((k) => /rewrite|snippet/i.test(k))) {
      problems.push(`${at}.annotations.${key}: rewrites requests, so the routes it exposes cannot be checked`);
    }
  }
  for (const p of ingressPaths(objects)) {
    const at = `Ingress/${p.ingress} ${p.host}${p.path} (${p.pathType})`;
    if (p.pathType === 'ImplementationSpecific' && /[*()[\]^$+?|\\]/.test(p.path)) {
      problems.push(`${at}: a pattern; only plain paths can be checked`);
      continue;
    }
    if (exposesInternal(p.path, p.pathType)) problems.push(`${at}: exposes the /internal routes`);
    else if (!isPublicPath(p.path, p.pathType)) problems.push(`${at}: not a public route (only ${publicRoutes.map((r) => r.path).join(', ')} are)`);
    const backend = isRecord(p.backend['service']) ? p.backend['service'] : undefined;
    if (!backend) {
      problems.push(`${at}: its backend is not a Service`);
      continue;
    }
    if (backend['name'] !== gateway) {
      problems.push(`${at}: routes to ${String(backend['name'])}; only the gateway (${gateway}) is public`);
      continue;
    }
    const port = isRecord(backend['port']) ? backend['port'] : {};
    const service = find(objects, 'Service', gateway);
    const servicePorts = asArray<Record<string, unknown>>(service?.spec?.ports);
    if (!servicePorts.some((sp) => (port['name'] !== undefined ? sp['name'] === port['name'] : sp['port'] === port['number']))) {
      problems.push(`${at}: Service ${gateway} has no port ${String(port['name'] ?? port['number'])}`);
    }
  }
  for (const route of publicRoutes) {
    const routed = ingressPaths(objects).some(
      (p) => isRecord(p.backend['service']) && p.backend['service']['name'] === gateway && trimSlash(p.path) === route.path && (p.pathType !== 'Exact' || route.pathType === 'Exact'),
    );
    if (!routed) problems.push(`Ingress: nothing routes ${route.path} to the gateway`);
  }
  return problems;
}

/** PARLEY_PUBLIC_URL is where browsers come back after consent: an Ingress must serve its host, with TLS for https. */
export function publicUrlProblems(objects: Manifests): string[] {
  const at = 'gateway.env.PARLEY_PUBLIC_URL';
  const { value, atRuntime } = podValue(objects, 'gateway', 'PARLEY_PUBLIC_URL');
  if (atRuntime) return [];
  if (value === undefined) return [`${at}: unset, so consent links send browsers to http://localhost:3000`];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return []; // environmentProblems reports it
  }
  const problems: string[] = [];
  if (trimSlash(url.pathname) !== '/') problems.push(`${at}: ${value} has a path; the Ingress serves /auth/callback at the host's root`);
  const callback = ingressPaths(objects).find(
    (p) => p.host === url.hostname && isRecord(p.backend['service']) && p.backend['service']['name'] === resourceName('gateway') && trimSlash(p.path) === '/auth/callback',
  );
  if (!callback) return [...problems, `${at}: no Ingress routes ${url.hostname}/auth/callback to the gateway`];
  const ingress = find(objects, 'Ingress', callback.ingress);
  const tlsHosts = asArray<Record<string, unknown>>(ingress?.spec?.tls).flatMap((t) => asArray<string>(t['hosts']));
  if (url.protocol === 'https:' && !tlsHosts.includes(url.hostname)) problems.push(`${at}: ${value} is https, but Ingress/${callback.ingress} has no TLS for ${url.hostname}`);
  return problems;
}

/** Minimum replicas of a Deployment: its autoscaler's minReplicas, else spec.replicas (default 1). */
function minimumReplicas(objects: Manifests, deployment: K8sObject): number {
  const hpa = ofKind(objects, 'HorizontalPodAutoscaler').find((h) => h.spec?.scaleTargetRef?.name === deployment.metadata?.name);
  return hpa ? Number(hpa.spec?.minReplicas ?? 1) : Number(deployment.spec?.replicas ?? 1);
}

/**
 * Each autoscaler targets an existing Deployment that leaves its replica count to it, can measure what it scales on,
 * and stops where more consumers would find no partition; the connectors and the relay each have one.
 */
export function autoscalingProblems(objects: Manifests): string[] {
  const problems: string[] = [];
  const targets = new Map<string, string[]>();
  for (const hpa of ofKind(objects, 'HorizontalPodAutoscaler')) {
    const at = `HorizontalPodAutoscaler/${hpa.metadata?.name}`;
    const ref = hpa.spec?.scaleTargetRef ?? {};
    const deployment = ref.kind === 'Deployment' ? find(objects, 'Deployment', String(ref.name)) : undefined;
    if (ref.kind !== 'Deployment' || ref.apiVersion !== 'apps/v1') problems.push(`${at}.spec.scaleTargetRef: is ${ref.apiVersion}/${ref.kind}, expected apps/v1 Deployment`);
    if (!deployment) {
      problems.push(`${at}.spec.scaleTargetRef: no Deployment ${String(ref.name)}`);
      continue;
    }
    targets.set(String(ref.name), [...(targets.get(String(ref.name)) ?? []), String(hpa.metadata?.name)]);
    const min = Number(hpa.spec?.minReplicas ?? 1);
    const max = Number(hpa.spec?.maxReplicas);
    if (!(min >= 1 && max >= min)) problems.push(`${at}.spec: needs 1 <= minReplicas (${min}) <= maxReplicas (${hpa.spec?.maxReplicas})`);
    if (deployment.spec?.replicas !== undefined) {
      problems.push(`${at}: Deployment ${ref.name} sets spec.replicas (${deployment.spec.replicas}), which every apply would reset under the autoscaler`);
    }
    const metrics = asArray<Record<string, unknown>>(hpa.spec?.metrics);
    if (metrics.length === 0) problems.push(`${at}.spec.metrics: none`);
    for (const metric of metrics.filter((m) => m['type'] === 'Resource')) {
      const resource = isRecord(metric['resource']) ? metric['resource'] : {};
      if (!isRecord(resource['target']) || resource['target']['type'] !== 'Utilization') continue;
      const missing = containersOf(deployment).filter((c) => c.resources?.requests?.[String(resource['name'])] === undefined);
      if (missing.length > 0) problems.push(`${at}: scales on ${String(resource['name'])} utilization, but ${missing.map((c) => c.name).join(', ')} request no ${String(resource['name'])}`);
    }
    const service = serviceNames.find((s) => resourceName(s) === ref.name);
    if (service) {
      const partitions = Number(podValue(objects, service, 'KAFKA_TOPIC_PARTITIONS').value ?? defaultPartitions);
      if (max > partitions) problems.push(`${at}.spec.maxReplicas: ${max} is more than KAFKA_TOPIC_PARTITIONS (${partitions}); the extra consumers would get no partition`);
    }
  }
  for (const scaled of ofKind(objects, 'ScaledObject')) {
    const at = `ScaledObject/${scaled.metadata?.name}`;
    const name = String(scaled.spec?.scaleTargetRef?.name);
    const deployment = find(objects, 'Deployment', name);
    if (!deployment) {
      problems.push(`${at}.spec.scaleTargetRef: no Deployment ${name}`);
      continue;
    }
    targets.set(name, [...(targets.get(name) ?? []), `${at}`]);
    problems.push(...scaledObjectProblems(objects, scaled, deployment, at));
  }
  for (const [deployment, hpas] of targets) if (hpas.length > 1) problems.push(`Deployment/${deployment}: scaled by several autoscalers (${hpas.join(', ')})`);
  for (const service of autoscaledServices) {
    if (!targets.has(resourceName(service))) problems.push(`${service}: no HorizontalPodAutoscaler or ScaledObject targets Deployment ${resourceName(service)}`);
  }
  return problems;
}

/**
 * A KEDA ScaledObject (k8s/overlays/keda) scales its Deployment on the lag of that service's own consumer group
 * (`<KAFKA_TOPIC_PREFIX><service>`), reaching the brokers the pods use, and never past the topics' partitions.
 */
function scaledObjectProblems(objects: Manifests, scaled: K8sObject, deployment: K8sObject, at: string): string[] {
  const problems: string[] = [];
  const ref = scaled.spec?.scaleTargetRef ?? {};
  if ((ref.kind ?? 'Deployment') !== 'Deployment' || (ref.apiVersion ?? 'apps/v1') !== 'apps/v1') problems.push(`${at}.spec.scaleTargetRef: expected an apps/v1 Deployment`);
  if (scaled.apiVersion !== 'keda.sh/v1alpha1') problems.push(`${at}.apiVersion: is ${scaled.apiVersion}, expected keda.sh/v1alpha1`);
  const min = Number(scaled.spec?.minReplicaCount ?? 0);
  const max = Number(scaled.spec?.maxReplicaCount ?? 100);
  if (!(min >= 1 && max >= min)) problems.push(`${at}.spec: needs 1 <= minReplicaCount (${scaled.spec?.minReplicaCount}) <= maxReplicaCount (${scaled.spec?.maxReplicaCount}); 0 would stop consuming`);
  if (deployment.spec?.replicas !== undefined) problems.push(`${at}: Deployment ${ref.name} sets spec.replicas (${deployment.spec.replicas}), which every apply would reset under the autoscaler`);
  const service = serviceNames.find((s) => resourceName(s) === ref.name);
  if (!service) return [...problems, `${at}: ${String(ref.name)} is no Parley service`];
  const partitions = Number(podValue(objects, service, 'KAFKA_TOPIC_PARTITIONS').value ?? defaultPartitions);
  if (max > partitions) problems.push(`${at}.spec.maxReplicaCount: ${max} is more than KAFKA_TOPIC_PARTITIONS (${partitions}); the extra consumers would get no partition`);
  const triggers = asArray<Record<string, unknown>>(scaled.spec?.triggers);
  const kafka = triggers.filter((t) => t['type'] === 'kafka');
  if (kafka.length === 0) problems.push(`${at}.spec.triggers: no kafka trigger (consumer lag)`);
  const group = `${podValue(objects, service, 'KAFKA_TOPIC_PREFIX').value ?? ''}${service}`;
  for (const [index, trigger] of kafka.entries()) {
    const metadata = isRecord(trigger['metadata']) ? trigger['metadata'] : {};
    const where = `${at}.spec.triggers[${index}].metadata`;
    if (metadata['consumerGroup'] !== group) problems.push(`${where}.consumerGroup: is ${String(metadata['consumerGroup'])}, expected ${group} (the service's consumer group)`);
    if (!(Number(metadata['lagThreshold']) > 0)) problems.push(`${where}.lagThreshold: expected a positive number`);
    const fromEnv = metadata['bootstrapServersFromEnv'];
    if (fromEnv !== undefined) {
      if (podValue(objects, service, String(fromEnv)).value === undefined) problems.push(`${where}.bootstrapServersFromEnv: ${String(fromEnv)} is not set in the pods`);
    } else if (typeof metadata['bootstrapServers'] !== 'string') problems.push(`${where}: neither bootstrapServers nor bootstrapServersFromEnv`);
  }
  for (const trigger of triggers.filter((t) => t['type'] === 'cpu' || t['type'] === 'memory')) {
    const resource = String(trigger['type']);
    const missing = containersOf(deployment).filter((c) => c.resources?.requests?.[resource] === undefined);
    if (missing.length > 0) problems.push(`${at}: scales on ${resource}, but ${missing.map((c) => c.name).join(', ')} request no ${resource}`);
  }
  return problems;
}

/** Each budget covers exactly one Deployment and still lets one pod go; every scaled service has one. */
export function disruptionBudgetProblems(objects: Manifests): string[] {
  const problems: string[] = [];
  const deployments = ofKind(objects, 'Deployment');
  const covered = new Set<K8sObject>();
  for (const pdb of ofKind(objects, 'PodDisruptionBudget')) {
    const at = `PodDisruptionBudget/${pdb.metadata?.name}`;
    const selected = deployments.filter((d) => selects(pdb.spec?.selector, podLabels(d)));
    if (isEmptySelector(pdb.spec?.selector) || selected.length !== 1) {
      problems.push(`${at}.spec.selector: selects ${selected.length === 0 ? 'no Deployment' : `the pods of ${selected.map((d) => d.metadata?.name).join(', ')}`}, expected one`);
      continue;
    }
    covered.add(selected[0]);
    const minReplicas = minimumReplicas(objects, selected[0]);
    const { minAvailable, maxUnavailable } = pdb.spec ?? {};
    if (maxUnavailable === 0 || maxUnavailable === '0%') problems.push(`${at}.spec.maxUnavailable: 0 blocks every drain`);
    if (typeof minAvailable === 'number' && minAvailable >= minReplicas) {
      problems.push(`${at}.spec.minAvailable: ${minAvailable} with as few as ${minReplicas} replica(s) blocks every drain; use maxUnavailable: 1`);
    }
  }
  for (const service of serviceNames) {
    const deployment = find(objects, 'Deployment', resourceName(service));
    if (!deployment || covered.has(deployment)) continue;
    const scaled = autoscaledServices.includes(service) || Number(deployment.spec?.replicas ?? 1) > 1;
    if (scaled) problems.push(`${service}: no PodDisruptionBudget selects its pods`);
  }
  return problems;
}

/** The services that serve /internal routes: the peers some service's config has a PARLEY_<PEER>_URL for. */
export function internalApiServices(): ServiceName[] {
  const peers = new Set(serviceNames.flatMap((name) => [...peerUrlVariables(name).values()]));
  return serviceNames.filter((name) => peers.has(name));
}

/**
 * Every service with /internal routes is selected by a NetworkPolicy, and the policies selecting it admit only
 * Parley's pods, or named pods of a named namespace (Prometheus): no rule open to every source, namespace or address.
 */
export function networkPolicyProblems(objects: Manifests): string[] {
  const problems: string[] = [];
  const policies = ofKind(objects, 'NetworkPolicy');
  for (const name of internalApiServices()) {
    const deployment = find(objects, 'Deployment', resourceName(name));
    if (!deployment) continue;
    const labels = podLabels(deployment);
    const applying = policies.filter((p) => {
      const types = asArray<string>(p.spec?.policyTypes);
      return selects(p.spec?.podSelector ?? {}, labels) && (types.length === 0 || types.includes('Ingress'));
    });
    if (applying.length === 0) {
      problems.push(`${name}: no NetworkPolicy restricts who reaches its /internal routes`);
      continue;
    }
    for (const policy of applying) {
      const at = `NetworkPolicy/${policy.metadata?.name}`;
      for (const [index, rule] of asArray<Record<string, unknown>>(policy.spec?.ingress).entries()) {
        const from = asArray<Record<string, unknown>>(rule['from']);
        if (from.length === 0) problems.push(`${at}.spec.ingress[${index}]: no "from", so every source reaches ${name}`);
        for (const peer of from) {
          if (peer['ipBlock']) problems.push(`${at}.spec.ingress[${index}]: an ipBlock admits addresses, not Parley's pods`);
          else if (!peer['podSelector'] || isEmptySelector(peer['podSelector'])) {
            problems.push(`${at}.spec.ingress[${index}]: admits every pod of ${peer['namespaceSelector'] ? 'the selected namespaces' : 'the namespace'}`);
          } else if (peer['namespaceSelector'] !== undefined && isEmptySelector(peer['namespaceSelector'])) {
            problems.push(`${at}.spec.ingress[${index}]: an empty namespaceSelector admits those pods from every namespace`);
          } else if (peer['namespaceSelector'] === undefined && !selectorRequires(peer['podSelector'], 'app.kubernetes.io/part-of', 'parley')) {
            problems.push(`${at}.spec.ingress[${index}]: admits pods that are not Parley's (no app.kubernetes.io/part-of: parley)`);
          }
        }
      }
    }
  }
  return problems;
}

function selectorRequires(selector: unknown, key: string, value: string): boolean {
  return isRecord(selector) && isRecord(selector['matchLabels']) && selector['matchLabels'][key] === value;
}

/** The YAML documents of every file, by file, for the checks that look at what is committed rather than rendered. */
export function manifestFileProblems(files: readonly string[], filesRead: ReadonlySet<string>, relativeTo: string): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const name = path.relative(relativeTo, file);
    if (!filesRead.has(file)) problems.push(`${name}: no kustomization reads it, so it is never applied`);
    if (path.basename(file).startsWith('kustomization.')) continue; // the renderer reads and checks those
    const { objects, problems: parse } = readManifests(file);
    problems.push(...parse.map((p) => `${name}: ${p}`));
    for (const secret of objects.filter((o) => o.kind === 'Secret')) {
      const keys = [...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})];
      if (keys.length > 0) problems.push(`${name}: Secret/${secret.metadata?.name} carries values (${keys.join(', ')}); secrets are referenced, never committed`);
    }
  }
  return problems;
}

/** A secretGenerator may only read files git ignores; literals would put the values in the repository. */
export function secretGeneratorProblems(generators: readonly SecretGenerator[], relativeTo: string): string[] {
  const problems: string[] = [];
  for (const generator of generators) {
    const at = `${path.relative(relativeTo, generator.kustomization)}: secretGenerator ${generator.name}`;
    if (generator.literals.length > 0) problems.push(`${at}: literals (${generator.literals.map((l) => l.split('=')[0]).join(', ')}) commit secret values`);
    for (const file of generator.files) {
      if (!isGitIgnored(file)) problems.push(`${at}: ${path.relative(path.dirname(generator.kustomization), file)} is not git-ignored, so its values could be committed`);
    }
  }
  return problems;
}

/**
 * Whether a .gitignore between the file and the repository root ignores it. The common pattern forms only (names,
 * globs with * and ?, trailing / for folders, leading or inner / for anchoring); a negation (!) that matches the file
 * counts as not ignored, the conservative answer for a check that exists to keep values out of the repository.
 */
export function isGitIgnored(file: string): boolean {
  let dir = path.dirname(file);
  let ignored = false;
  for (;;) {
    const ignoreFile = path.join(dir, '.gitignore');
    if (existsSync(ignoreFile)) {
      const relative = path.relative(dir, file).split(path.sep);
      const lines = readFileSync(ignoreFile, 'utf8')
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('#'));
      if (lines.some((l) => l.startsWith('!') && gitPatternMatches(l.slice(1), relative))) return false;
      ignored ||= lines.some((l) => !l.startsWith('!') && gitPatternMatches(l, relative));
    }
    const parent = path.dirname(dir);
    if (existsSync(path.join(dir, '.git')) || parent === dir) return ignored;
    dir = parent;
  }
}

function gitPatternMatches(pattern: string, segments: readonly string[]): boolean {
  const directoryOnly = pattern.endsWith('/');
  const body = pattern.replace(/\/+$/, '');
  const anchored = body.includes('/');
  const parts = body.replace(/^\//, '').split('/');
  const glob = (part: string) => new RegExp(`^${part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
  const matchesAt = (start: number) => {
    const end = start + parts.length;
    // A folder pattern matches the folders above the file only; a name pattern may match the file itself.
    if (end > segments.length || (directoryOnly && end === segments.length)) return false;
    return parts.every((part, i) => part === '**' || glob(part).test(segments[start + i]));
  };
  if (anchored) return matchesAt(0);
  return segments.some((_, start) => matchesAt(start));
}

/**
 * Every Secret key a Deployment reads is documented in `<exampleDir>/<secret>.env` (the file an operator fills to
 * create it), those files hold no values, and document nothing no Deployment reads.
 */
export function secretDocumentationProblems(objects: Manifests, exampleDir: string, relativeTo: string): string[] {
  const problems: string[] = [];
  const referenced = new Map<string, Set<string>>();
  for (const deployment of ofKind(objects, 'Deployment')) {
    for (const container of containersOf(deployment)) {
      const env = podEnvironment(objects, container, '');
      for (const { secret } of env.runtime.values()) {
        if (secret) referenced.set(secret.name, new Set([...(referenced.get(secret.name) ?? []), secret.key]));
      }
    }
  }
  const documented = new Map<string, Record<string, string>>();
  for (const [secret, keys] of referenced) {
    const file = path.join(exampleDir, `${secret}.env`);
    const name = path.relative(relativeTo, file);
    if (!existsSync(file)) {
      problems.push(`${name}: missing; Deployments read Secret ${secret} (${[...keys].join(', ')})`);
      continue;
    }
    const example = parseEnvFile(readFileSync(file, 'utf8'), (p) => problems.push(`${name}: ${p}`));
    documented.set(secret, example);
    for (const key of keys) if (!(key in example)) problems.push(`${name}: does not document ${key}, which a Deployment reads from Secret ${secret}`);
  }
  const exampleFiles = existsSync(exampleDir) ? readdirSync(exampleDir).filter((f) => f.endsWith('.env')) : [];
  for (const file of exampleFiles) {
    const secret = file.replace(/\.env$/, '');
    if (!referenced.has(secret)) problems.push(`${path.relative(relativeTo, path.join(exampleDir, file))}: documents Secret ${secret}, which no Deployment reads`);
  }
  for (const [secret, example] of documented) {
    const name = path.relative(relativeTo, path.join(exampleDir, `${secret}.env`));
    for (const [key, value] of Object.entries(example)) {
      if (value.trim() !== '') problems.push(`${name}: ${key} has a value; the examples document keys, never values`);
      if (!referenced.get(secret)?.has(key)) problems.push(`${name}: documents ${key}, which no Deployment reads`);
    }
  }
  return problems;
}
