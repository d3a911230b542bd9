import type { PayloadIn } from '@parley/contracts';
import { conversationPage, relayedMessagePage } from '@parley/internal-api';
import { queryRows } from '@parley/testing';
import { eventually as eventuallyIn, internalCall as call, startRelayHarness, type Deliver, type RelayHarness } from './relay-harness';

const eventually = <T>(probe: () => Promise<T> | T, until: (value: T) => boolean, what: string) => eventuallyIn(probe, until, what, 30_000);

// relay and the real identity in-process on PostgreSQL (relay-harness.ts), the test standing in for a connector that
// never answers: the lane's delivery in flight is requested again after its wait, then failed with a reason the admin
// reads, and the lane moves on (ADR 0029). The waits are configuration, short here.
describe('relay: a delivery whose outcome never comes', () => {
  let h: RelayHarness;
  /** What the relay asked teams-connector for, in order. */
  const delivers = (): Deliver[] => h.delivers.filter((d) => d.topic === 'teams').map((d) => d.payload);

  beforeAll(async () => {
    h = await startRelayHarness({
      databasePrefix: 'parley_relay_deadline',
      relayEnv: { PARLEY_RELAY_OUTCOME_TIMEOUT_MS: '1000', PARLEY_RELAY_DELIVERY_ATTEMPTS: '2', PARLEY_RELAY_DEADLINE_SWEEP_MS: '50' },
    });
  }, 180_000);

  afterAll(async () => {
    await h?.stop();
  });

  const dm = { platform: 'slack' as const, conversationId: 'D0ADAFRA', kind: 'dm' as const, members: ['U0ADA', 'W0FRA'] };
  const received = (messageId: string, content: string) =>
    h.received({ conversation: dm, messageId, senderPlatformUserId: 'U0ADA', body: { format: 'slack-mrkdwn', content } });
  const delivered = (d: Deliver, fields: Partial<PayloadIn<'parley.message.delivered.v1'>> = {}) => h.delivered(d, '19:adafra@unq.gbl.spaces', fields);
  const messages = async () => {
    const twin = conversationPage.parse((await call(h.relay.url, 'GET', `/internal/orgs/${h.orgId}/conversations`)).body).items[0];
    return relayedMessagePage.parse((await call(h.relay.url, 'GET', `/internal/orgs/${h.orgId}/conversations/${twin?.id}/messages`)).body).items;
  };

  it('requests the delivery again with the same id, then fails it with a reason, tells the sender and moves the lane on', async () => {
    await received('100.1', 'first, never answered');
    await received('100.2', 'second');
    const first = await eventually(delivers, (d) => d.length >= 1, 'the first request');
    // No outcome: the same request comes again, the same delivery id and body, after the wait.
    const again = await eventually(delivers, (d) => d.length >= 2, 'the request sent again');
    expect(again[1]).toEqual(first[0]);
    // After the last request's wait the delivery fails, the sender hears why, and the lane sends the next message.
    const third = await eventually(delivers, (d) => d.length >= 3, 'the next delivery of the lane');
    // Answered at once (had it waited longer than the short wait here, it would have been requested again, harmlessly).
    await delivered(third[2] as Deliver, { platformMessageId: 'T-2' });
    expect(third[2]).toMatchObject({ change: 'create', body: { content: 'second' }, target: { kind: 'open' } });
    expect(third[2]?.deliveryId).not.toBe(first[0]?.deliveryId);
    const reason = /^no outcome from teams-connector after 2 requests over about 2 s; the relay stopped waiting/;
    const view = await messages();
    expect(view.map((m) => m.source.messageId)).toEqual(['100.2', '100.1']);
    expect(view[1]).toMatchObject({ state: 'failed', reason: expect.stringMatching(reason) });
    await eventually(() => h.notices, (n) => n.length >= 1, 'the notice to the sender');
    expect(h.notices[0]).toMatchObject({ noticeId: first[0]?.deliveryId, recipientPlatformUserId: 'U0ADA', reason: 'delivery-failed', text: expect.stringMatching(/^Your message did not reach Teams: no outcome from teams-connector/) });

    await eventually(async () => (await messages())[0]?.state, (s) => s === 'delivered', 'the second message delivered');
    // A late outcome of the one given up on is still recorded.
    await delivered(first[0] as Deliver, { platformMessageId: 'T-1' });
    const late = await eventually(() => messages(), (m) => m[1]?.state === 'delivered', 'the late outcome');
    expect(late[1]?.targetMessageIds).toEqual(['T-1']);
    await h.relay.broker.drain();
    // The one never answered was requested exactly as often as configured, and nothing else was sent.
    expect(delivers().filter((d) => d.deliveryId === first[0]?.deliveryId)).toHaveLength(2);
    expect(new Set(delivers().map((d) => d.deliveryId))).toEqual(new Set([first[0]?.deliveryId, third[2]?.deliveryId]));
    // Nothing of what was said stays once the outcomes are in.
    expect(await queryRows(h.relayDb.url, `SELECT delivery_id FROM relay.delivery_queue`)).toEqual([]);

    // The relay's /metrics: deliveries by direction, outcome and kind, and the end-to-end time from the platform
    // event (occurredAt) to each outcome; no ids in any label. The late outcome is not counted again.
    const metrics = await (await fetch(`${h.relay.url}/metrics`)).text();
    const series = metrics
      .split('\n')
      .map((line) => /^(parley_relay_\w+)\{([^}]*)\} (\S+)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map(([, name, labels, value]) => ({ name, labels: Object.fromEntries([...(labels ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]])), value: Number(value) }));
    const value = (name: string, labels: Record<string, string>) =>
      series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);
    expect(series.filter((s) => s.name === 'parley_relay_deliveries_total').map((s) => [s.labels['direction'], s.labels['outcome'], s.labels['kind'], s.value]).sort()).toEqual([
      ['slack_to_teams', 'delivered', 'create', 1],
      ['slack_to_teams', 'timed_out', 'create', 1],
    ]);
    expect(value('parley_relay_end_to_end_seconds_count', { direction: 'slack_to_teams', outcome: 'timed_out' })).toEqual([1]);
    expect(value('parley_relay_end_to_end_seconds_count', { direction: 'slack_to_teams', outcome: 'delivered' })).toEqual([1]);
    // Given up after two requests of a second each, counted from the Slack event.
    expect(value('parley_relay_end_to_end_seconds_sum', { direction: 'slack_to_teams', outcome: 'timed_out' })[0]).toBeGreaterThanOrEqual(2);
    const labelNames = new Set(series.flatMap((s) => Object.keys(s.labels)));
    expect([...labelNames].sort()).toEqual(['direction', 'kind', 'le', 'outcome', 'service']);
  });
});
