import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PersonView, UserSyncView } from '@parley/internal-api';
import { connectionRequests, type DemoCredentials } from '@parley/sandbox-runner';
import { AdminApi, ApiProblem } from '@parley/admin-client';

/**
 * `npm run demo`: the Guest Account Sync story through the public API of a running `npm start`, step by step.
 * Reads the operator key and the sandboxes' credentials from the files the embedded launcher wrote.
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

async function main(): Promise<void> {
  const operatorKey = readOrExplain(path.join(dataDir, 'operator-api-key'), 'the operator API key').trim();
  const credentials = JSON.parse(readOrExplain(path.join(sandboxDir, 'demo-credentials.json'), 'the sandbox credentials')) as DemoCredentials;
  const operator = new AdminApi(gatewayUrl, operatorKey);
  say(`Parley demo against ${gatewayUrl}`);

  step(1, 'Create an organization (operator key)');
  const org = await operator.createOrg(`Demo ${new Date().toISOString().slice(0, 19)}`);
  say(`   org ${org.id} "${org.name}"; its admin API key is shown once (kept in memory by this script)`);
  const admin = operator.withKey(org.adminApiKey);

  const connections = connectionRequests(credentials);
  step(2, 'Connect the Slack workspace (the Slack sandbox)');
  const slack = await admin.connect(connections.slack);
  say(`   ${slack.id}: ${JSON.stringify(slack.settings)}`);
  step(3, 'Connect the Microsoft 365 tenant (the Graph sandbox)');
  const teams = await admin.connect(connections.teams);
  say(`   ${teams.id}: ${JSON.stringify(teams.settings)}`);

  step(4, 'A wrong secret is refused before anything is stored');
  const wrong = await admin.request<Record<string, unknown>>('POST', '/v1/connections', { ...connections.teams, clientSecret: 'not-the-secret' });
  say(`   ${wrong.status} ${String(wrong.body?.['title'])}: ${JSON.stringify(wrong.body?.['errors'] ?? wrong.body?.['detail'])}`);

  step(5, 'Run a Guest Account Sync');
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
  say('\nDone.');
}

main().catch((error: unknown) => {
  if (error instanceof ApiProblem) process.stderr.write(`demo failed: ${error.message}\n${JSON.stringify(error.problem, null, 2)}\n`);
  else process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
