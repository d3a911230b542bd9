import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePorts, ServiceProcess } from '@parley/testing';

/**
 * What a newcomer runs, as child processes: `npm start` (the embedded launcher) in a data folder of its own, and the
 * README's tools (`npm run demo`, `npm run demo:relay`) against it. The ports are picked once and kept across
 * restarts, as `npm start` keeps them.
 */
type Exit = { code: number | null; signal: NodeJS.Signals | null };

export class EmbeddedLauncher {
  private process?: ServiceProcess;

  private constructor(
    readonly dataDir: string,
    readonly env: Readonly<Record<string, string>>,
  ) {}

  static async create(): Promise<EmbeddedLauncher> {
    const [http, slack, graph] = await freePorts(3);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-embedded-'));
    return new EmbeddedLauncher(dataDir, {
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(http),
      SLACK_SANDBOX_PORT: String(slack),
      GRAPH_SANDBOX_PORT: String(graph),
      PARLEY_DATA_DIR: dataDir,
      SANDBOX_DIR: path.join(dataDir, 'sandbox-files'),
    });
  }

  get sandboxDir(): string {
    return this.env['SANDBOX_DIR'] as string;
  }

  get url(): string {
    return `http://127.0.0.1:${this.env['HTTP_PORT']}`;
  }

  get running(): ServiceProcess | undefined {
    return this.process;
  }

  /** `npm start`, until it says every service is up. */
  async start(): Promise<void> {
    this.process = new ServiceProcess({ app: 'embedded', env: { ...this.env } }).start();
    await this.process.waitForLog((l) => l['msg'] === 'all services up', 180_000);
  }

  /** Ctrl-C: the launcher must exit 0. */
  async interrupt(): Promise<Exit | undefined> {
    this.process?.kill('SIGINT');
    return this.process?.waitForExit(60_000);
  }

  /** A README tool (`tools/demo/<script>.js`) against the running launcher: its exit and the lines it printed. */
  async runTool(script: string, timeoutMs: number): Promise<{ exit: Exit; lines: string[]; describe: () => string }> {
    const run = new ServiceProcess({
      app: script,
      script: `tools/demo/${script}.js`,
      env: { PARLEY_URL: this.url, PARLEY_DATA_DIR: this.dataDir, SANDBOX_DIR: this.sandboxDir },
    }).start();
    const exit = await run.waitForExit(timeoutMs);
    const lines = run.lines.map((l) => String(l['msg']));
    return { exit, lines, describe: () => `${lines.join('\n')}\n${run.stderr.join('')}\n${this.process?.describe() ?? ''}` };
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
