import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ServiceProcess } from '@parley/testing';

// What `npm start` runs: all six services in one process, no servers, the gateway answering on the printed URL.
// The environment is stripped to PATH, so nothing from the integration run (Kafka, PostgreSQL) can leak in.
describe('embedded mode (npm start)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-embedded-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

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
    } finally {
      await again.stop();
    }
  });
});
