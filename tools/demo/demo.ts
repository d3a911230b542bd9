import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ConnectionView, PersonView, UserSyncView } from '@parley/internal-api';
import { connectionRequests, type DemoCredentials } from '@parley/sandbox-runner';
import { AdminApi, ApiProblem, rememberedOrganization, rememberedOrgFile } from '@parley/admin-client';

/**
 * `npm run demo`: the Guest Account Sync story through the public API of a running `npm start`, step by step.
 * Reads the operator key and the sandboxes' credentials from the files the embedded launcher wrote. It can run any
 * number of times: it remembers its organization (and that organization's key) in the data folder and reuses it and
 * its connections, so the platforms keep one guest and one mirror per person.
 */
const gatewayUrl = (process.env['PARLEY_URL'] ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
const dataDir = process.env['PARLEY_DATA_DIR'] ?? path.join(process.cwd(), '.parley', 'embedded');
const sandboxDir = process.env['SANDBOX_DIR'] ?? path.join(process.cwd(), '.sandbox');

const say = (text: string) => process.stdout.write(`${text}\n`);
const step = (n: number, text: string) => say(`\n${n}. ${text}`);

function readOrExplain(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${what} not found at ${file}: start Parley first with \`npm start\` (in another terminal) and run the demo from the same folder`);
  }
}

function describeSync(sync: UserSyncView): string {
  return `${sync.status.padEnd(16)} ${sync.phase.padEnd(12)} ${sync.done}/${sync.total} done · created ${sync.created} · linked ${sync.linked} · unchanged ${sync.unchanged} · disabled ${sync.disabled} · failed ${sync.failed}`;
}

function describePerson(person: PersonView): string {
  const accounts = person.accounts
    .map((a) => `${a.platform}:${a.kind}${a.status === 'active' ? '' : `(${a.status}${a.attentionReason ? `: ${a.attentionReason}` : ''})`}`)
    .join(' ');
  return `  ${person.displayName.padEnd(22)} ${person.email.padEnd(34)} primary ${String(person.primaryPlatform).padEnd(6)} ${person.status.padEnd(11)} ${accounts}`;
}

/**
 * The demo's connection to one platform: the one its organization already has for this workspace or tenant, or a new
 * one. A connection that points at the sandbox's old address (its port changed) is replaced.
 */
async function connectOnce(admin: AdminApi, label: string, input: Record<string, unknown>, existing: ConnectionView | undefined, sameAddress: (c: ConnectionView) => boolean): Promise<ConnectionView> {
  if (existing && sameAddress(existing)) {
    say(`   reusing the ${label} connection ${existing.id} made by an earlier run: ${JSON.stringify(existing.settings)}`);
    return existing;
  }
  if (existing) {
    say(`   the ${label} sandbox has moved since connection ${existing.id} was made: disconnecting it and connecting again`);
    await admin.expect(204, 'DELETE', `/v1/connections/${existing.id}`);
  }
  const made = await admin.connect(input);
  say(`   connected ${made.id}: ${JSON.stringify(made.settings)}`);
  return made;
}

async function main(): Promise<void> {
  const operatorKey = readOrExplain(path.join(dataDir, 'operator-api-key'), 'the operator API key').trim();
  const credentials = JSON.parse(readOrExplain(path.join(sandboxDir, 'demo-credentials.json'), 'the sandbox credentials')) as DemoCredentials;
  const operator = new AdminApi(gatewayUrl, operatorKey);
  say(`Parley demo against ${gatewayUrl}`);

  step(1, 'The demo organization (operator key)');
  const org = await rememberedOrganization(operator, rememberedOrgFile(dataDir), 'Parley Demo');
  if (org.forgotten) say(`   ${org.forgotten}: making a new one`);
  if (org.reused) say(`   reusing the demo organization ${org.id} "${org.name}" made by an earlier run (its admin key is kept owner-only in ${rememberedOrgFile(dataDir)})`);
  else say(`   created org ${org.id} "${org.name}"; its admin API key, shown once, is kept owner-only in ${rememberedOrgFile(dataDir)} for the next run`);
  const admin = operator.withKey(org.adminApiKey);

  const connections = connectionRequests(credentials);
  const existing = (await admin.expect<{ items: ConnectionView[] }>(200, 'GET', '/v1/connections')).items;
  step(2, 'Connect the Slack workspace (the Slack sandbox)');
  const slackSettings = (c: ConnectionView) => (c.settings.platform === 'slack' ? c.settings : undefined);
  await connectOnce(
    admin,
    'Slack',
    connections.slack,
    existing.find((c) => slackSettings(c)?.teamId === credentials.slack.teamId),
    (c) => slackSettings(c)?.apiUrl === credentials.slack.apiUrl && slackSettings(c)?.scimUrl === credentials.slack.scimUrl,
  );
  step(3, 'Connect the Microsoft 365 tenant (the Graph sandbox)');
  const teamsSettings = (c: ConnectionView) => (c.settings.platform === 'teams' ? c.settings : undefined);
  await connectOnce(
    admin,
    'Teams',
    connections.teams,
    existing.find((c) => teamsSettings(c)?.tenantId === credentials.graph.customerTenantId),
    (c) => teamsSettings(c)?.authorityUrl === credentials.graph.authorityUrl && teamsSettings(c)?.graphUrl === credentials.graph.graphUrl,
  );

  step(4, 'A wrong secret is refused before anything is stored');
  const wrong = await admin.request<Record<string, unknown>>('POST', '/v1/connections', { ...connections.teams, clientSecret: 'not-the-secret' });
  say(`   ${wrong.status} ${String(wrong.body?.['title'])}: ${JSON.stringify(wrong.body?.['errors'] ?? wrong.body?.['detail'])}`);

  step(5, org.reused ? 'Run a Guest Account Sync (everyone is already represented: nothing new should be created)' : 'Run a Guest Account Sync');
  const started = await admin.startSync('guest');
  say(`   ${started.id} accepted (${started.status})`);
  const finished = await admin.waitForSync(started.id, { onProgress: (s) => say(`   ${describeSync(s)}`) });
  for (const error of finished.errors) say(`   error: ${error.personId ?? '-'} ${error.reason}`);

  step(6, 'The people Parley now represents on both platforms');
  const people = await admin.allPeople();
  for (const person of people) say(describePerson(person));
  const guests = people.filter((p) => p.accounts.some((a) => a.kind === 'guest')).length;
  const mirrors = people.filter((p) => p.accounts.some((a) => a.kind === 'mirror')).length;
  say(`   ${people.length} people: ${guests} with a Teams guest, ${mirrors} with a Slack mirror`);

  step(7, 'Run it again: nothing new is created');
  const again = await admin.waitForSync((await admin.startSync('guest')).id);
  say(`   ${describeSync(again)}`);
  const unsuccessful = [finished, again].filter((sync) => sync.status !== 'succeeded');
  if (unsuccessful.length > 0) throw new Error(`${unsuccessful.map((s) => `sync ${s.id} ended ${s.status}`).join(', ')}`);
  say('\nDone. Run it again any time: it reuses this organization and its connections.');
}

main().catch((error: unknown) => {
  if (error instanceof ApiProblem) process.stderr.write(`demo failed: ${error.message}\n${JSON.stringify(error.problem, null, 2)}\n`);
  else process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
