import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePorts, ServiceProcess } from '@parley/testing';

/** The lines a run printed (the demos print plain text). */
const textOf = (process: ServiceProcess): string[] => process.lines.map((l) => String(l['msg']));

/**
 * Issue 9's embedded acceptance: `npm start`, `npm run demo`, then `npm run demo:relay`, as child processes. The relay
 * demo plays Ada on Slack and Frances on Teams through the sandboxes' own APIs and reads what each of them sees as
 * that person; it exits 1 unless the DM arrives on Teams from Ada's guest, the answer arrives in the same Slack DM
 * from Frances's Slack account, the edit and the delete follow, and the admin API lists every message delivered.
 * A second run reuses the conversation (one twin per DM) and Frances's consent.
 */
describe('embedded mode relays a DM both ways (npm start, npm run demo, npm run demo:relay)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-relay-demo-'));
  const sandboxDir = path.join(dataDir, 'sandbox-files');
  let env: Record<string, string>;
  let parley: ServiceProcess | undefined;

  beforeAll(async () => {
    const [http, slack, graph] = await freePorts(3);
    env = {
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(http),
      SLACK_SANDBOX_PORT: String(slack),
      GRAPH_SANDBOX_PORT: String(graph),
      PARLEY_DATA_DIR: dataDir,
      SANDBOX_DIR: sandboxDir,
    };
    parley = new ServiceProcess({ app: 'embedded', env }).start();
    await parley.waitForLog((l) => l['msg'] === 'all services up', 180_000);
  }, 240_000);
  afterAll(async () => {
    await parley?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function run(script: string, timeoutMs: number): Promise<string> {
    const child = new ServiceProcess({
      app: script,
      script: `tools/demo/${script}.js`,
      env: { PARLEY_URL: `http://127.0.0.1:${env['HTTP_PORT']}`, PARLEY_DATA_DIR: dataDir, SANDBOX_DIR: sandboxDir },
    }).start();
    const exit = await child.waitForExit(timeoutMs);
    const output = textOf(child).join('\n');
    if (exit.code !== 0) throw new Error(`${script} exited ${JSON.stringify(exit)}:\n${output}\n${child.stderr.join('')}\n${parley?.describe() ?? ''}`);
    return output;
  }

  it('carries the DM, the answer, the edit and the delete, and shows each message delivered', async () => {
    await run('demo', 240_000);
    const output = await run('relay-demo', 240_000);
    expect(output).toMatch(/Slack's authorize page approved; the gateway answered 200/);
    expect(output).toMatch(/from Ada Lovelace: Hi Frances, <strong>the build is green<\/strong> 🎉/);
    expect(output).toMatch(/Thanks Ada! \*Shipping it\*/);
    expect(output).toMatch(/Teams shows it deleted/);
    const states = output.split('\n').filter((line) => /^\s+from (slack|teams) /.test(line));
    expect(states).toHaveLength(2);
    expect(states.every((line) => line.includes(': delivered as '))).toBe(true);
  }, 600_000);

  it('a second run uses the same twin and the consent already given', async () => {
    const output = await run('relay-demo', 240_000);
    expect(output).toMatch(/already given in an earlier run/);
    const twins = output.split('\n').filter((line) => /^\s+dm [0-9a-f-]{36}: Slack /.test(line));
    expect(twins).toHaveLength(1);
    const states = output.split('\n').filter((line) => /^\s+from (slack|teams) /.test(line));
    expect(states).toHaveLength(4);
    expect(states.every((line) => line.includes(': delivered as '))).toBe(true);
  }, 300_000);
});
