import type { DataSource } from 'typeorm';
import type { TopicName } from '@parley/contracts';
import type { MessageBus, OutgoingRecord } from '@parley/messaging';
import type { Logger, OutboxBacklog } from '@parley/observability';
import type { Outbox } from './outbox';

export interface OutboxRelayOptions {
  readonly schema: string;
  readonly batchSize?: number;
  /** How often to look for rows written by other replicas (own writes wake the relay at once). */
  readonly pollIntervalMs?: number;
}

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * Publishes outbox rows in id order and deletes them once the broker has acknowledged them. One replica drains a
 * schema at a time (transaction-scoped advisory lock), so per-key order holds across replicas. A crash between the
 * publish and the delete republishes the rows with the same event ids; consumers are idempotent on them.
 */
export class OutboxRelay {
  private running = false;
  /**
   * A wake-up (a commit that enqueued, or stop) that arrived while the loop was draining rather than sleeping. The loop
   * checks it before it sleeps, so neither a committed row nor a stop waits for the next poll. (Without it, a stop
   * during a drain left the loop asleep for a whole poll interval: an hour in a test, a hung shutdown.)
   */
  private wakeRequested = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private unsubscribe?: () => void;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly lockKey: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: MessageBus,
    private readonly outbox: Outbox,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions,
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.lockKey = `parley.outbox.${options.schema}`;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.outbox.onEnqueued(() => this.requestWake());
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.requestWake();
    await this.loop;
  }

  private requestWake(): void {
    this.wakeRequested = true;
    this.wake?.();
  }

  /** Rows waiting and the age of the oldest, for `/metrics` (one indexed scan of a table kept short by the relay). */
  async backlog(): Promise<OutboxBacklog> {
    const [row] = await this.dataSource.query(
      `SELECT count(*)::int AS rows, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS age FROM "${this.options.schema}".outbox`,
    );
    return { schema: this.options.schema, rows: Number(row?.rows ?? 0), oldestAgeSeconds: Math.max(0, Number(row?.age ?? 0)) };
  }

  /** Publishes up to one batch; returns how many rows went out (0 when empty or another replica holds the lock). */
  async drainOnce(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [this.lockKey]);
      if (!locked) return 0;
      const rows: OutboxRow[] = await manager.query(
        `SELECT id, topic, message_key, value, headers FROM "${this.options.schema}".outbox ORDER BY id LIMIT $1`,
        [this.batchSize],
      );
      if (rows.length === 0) return 0;
      const records: OutgoingRecord[] = rows.map((r) => ({
        topic: r.topic as TopicName,
        key: r.message_key,
        value: r.value,
        headers: r.headers,
      }));
      await this.bus.publishRecords(records);
      await manager.query(`DELETE FROM "${this.options.schema}".outbox WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let published = 0;
      this.wakeRequested = false;
      try {
        published = await this.drainOnce();
        failures = 0;
      } catch (error) {
        failures++;
        this.logger.warn({ err: error, failures }, 'outbox drain failed; will retry');
      }
      if (!this.running) break;
      if (published >= this.batchSize || this.wakeRequested) continue;
      const wait = failures > 0 ? Math.min(10_000, this.pollIntervalMs * 2 ** failures) : this.pollIntervalMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
