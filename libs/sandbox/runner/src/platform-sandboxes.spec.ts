import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectionRequests, startPlatformSandboxes, type PlatformSandboxes } from './index';

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
    // The app-level token works for apps.event.authorizations.list; the client credentials are the app's (a made-up
    // code is what oauth.v2.access refuses), and the Slack connection an admin sends carries them for people's consent.
    const authorizations = await fetch(`${credentials.slack.apiUrl}apps.event.authorizations.list`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credentials.slack.appToken}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ event_context: 'unknown' }).toString(),
    });
    expect(await authorizations.json()).not.toMatchObject({ error: expect.stringMatching(/auth|token/) });
    const exchange = await fetch(`${credentials.slack.apiUrl}oauth.v2.access`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: credentials.slack.clientId, client_secret: credentials.slack.clientSecret, code: 'made-up' }).toString(),
    });
    expect(await exchange.json()).toEqual({ ok: false, error: 'invalid_code' });
    expect(connectionRequests(credentials).slack).toMatchObject({ clientId: credentials.slack.clientId, clientSecret: credentials.slack.clientSecret });

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

describe('the platform sandboxes with a state folder, as npm start runs them', () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'parley-sandbox-state-'));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  const scim = (credentials: PlatformSandboxes['credentials'], method: string, suffix = '', body?: unknown) =>
    fetch(`${credentials.slack.scimUrl}/Users${suffix}`, {
      method,
      headers: { authorization: `Bearer ${credentials.slack.scimToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const appToken = async (credentials: PlatformSandboxes['credentials'], ca: string) =>
    String(
      (
        await postForm(
          credentials.graph.tokenEndpoint,
          { grant_type: 'client_credentials', client_id: credentials.graph.clientId, client_secret: credentials.graph.clientSecret, scope: 'https://graph.microsoft.com/.default' },
          ca,
        )
      ).body['access_token'],
    );
  function graphGet(url: string, token: string, ca: string): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      https
        .get(url, { ca, headers: { authorization: `Bearer ${token}` } }, (response) => {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
        })
        .on('error', reject);
    });
  }

  it('keeps both platforms, their CA and the credentials they issued across a restart, saved before each answer', async () => {
    const first = await startPlatformSandboxes({ stateDir });
    let mirrorId = '';
    let token = '';
    try {
      expect(first.restored).toBe(false);
      const created = await scim(first.credentials, 'POST', '', { userName: 'sales01', emails: [{ value: 'sales01@parley-demo.example', primary: true }] });
      expect(created.status).toBe(201);
      mirrorId = String(((await created.json()) as { id: string }).id);
      // Answered only once on disk: the file already holds the new account while the sandbox is still running.
      expect(readFileSync(path.join(stateDir, 'slack.json'), 'utf8')).toContain(mirrorId);
      token = await appToken(first.credentials, first.graph.caPem);
      expect(readFileSync(path.join(stateDir, 'graph.json'), 'utf8')).toContain(token);
      for (const file of ['slack.json', 'graph.json', 'graph-tls.json']) expect(statSync(path.join(stateDir, file)).mode & 0o777).toBe(0o600);
    } finally {
      await first.stop();
    }

    // npm start keeps its ports: the same ones again, so the credentials file comes out identical.
    const again = await startPlatformSandboxes({ stateDir, slackPort: first.slack.port, graphPort: first.graph.port });
    try {
      expect(again.restored).toBe(true);
      expect(again.graph.caPem).toBe(first.graph.caPem);
      expect(again.credentials).toEqual(first.credentials);
      // The account made before the restart is still there, and the next one gets a new id, not a reissued one.
      expect((await scim(again.credentials, 'GET', `/${mirrorId}`)).status).toBe(200);
      const next = await scim(again.credentials, 'POST', '', { userName: 'sales02', emails: [{ value: 'sales02@parley-demo.example', primary: true }] });
      expect(((await next.json()) as { id: string }).id).not.toBe(mirrorId);
      // A token issued before the restart still opens Graph, trusted through the same CA.
      const users = await graphGet(`${again.credentials.graph.graphUrl}/users?$top=5`, token, first.graph.caPem);
      expect(users.status).toBe(200);
    } finally {
      await again.stop();
    }
  });

  it('starts in memory, seeded afresh, without a state folder (npm run sandbox and tests)', async () => {
    const plain = await startPlatformSandboxes();
    try {
      expect(plain.restored).toBe(false);
      const created = await scim(plain.credentials, 'POST', '', { userName: 'sales01', emails: [{ value: 'sales01@parley-demo.example', primary: true }] });
      expect(created.status).toBe(201);
    } finally {
      await plain.stop();
    }
  });
});
