import { demoOrganization } from '@parley/sandbox-seed';
import { ControlError, startEventReceiver, startSlackSandbox, type SlackSandbox } from './index';

describe('Slack sandbox state, seeding and control', () => {
  let sandbox: SlackSandbox;

  beforeAll(async () => {
    sandbox = await startSlackSandbox({ limits: { enabled: false }, seed: 42 });
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => sandbox.reset());

  it('seeds the demo population: the Slack people of demoOrganization plus the Parley bot', () => {
    const creds = sandbox.seedDemo();
    const users = [...sandbox.state.users.values()];
    const slackPeople = demoOrganization().people.filter((p) => p.slack);
    expect(users).toHaveLength(slackPeople.length + 1);
    expect(users.filter((u) => u.deleted).map((u) => u.name)).toEqual(['eng-gone']);
    expect(users.filter((u) => u.isBot).map((u) => u.name).sort()).toEqual(['deploybot', 'parley']);
    expect(creds).toMatchObject({ plan: 'business+', botToken: expect.stringMatching(/^xoxb-/), scimToken: expect.stringMatching(/^xoxp-/), signingSecret: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it('is deterministic for a seed, and reset starts over', async () => {
    const first = sandbox.seedDemo();
    sandbox.reset();
    expect(sandbox.seedDemo()).toEqual(first);
    const other = await startSlackSandbox({ seed: 43 });
    try {
      expect(other.seedDemo().botToken).not.toBe(first.botToken);
    } finally {
      await other.stop();
    }
    sandbox.reset();
    expect(sandbox.state.users.size).toBe(0);
    expect(sandbox.inspect.events()).toEqual([]);
  });

  it('gives messages unique, increasing ts ids of Slack\'s shape', () => {
    const creds = sandbox.seedDemo();
    const ts = Array.from({ length: 500 }, (_, i) => sandbox.control.post({ as: 'eng01', channel: creds.channels['general'] as string, text: `m${i}` })['ts'] as string);
    expect(ts.every((t) => /^\d{10}\.\d{6}$/.test(t))).toBe(true);
    expect(new Set(ts).size).toBe(500);
    expect(ts.every((t, i) => i === 0 || Number(t) > Number(ts[i - 1]))).toBe(true);
  });

  it('refuses impossible person actions with a ControlError carrying Slack\'s code', () => {
    const creds = sandbox.seedDemo();
    const general = creds.channels['general'] as string;
    const posted = sandbox.control.post({ as: 'eng01', channel: general, text: 'x' });
    expect(() => sandbox.control.edit({ as: 'eng02', channel: general, ts: posted['ts'] as string, text: 'y' })).toThrow(ControlError);
    expect(() => sandbox.control.post({ as: 'eng01', channel: 'general', text: 'x', threadTs: '1.000000' })).toThrow('thread_not_found');
    expect(() => sandbox.control.post({ as: 'eng-gone', channel: 'general', text: 'x' })).toThrow();
    expect(() => sandbox.control.join({ as: 'eng01', channel: 'general' })).toThrow('already_in_channel');
  });

  it('adds guests with the restricted flags Slack uses', () => {
    sandbox.seedDemo();
    const multi = sandbox.control.addPerson({ name: 'guest1', email: 'guest1@partner.example', guest: 'multi' });
    const single = sandbox.control.addPerson({ name: 'guest2', email: 'guest2@partner.example', guest: 'single' });
    expect(multi).toMatchObject({ is_restricted: true, is_ultra_restricted: false });
    expect(single).toMatchObject({ is_restricted: true, is_ultra_restricted: true });
    expect(() => sandbox.control.addPerson({ name: 'dup', email: 'guest1@partner.example' })).toThrow('already_in_team');
  });

  it('announces SCIM-created people with team_join', async () => {
    const creds = sandbox.seedDemo();
    const receiver = await startEventReceiver();
    try {
      expect(await sandbox.control.setEventsUrl({ url: receiver.url })).toBe(true);
      const response = await fetch(`${sandbox.url}/scim/v2/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${creds.scimToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ userName: 'sales02', emails: [{ value: 'sales02@parley-demo.example', primary: true }], displayName: 'Rep' }),
      });
      expect(response.status).toBe(201);
      const [callback] = await receiver.waitForCallbacks(1);
      expect(callback?.json['event']).toMatchObject({ type: 'team_join', user: { profile: { email: 'sales02@parley-demo.example', display_name: 'Rep' } } });
      await sandbox.eventsIdle();
    } finally {
      await receiver.close();
    }
  });
});
