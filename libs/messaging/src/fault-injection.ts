/**
 * Chaos hook for crash-safety and poison tests: `PARLEY_FAULT_INJECTION=crash-after-effect:<topic>` kills the process
 * with SIGKILL right after a handler's effect and before its offset is committed; `crash-before-effect:<topic>` kills
 * it before the handler runs; `fail-handler:<topic>[:<text>]` makes every handling of a message of that topic (whose
 * raw value contains `<text>`, when given) throw, as a bug in the handler would, so it is retried in place and then
 * dead-lettered. Unset in every real deployment; read once at start so it costs nothing per message.
 */
export type FaultPoint = 'crash-before-effect' | 'crash-after-effect';

export class FaultInjector {
  private constructor(
    private readonly rules: ReadonlyMap<string, FaultPoint>,
    /** topic -> text the raw value must contain ('' matches every message). */
    private readonly failures: ReadonlyMap<string, string> = new Map(),
  ) {}

  static fromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): FaultInjector {
    const rules = new Map<string, FaultPoint>();
    const failures = new Map<string, string>();
    for (const rule of (env['PARLEY_FAULT_INJECTION'] ?? '').split(',').filter(Boolean)) {
      const [point, topic, ...match] = rule.split(':');
      if ((point === 'crash-before-effect' || point === 'crash-after-effect') && topic) rules.set(topic, point);
      if (point === 'fail-handler' && topic) failures.set(topic, match.join(':'));
    }
    return new FaultInjector(rules, failures);
  }

  static none(): FaultInjector {
    return new FaultInjector(new Map());
  }

  at(point: FaultPoint, topic: string): void {
    if (this.rules.get(topic) === point) process.kill(process.pid, 'SIGKILL');
  }

  /** Throws when a `fail-handler` rule matches this message. */
  failHandler(topic: string, value: Buffer | string | null): void {
    const match = this.failures.get(topic);
    if (match === undefined) return;
    const text = value === null ? '' : value.toString();
    if (text.includes(match)) throw new Error(`injected fault: the ${topic} handler failed (PARLEY_FAULT_INJECTION)`);
  }
}
