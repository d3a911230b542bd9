import { afterAll, beforeAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';

/**
 * Two handles on one backend, as two replicas would hold them: for Redis two separate client connections with the
 * same key prefix; in memory the same instance twice (one process is all that mode has).
 */
export interface ContractSubjects<T> {
  readonly first: T;
  readonly second: T;
  close(): Promise<void>;
}

export type OpenContractSubjects<T> = () => Promise<ContractSubjects<T>>;

/** Tests share a backend for the whole suite, so each names its own buckets, locks and keys. */
export function uniqueName(label: string): string {
  return `${label}-${randomUUID()}`;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The value, or a thrown error naming what was missing (an assertion that also narrows the type). */
export function present<T>(value: T | null | undefined, what = 'a value'): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}`);
  return value;
}

/**
 * Opens the two subjects once for a describe block (two implementations, or two connections to one server) and
 * closes them after it; returns accessors for use inside its tests.
 */
export function useContractSubjects<T>(open: OpenContractSubjects<T>): { first: () => T; second: () => T } {
  let subjects: ContractSubjects<T> | undefined;
  beforeAll(async () => {
    subjects = await open();
  });
  afterAll(async () => {
    await subjects?.close();
  });
  return {
    first: () => present(subjects, 'the subjects').first,
    second: () => present(subjects, 'the subjects').second,
  };
}
