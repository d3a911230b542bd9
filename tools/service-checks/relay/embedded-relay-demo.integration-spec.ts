import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AdminApi, rememberedOrgFile, type RememberedOrg } from '@parley/admin-client';
import type { DemoCredentials } from '@parley/sandbox-runner';
import { EmbeddedLauncher } from '../embedded-launcher';
import { PlatformProbe } from '../guest-sync/platform-probe';
import { signSlackRequest } from '@parley/sandbox-slack';

/**
 * Issue 9's embedded acceptance: `npm start`, `npm run demo`, then `npm run demo:relay`, as child processes. The relay
 * demo plays Ada on Slack and Frances on Teams through the sandboxes' own APIs and reads what each of them sees as
 * that person; it exits 1 unless the DM arrives on Teams from Ada's guest, the answer arrives in the same Slack DM
 * from Frances's Slack account, the edit and the delete follow, and the admin API lists every message delivered.
 * A second run reuses the conversation (one twin per DM) and Frances's consent.
 */
describe('embedded mode relays a DM both ways (npm start, npm run demo, npm run demo:relay)', () => {
  let parley: EmbeddedLauncher;
  let lastRun = '';

  beforeAll(async () => {
    parley = await EmbeddedLauncher.create();
    await parley.start();
  }, 240_000);
  afterAll(async () => {
    await parley?.stop();
  });

  async function run(script: string, timeoutMs: number): Promise<string> {
    const result = await parley.runTool(script, timeoutMs);
    if (result.exit.code !== 0) throw new Error(`${script} exited ${JSON.stringify(result.exit)}:\n${result.describe()}`);
    return result.lines.join('\n');
  }

  it('carries the DM, the answer, reactions both ways, the edit and the delete, and shows each message delivered', async () => {
    await run('demo', 240_000);
    const output = await run('relay-demo', 240_000);
    expect(output).toMatch(/Slack's authorize page approved; the gateway answered 200/);
    expect(output).toMatch(/from Ada Lovelace: Hi Frances, <strong>the build is green<\/strong> 🎉/);
    expect(output).toMatch(/Thanks Ada! \*Shipping it\*/);
    expect(output).toMatch(/Teams shows it deleted/);
    // Reactions both ways (ADR 0032): Frances's 👍 on Teams is :+1: on Slack from her Slack account, Ada's :tada: 🎉 from her guest.
    expect(output).toMatch(/Slack shows :\+1: from U[A-Z0-9]+ on /);
    expect(output).toMatch(/Teams shows 🎉 from .+'s guest on the answer/);
    // Channel Sync (issue 10): the linked channel with its Teams twin made by Parley, a thread both ways and a reaction.
    expect(output).toMatch(/Slack #parley-launch \(C[A-Z0-9]+\) <-> Teams "parley-launch" .*, created by Parley/);
    expect(output).toMatch(/in the Teams channel, from Ada Lovelace: .*<em>done<\/em>/);
    expect(output).toMatch(/in the thread of [0-9.]+, from U[A-Z0-9]+ \(Frances .+'s Slack account\): On it/);
    expect(output).toMatch(/Slack shows :rocket: from U[A-Z0-9]+/);
    // An image each way, inline on Teams and a file on Slack, from its sender (ADR 0039).
    expect(output).toMatch(/Teams shows it inline from Ada Lovelace: 1 hosted image/);
    expect(output).toMatch(/Slack shows \S+ \(image\/png, \d+ bytes\) from U[A-Z0-9]+/);
    expect(output.split('\n').filter((line) => /channel message from (slack|teams) .*: delivered$/.test(line))).toHaveLength(4);
    const states = output.split('\n').filter((line) => /^\s+from (slack|teams) /.test(line));
    expect(states).toHaveLength(2);
    expect(states.every((line) => line.includes(': delivered as '))).toBe(true);
  }, 600_000);

  it('a second run uses the same twin and the consent already given', async () => {
    const output = await run('relay-demo', 240_000);
    lastRun = output;
    expect(output).toMatch(/already given in an earlier run/);
    expect(output).toMatch(/already linked in an earlier run: Slack #parley-launch/);
    const twins = output.split('\n').filter((line) => /^\s+dm [0-9a-f-]{36}: Slack /.test(line));
    expect(twins).toHaveLength(1);
    const states = output.split('\n').filter((line) => /^\s+from (slack|teams) /.test(line));
    expect(states).toHaveLength(4);
    expect(states.every((line) => line.includes(': delivered as '))).toBe(true);
  }, 300_000);

  it('refuses a forged Slack signature, a stale timestamp, a wrong clientState and a bad validation token, and relays nothing', async () => {
    const gateway = parley.url;
    const { dataDir, sandboxDir } = parley;
    const credentials = JSON.parse(readFileSync(path.join(sandboxDir, 'demo-credentials.json'), 'utf8')) as DemoCredentials;
    const org = JSON.parse(readFileSync(rememberedOrgFile(dataDir), 'utf8')) as RememberedOrg;
    const admin = new AdminApi(gateway, org.adminApiKey);
    const twin = /dm ([0-9a-f-]{36}): Slack (\S+) <-> Teams (\S+)/.exec(lastRun);
    if (!twin) throw new Error(`no twin in the relay demo's output:\n${lastRun}`);
    const [, twinId, dmId] = twin as unknown as [string, string, string, string];
    // Ada's own Slack id: an event that got through would be relayed as hers.
    const ada = /Ada Lovelace \(Slack (U[A-Z0-9]+)\)/.exec(lastRun)?.[1] as string;
    const francesMirror = /Slack mirror (U[A-Z0-9]+)\)/.exec(lastRun)?.[1] as string;
    const countMessages = async () => (await admin.expect<{ items: unknown[] }>(200, 'GET', `/v1/conversations/${twinId}/messages?limit=200`)).items.length;
    const before = await countMessages();

    // Slack: a message event in the relayed DM, as Slack would send it, signed wrongly or too long ago.
    const event = (n: number) =>
      JSON.stringify({
        token: 'unused',
        team_id: credentials.slack.teamId,
        api_app_id: credentials.slack.appId,
        type: 'event_callback',
        event_id: `EvFORGED${n}`,
        event_time: Math.floor(Date.now() / 1000),
        // As Slack sends a DM's message to an app through the consented person's installation.
        authorizations: [{ team_id: credentials.slack.teamId, user_id: francesMirror, is_bot: false, is_enterprise_install: false }],
        event: { type: 'message', channel: dmId, channel_type: 'im', user: ada, text: `forged ${n}`, ts: `${Math.floor(Date.now() / 1000)}.00000${n}` },
      });
    const sign = (timestamp: number, body: string) => signSlackRequest(credentials.slack.signingSecret, timestamp, body);
    const postSlack = (body: string, timestamp: number, signature: string) =>
      fetch(`${gateway}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature },
        body,
      });
    const now = Math.floor(Date.now() / 1000);
    const forged = event(1);
    expect((await postSlack(forged, now, `v0=${'0'.repeat(64)}`)).status).toBe(401);
    const stale = event(2);
    expect((await postSlack(stale, now - 6 * 60, sign(now - 6 * 60, stale))).status).toBe(401);

    // Teams: a notification for Parley's real subscription with a wrong clientState, and one with a bad validation token.
    const probe = new PlatformProbe({ credentials, graph: { caPem: readFileSync(path.join(sandboxDir, 'ca.pem'), 'utf8') } });
    const subscriptions = (await probe.graph<{ value: { id: string; resource: string }[] }>('/subscriptions', await probe.appToken())).body;
    await probe.close();
    const subscription = subscriptions.value.find((v) => v.resource.includes('getAllMessages'));
    if (!subscription) throw new Error(`Parley has no chat subscription: ${JSON.stringify(subscriptions)}`);
    const notification = (clientState: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        value: [
          {
            subscriptionId: subscription.id,
            clientState,
            changeType: 'created',
            resource: `chats('19:forged@thread.v2')/messages('1')`,
            tenantId: credentials.graph.customerTenantId,
            subscriptionExpirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
          },
        ],
        ...extra,
      });
    const postTeams = (body: string) => fetch(`${gateway}/teams/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await postTeams(notification('not-the-client-state'))).status).toBeGreaterThanOrEqual(400);
    expect((await postTeams(notification('not-the-client-state', { validationTokens: ['eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.'] }))).status).toBeGreaterThanOrEqual(400);

    // Nothing of it was relayed: the twin has the messages it had.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(await countMessages()).toBe(before);

    // The same event, signed with the workspace's secret and fresh, is taken and relayed: the refusals above were the
    // checks, not a path that relays nothing anyway.
    const genuine = event(3);
    const at = Math.floor(Date.now() / 1000);
    expect((await postSlack(genuine, at, sign(at, genuine))).status).toBe(200);
    const deadline = Date.now() + 60_000;
    while ((await countMessages()) === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await countMessages()).toBe(before + 1);
  }, 120_000);
});
