import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Prints the results and writes them to dist/bench/<name>.json with the time and machine they came from. */
export function writeResults(name: string, results: Record<string, unknown>): void {
  const dir = path.resolve(__dirname, '../../bench');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const record = { benchmark: name, at: new Date().toISOString(), node: process.version, ...results };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  console.log(JSON.stringify(record, null, 2));
  console.log(`written to ${path.relative(process.cwd(), file)}`);
}

export function brokersFromEnv(): string[] {
  return (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',');
}
