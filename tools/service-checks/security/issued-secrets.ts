import type { PlatformSandboxes } from '@parley/sandbox-runner';

/** Key names under which the sandboxes keep what must stay secret: tokens, secrets, passwords, codes, client states. */
const SECRET_KEY = /token|secret|password|^code$|clientState/i;
/** Shorter values are kinds and flags (`bot`, `user`), not credentials; every issued credential is longer. */
const MIN_LENGTH = 12;

/**
 * Every secret the sandboxes hold or issued during the run, read from their own exported state: app secrets and
 * signing secrets, bot and user tokens, Graph access and refresh tokens and authorization codes, every account's
 * password (the guests' passwords Parley chose included), subscriptions' client states. What a scan for leaks looks for.
 */
export function issuedSecrets(sandboxes: PlatformSandboxes): string[] {
  const found = new Set<string>();
  const walk = (value: unknown, key: string): void => {
    if (typeof value === 'string') {
      if (SECRET_KEY.test(key) && value.length >= MIN_LENGTH) found.add(value);
      return;
    }
    if (Array.isArray(value)) {
      // Graph's passwords are [account, password] pairs.
      if (/passwords/i.test(key) && value.length === 2 && value.every((v) => typeof v === 'string')) {
        walk(value[1], 'password');
        return;
      }
      for (const item of value) walk(item, key);
      return;
    }
    if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(sandboxes.slack.exportState(), 'slack');
  walk(sandboxes.graph.exportState(), 'graph');
  return [...found];
}
