import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AdminApi, rememberedOrganization, rememberedOrgFile } from '@parley/admin-client';
import type { DemoCredentials } from '@parley/sandbox-runner';
import { demoOrganization } from '@parley/sandbox-seed';
import { freePorts, ServiceProcess } from '@parley/testing';
import { PlatformProbe } from './guest-sync/platform-probe';

const demo = demoOrganization();
const slackOnly = demo.people.filter((p) => p.slack && !p.teams && !p.bot && !p.deactivated);
const teamsOnly = demo.people.filter((p) => p.teams && !p.slack && !p.deactivated);

/** The lines a run printed (the demo prints plain text, the launcher JSON). */
const textOf = (process: ServiceProcess): string[] => process.lines.map((l) => String(l['msg']));

/**
 * Issue 8, item 1: what a newcomer does on a fresh clone, with the real launcher and the real demo as child processes:
 * `npm start`, `npm run demo`, Ctrl-C, `npm start`, `npm run demo`, `npm run demo`. Every run must end `succeeded`,
 * and the platforms (asked through Graph and Slack SCIM, not Parley) must then hold exactly 25 guests and 25 mirrors.
 */
describe('the newcomer sequence: start, demo, stop, start, demo, demo', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-newcomer-'));
  const sandboxDir = path.join(dataDir, 'sandbox-files');
  let env: Record<string, string>;
  let parley: ServiceProcess | undefined;
  const demoRuns: string[][] = [];

  beforeAll(async () => {
    // `npm start` keeps its ports across restarts, so the test picks them once, distinct from each other.
    const [http, slack, graph] = await freePorts(3);
    env = {
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(http),
      SLACK_SANDBOX_PORT: String(slack),
      GRAPH_SANDBOX_PORT: String(graph),
      PARLEY_DATA_DIR: dataDir,
      SANDBOX_DIR: sandboxDir,
    };
  });
  afterAll(async () => {
    await parley?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<void> {
    parley = new ServiceProcess({ app: 'embedded', env }).start();
    await parley.waitForLog((l) => l['msg'] === 'all services up', 180_000);
  }

  async function stopWithCtrlC(): Promise<void> {
    parley?.kill('SIGINT');
    expect(await parley?.waitForExit(60_000)).toEqual({ code: 0, signal: null });
  }

  /** `npm run demo` against the running launcher; it must exit 0 with both of its syncs `succeeded`. */
  async function runDemo(): Promise<string[]> {
    const run = new ServiceProcess({
      app: 'demo',
      script: 'tools/demo/demo.js',
      env: { PARLEY_URL: `http://127.0.0.1:${env['HTTP_PORT']}`, PARLEY_DATA_DIR: dataDir, SANDBOX_DIR: sandboxDir },
    }).start();
    const exit = await run.waitForExit(200_000);
    const output = textOf(run);
    // Each sync's progress ends on its final status line; both syncs of a run must end `succeeded`.
    const ends = output.filter((line) => /^\s+(succeeded|partially_failed|failed)\s/.test(line)).map((line) => line.trim().split(/\s+/)[0]);
    if (exit.code !== 0 || ends.join() !== 'succeeded,succeeded') {
      throw new Error(`demo run ${demoRuns.length + 1} exited ${JSON.stringify(exit)}, syncs ended ${JSON.stringify(ends)}:\n${output.join('\n')}\n${run.stderr.join('')}`);
    }
    demoRuns.push(output);
    return output;
  }

  it('first start and first demo: a new organization, both platforms connected, the sync succeeds', async () => {
    await start();
    const output = await runDemo();
    expect(output.join('\n')).toMatch(/created 50/);
  });

  it('after Ctrl-C and a second start, the demo reuses its organization and connections and succeeds', async () => {
    await stopWithCtrlC();
    await start();
    const output = (await runDemo()).join('\n');
    expect(output).toMatch(/reusing the demo organization/i);
    expect(output).toMatch(/reusing the Slack connection/i);
    expect(output).toMatch(/reusing the Teams connection/i);
  });

  it('a third demo on the same start succeeds too', async () => {
    const output = (await runDemo()).join('\n');
    expect(output).toMatch(/reusing the demo organization/i);
  });

  it('the platforms hold exactly 25 guests and 25 mirrors, counted through Graph and Slack SCIM', async () => {
    const credentials = JSON.parse(readFileSync(path.join(sandboxDir, 'demo-credentials.json'), 'utf8')) as DemoCredentials;
    const caPem = readFileSync(path.join(sandboxDir, 'ca.pem'), 'utf8');
    const probe = new PlatformProbe({ credentials, graph: { caPem } }, credentials);
    try {
      // A guest's mail is its home account's, so guests are told apart by the person's name: one each, no more.
      const guests = await probe.guests();
      expect(guests.map((g) => g.displayName).sort()).toEqual(slackOnly.map((p) => p.realName).sort());
      const seededOnSlack = new Set(demo.people.filter((p) => p.slack).map((p) => p.email));
      const mirrors = (await probe.scimUsers()).filter((u) => !u.emails.some((e) => seededOnSlack.has(e.value)));
      expect(mirrors.map((m) => m.emails[0]?.value).sort()).toEqual(teamsOnly.map((p) => p.email).sort());
      expect(mirrors.every((m) => m.active)).toBe(true);
    } finally {
      await probe.close();
    }
  });

  it('forgets a remembered organization Parley no longer knows (its data was reset), says why, and remembers the new one', async () => {
    const file = rememberedOrgFile(dataDir);
    const remembered = JSON.parse(readFileSync(file, 'utf8')) as { id: string; name: string; adminApiKey: string };
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // What a reset database leaves behind: a key Parley has never heard of.
    writeFileSync(file, JSON.stringify({ ...remembered, adminApiKey: `${remembered.adminApiKey.slice(0, 4)}${'x'.repeat(40)}` }), { mode: 0o600 });
    const operator = new AdminApi(`http://127.0.0.1:${env['HTTP_PORT']}`, readFileSync(path.join(dataDir, 'operator-api-key'), 'utf8').trim());
    const fresh = await rememberedOrganization(operator, file, 'Parley Demo');
    expect(fresh).toMatchObject({ reused: false, forgotten: expect.stringContaining(`no longer knows the organization ${remembered.id}`) });
    expect(fresh.id).not.toBe(remembered.id);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ id: fresh.id, adminApiKey: fresh.adminApiKey });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await rememberedOrganization(operator, file, 'Parley Demo')).toMatchObject({ id: fresh.id, reused: true });
  });
});
