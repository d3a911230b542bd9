import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UserSyncView } from '@parley/internal-api';
import { AdminApi } from '@parley/admin-client';
import { connectionRequests } from '@parley/sandbox-runner';
import type { ClusterApp } from '@parley/testing';
import { startSandboxedStack, type SandboxedStack } from './sandboxed-stack';

const OPERATOR_KEY = `op_${'o'.repeat(40)}`;
const APPS: ClusterApp[] = ['identity', 'provisioning', 'slack-connector', 'teams-connector', 'gateway'];

/** OTLP span kinds (opentelemetry-proto trace.proto). */
const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly links: readonly { traceId: string; spanId: string }[];
  readonly attributes: Readonly<Record<string, unknown>>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type KeyValue = { key: string; value?: AnyValue };
type OtlpId = string | undefined;

/** OTLP/JSON carries ids as hex (the spec); accept base64 too, as protobuf-to-JSON mappers write it. */
function hexId(id: OtlpId): string {
  if (!id) return '';
  return /^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

function attributesOf(list: readonly KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, kv.value?.stringValue ?? kv.value?.intValue ?? kv.value?.boolValue ?? kv.value?.doubleValue]));
}

/**
 * A real OTLP/HTTP receiver (`POST /v1/traces`, JSON encoding as the services send it with
 * OTEL_EXPORTER_OTLP_PROTOCOL=http/json), keeping every span it was sent.
 */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.method !== 'POST' || request.url !== '/v1/traces') {
          response.writeHead(404).end();
          return;
        }
        try {
          this.accept(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch {
          response.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(body: {
    resourceSpans?: {
      resource?: { attributes?: KeyValue[] };
      scopeSpans?: {
        spans?: { traceId?: string; spanId?: string; parentSpanId?: string; name: string; kind: number; links?: { traceId?: string; spanId?: string }[]; attributes?: KeyValue[] }[];
      }[];
    }[];
  }): void {
    for (const resourceSpans of body.resourceSpans ?? []) {
      const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? '');
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          this.spans.push({
            service,
            traceId: hexId(span.traceId),
            spanId: hexId(span.spanId),
            parentSpanId: hexId(span.parentSpanId),
            name: span.name,
            kind: span.kind,
            links: (span.links ?? []).map((l) => ({ traceId: hexId(l.traceId), spanId: hexId(l.spanId) })),
            attributes: attributesOf(span.attributes),
          });
        }
      }
    }
  }
}

// Issue 12's acceptance: one user sync, started through the gateway, is one trace across the separate service
// processes (HTTP and Kafka hops, and the outbox in between), exported over OTLP to a receiver in the test.
describe('traces across services (OTLP)', () => {
  const receiver = new OtlpReceiver();
  let stack: SandboxedStack;

  beforeAll(async () => {
    const endpoint = await receiver.start();
    stack = await startSandboxedStack({
      label: 'otel',
      apps: APPS,
      operatorKey: OPERATOR_KEY,
      sandboxes: { limitsEnabled: false },
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Export promptly: the check reads what arrived.
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_NODE_RESOURCE_DETECTORS: 'none',
      },
    });
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    await receiver.stop();
  });

  const eventually = async (what: string, found: () => boolean, timeoutMs = 60_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!found()) {
      if (Date.now() > deadline) throw new Error(`never saw ${what}; spans received: ${receiver.spans.length}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  it('follows a user sync from the gateway through provisioning, the connectors and identity in one trace, Kafka hops included', () =>
    stack.withLogs(async () => {
      const operator = new AdminApi(stack.cluster.url('gateway'), OPERATOR_KEY);
      const org = await operator.createOrg('Traced org');
      const admin = operator.withKey(org.adminApiKey);
      const connections = connectionRequests(stack.sandboxes.credentials);
      await admin.connect(connections.slack);
      await admin.connect(connections.teams);

      const start = await admin.request<UserSyncView>('POST', '/v1/user-syncs', { mode: 'guest' });
      expect(start.status).toBe(202);
      const finished = await admin.waitForSync(start.body.id, { timeoutMs: 180_000 });
      expect(finished.status).toBe('succeeded');

      // The admin's request, as the gateway's HTTP server saw it.
      const isSyncRequest = (s: ReceivedSpan) =>
        s.service === 'gateway' && s.kind === SERVER && /^POST/.test(s.name) && String(s.attributes['url.path'] ?? s.attributes['http.target'] ?? s.attributes['http.route'] ?? s.name).includes('/v1/user-syncs');
      await eventually('the gateway span of POST /v1/user-syncs', () => receiver.spans.some(isSyncRequest));
      const request = receiver.spans.find(isSyncRequest) as ReceivedSpan;
      const inTrace = () => receiver.spans.filter((s) => s.traceId === request.traceId);
      const services = () => new Set(inTrace().map((s) => s.service));
      await eventually(
        'spans of every service in the request trace',
        () => APPS.every((app) => services().has(app)) && inTrace().some((s) => s.service === 'slack-connector' && s.kind === CONSUMER) && inTrace().some((s) => s.service === 'teams-connector' && s.kind === CONSUMER),
        90_000,
      );
      expect([...services()].sort()).toEqual([...APPS].sort());
      expect(request.parentSpanId).toBe('');

      // Every Kafka hop: a consumer's process span is a child of the producer's send span, in another service
      // process, and links to it. Each process exports in batches of its own, so a send span can arrive after the
      // process span it parents: wait for them (the assertions below say which one is missing if one never comes).
      const isProcess = (s: ReceivedSpan) => s.kind === CONSUMER && s.name.startsWith('process ');
      await eventually(
        'the send span of every process span',
        () => {
          const ids = new Set(inTrace().map((s) => s.spanId));
          return inTrace().filter(isProcess).every((p) => ids.has(p.parentSpanId));
        },
        30_000,
      ).catch(() => undefined);
      const spans = inTrace();
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      const processes = spans.filter(isProcess);
      const hops = new Set<string>();
      for (const process of processes) {
        const send = byId.get(process.parentSpanId);
        expect({ process: process.name, parent: send?.name, kind: send?.kind }).toEqual({ process: process.name, parent: process.name.replace('process ', 'send '), kind: PRODUCER });
        expect(process.links).toContainEqual({ traceId: request.traceId, spanId: send?.spanId });
        hops.add(`${send?.service} -> ${process.service}`);
      }
      // provisioning's outbox publishes the import commands the connectors consume, rows written while it handled the
      // request: the relay sent them later, still in the request's trace.
      expect([...hops]).toEqual(expect.arrayContaining(['provisioning -> slack-connector', 'provisioning -> teams-connector']));
      // Internal HTTP continues it too: identity serves calls made under this trace.
      expect(spans.some((s) => s.service === 'identity' && s.kind === SERVER)).toBe(true);

      // And the log lines written while handling it carry its trace id.
      for (const app of ['provisioning', 'slack-connector', 'teams-connector'] as const) {
        expect({ app, traced: stack.cluster.process(app).lines.some((line) => line['trace_id'] === request.traceId) }).toEqual({ app, traced: true });
      }
    }));

  it("serves the SRE figures on each service's /metrics once the sync ran: lag, outbox, platform calls, sync progress", () =>
    stack.withLogs(async () => {
      const scrape = async (app: ClusterApp) => (await fetch(`${stack.cluster.url(app)}/metrics`)).text();
      const provisioning = await scrape('provisioning');
      expect(provisioning).toMatch(/^parley_user_syncs\{status="succeeded",service="provisioning"\} 1$/m);
      expect(provisioning).toMatch(/^parley_consumer_lag\{group="provisioning",topic="parley\.[a-z.-]+\.v1",partition="\d+",service="provisioning"\} \d+$/m);
      expect(provisioning).toMatch(/^parley_outbox_backlog\{schema="provisioning",service="provisioning"\} \d+$/m);
      expect(provisioning).toMatch(/^parley_outbox_oldest_age_seconds\{schema="provisioning",service="provisioning"\} [\d.e+-]+$/m);
      const slack = await scrape('slack-connector');
      expect(slack).toMatch(/^parley_platform_request_seconds_count\{service="slack-connector",platform="slack",limit="[a-z0-9-]+",outcome="ok"\} [1-9]\d*$/m);
      expect(slack).toMatch(/^parley_platform_pacing_wait_seconds_count\{service="slack-connector",platform="slack",limit="[a-z0-9-]+"\} [1-9]\d*$/m);
      const teams = await scrape('teams-connector');
      expect(teams).toMatch(/^parley_platform_request_seconds_count\{service="teams-connector",platform="teams",limit="[A-Za-z0-9-]+",outcome="ok"\} [1-9]\d*$/m);
      // Bounded labels: no org, person or sync ids anywhere.
      for (const body of [provisioning, slack, teams]) expect(body).not.toMatch(/org_[A-Za-z0-9]{8,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}/);
    }));
});
