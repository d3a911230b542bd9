import { SeededRandom } from '@parley/sandbox-seed';

export interface IdPosition {
  readonly random: number;
  readonly lastTsMicros: number;
}

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/**
 * Deterministic identifiers: the same seed and the same sequence of creations give the same ids and tokens, so the
 * demo credentials file and test expectations stay stable across runs.
 */
export class IdFactory {
  private generator: SeededRandom;
  private lastTsMicros = 0;

  constructor(private readonly seed: number) {
    this.generator = new SeededRandom(seed);
  }

  reset(): void {
    this.generator = new SeededRandom(this.seed);
    this.lastTsMicros = 0;
  }

  /** Where the sequence stands, so a restarted sandbox goes on from there instead of handing out the same ids again. */
  get position(): IdPosition {
    return { random: this.generator.state, lastTsMicros: this.lastTsMicros };
  }

  resume(position: IdPosition): void {
    this.generator = new SeededRandom(position.random);
    this.lastTsMicros = position.lastTsMicros;
  }

  private random(): number {
    return this.generator.next();
  }

  /** A Slack-style id: prefix + 10 upper-case alphanumerics (U0123ABCDE...). */
  id(prefix: string): string {
    let out = prefix;
    for (let i = 0; i < 10; i++) out += ALPHABET[Math.floor(this.random() * ALPHABET.length)];
    return out;
  }

  secret(length = 32): string {
    let out = '';
    for (let i = 0; i < length; i++) out += '0123456789abcdef'[Math.floor(this.random() * 16)];
    return out;
  }

  digits(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += String(Math.floor(this.random() * 10));
    return out;
  }

  /**
   * A message timestamp: wall-clock seconds with six decimals, strictly increasing across the sandbox so every ts is
   * unique within its channel (Slack's message id) and later messages sort after earlier ones.
   */
  ts(): string {
    const micros = Math.max(Date.now() * 1000, this.lastTsMicros + 1);
    this.lastTsMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
