import type { DataSource, EntityManager } from 'typeorm';
import type { PayloadIn, TopicName } from '@parley/contracts';
import { toOutgoingRecord, type BusEntry, type PublishOptions } from '@parley/messaging';

/**
 * Writes events into the service's outbox inside the caller's transaction, so a state change and the events it
 * implies commit or roll back together. Validation and the event id happen here, once: a replayed row keeps its id.
 */
export class Outbox {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly schema: string,
    private readonly producer: string,
  ) {}

  async enqueue<T extends TopicName>(manager: EntityManager, topic: T, payload: PayloadIn<T>, options?: PublishOptions): Promise<void> {
    await this.enqueueAll(manager, [{ topic, payload, options } as BusEntry]);
  }

  async enqueueAll(manager: EntityManager, entries: readonly BusEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('Outbox.enqueue needs the EntityManager of an open transaction');
    }
    const records = entries.map((e) => toOutgoingRecord(e.topic, e.payload as never, this.producer, e.options));
    const params: unknown[] = [];
    const rows = records.map((r, i) => {
      params.push(r.topic, r.key, r.value, JSON.stringify(r.headers));
      return `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4}::jsonb)`;
    });
    await manager.query(`INSERT INTO "${this.schema}".outbox (topic, message_key, value, headers) VALUES ${rows.join(', ')}`, params);
    // Wake the relay once the transaction has committed (no-op on rollback).
    const wake = () => this.listeners.forEach((listener) => listener());
    onCommit(manager, wake);
  }

  /** @internal used by OutboxRelay to drain promptly after a commit instead of waiting for the next poll. */
  onEnqueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Runs fn after the transaction that owns manager commits. */
function onCommit(manager: EntityManager, fn: () => void): void {
  const runner = manager.queryRunner as unknown as { __parleyAfterCommit?: (() => void)[] };
  (runner.__parleyAfterCommit ??= []).push(fn);
}

/**
 * Runs work in a transaction and fires the outbox wake-ups registered in it after commit. Services use this
 * instead of dataSource.transaction so the relay drains right away.
 */
export async function inTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  try {
    const result = await work(runner.manager);
    await runner.commitTransaction();
    const after = (runner as unknown as { __parleyAfterCommit?: (() => void)[] }).__parleyAfterCommit ?? [];
    for (const fn of after) fn();
    return result;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
}
