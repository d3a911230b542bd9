import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AdminApi } from '@parley/admin-client';
import { connectionRequests, type DemoCredentials } from '@parley/sandbox-runner';
import { ServiceProcess } from '@parley/testing';

// What `npm start` runs: all six services in one process, no servers, the gateway answering on the printed URL.
// The environment is stripped to PATH, so nothing from the integration run (Kafka, PostgreSQL) can leak in.
describe('embedded mode (npm start)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-embedded-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  let admin: AdminApi | undefined;
  let vaultKeys = '';

  it('starts all six services in one process, answers health and readiness, and stops cleanly', async () => {
    const parley = new ServiceProcess({ app: 'embedded', env: { HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', PARLEY_DATA_DIR: dataDir, SANDBOX_DIR: path.join(dataDir, 'sandbox'), SLACK_SANDBOX_PORT: '0', GRAPH_SANDBOX_PORT: '0' } }).start();
    try {
      const up = await parley.waitForLog((l) => l['msg'] === 'all services up', 120_000);
      const services = up['services'] as { name: string; url: string }[];
      expect(services.map((s) => s.name).sort()).toEqual(['gateway', 'identity', 'provisioning', 'relay', 'slack-connector', 'teams-connector']);
      for (const service of services) {
        expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
        const ready = await fetch(`${service.url}/readyz`);
        expect({ name: service.name, status: ready.status }).toEqual({ name: service.name, status: 200 });
      }
      // The sandboxes stand in for Slack and Teams, seeded, with credentials written for the demo to use.
      const sandboxes = up['sandboxes'] as { slack: string; credentials: string };
      const credentials = JSON.parse(readFileSync(sandboxes.credentials, 'utf8'));
      const auth = await fetch(`${credentials.slack.apiUrl}auth.test`, { method: 'POST', headers: { authorization: `Bearer ${credentials.slack.botToken}` } });
      expect(await auth.json()).toMatchObject({ ok: true });
      // The operator key lives in an owner-only file under the data folder and opens the admin API.
      const keyFile = String(up['operatorKeyFile']);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const gatewayUrl = services.find((s) => s.name === 'gateway')?.url;
      const created = await fetch(`${gatewayUrl}/v1/orgs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${readFileSync(keyFile, 'utf8').trim()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Embedded Org' }),
      });
      expect(created.status).toBe(201);
      expect(JSON.stringify(parley.lines)).not.toContain(readFileSync(keyFile, 'utf8').trim());

      // The whole Guest Account Sync in one process: in-process bus, PGlite shared by six services, in-memory limits.
      const { adminApiKey } = (await created.json()) as { adminApiKey: string };
      admin = new AdminApi(String(gatewayUrl), adminApiKey);
      const requests = connectionRequests(credentials as DemoCredentials);
      await admin.connect(requests.slack);
      await admin.connect(requests.teams);
      const sync = await admin.waitForSync((await admin.startSync('guest')).id, { timeoutMs: 120_000 });
      expect(sync).toMatchObject({ status: 'succeeded', total: 53, done: 53, created: 50, linked: 3, failed: 0 });
      // The secrets were sealed with a vault key kept owner-only in the data folder.
      const vaultFile = path.join(dataDir, 'vault-keys');
      expect(statSync(vaultFile).mode & 0o777).toBe(0o600);
      vaultKeys = readFileSync(vaultFile, 'utf8');
      expect(JSON.stringify(parley.lines)).not.toContain(vaultKeys.trim().split(':')[1]);
      parley.kill('SIGTERM');
      expect(await parley.waitForExit(30_000)).toEqual({ code: 0, signal: null });
    } finally {
      await parley.stop();
    }
  });

  it('keeps its data across restarts (the embedded database lives in PARLEY_DATA_DIR)', async () => {
    const again = new ServiceProcess({ app: 'embedded', env: { HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', PARLEY_DATA_DIR: dataDir, SANDBOX_DIR: path.join(dataDir, 'sandbox'), SLACK_SANDBOX_PORT: '0', GRAPH_SANDBOX_PORT: '0' } }).start();
    try {
      await again.waitForLog((l) => l['msg'] === 'all services up', 120_000);
      // Migrations ran on the first start; a second start must find them applied and log none.
      expect(again.lines.filter((l) => l['msg'] === 'applied migrations')).toEqual([]);
      // The same vault key, and the people of the first run, still there.
      expect(readFileSync(path.join(dataDir, 'vault-keys'), 'utf8')).toBe(vaultKeys);
      const up = again.lines.find((l) => l['msg'] === 'all services up') as { services: { name: string; url: string }[] };
      const gatewayUrl = String(up.services.find((s) => s.name === 'gateway')?.url);
      if (!admin) throw new Error('the first test did not get to create an org');
      expect(await admin.withBaseUrl(gatewayUrl).allPeople()).toHaveLength(55);
      // The sandboxes came back with what Parley made there, not seeded afresh.
      expect((again.lines.find((l) => l['msg'] === 'all services up') as { sandboxes: { restored: boolean } }).sandboxes.restored).toBe(true);
    } finally {
      await again.stop();
    }
  });

  it('warns when the data folder predates saved sandbox state (the platforms start afresh while the database remembers)', async () => {
    rmSync(path.join(dataDir, 'sandboxes'), { recursive: true, force: true });
    const third = new ServiceProcess({ app: 'embedded', env: { HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', PARLEY_DATA_DIR: dataDir, SANDBOX_DIR: path.join(dataDir, 'sandbox'), SLACK_SANDBOX_PORT: '0', GRAPH_SANDBOX_PORT: '0' } }).start();
    try {
      const up = await third.waitForLog((l) => l['msg'] === 'all services up', 120_000);
      expect((up as { sandboxes: { restored: boolean } }).sandboxes.restored).toBe(false);
      expect(third.lines.filter((l) => l['level'] === 'warn' && String(l['msg']).includes('predates saved sandbox state'))).toHaveLength(1);
    } finally {
      await third.stop();
    }
  });
});
