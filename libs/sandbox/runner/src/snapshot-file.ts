import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import path from 'node:path';

/**
 * Replaces `file` with `text` so that a crash at any moment leaves either the old or the new content, never a torn
 * mix: write a temporary file next to it, flush it to disk, rename it over the old one, flush the directory entry.
 * Owner-only: the sandboxes' state holds every token and password they issued.
 */
export async function writeFileDurably(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  await syncDirectory(path.dirname(file));
}

async function syncDirectory(directory: string): Promise<void> {
  // The rename is only durable once the directory is; Windows cannot open a directory for that and needs no flush.
  if (process.platform === 'win32') return;
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A saved snapshot, or undefined when there is none yet; an unreadable one stops the start with what to do. */
export function readSnapshot<T>(file: string, what: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new Error(`${what} saved in ${file} cannot be read (${error instanceof Error ? error.message : String(error)}); move the file away to start that sandbox afresh`);
  }
}

/**
 * Saves a snapshot of live state to one file, coalescing requests (group commit): a save asked for while a write is
 * under way waits for the next write, which captures the state as it is when it starts, so one write covers every
 * change made before it. Unchanged state is not written again.
 */
export class SnapshotFile {
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private written: string | undefined;

  constructor(
    readonly file: string,
    private readonly capture: () => unknown,
  ) {}

  /** Resolves once everything changed before this call is on disk. */
  save(): Promise<void> {
    if (!this.queued) {
      const next = this.chain.then(() => this.writeNow());
      this.queued = next;
      this.chain = next.catch(() => undefined);
    }
    return this.queued;
  }

  private async writeNow(): Promise<void> {
    // Saves asked for from here on may follow changes this capture misses: they queue the next write.
    this.queued = undefined;
    const text = `${JSON.stringify(this.capture())}\n`;
    if (text === this.written) return;
    await writeFileDurably(this.file, text);
    this.written = text;
  }
}
