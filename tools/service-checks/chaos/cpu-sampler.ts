import { readdirSync, readFileSync } from 'node:fs';

/** Linux's clock ticks per second for /proc/<pid>/stat times (USER_HZ: 100 on every architecture Node runs on here). */
const TICKS_PER_SECOND = 100;

/**
 * CPU used on this machine per kind of process, second by second (`cpu.tsv` in the chaos run's log dir): which of
 * the services, the servers (Kafka, PostgreSQL, Redis), the balancers or this process (the sandboxes, the driver) had
 * the two cores while a fault played out. Read from /proc, so on Linux only; elsewhere it records nothing.
 */
export class CpuSampler {
  private last = new Map<number, { kind: string; ticks: number }>();
  readonly rows: string[] = [];

  constructor(private readonly testPid: number = process.pid) {}

  /** Adds one row per kind that used CPU since the previous call. */
  sample(at: string): void {
    const now = new Map<number, { kind: string; ticks: number }>();
    let pids: string[];
    try {
      pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
    } catch {
      return;
    }
    const used = new Map<string, number>();
    for (const name of pids) {
      const pid = Number(name);
      const previous = this.last.get(pid);
      const kind = previous?.kind ?? kindOf(pid, this.testPid);
      if (!kind) continue;
      const ticks = ticksOf(pid);
      if (ticks === null) continue;
      now.set(pid, { kind, ticks });
      const delta = previous ? ticks - previous.ticks : 0;
      if (delta > 0) used.set(kind, (used.get(kind) ?? 0) + delta);
    }
    this.last = now;
    for (const [kind, ticks] of [...used].sort((a, b) => b[1] - a[1])) this.rows.push([at, kind, Math.round((ticks * 1000) / TICKS_PER_SECOND)].join('\t'));
  }
}

function ticksOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the whole line)
  } catch {
    return null;
  }
}

/** What a process is, from its command line; undefined for what the run does not care about. */
function kindOf(pid: number, testPid: number): string | undefined {
  if (pid === testPid) return 'test process (sandboxes, driver)';
  let command: string;
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
  const app = /dist\/apps\/([a-z-]+)\/src\/main\.js/.exec(command);
  if (app) return app[1];
  if (command.includes('balancer-main')) return 'balancers';
  if (command.includes('kafka.Kafka') || (command.startsWith('java') && command.includes('kafka'))) return 'kafka';
  if (command.startsWith('postgres')) return 'postgres';
  if (command.startsWith('redis-server')) return 'redis';
  return undefined;
}
