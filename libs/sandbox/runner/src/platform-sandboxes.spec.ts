import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startPlatformSandboxes, type PlatformSandboxes } from './index';

function postForm(url: string, form: Record<string, string>, ca: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const body = new URLSearchParams(form).toString();
    const request = https.request(url, { method: 'POST', ca, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('the platform sandboxes as npm run sandbox starts them', () => {
  let sandboxes: PlatformSandboxes;
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-sandbox-'));

  beforeAll(async () => {
    sandboxes = await startPlatformSandboxes();
  });
  afterAll(async () => {
    await sandboxes.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the CA and owner-only credentials that actually work against both sandboxes', async () => {
    const { caPath, credentialsPath } = sandboxes.writeFiles(dir);
    expect(statSync(credentialsPath).mode & 0o777).toBe(0o600);
    const credentials = JSON.parse(readFileSync(credentialsPath, 'utf8'));
    const ca = readFileSync(caPath, 'utf8');

    const auth = await fetch(`${credentials.slack.apiUrl}auth.test`, { method: 'POST', headers: { authorization: `Bearer ${credentials.slack.botToken}` } });
    expect(await auth.json()).toMatchObject({ ok: true, team_id: credentials.slack.teamId });

    const token = await postForm(
      credentials.graph.tokenEndpoint,
      { grant_type: 'client_credentials', client_id: credentials.graph.clientId, client_secret: credentials.graph.clientSecret, scope: 'https://graph.microsoft.com/.default' },
      ca,
    );
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({ token_type: 'Bearer' });
    const wrong = await postForm(credentials.graph.tokenEndpoint, { grant_type: 'client_credentials', client_id: credentials.graph.clientId, client_secret: 'wrong', scope: 'https://graph.microsoft.com/.default' }, ca);
    expect(wrong.status).toBe(401);
  });

  it('seeds one organization on both sides: the three people on both platforms exist in each', async () => {
    const { credentials } = sandboxes;
    const list = await fetch(`${credentials.slack.apiUrl}users.list?limit=200`, { headers: { authorization: `Bearer ${credentials.slack.botToken}` } });
    const emails = ((await list.json()) as { members: { profile: { email?: string } }[] }).members.map((m) => m.profile.email);
    expect(emails).toEqual(expect.arrayContaining(['both1@parley-demo.example', 'both2@parley-demo.example', 'both3@parley-demo.example']));
    expect(emails).not.toContain('sales01@parley-demo.example');
  });
});
