import type { PGlite } from '@electric-sql/pglite';

interface QueuedMessage {
  readonly handlerId: number;
  readonly message: Uint8Array;
  readonly onData: (chunk: Uint8Array) => void;
  readonly resolve: (bytes: number) => void;
  readonly reject: (error: Error) => void;
}

/** ReadyForQuery: 'Z', int32 length 5, then the transaction status byte ('I' idle, 'T' in a transaction, 'E' failed). */
const READY_FOR_QUERY = [0x5a, 0x00, 0x00, 0x00, 0x05];
const IDLE = 0x49;

/**
 * PGlite is one PostgreSQL session. pglite-socket 0.2.x shares it between connections message by message and pins it
 * only while `isInTransaction()`, so the extended protocol of two connections interleaves (Parse of one, Bind of the
 * other: wrong rows, "unnamed prepared statement does not exist") and a transaction can hang the queue
 * (electric-sql/pglite#1046, #985).
 *
 * This queue gives the session to one connection from its first message until PGlite answers ReadyForQuery with
 * status idle: a whole extended-protocol exchange, and a whole transaction, run without another connection's
 * messages in between. The cost: a transaction must never wait on a second connection of the same database (true of
 * Parley's code: effects take the transaction's EntityManager).
 */
export class SessionPinningQueue {
  private readonly queue: QueuedMessage[] = [];
  private owner: number | null = null;
  private processing = false;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (chunk: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const item = this.queue[i] as QueuedMessage;
      if (item.handlerId !== handlerId) continue;
      this.queue.splice(i, 1);
      item.reject(new Error('connection closed'));
    }
  }

  /** A connection went away while it held the session: roll back what it left open and hand the session on. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    this.owner = null;
    void this.process();
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (;;) {
        const index = this.owner === null ? 0 : this.queue.findIndex((item) => item.handlerId === this.owner);
        if (index === -1 || this.queue.length === 0) return; // the owner's next message will restart us
        const [item] = this.queue.splice(index, 1) as [QueuedMessage];
        let bytes = 0;
        let tail: Uint8Array = new Uint8Array(0);
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (chunk: Uint8Array) => {
                bytes += chunk.length;
                tail = lastBytes(tail, chunk, READY_FOR_QUERY.length + 1);
                item.onData(chunk);
              },
            }),
          );
        } catch (error) {
          this.owner = null;
          item.reject(error instanceof Error ? error : new Error(String(error)));
          continue;
        }
        this.owner = endsIdle(tail) ? null : item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }
}

function lastBytes(previous: Uint8Array, chunk: Uint8Array, count: number): Uint8Array {
  if (chunk.length >= count) return chunk.slice(chunk.length - count);
  const joined = new Uint8Array(previous.length + chunk.length);
  joined.set(previous);
  joined.set(chunk, previous.length);
  return joined.slice(Math.max(0, joined.length - count));
}

function endsIdle(tail: Uint8Array): boolean {
  if (tail.length < READY_FOR_QUERY.length + 1) return false;
  const start = tail.length - READY_FOR_QUERY.length - 1;
  return READY_FOR_QUERY.every((byte, i) => tail[start + i] === byte) && tail[tail.length - 1] === IDLE;
}
