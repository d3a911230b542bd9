import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); 0 once it is gone. */
export function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command; in clock ticks (100 a second).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** Polls `read` every 250 ms until it gives a value, or throws naming `what` after `timeoutMs`. */
export async function eventually<T>(what: string, read: () => Promise<T | undefined> | T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
