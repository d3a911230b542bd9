import { ServiceMetrics } from './index';

describe('ServiceMetrics: the SRE figures read at scrape time', () => {
  it('renders consumer lag, outbox backlog and user-sync progress from their sources, with bounded labels', async () => {
    const metrics = new ServiceMetrics('provisioning', { defaultMetrics: false });
    metrics.observeConsumerLag(() => [{ group: 'provisioning', topic: 'parley.provisioning.sync.requested.v1', partition: 2, lag: 7 }]);
    metrics.observeOutbox(async () => [{ schema: 'provisioning', rows: 3, oldestAgeSeconds: 1.5 }]);
    metrics.observeUserSyncs(async () => ({ syncs: [{ status: 'running', count: 1 }, { status: 'succeeded', count: 4 }], runningPeopleTotal: 53, runningPeopleDone: 20 }));
    metrics.deadLetters.inc({ topic: 'parley.x.v1', group: 'g', reason: 'handler-failed' });
    metrics.platform.observe('slack', 'tier2', 'throttled', 0.2);
    const { body } = await metrics.render();
    expect(body).toContain('parley_consumer_lag{group="provisioning",topic="parley.provisioning.sync.requested.v1",partition="2",service="provisioning"} 7');
    expect(body).toContain('parley_outbox_backlog{schema="provisioning",service="provisioning"} 3');
    expect(body).toContain('parley_outbox_oldest_age_seconds{schema="provisioning",service="provisioning"} 1.5');
    expect(body).toContain('parley_user_syncs{status="succeeded",service="provisioning"} 4');
    expect(body).toContain('parley_user_sync_people{state="done",service="provisioning"} 20');
    expect(body).toContain('parley_dead_letters_total{topic="parley.x.v1",group="g",reason="handler-failed",service="provisioning"} 1');
    expect(body).toContain('parley_platform_throttled_total{platform="slack",limit="tier2",service="provisioning"} 1');
    expect(body).toContain('parley_platform_request_seconds_count{service="provisioning",platform="slack",limit="tier2",outcome="throttled"} 1');
  });

  it('still answers the scrape when a source fails (Kafka or the database down), leaving its series out', async () => {
    const metrics = new ServiceMetrics('identity', { defaultMetrics: false });
    metrics.observeConsumerLag(async () => {
      throw new Error('kafka did not answer');
    });
    metrics.observeOutbox(async () => {
      throw new Error('database down');
    });
    const { body } = await metrics.render();
    expect(body).toContain('# TYPE parley_consumer_lag gauge');
    expect(body).not.toMatch(/^parley_consumer_lag\{/m);
    expect(body).not.toMatch(/^parley_outbox_backlog\{/m);
  });
});
