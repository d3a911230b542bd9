import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface ServiceProcessOptions {
  /** An app under apps/, run from its compiled dist/ output (`npm test` builds first). */
  readonly app: string;
  /** Another compiled script under dist/ to run instead of the app's main.js (e.g. `tools/demo/demo.js`). */
  readonly script?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Node's own flags for the child (e.g. `--cpu-prof`, which NODE_OPTIONS does not accept). */
  readonly nodeArguments?: readonly string[];
}

/** The workspace root (where nx.json is), whether this file runs from its source or from dist/. */
function workspaceRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'nx.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no nx.json above ${from}`);
  }
}

const root = workspaceRoot(__dirname);

/** One Parley service as a real child process, with its JSON log lines kept for assertions. */
export class ServiceProcess {
  readonly lines: Record<string, unknown>[] = [];
  /** stdout as written, one entry per line: what a log pipeline reads (JSON.parse hides a repeated key). */
  readonly rawLines: string[] = [];
  readonly stderr: string[] = [];
  private child?: ChildProcess;
  private exit?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(private readonly options: ServiceProcessOptions) {}

  get app(): string {
    return this.options.app;
  }

  start(): this {
    const entry = this.options.script ? path.join(root, 'dist', this.options.script) : path.join(root, 'dist', 'apps', this.options.app, 'src', 'main.js');
    const child = spawn(process.execPath, ['--enable-source-maps', ...(this.options.nodeArguments ?? []), entry], {
      cwd: this.options.cwd ?? root,
      env: { PATH: process.env['PATH'] ?? '', ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts.filter(Boolean)) {
        this.rawLines.push(line);
        try {
          this.lines.push(JSON.parse(line));
        } catch {
          this.lines.push({ msg: line, unparsed: true });
        }
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString('utf8')));
    this.exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    return this;
  }

  /** True once the process has exited (or was never started). */
  get exited(): boolean {
    return !this.child || this.child.exitCode !== null || this.child.signalCode !== null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.lines.find(match);
      if (found) return found;
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${this.options.app}: no matching log line within ${timeoutMs} ms\n${this.describe()}`);
  }

  async waitForExit(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.exit) throw new Error('not started');
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.exit,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${this.options.app} did not exit within ${timeoutMs} ms\n${this.describe()}`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child?.kill(signal);
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.kill('SIGTERM');
    try {
      await this.waitForExit(20_000);
    } catch {
      this.kill('SIGKILL');
      await this.waitForExit(5_000);
    }
  }

  describe(): string {
    const tail = this.lines.slice(-20).map((l) => JSON.stringify(l));
    return [`stdout (last 20):`, ...tail, `stderr:`, this.stderr.join('').slice(-2_000)].join('\n');
  }
}
