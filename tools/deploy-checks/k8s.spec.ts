import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serviceNames, services, type ServiceName } from '@parley/service-runtime';
import {
  autoscalingProblems,
  deploymentProblems,
  disruptionBudgetProblems,
  environmentProblems,
  exposesInternal,
  find,
  isPublicPath,
  ingressProblems,
  internalApiServices,
  manifestFileProblems,
  networkPolicyProblems,
  peerUrlProblems,
  publicUrlProblems,
  resourceName,
  secretDocumentationProblems,
  secretGeneratorProblems,
  serviceProblems,
} from './k8s-checks';
import { kustomizationFile, renderKustomization, yamlFilesUnder, type K8sObject, type Rendered } from './k8s-render';

const root = path.resolve(__dirname, '../..');
const k8s = path.join(root, 'k8s');
const secretExamples = path.join(k8s, 'secrets.example');

// Every kustomization under k8s/ is a build someone may apply: the base and each overlay.
const kustomizations = yamlFilesUnder(k8s)
  .filter((file) => path.basename(file).startsWith('kustomization.'))
  .map((file) => path.relative(k8s, path.dirname(file)));
const renders = new Map<string, Rendered>(kustomizations.map((dir) => [dir, renderKustomization(path.join(k8s, dir), root)]));

describe('k8s/', () => {
  it('has the base, the local overlay and the optional KEDA overlay', () => {
    expect(kustomizations).toEqual(expect.arrayContaining(['base', path.join('overlays', 'local'), path.join('overlays', 'keda')]));
  });

  it('holds only YAML that parses into Kubernetes objects, each applied by some kustomization, and no Secret values', () => {
    const filesRead = new Set([...renders.values()].flatMap((r) => [...r.filesRead]));
    expect(manifestFileProblems(yamlFilesUnder(k8s), filesRead, root)).toEqual([]);
  });

  it('generates Secrets only from git-ignored files', () => {
    expect(secretGeneratorProblems([...renders.values()].flatMap((r) => r.secretGenerators), root)).toEqual([]);
  });
});

describe.each(kustomizations)('k8s/%s', (dir) => {
  const rendered = renders.get(dir) as Rendered;
  const objects = rendered.objects;

  it('renders with nothing the static renderer cannot follow', () => {
    expect(rendered.problems).toEqual([]);
  });

  describe.each(serviceNames)('%s', (name) => {
    it(`runs parley/${name} as non-root on port ${services[name].port}, probed on /healthz and /readyz, scraped on /metrics`, () => {
      expect(deploymentProblems(objects, name)).toEqual([]);
    });

    it('gets an environment that covers what its config requires, with nothing its config does not read', () => {
      expect(environmentProblems(objects, name)).toEqual([]);
    });

    it('is reached through a ClusterIP Service on its catalog port', () => {
      expect(serviceProblems(objects, name)).toEqual([]);
    });

    it("reaches its peers' internal APIs through their Services", () => {
      expect(peerUrlProblems(objects, name)).toEqual([]);
    });
  });

  it('exposes only the gateway /v1, /docs and /auth/callback through the Ingress, on the host of PARLEY_PUBLIC_URL', () => {
    expect([...ingressProblems(objects), ...publicUrlProblems(objects)]).toEqual([]);
  });

  it('publishes every path the gateway documents (docs/api/openapi.json): a browser or a platform must reach each one', () => {
    const documented = Object.keys((JSON.parse(readFileSync(path.join(root, 'docs/api/openapi.json'), 'utf8')) as { paths: Record<string, unknown> }).paths);
    expect(documented.length).toBeGreaterThan(10);
    expect(documented.filter((documentedPath) => !isPublicPath(documentedPath.replace(/\{[^}]+\}/g, 'x'), 'Exact'))).toEqual([]);
  });

  it('autoscales the connectors and the relay, each with a disruption budget', () => {
    expect([...autoscalingProblems(objects), ...disruptionBudgetProblems(objects)]).toEqual([]);
  });

  it("admits only Parley's pods (and Prometheus) to the services with /internal routes", () => {
    expect(networkPolicyProblems(objects)).toEqual([]);
  });

  it('documents every Secret key it reads in k8s/secrets.example, without values', () => {
    expect(secretDocumentationProblems(objects, secretExamples, root)).toEqual([]);
  });
});

// The checks above pass on the real manifests; these show they fail on the mistakes they exist for.
describe('the k8s checks catch', () => {
  const base = (renders.get('base') as Rendered).objects;
  /** A deep copy of the base with `change` applied to the named object. */
  const withChange = (kind: string, name: string, change: (object: K8sObject) => void): K8sObject[] => {
    const copy = structuredClone(base) as K8sObject[];
    const object = find(copy, kind, name);
    if (!object) throw new Error(`fixture: no ${kind}/${name} in k8s/base`);
    change(object);
    return copy;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixtures edit untyped manifests
  const containerOf = (object: K8sObject, name: ServiceName): any => object.spec.template.spec.containers.find((c: { name: string }) => c.name === name);
  const relayContainer = (change: (container: Record<string, unknown>) => void) =>
    withChange('Deployment', resourceName('relay'), (d) => change(containerOf(d, 'relay')));
  const envOf = (container: Record<string, unknown>) => container['env'] as Array<Record<string, unknown>>;

  it('a missing Deployment, a liveness probe on /readyz, a root container and missing scrape annotations', () => {
    expect(deploymentProblems(base.filter((o) => !(o.kind === 'Deployment' && o.metadata?.name === 'parley-relay')), 'relay')).toEqual([
      'relay.Deployment: no Deployment parley-relay',
    ]);
    const broken = withChange('Deployment', resourceName('relay'), (d) => {
      const container = containerOf(d, 'relay');
      container.livenessProbe.httpGet.path = '/readyz';
      container.readinessProbe.httpGet.port = 3000;
      delete container.securityContext.readOnlyRootFilesystem;
      d.spec.template.spec.securityContext.runAsUser = 0;
      delete d.spec.template.metadata.annotations['prometheus.io/scrape'];
    });
    expect(deploymentProblems(broken, 'relay')).toEqual([
      'relay.Deployment.containers[relay].livenessProbe.httpGet.path: is /readyz, expected /healthz',
      "relay.Deployment.containers[relay].readinessProbe.httpGet.port: 3000 is not the service's port 3005",
      "relay.Deployment.containers[relay].securityContext.runAsUser: is root (the image's user node is uid 1000)",
      'relay.Deployment.containers[relay].securityContext.readOnlyRootFilesystem: not true',
      'relay.Deployment.template.annotations.prometheus.io/scrape: is unset, expected true',
    ]);
  });

  it('a misspelt variable, and the required one it leaves unset', () => {
    const broken = relayContainer((c) => {
      const entry = envOf(c).find((e) => e['name'] === 'REDIS_URL') as Record<string, unknown>;
      entry['name'] = 'REDIS_ULR';
    });
    expect(environmentProblems(broken, 'relay')).toEqual([
      'relay.Deployment.containers[relay].env.REDIS_ULR: (from Secret parley-shared-secrets key REDIS_URL) no config section of relay reads it (misspelt or obsolete?)',
      'relay.Deployment.containers[relay].env.REDIS_URL: required but not set',
    ]);
  });

  it("a required secret left out of a service's env, an optional one, and a malformed ConfigMap value", () => {
    const withoutKey = withChange('Deployment', resourceName('identity'), (d) => {
      const container = containerOf(d, 'identity');
      container.env = container.env.filter((e: { name: string }) => e.name !== 'PARLEY_VAULT_ACTIVE_KEY');
      container.env.find((e: { name: string }) => e.name === 'PARLEY_VAULT_KEYS').valueFrom.secretKeyRef.optional = true;
    });
    const malformed = withChange('ConfigMap', 'parley-common', (c) => {
      (c.data as Record<string, string>)['KAFKA_BROKERS'] = 'kafka';
    });
    expect(environmentProblems(withoutKey, 'identity')).toEqual([
      'identity.Deployment.containers[identity].env.PARLEY_VAULT_KEYS: required, but its secretKeyRef is optional',
      'identity.Deployment.containers[identity].env.PARLEY_VAULT_ACTIVE_KEY: required but not set',
    ]);
    expect(environmentProblems(malformed, 'relay')).toEqual([
      'relay.Deployment.containers[relay].env.KAFKA_BROKERS: malformed (expected a comma-separated list of host:port)',
    ]);
  });

  it("a ConfigMap variable one of its readers does not know, and a service-specific one in the shared ConfigMap", () => {
    const broken = withChange('ConfigMap', 'parley-common', (c) => {
      (c.data as Record<string, string>)['PARLEY_VAULT_ACTIVE_KEY'] = 'k1';
    });
    expect(environmentProblems(broken, 'relay')).toEqual([
      'relay.Deployment.containers[relay].env.PARLEY_VAULT_ACTIVE_KEY: (from ConfigMap parley-common) no config section of relay reads it (misspelt or obsolete?)',
    ]);
  });

  it('a grace period the preStop sleep and the drain do not fit in, and HTTP_PORT left to the image', () => {
    const broken = relayContainer((c) => {
      c['env'] = envOf(c).filter((e) => e['name'] !== 'HTTP_PORT');
    });
    (find(broken, 'Deployment', 'parley-relay') as K8sObject).spec.template.spec.terminationGracePeriodSeconds = 18;
    expect(environmentProblems(broken, 'relay')).toEqual([
      "relay.Deployment.containers[relay].env.HTTP_PORT: is unset, expected 3005 (otherwise the image's build-time HTTP_PORT applies)",
      'relay.Deployment.terminationGracePeriodSeconds: 18 s is not longer than preStop (5000 ms) + PARLEY_SHUTDOWN_TIMEOUT_MS (15000 ms)',
    ]);
  });

  it('a peer URL naming a Service that does not exist, the wrong port, or a Service of another service', () => {
    const broken = withChange('ConfigMap', 'parley-common', (c) => {
      const data = c.data as Record<string, string>;
      data['PARLEY_IDENTITY_URL'] = 'http://identity:3001';
      data['PARLEY_PROVISIONING_URL'] = 'http://parley-provisioning:3001';
      data['PARLEY_SLACK_CONNECTOR_URL'] = 'http://parley-teams-connector:3004';
      delete data['PARLEY_TEAMS_CONNECTOR_URL'];
    });
    expect(peerUrlProblems(broken, 'gateway')).toEqual([
      'gateway.env.PARLEY_IDENTITY_URL: http://identity:3001 names no Service of these manifests (identity)',
      'gateway.env.PARLEY_PROVISIONING_URL: http://parley-provisioning:3001: Service parley-provisioning has no port 3001',
      "gateway.env.PARLEY_SLACK_CONNECTOR_URL: http://parley-teams-connector:3004: Service parley-teams-connector does not lead to slack-connector's pods",
      'gateway.env.PARLEY_TEAMS_CONNECTOR_URL: unset, so it defaults to loopback, which in a pod is the pod itself',
    ]);
  });

  it('a Service whose selector also catches the other services, on another port', () => {
    const broken = withChange('Service', resourceName('relay'), (s) => {
      s.spec.selector = { 'app.kubernetes.io/part-of': 'parley' };
      s.spec.ports[0].port = 80;
    });
    expect(serviceProblems(broken, 'relay')).toEqual([
      'relay.Service.spec.selector: also selects the pods of parley-gateway, parley-identity, parley-provisioning, parley-slack-connector, parley-teams-connector',
      "relay.Service.spec.ports: no port 3005 (the peers' PARLEY_*_URL use the catalog port)",
    ]);
  });

  it('an Ingress that exposes /internal, a catch-all, another service, or leaves a public route out', () => {
    const broken = withChange('Ingress', 'parley-gateway', (ingress) => {
      const paths = ingress.spec.rules[0].http.paths;
      paths[0].path = '/';
      paths[1] = { path: '/internal', pathType: 'Prefix', backend: { service: { name: 'parley-identity', port: { number: 3001 } } } };
      paths.push({ path: '/metrics', pathType: 'Exact', backend: { service: { name: 'parley-gateway', port: { name: 'http' } } } });
    });
    expect(ingressProblems(broken)).toEqual([
      'Ingress/parley-gateway parley.example.com/ (Prefix): exposes the /internal routes',
      'Ingress/parley-gateway parley.example.com/internal (Prefix): exposes the /internal routes',
      'Ingress/parley-gateway parley.example.com/internal (Prefix): routes to parley-identity; only the gateway (parley-gateway) is public',
      'Ingress/parley-gateway parley.example.com/metrics (Exact): not a public route (only /v1, /docs, /auth/callback, /auth/slack/callback, /auth/slack/start, /teams/notifications, /teams/lifecycle, /slack/events are)',
      'Ingress: nothing routes /v1 to the gateway',
      'Ingress: nothing routes /docs to the gateway',
    ]);
    expect([exposesInternal('/internalx', 'Prefix'), exposesInternal('/internal/', 'Exact'), exposesInternal('/v1', 'Prefix')]).toEqual([false, true, false]);
  });

  it('a public URL no Ingress host serves, or https without TLS', () => {
    const otherHost = withChange('ConfigMap', 'parley-gateway', (c) => {
      (c.data as Record<string, string>)['PARLEY_PUBLIC_URL'] = 'https://admin.example.com';
    });
    const noTls = withChange('Ingress', 'parley-gateway', (ingress) => delete ingress.spec.tls);
    expect([...publicUrlProblems(otherHost), ...publicUrlProblems(noTls)]).toEqual([
      'gateway.env.PARLEY_PUBLIC_URL: no Ingress routes admin.example.com/auth/callback to the gateway',
      'gateway.env.PARLEY_PUBLIC_URL: https://parley.example.com is https, but Ingress/parley-gateway has no TLS for parley.example.com',
    ]);
  });

  it('an autoscaler on a missing Deployment, one fighting spec.replicas, one past the partitions; a service without one', () => {
    const broken = withChange('HorizontalPodAutoscaler', 'parley-relay', (hpa) => {
      hpa.spec.scaleTargetRef.name = 'parley-realy';
    });
    const slack = find(broken, 'HorizontalPodAutoscaler', 'parley-slack-connector') as K8sObject;
    slack.spec.maxReplicas = 24;
    (find(broken, 'Deployment', 'parley-teams-connector') as K8sObject).spec.replicas = 3;
    expect(autoscalingProblems(broken)).toEqual([
      'HorizontalPodAutoscaler/parley-slack-connector.spec.maxReplicas: 24 is more than KAFKA_TOPIC_PARTITIONS (12); the extra consumers would get no partition',
      'HorizontalPodAutoscaler/parley-teams-connector: Deployment parley-teams-connector sets spec.replicas (3), which every apply would reset under the autoscaler',
      'HorizontalPodAutoscaler/parley-relay.spec.scaleTargetRef: no Deployment parley-realy',
      'relay: no HorizontalPodAutoscaler or ScaledObject targets Deployment parley-relay',
    ]);
  });

  it('a KEDA ScaledObject on another consumer group, past the partitions, beside an HPA, or reading brokers the pods lack', () => {
    const keda = structuredClone((renders.get(path.join('overlays', 'keda')) as Rendered).objects) as K8sObject[];
    expect(autoscalingProblems(keda)).toEqual([]);
    expect(keda.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
    const relay = find(keda, 'ScaledObject', 'parley-relay') as K8sObject;
    relay.spec.triggers[0].metadata.consumerGroup = 'parley-relay';
    relay.spec.maxReplicaCount = 20;
    const slack = find(keda, 'ScaledObject', 'parley-slack-connector') as K8sObject;
    slack.spec.triggers[0].metadata.bootstrapServersFromEnv = 'KAFKA_BROKER';
    slack.spec.minReplicaCount = 0;
    keda.push(...base.filter((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata?.name === 'parley-teams-connector'));
    expect(autoscalingProblems(keda)).toEqual([
      'ScaledObject/parley-slack-connector.spec: needs 1 <= minReplicaCount (0) <= maxReplicaCount (6); 0 would stop consuming',
      'ScaledObject/parley-slack-connector.spec.triggers[0].metadata.bootstrapServersFromEnv: KAFKA_BROKER is not set in the pods',
      'ScaledObject/parley-relay.spec.maxReplicaCount: 20 is more than KAFKA_TOPIC_PARTITIONS (12); the extra consumers would get no partition',
      'ScaledObject/parley-relay.spec.triggers[0].metadata.consumerGroup: is parley-relay, expected relay (the service\'s consumer group)',
      'Deployment/parley-teams-connector: scaled by several autoscalers (parley-teams-connector, ScaledObject/parley-teams-connector)',
    ]);
  });

  it('a disruption budget that blocks drains or selects several services, and a scaled service without one', () => {
    const broken = withChange('PodDisruptionBudget', 'parley-relay', (pdb) => {
      pdb.spec = { minAvailable: 2, selector: pdb.spec.selector };
    });
    const gateway = find(broken, 'PodDisruptionBudget', 'parley-gateway') as K8sObject;
    gateway.spec.selector = { matchLabels: { 'app.kubernetes.io/part-of': 'parley' } };
    expect(disruptionBudgetProblems(broken)).toEqual([
      'PodDisruptionBudget/parley-gateway.spec.selector: selects the pods of parley-gateway, parley-identity, parley-provisioning, parley-slack-connector, parley-teams-connector, parley-relay, expected one',
      'PodDisruptionBudget/parley-relay.spec.minAvailable: 2 with as few as 2 replica(s) blocks every drain; use maxUnavailable: 1',
      'gateway: no PodDisruptionBudget selects its pods',
    ]);
  });

  it('an internal service no NetworkPolicy covers, and rules that admit any source', () => {
    expect(internalApiServices()).toEqual(['identity', 'provisioning', 'slack-connector', 'teams-connector', 'relay']);
    const uncovered = withChange('NetworkPolicy', 'parley-internal-apis', (policy) => {
      policy.spec.podSelector.matchExpressions[0].values = ['identity', 'relay'];
    });
    expect(networkPolicyProblems(uncovered)).toEqual([
      'provisioning: no NetworkPolicy restricts who reaches its /internal routes',
      'slack-connector: no NetworkPolicy restricts who reaches its /internal routes',
      'teams-connector: no NetworkPolicy restricts who reaches its /internal routes',
    ]);
    const open = withChange('NetworkPolicy', 'parley-internal-apis', (policy) => {
      policy.spec.ingress[0].from = [{ podSelector: {} }];
      policy.spec.ingress[1].from = [{ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }];
    });
    expect(networkPolicyProblems(open).filter((p) => p.includes('ingress[0]') || p.includes('ingress[1]'))).toEqual(
      ['identity', 'provisioning', 'slack-connector', 'teams-connector', 'relay'].flatMap(() => [
        'NetworkPolicy/parley-internal-apis.spec.ingress[0]: admits every pod of the namespace',
        'NetworkPolicy/parley-internal-apis.spec.ingress[1]: an empty namespaceSelector admits those pods from every namespace',
      ]),
    );
  });

  it('a secret key the examples do not document, and an example with a value', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-k8s-examples-'));
    try {
      writeFileSync(path.join(dir, 'parley-shared-secrets.env'), '# the shared ones\nPARLEY_INTERNAL_TOKEN=0123456789abcdef0123456789abcdef\nDATABASE_URL=\n');
      writeFileSync(path.join(dir, 'parley-gateway-secrets.env'), 'PARLEY_OPERATOR_API_KEY=\n');
      writeFileSync(path.join(dir, 'parley-old-secrets.env'), 'OLD=\n');
      expect(secretDocumentationProblems(base, dir, dir)).toEqual([
        'parley-shared-secrets.env: does not document REDIS_URL, which a Deployment reads from Secret parley-shared-secrets',
        'parley-identity-secrets.env: missing; Deployments read Secret parley-identity-secrets (PARLEY_VAULT_KEYS, PARLEY_VAULT_ACTIVE_KEY)',
        'parley-old-secrets.env: documents Secret parley-old-secrets, which no Deployment reads',
        'parley-shared-secrets.env: PARLEY_INTERNAL_TOKEN has a value; the examples document keys, never values',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('in kustomizations and files', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'parley-k8s-'));
      // A repository root of its own, so .gitignore lookups stop here.
      mkdirSync(path.join(dir, '.git'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    };

    it('a committed Secret with values, a YAML error, and a manifest no kustomization applies', () => {
      write('app/kustomization.yaml', 'resources: [secret.yaml, broken.yaml]\n');
      write('app/secret.yaml', 'apiVersion: v1\nkind: Secret\nmetadata: { name: db }\nstringData:\n  DATABASE_URL: postgres://u:p@db/app\n');
      write('app/broken.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x\n');
      write('app/forgotten.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: y }\n');
      const rendered = renderKustomization(path.join(dir, 'app'), dir);
      const problems = manifestFileProblems(yamlFilesUnder(dir), rendered.filesRead, dir);
      expect(problems.filter((p) => !p.startsWith('app/broken.yaml: document 1:'))).toEqual([
        'app/forgotten.yaml: no kustomization reads it, so it is never applied',
        'app/secret.yaml: Secret/db carries values (DATABASE_URL); secrets are referenced, never committed',
      ]);
      expect(problems.some((p) => p.startsWith('app/broken.yaml: document 1:'))).toBe(true);
      // The value itself never appears in a problem line.
      expect(problems.join('\n')).not.toContain('postgres://u:p@db/app');
    });

    it('secretGenerator literals and files git does not ignore', () => {
      write('app/kustomization.yaml', 'secretGenerator:\n  - name: a\n    literals: [TOKEN=abc]\n  - name: b\n    envs: [secrets/b.env]\n  - name: c\n    envs: [private/c.env]\n');
      write('app/.gitignore', 'private/\n');
      const rendered = renderKustomization(path.join(dir, 'app'), dir);
      expect(rendered.problems).toEqual([]);
      expect(secretGeneratorProblems(rendered.secretGenerators, dir)).toEqual([
        'app/kustomization.yaml: secretGenerator a: literals (TOKEN) commit secret values',
        'app/kustomization.yaml: secretGenerator b: secrets/b.env is not git-ignored, so its values could be committed',
      ]);
    });

    it('an overlay that points at nothing: a missing resource, stale image and replica names, patches that miss', () => {
      write('base/kustomization.yaml', 'resources: [app.yaml]\nconfigMapGenerator:\n  - name: app\n    literals: [A=1]\n');
      write(
        'base/app.yaml',
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: app }\nspec:\n  template:\n    spec:\n      containers: [{ name: app, image: parley/app }]\n',
      );
      write(
        'overlay/kustomization.yaml',
        [
          'namePrefix: dev-',
          'resources: [../base, missing.yaml]',
          'images: [{ name: parley/ap, newTag: local }]',
          'replicas: [{ name: ap, count: 1 }]',
          'configMapGenerator: [{ name: other, behavior: merge, literals: [B=2] }]',
          'patches:',
          '  - target: { kind: Service, name: app }',
          '    patch: "[{op: remove, path: /spec/ports}]"',
          '  - target: { kind: Deployment }',
          '    patch: "[{op: replace, path: /spec/paused, value: true}]"',
        ].join('\n'),
      );
      expect(renderKustomization(path.join(dir, 'overlay'), dir).problems).toEqual([
        'overlay/kustomization.yaml: namePrefix: not supported by the static renderer of tools/deploy-checks, so the checks cannot see its effect',
        'overlay/kustomization.yaml: resources: missing.yaml does not exist',
        'overlay/kustomization.yaml: configMapGenerator other: behavior merge, but no ConfigMap other comes from the resources',
        'overlay/kustomization.yaml: patches[0]: no Service named app to patch',
        'overlay/kustomization.yaml: patches[1] on Deployment/app: replace /spec/paused: nothing there',
        'overlay/kustomization.yaml: replicas: no Deployment ap',
        'overlay/kustomization.yaml: images: no container uses parley/ap',
      ]);
    });

    it('renders what it supports the way kustomize does', () => {
      write('base/kustomization.yaml', 'resources: [app.yaml]\nconfigMapGenerator:\n  - name: app\n    envs: [app.env]\n');
      write('base/app.env', '# comment\nA=1\nB=x=y\n');
      write(
        'base/app.yaml',
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: app }\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers: [{ name: app, image: "parley/app:1.0" }]\n',
      );
      write(
        'overlay/kustomization.yaml',
        [
          'namespace: dev',
          'resources: [../base]',
          'images: [{ name: parley/app, newTag: local }]',
          'replicas: [{ name: app, count: 1 }]',
          'configMapGenerator: [{ name: app, behavior: merge, literals: [B=2] }]',
          'patches:',
          '  - target: { kind: Deployment, name: "a.p" }',
          '    patch: |-',
          '      - { op: add, path: /spec/template/spec/containers/-, value: { name: side, image: busybox } }',
          '      - { op: test, path: /spec/replicas, value: 3 }',
        ].join('\n'),
      );
      const rendered = renderKustomization(path.join(dir, 'overlay'), dir);
      expect(rendered.problems).toEqual([]);
      expect(rendered.objects).toEqual([
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'app', namespace: 'dev' },
          spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', image: 'parley/app:local' }, { name: 'side', image: 'busybox' }] } } },
        },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'dev' }, data: { A: '1', B: '2' } },
      ]);
      expect(kustomizationFile(path.join(dir, 'overlay'))).toBe(path.join(dir, 'overlay', 'kustomization.yaml'));
    });
  });
});
