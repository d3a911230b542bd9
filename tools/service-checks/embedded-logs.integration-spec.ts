import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AdminApi } from '@parley/admin-client';
import { connectionRequests, type DemoCredentials } from '@parley/sandbox-runner';
import { duplicateJsonKeys, ServiceProcess } from '@parley/testing';

/** Nest's start-up chatter, which `npm start` printed at info (about 130 lines) and now prints at debug. */
const NEST_STARTUP = ['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication', 'NestMicroservice'];
const SEVERITY = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

// What a log pipeline reads from `npm start | ...`: stdout is not a terminal, so every line must be JSON with each
// key once. The raw text is checked, because JSON.parse silently keeps the last of two `service` keys.
describe('embedded mode logs (stdout not a terminal)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-embedded-logs-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('writes JSON lines with unique keys from every service through a whole guest sync, and Nest start-up chatter at debug', async () => {
    const parley = new ServiceProcess({
      app: 'embedded',
      env: {
        LOG_LEVEL: 'debug',
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: '0',
        PARLEY_DATA_DIR: dataDir,
        SANDBOX_DIR: path.join(dataDir, 'sandbox'),
        SLACK_SANDBOX_PORT: '0',
        GRAPH_SANDBOX_PORT: '0',
      },
    }).start();
    try {
      const up = await parley.waitForLog((l) => l['msg'] === 'all services up', 180_000);
      const startup = parley.rawLines.length;
      const gatewayUrl = String((up['services'] as { name: string; url: string }[]).find((s) => s.name === 'gateway')?.url);
      const operatorKey = readFileSync(String(up['operatorKeyFile']), 'utf8').trim();
      const created = await fetch(`${gatewayUrl}/v1/orgs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Log Check Org' }),
      });
      const admin = new AdminApi(gatewayUrl, ((await created.json()) as { adminApiKey: string }).adminApiKey);
      const credentials = JSON.parse(readFileSync((up['sandboxes'] as { credentials: string }).credentials, 'utf8')) as DemoCredentials;
      const requests = connectionRequests(credentials);
      await admin.connect(requests.slack);
      await admin.connect(requests.teams);
      const sync = await admin.waitForSync((await admin.startSync('guest')).id, { timeoutMs: 180_000 });
      expect(sync).toMatchObject({ status: 'succeeded' });
      parley.kill('SIGTERM');
      expect(await parley.waitForExit(30_000)).toEqual({ code: 0, signal: null });

      const lines = parley.rawLines;
      expect(lines.length).toBeGreaterThan(startup);
      // Only JSON on stdout (the banner for people is printed at a terminal only).
      expect(lines.filter((line) => !isJson(line))).toEqual([]);
      const repeated = lines.map((line) => ({ line, keys: duplicateJsonKeys(line) })).filter((l) => l.keys.length > 0);
      expect(repeated.slice(0, 3)).toEqual([]);
      // Every service wrote lines of its own, each naming itself once.
      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect([...new Set(entries.map((e) => e['service']))].sort()).toEqual(['gateway', 'identity', 'parley-embedded', 'provisioning', 'relay', 'slack-connector', 'teams-connector']);

      // Route mapping and module loading are there at debug, and none of it at info or above.
      const chatter = entries.filter((e) => NEST_STARTUP.includes(String(e['nest'])));
      expect(chatter.filter((e) => e['nest'] === 'RouterExplorer').length).toBeGreaterThan(30);
      expect(chatter.filter((e) => e['level'] !== 'debug')).toEqual([]);
      // What an operator sees at the default level while starting: a line per service's migrations and "all services up".
      const atInfo = entries.slice(0, startup).filter((e) => SEVERITY.indexOf(String(e['level'])) >= SEVERITY.indexOf('info'));
      expect(atInfo.length).toBeLessThanOrEqual(10);
    } finally {
      await parley.stop();
    }
  });
});

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}
