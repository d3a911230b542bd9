import type { Clock } from '../shared/clock';

/** A clock that moves only when told; sleeping moves it at once, so waits become exact and instant. */
export class ManualClock implements Clock {
  readonly sleeps: number[] = [];
  #now = 1_000_000;

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.sleeps.push(ms);
    this.#now += ms;
  }
}
