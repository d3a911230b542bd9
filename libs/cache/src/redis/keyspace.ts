const PREFIX_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

export type KeyKind = 'ratelimit' | 'window' | 'lock' | 'dedupe';

/** Every key this lib writes is `parley:<prefix>:<kind>:<name>`, so services and test runs never collide. */
export class Keyspace {
  readonly root: string;

  constructor(prefix: string) {
    if (!PREFIX_PATTERN.test(prefix)) {
      throw new TypeError(`Redis key prefix must be lowercase letters, digits, ".", "_" or "-", got "${prefix}"`);
    }
    this.root = `parley:${prefix}:`;
  }

  key(kind: KeyKind, name: string): string {
    return `${this.root}${kind}:${name}`;
  }
}
