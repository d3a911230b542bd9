/**
 * Chaos hook for crash-safety tests: `PARLEY_FAULT_INJECTION=crash-after-effect:<topic>` kills the process with
 * SIGKILL right after a handler's effect and before its offset is committed; `crash-before-effect:<topic>` kills it
 * before the handler runs. Unset in every real deployment; read once at start so it costs nothing per message.
 */
export type FaultPoint = 'crash-before-effect' | 'crash-after-effect';

export class FaultInjector {
  private constructor(private readonly rules: ReadonlyMap<string, FaultPoint>) {}

  static fromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): FaultInjector {
    const rules = new Map<string, FaultPoint>();
    for (const rule of (env['PARLEY_FAULT_INJECTION'] ?? '').split(',').filter(Boolean)) {
      const [point, topic] = rule.split(':');
      if ((point === 'crash-before-effect' || point === 'crash-after-effect') && topic) rules.set(topic, point);
    }
    return new FaultInjector(rules);
  }

  static none(): FaultInjector {
    return new FaultInjector(new Map());
  }

  at(point: FaultPoint, topic: string): void {
    if (this.rules.get(topic) === point) process.kill(process.pid, 'SIGKILL');
  }
}
