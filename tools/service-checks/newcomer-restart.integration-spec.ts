import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AdminApi, rememberedOrganization, rememberedOrgFile } from '@parley/admin-client';
import type { DemoCredentials } from '@parley/sandbox-runner';
import { demoOrganization } from '@parley/sandbox-seed';
import { EmbeddedLauncher } from './embedded-launcher';
import { PlatformProbe } from './guest-sync/platform-probe';

const demo = demoOrganization();
const slackOnly = demo.people.filter((p) => p.slack && !p.teams && !p.bot && !p.deactivated);
const teamsOnly = demo.people.filter((p) => p.teams && !p.slack && !p.deactivated);

/**
 * Issue 8, item 1: what a newcomer does on a fresh clone, with the real launcher and the real demo as child processes:
 * `npm start`, `npm run demo`, Ctrl-C, `npm start`, `npm run demo`, `npm run demo`. Every run must end `succeeded`,
 * and the platforms (asked through Graph and Slack SCIM, not Parley) must then hold exactly 25 guests and 25 mirrors.
 */
describe('the newcomer sequence: start, demo, stop, start, demo, demo', () => {
  let parley: EmbeddedLauncher;
  let dataDir: string;
  let sandboxDir: string;
  const demoRuns: string[][] = [];

  beforeAll(async () => {
    parley = await EmbeddedLauncher.create();
    ({ dataDir, sandboxDir } = parley);
  });
  afterAll(async () => {
    await parley?.stop();
  });

  const start = () => parley.start();

  async function stopWithCtrlC(): Promise<void> {
    expect(await parley.interrupt()).toEqual({ code: 0, signal: null });
  }

  /** `npm run demo` against the running launcher; it must exit 0 with both of its syncs `succeeded`. */
  async function runDemo(): Promise<string[]> {
    const run = await parley.runTool('demo', 200_000);
    const output = run.lines;
    // Each sync's progress ends on its final status line; both syncs of a run must end `succeeded`.
    const ends = output.filter((line) => /^\s+(succeeded|partially_failed|failed)\s/.test(line)).map((line) => line.trim().split(/\s+/)[0]);
    if (run.exit.code !== 0 || ends.join() !== 'succeeded,succeeded') {
      throw new Error(`demo run ${demoRuns.length + 1} exited ${JSON.stringify(run.exit)}, syncs ended ${JSON.stringify(ends)}:\n${run.describe()}`);
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
    const operator = new AdminApi(parley.url, readFileSync(path.join(dataDir, 'operator-api-key'), 'utf8').trim());
    const fresh = await rememberedOrganization(operator, file, 'Parley Demo');
    expect(fresh).toMatchObject({ reused: false, forgotten: expect.stringContaining(`no longer knows the organization ${remembered.id}`) });
    expect(fresh.id).not.toBe(remembered.id);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ id: fresh.id, adminApiKey: fresh.adminApiKey });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await rememberedOrganization(operator, file, 'Parley Demo')).toMatchObject({ id: fresh.id, reused: true });
  });
});
