import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, parse, parseAllDocuments } from 'yaml';

/**
 * A static stand-in for `kustomize build`, for the subset of kustomize the manifests under k8s/ use (no kubectl or
 * kustomize binary is at hand): resources (files and folders), ConfigMap and Secret generators, namespace, images,
 * replicas, RFC 6902 patches and `$patch: delete` patches. Anything else in a kustomization is reported as a problem rather than ignored, so a
 * check never passes on a rendering that differs from the real one.
 *
 * Generated names keep no hash suffix (kustomize rewrites the references to it, so checks by name hold either way).
 */

/** A Kubernetes object as parsed; fields are read through the accessors of k8s-checks.ts. */
export interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are untyped YAML; the checks validate shapes
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  type?: string;
}

/** What a kustomization's secretGenerator asks for; checked by secretGeneratorProblems (values must stay uncommitted). */
export interface SecretGenerator {
  /** The kustomization.yaml it is declared in. */
  readonly kustomization: string;
  readonly name: string;
  readonly literals: readonly string[];
  /** The files its values come from, absolute. */
  readonly files: readonly string[];
}

export interface Rendered {
  readonly objects: K8sObject[];
  /** One line per thing the renderer could not do or found wrong ("<file>: what"). */
  readonly problems: string[];
  readonly secretGenerators: SecretGenerator[];
  /** Every file read, absolute: manifests, env files and patches (a YAML file no kustomization reads is never applied). */
  readonly filesRead: Set<string>;
}

const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const supportedFields = new Set([
  'apiVersion',
  'kind',
  'resources',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
  'namespace',
  'images',
  'replicas',
  'patches',
]);
/** Cluster-scoped kinds the namespace transformer leaves alone (the ones these manifests could contain). */
const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'IngressClass', 'PriorityClass', 'StorageClass']);

export function kustomizationFile(dir: string): string | undefined {
  return kustomizationFileNames.map((name) => path.join(dir, name)).find((file) => existsSync(file));
}

/** Renders the kustomization in `dir`; `relativeTo` shortens file names in problem lines. */
export function renderKustomization(dir: string, relativeTo = dir): Rendered {
  const rendered: Rendered = { objects: [], problems: [], secretGenerators: [], filesRead: new Set() };
  renderInto(path.resolve(dir), rendered, relativeTo, []);
  return rendered;
}

function renderInto(dir: string, out: Rendered, relativeTo: string, stack: readonly string[]): void {
  const file = kustomizationFile(dir);
  const where = (f: string) => path.relative(relativeTo, f) || '.';
  if (!file) {
    out.problems.push(`${where(dir)}: no kustomization.yaml`);
    return;
  }
  if (stack.includes(dir)) {
    out.problems.push(`${where(file)}: includes itself through ${stack.map(where).join(' -> ')}`);
    return;
  }
  out.filesRead.add(file);
  let k: Record<string, unknown>;
  try {
    const parsed: unknown = parse(readFileSync(file, 'utf8'));
    if (!isRecord(parsed)) throw new Error('not a mapping');
    k = parsed;
  } catch (error) {
    out.problems.push(`${where(file)}: ${(error as Error).message}`);
    return;
  }
  const problem = (message: string) => out.problems.push(`${where(file)}: ${message}`);
  for (const field of Object.keys(k).filter((f) => !supportedFields.has(f))) {
    problem(`${field}: not supported by the static renderer of tools/deploy-checks, so the checks cannot see its effect`);
  }

  // Resources first, then generators.
  const objects: K8sObject[] = [];
  for (const resource of asArray<string>(k['resources'])) {
    const target = path.resolve(dir, resource);
    if (!existsSync(target)) {
      problem(`resources: ${resource} does not exist`);
    } else if (statSync(target).isDirectory()) {
      const sub: Rendered = { objects: [], problems: out.problems, secretGenerators: out.secretGenerators, filesRead: out.filesRead };
      renderInto(target, sub, relativeTo, [...stack, dir]);
      objects.push(...sub.objects);
    } else {
      out.filesRead.add(target);
      const { objects: parsed, problems } = readManifests(target);
      problems.forEach((p) => out.problems.push(`${where(target)}: ${p}`));
      objects.push(...parsed);
    }
  }

  for (const generator of asArray<Record<string, unknown>>(k['configMapGenerator'])) {
    const name = String(generator['name'] ?? '');
    const data: Record<string, string> = {};
    for (const literal of asArray<string>(generator['literals'])) addPair(data, String(literal), (m) => problem(`configMapGenerator ${name}: ${m}`));
    for (const envFile of asArray<string>(generator['envs'])) {
      const envPath = path.resolve(dir, envFile);
      if (!existsSync(envPath)) {
        problem(`configMapGenerator ${name}: ${envFile} does not exist`);
        continue;
      }
      out.filesRead.add(envPath);
      Object.assign(data, parseEnvFile(readFileSync(envPath, 'utf8'), (m) => problem(`${envFile}: ${m}`)));
    }
    if (generator['files'] !== undefined) problem(`configMapGenerator ${name}: files are not supported (use envs or literals)`);
    const behavior = String(generator['behavior'] ?? 'create');
    const existing = objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === name);
    if (behavior === 'create') {
      if (existing) problem(`configMapGenerator ${name}: a ConfigMap of that name exists already (behavior: merge or replace?)`);
      else objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
    } else if (behavior === 'merge' || behavior === 'replace') {
      if (!existing) problem(`configMapGenerator ${name}: behavior ${behavior}, but no ConfigMap ${name} comes from the resources`);
      else existing.data = behavior === 'merge' ? { ...(existing.data ?? {}), ...data } : data;
    } else {
      problem(`configMapGenerator ${name}: unknown behavior ${behavior}`);
    }
  }

  for (const generator of asArray<Record<string, unknown>>(k['secretGenerator'])) {
    const name = String(generator['name'] ?? '');
    const files = [...asArray<string>(generator['envs']), ...asArray<string>(generator['files']).map((f) => String(f).split('=').pop() ?? '')];
    out.secretGenerators.push({ kustomization: file, name, literals: asArray<string>(generator['literals']).map(String), files: files.map((f) => path.resolve(dir, f)) });
    // The values live in uncommitted files, so the Secret is known by name only.
    if (!objects.some((o) => o.kind === 'Secret' && o.metadata?.name === name)) objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'Opaque' });
  }

  // Then the transformers, in kustomize's order: patches, namespace, replicas, images.
  for (const [index, patch] of asArray<Record<string, unknown>>(k['patches']).entries()) {
    const label = `patches[${index}]`;
    const target = isRecord(patch['target']) ? patch['target'] : undefined;
    if (!target || typeof target['kind'] !== 'string') {
      problem(`${label}: needs a target with a kind (patches found by their own content are not supported)`);
      continue;
    }
    const unsupportedSelectors = Object.keys(target).filter((key) => !['kind', 'name', 'group', 'version'].includes(key));
    if (unsupportedSelectors.length > 0) problem(`${label}: target.${unsupportedSelectors.join(', target.')} not supported`);
    let text: string | undefined;
    if (typeof patch['patch'] === 'string') text = patch['patch'];
    else if (typeof patch['path'] === 'string') {
      const patchPath = path.resolve(dir, patch['path']);
      if (existsSync(patchPath)) {
        out.filesRead.add(patchPath);
        text = readFileSync(patchPath, 'utf8');
      } else problem(`${label}: ${patch['path']} does not exist`);
    }
    if (text === undefined) {
      problem(`${label}: neither patch nor path`);
      continue;
    }
    const operations: unknown = parse(text);
    const namePattern = typeof target['name'] === 'string' ? new RegExp(`^(?:${target['name']})$`) : undefined;
    const matches = objects.filter((o) => o.kind === target['kind'] && (!namePattern || namePattern.test(o.metadata?.name ?? '')));
    if (isRecord(operations) && operations['$patch'] === 'delete') {
      // A strategic-merge delete patch: kustomize removes every resource the target selects (the body's name is not used).
      if (matches.length === 0) problem(`${label}: no ${String(target['kind'])}${namePattern ? ` named ${String(target['name'])}` : ''} to delete`);
      for (const object of matches) objects.splice(objects.indexOf(object), 1);
      continue;
    }
    if (!Array.isArray(operations)) {
      problem(`${label}: only RFC 6902 (JSON patch) operation lists are supported, not strategic merge patches (other than $patch: delete)`);
      continue;
    }
    if (matches.length === 0) problem(`${label}: no ${String(target['kind'])}${namePattern ? ` named ${String(target['name'])}` : ''} to patch`);
    for (const object of matches) {
      try {
        applyJsonPatch(object, operations);
      } catch (error) {
        problem(`${label} on ${object.kind}/${object.metadata?.name}: ${(error as Error).message}`);
      }
    }
  }

  if (typeof k['namespace'] === 'string') {
    for (const object of objects) if (!clusterScoped.has(object.kind ?? '')) object.metadata = { ...object.metadata, namespace: k['namespace'] };
  }

  for (const replicas of asArray<Record<string, unknown>>(k['replicas'])) {
    const targets = objects.filter((o) => ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(o.kind ?? '') && o.metadata?.name === replicas['name']);
    if (targets.length === 0) problem(`replicas: no Deployment ${String(replicas['name'])}`);
    for (const target of targets) target.spec = { ...(target.spec ?? {}), replicas: Number(replicas['count']) };
  }

  for (const image of asArray<Record<string, unknown>>(k['images'])) {
    const name = String(image['name'] ?? '');
    let matched = false;
    for (const container of objects.flatMap(containersOf)) {
      const { repository, tag, digest } = splitImage(container.image ?? '');
      if (repository !== name) continue;
      matched = true;
      const ref = String(image['newName'] ?? repository);
      if (image['digest'] !== undefined) container.image = `${ref}@${String(image['digest'])}`;
      else if (image['newTag'] !== undefined) container.image = `${ref}:${String(image['newTag'])}`;
      else container.image = tag ? `${ref}:${tag}` : digest ? `${ref}@${digest}` : ref;
    }
    if (!matched) problem(`images: no container uses ${name}`);
  }

  out.objects.push(...objects);
}

/** Every document of a manifest file; empty documents are skipped, YAML errors reported. */
export function readManifests(file: string): { objects: K8sObject[]; problems: string[] } {
  const problems: string[] = [];
  const objects: K8sObject[] = [];
  for (const [index, document] of parseAllDocuments(readFileSync(file, 'utf8')).entries()) {
    if (document.errors.length > 0) {
      problems.push(...document.errors.map((error) => `document ${index + 1}: ${error.message}`));
      continue;
    }
    if (document.contents === null) continue;
    if (!isMap(document.contents)) {
      problems.push(`document ${index + 1}: ${isSeq(document.contents) ? 'a list' : 'a scalar'}, not a Kubernetes object`);
      continue;
    }
    const object = document.toJS() as K8sObject;
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || typeof object.metadata?.name !== 'string') {
      problems.push(`document ${index + 1}: missing apiVersion, kind or metadata.name`);
      continue;
    }
    objects.push(object);
  }
  return { objects, problems };
}

/** kustomize's env file format: `KEY=VALUE` lines (the value verbatim after the first `=`), `#` comments, blank lines. */
export function parseEnvFile(text: string, problem: (message: string) => void): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [index, rawLine] of text.replace(/^\uFEFF/, '').split(/\r?\n/).entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    addPair(data, line, (message) => problem(`line ${index + 1}: ${message}`));
  }
  return data;
}

function addPair(data: Record<string, string>, line: string, problem: (message: string) => void): void {
  const eq = line.indexOf('=');
  // A bare KEY would take its value from the environment running kustomize: not reproducible.
  if (eq <= 0) return problem(`"${line}" is not KEY=VALUE`);
  const key = line.slice(0, eq).trim();
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) return problem(`"${key}" is not a valid key`);
  if (key in data) problem(`${key} is set twice`);
  data[key] = line.slice(eq + 1);
}

/** RFC 6902 add, remove, replace and test, in place. */
export function applyJsonPatch(target: object, operations: readonly unknown[]): void {
  for (const operation of operations) {
    if (!isRecord(operation) || typeof operation['op'] !== 'string' || typeof operation['path'] !== 'string') throw new Error('an operation needs op and path');
    const { op, path: pointer } = operation as { op: string; path: string };
    const tokens = pointer
      .split('/')
      .slice(1)
      .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (!pointer.startsWith('/') || tokens.length === 0) throw new Error(`${op} ${pointer}: the path must point inside the object`);
    let parent: unknown = target;
    for (const token of tokens.slice(0, -1)) {
      parent = Array.isArray(parent) ? parent[Number(token)] : isRecord(parent) ? parent[token] : undefined;
      if (parent === undefined) throw new Error(`${op} ${pointer}: ${token} does not exist`);
    }
    const last = tokens[tokens.length - 1];
    const container = parent as Record<string, unknown> | unknown[];
    const exists = Array.isArray(container) ? /^\d+$/.test(last) && Number(last) < container.length : Object.prototype.hasOwnProperty.call(container, last);
    switch (op) {
      case 'add':
        if (Array.isArray(container)) {
          const at = last === '-' ? container.length : Number(last);
          if (!/^\d+$|^-$/.test(last) || at > container.length) throw new Error(`add ${pointer}: index out of range`);
          container.splice(at, 0, operation['value']);
        } else container[last] = operation['value'];
        break;
      case 'remove':
      case 'replace':
        if (!exists) throw new Error(`${op} ${pointer}: nothing there`);
        if (op === 'remove') {
          if (Array.isArray(container)) container.splice(Number(last), 1);
          else delete container[last];
        } else if (Array.isArray(container)) container[Number(last)] = operation['value'];
        else container[last] = operation['value'];
        break;
      case 'test': {
        const actual = Array.isArray(container) ? container[Number(last)] : container[last];
        if (JSON.stringify(actual) !== JSON.stringify(operation['value'])) throw new Error(`test ${pointer}: is ${JSON.stringify(actual)}`);
        break;
      }
      default:
        throw new Error(`${op}: not supported (add, remove, replace, test)`);
    }
  }
}

export interface Container {
  name?: string;
  image?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as parsed
  [field: string]: any;
}

/** The containers and init containers of a workload's pod template. */
export function containersOf(object: K8sObject): Container[] {
  const pod = object.spec?.template?.spec;
  if (!isRecord(pod)) return [];
  return [...asArray<Container>(pod['initContainers']), ...asArray<Container>(pod['containers'])].filter(isRecord);
}

/** `registry/repo:tag@digest` split; a registry port (`host:5000/repo`) is part of the repository. */
export function splitImage(image: string): { repository: string; tag?: string; digest?: string } {
  const [withoutDigest, digest] = image.split('@');
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash
    ? { repository: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest }
    : { repository: withoutDigest, digest };
}

/** Every YAML file under `dir` (kustomization files included), absolute and sorted. */
export function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return yamlFilesUnder(full);
      return entry.isFile() && /\.ya?ml$/.test(entry.name) ? [full] : [];
    })
    .sort();
}

export function asArray<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
