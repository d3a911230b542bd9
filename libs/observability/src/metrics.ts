import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** One consumer group's position on one partition: messages produced but not yet committed by the group. */
export interface ConsumerLag {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

/** The outbox of one schema: rows not yet published, and how long the oldest has waited. */
export interface OutboxBacklog {
  readonly schema: string;
  readonly rows: number;
  readonly oldestAgeSeconds: number;
}

/** User syncs by status, and the people of the running ones: total planned and done so far. */
export interface UserSyncProgress {
  readonly syncs: readonly { readonly status: string; readonly count: number }[];
  readonly runningPeopleTotal: number;
  readonly runningPeopleDone: number;
}

/** The platform a call went to. */
export type Platform = 'slack' | 'teams';

/**
 * Calls to Slack and Microsoft Graph, labelled by platform and by the pacing limit the call went through (a fixed set
 * per platform: Slack's tiers and SCIM buckets, Graph's limit names), never by workspace, tenant or person.
 */
export class PlatformMetrics {
  readonly requestSeconds: Histogram<'platform' | 'limit' | 'outcome'>;
  readonly throttled: Counter<'platform' | 'limit'>;
  readonly pacingWait: Histogram<'platform' | 'limit'>;

  constructor(registry: Registry) {
    this.requestSeconds = new Histogram({
      name: 'parley_platform_request_seconds',
      help: 'Duration of one HTTP call to a platform (Slack Web API or SCIM, Microsoft Graph), by platform, pacing limit and outcome (ok, throttled, error).',
      labelNames: ['platform', 'limit', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.throttled = new Counter({
      name: 'parley_platform_throttled_total',
      help: 'HTTP 429 answers from a platform, by platform and pacing limit.',
      labelNames: ['platform', 'limit'],
      registers: [registry],
    });
    this.pacingWait = new Histogram({
      name: 'parley_platform_pacing_wait_seconds',
      help: "Time a call waited for its platform pacing tokens (Parley's own rate limiting, before the call), by platform and limit.",
      labelNames: ['platform', 'limit'],
      buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
      registers: [registry],
    });
  }

  /** Times one call; `outcome` is decided by the caller from the answer. */
  observe(platform: Platform, limit: string, outcome: 'ok' | 'throttled' | 'error', seconds: number): void {
    this.requestSeconds.observe({ platform, limit, outcome }, seconds);
    if (outcome === 'throttled') this.throttled.inc({ platform, limit });
  }
}

type Source<T> = () => Promise<readonly T[]> | readonly T[];

/**
 * One registry per service instance (the embedded mode runs six in one process, so the global registry would mix
 * them). The messaging metrics are created here so every adapter reports the same names.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly messagesHandled: Counter<'topic' | 'group' | 'outcome'>;
  readonly handleSeconds: Histogram<'topic' | 'group'>;
  readonly messagesPublished: Counter<'topic'>;
  readonly deadLetters: Counter<'topic' | 'group' | 'reason'>;
  readonly platform: PlatformMetrics;
  readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>;
  readonly outboxBacklog: Gauge<'schema'>;
  readonly outboxOldestAge: Gauge<'schema'>;
  readonly userSyncs: Gauge<'status'>;
  readonly userSyncPeople: Gauge<'state'>;
  private readonly lagSources: Source<ConsumerLag>[] = [];
  private readonly outboxSources: Source<OutboxBacklog>[] = [];
  private syncSource?: () => Promise<UserSyncProgress | undefined>;

  constructor(service: string, options: { defaultMetrics: boolean } = { defaultMetrics: true }) {
    this.registry.setDefaultLabels({ service });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
    this.messagesHandled = new Counter({
      name: 'parley_messages_handled_total',
      help: 'Messages consumed, by outcome (handled, duplicate, retried, dead_lettered).',
      labelNames: ['topic', 'group', 'outcome'],
      registers: [this.registry],
    });
    this.handleSeconds = new Histogram({
      name: 'parley_message_handle_seconds',
      help: 'Time from a message being handed to its handler to its effect being done.',
      labelNames: ['topic', 'group'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [this.registry],
    });
    this.messagesPublished = new Counter({
      name: 'parley_messages_published_total',
      help: 'Messages published, by topic.',
      labelNames: ['topic'],
      registers: [this.registry],
    });
    this.deadLetters = new Counter({
      name: 'parley_dead_letters_total',
      help: 'Messages sent to the dead-letter topic, by original topic, consumer group and reason (invalid-payload, handler-failed).',
      labelNames: ['topic', 'group', 'reason'],
      registers: [this.registry],
    });
    this.platform = new PlatformMetrics(this.registry);
    // Gauges read at scrape time from their sources; a source that fails leaves its series out rather than failing
    // the scrape (the scrape must answer while Kafka or the database is down).
    const lagSources = this.lagSources;
    this.consumerLag = new Gauge({
      name: 'parley_consumer_lag',
      help: "Messages on a partition not yet committed by a consumer group of this service (the partition's end offset minus the group's committed offset).",
      labelNames: ['group', 'topic', 'partition'],
      registers: [this.registry],
      async collect() {
        const read = await Promise.all(lagSources.map((source) => Promise.resolve().then(source).catch(() => [] as readonly ConsumerLag[])));
        this.reset();
        for (const entry of read.flat()) this.set({ group: entry.group, topic: entry.topic, partition: String(entry.partition) }, entry.lag);
      },
    });
    const outboxSources = this.outboxSources;
    let outboxRead: Promise<readonly OutboxBacklog[]> | undefined;
    // Both outbox gauges come from one query per scrape.
    const readOutbox = (): Promise<readonly OutboxBacklog[]> =>
      (outboxRead ??= Promise.all(outboxSources.map((source) => Promise.resolve().then(source).catch(() => [] as readonly OutboxBacklog[])))
        .then((all) => all.flat())
        .finally(() => setImmediate(() => (outboxRead = undefined))));
    this.outboxBacklog = new Gauge({
      name: 'parley_outbox_backlog',
      help: 'Outbox rows written but not yet published, by schema.',
      labelNames: ['schema'],
      registers: [this.registry],
      async collect() {
        const read = await readOutbox();
        this.reset();
        for (const entry of read) this.set({ schema: entry.schema }, entry.rows);
      },
    });
    this.outboxOldestAge = new Gauge({
      name: 'parley_outbox_oldest_age_seconds',
      help: 'Age of the oldest unpublished outbox row, by schema (0 when the outbox is empty).',
      labelNames: ['schema'],
      registers: [this.registry],
      async collect() {
        const read = await readOutbox();
        this.reset();
        for (const entry of read) this.set({ schema: entry.schema }, entry.oldestAgeSeconds);
      },
    });
    let syncRead: Promise<UserSyncProgress | undefined> | undefined;
    const readSyncs = (): Promise<UserSyncProgress | undefined> =>
      (syncRead ??= Promise.resolve()
        .then(() => this.syncSource?.())
        .catch(() => undefined)
        .finally(() => setImmediate(() => (syncRead = undefined))));
    this.userSyncs = new Gauge({
      name: 'parley_user_syncs',
      help: 'User syncs by status (queued, running, succeeded, partially_failed, failed).',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const progress = await readSyncs();
        this.reset();
        for (const entry of progress?.syncs ?? []) this.set({ status: entry.status }, entry.count);
      },
    });
    this.userSyncPeople = new Gauge({
      name: 'parley_user_sync_people',
      help: 'People in the running user syncs: state="total" planned, state="done" handled so far.',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const progress = await readSyncs();
        this.reset();
        if (!progress) return;
        this.set({ state: 'total' }, progress.runningPeopleTotal);
        this.set({ state: 'done' }, progress.runningPeopleDone);
      },
    });
  }

  /** Registers where consumer lag comes from (the bus); read at each scrape. */
  observeConsumerLag(source: Source<ConsumerLag>): void {
    this.lagSources.push(source);
  }

  /** Registers where outbox backlog comes from (the outbox relay); read at each scrape. */
  observeOutbox(source: Source<OutboxBacklog>): void {
    this.outboxSources.push(source);
  }

  /** Registers where user-sync progress comes from (provisioning); read at each scrape. */
  observeUserSyncs(source: () => Promise<UserSyncProgress | undefined>): void {
    this.syncSource = source;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
