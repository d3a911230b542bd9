import { Kafka, logLevel } from 'kafkajs';
import type { PersonView } from '@parley/internal-api';
import { connectionRequests } from '@parley/sandbox-runner';
import { demoOrganization } from '@parley/sandbox-seed';
import { type ClusterApp, integrationEnv, queryRows, uniqueSuffix } from '@parley/testing';
import { AdminApi } from '@parley/admin-client';
import { startSandboxedStack, type SandboxedStack } from '../sandboxed-stack';
import { PlatformProbe } from './platform-probe';

const OPERATOR_KEY = `op_${'d'.repeat(40)}`;
const APPS: ClusterApp[] = ['identity', 'provisioning', 'slack-connector', 'teams-connector', 'gateway'];
const MIRROR_CREATE = 'parley.slack.mirror.create.requested.v1';

const demo = demoOrganization();
const teamsOnly = demo.people.filter((p) => p.teams && !p.slack && !p.deactivated);
// The poisoned command: slack-connector's handler fails on this one sales rep's mirror, as a bug would.
const victim = teamsOnly[0];

interface DeadLetter {
  id: string;
  originalTopic: string;
  consumerGroup: string;
  reason: string;
  deadLetteredAt: string;
  retriedAt: string | null;
  discardedAt: string | null;
}

/**
 * Issue 8, items 3 and 4, as separate processes over real Kafka and PostgreSQL with the platform sandboxes: a
 * dead-lettered provisioning command ends its sync within seconds (not after the recovery sweep's 10 minutes), the
 * person shows needs_attention with the dead letter's reason, and the operator's retry of the dead letter makes the
 * mirror exactly once.
 */
describe('a dead-lettered provisioning command', () => {
  const env = integrationEnv();
  // Mutable on purpose: slack-connector restarts without the fault before the retry.
  const perApp: Partial<Record<ClusterApp, Record<string, string>>> = {
    'slack-connector': { PARLEY_FAULT_INJECTION: `fail-handler:${MIRROR_CREATE}:${victim?.email ?? 'nobody'}` },
  };
  let stack: SandboxedStack;
  let probe: PlatformProbe;

  beforeAll(async () => {
    if (!victim) throw new Error('the demo directory has no Teams-only person');
    stack = await startSandboxedStack({
      label: 'dl',
      apps: APPS,
      operatorKey: OPERATOR_KEY,
      sandboxes: { limitsEnabled: true, timeScale: 1 },
      partitions: 6,
      perApp,
    });
    probe = new PlatformProbe(stack.sandboxes);
  }, 240_000);

  afterAll(async () => {
    await probe?.close();
    await stack?.stop();
  });

  const withLogs = <T>(work: () => Promise<T>): Promise<T> => stack.withLogs(work);

  /** How many messages on the mirror-create topic are about the victim (the original, then each retry). */
  async function victimCommandsOnTheBroker(): Promise<number> {
    const kafka = new Kafka({ clientId: 'dl-check', brokers: env.kafkaBrokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const topic = `${stack.topicPrefix}${MIRROR_CREATE}`;
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const total = offsets.reduce((sum, o) => sum + Number(o.high), 0);
    const consumer = kafka.consumer({ groupId: `dl-check-${uniqueSuffix()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    let victims = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${seen} of ${total} messages`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen++;
          if (message.value?.toString('utf8').includes(victim?.email ?? '')) victims++;
          if (seen === total) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    return victims;
  }

  it('ends the sync within seconds as partially_failed, the person needs_attention with the reason; a retry makes the mirror once', () =>
    withLogs(async () => {
      const operator = new AdminApi(stack.cluster.url('gateway'), OPERATOR_KEY);
      const org = await operator.createOrg('Dead letters');
      const admin = operator.withKey(org.adminApiKey);
      const connections = connectionRequests(stack.sandboxes.credentials);
      await admin.connect(connections.slack);
      await admin.connect(connections.teams);

      // Today's code leaves the sync running until the recovery sweep's 10 minutes pass: this wait would time out.
      const finished = await admin.waitForSync((await admin.startSync('guest')).id, { timeoutMs: 150_000 });
      expect(finished).toMatchObject({ status: 'partially_failed', total: 53, done: 53, created: 49, linked: 3, failed: 1 });

      const letters = await operator.expect<{ items: DeadLetter[] }>(200, 'GET', '/v1/dead-letters');
      expect(letters.items).toHaveLength(1);
      const letter = letters.items[0] as DeadLetter;
      expect(letter).toMatchObject({ originalTopic: MIRROR_CREATE, consumerGroup: 'slack-connector', retriedAt: null, discardedAt: null });
      expect(letter.reason).toContain('injected fault');
      const [person] = await admin.allPeople({ query: victim?.email ?? '' });
      if (!person) throw new Error('the victim is not a person');
      // The victim's task failed within seconds of its dead letter, so the sync ended with its last other result
      // instead of waiting for the recovery sweep.
      const tasks = await queryRows<{ person_id: string; finished_at: Date }>(stack.database.url, 'SELECT person_id, finished_at FROM provisioning.sync_tasks WHERE sync_id = $1', [finished.id]);
      const failedAt = tasks.find((t) => t.person_id === person.id)?.finished_at;
      const taskLag = new Date(failedAt ?? 0).getTime() - new Date(letter.deadLetteredAt).getTime();
      const lastResult = Math.max(...tasks.map((t) => new Date(t.finished_at).getTime()));
      process.stdout.write(`dead letter -> task failed: ${taskLag} ms; last task result -> sync ended: ${new Date(finished.finishedAt ?? 0).getTime() - lastResult} ms\n`);
      expect(taskLag).toBeLessThan(10_000);
      expect(new Date(finished.finishedAt ?? 0).getTime() - lastResult).toBeLessThan(2_000);
      expect(finished.errors).toEqual([{ personId: person.id, reason: expect.stringContaining(letter.reason) }]);
      const attention = await admin.allPeople({ status: 'needs_attention' });
      expect(attention.map((p) => p.email)).toEqual([victim?.email]);
      expect(attention[0]?.accounts.find((a) => a.kind === 'mirror')).toMatchObject({
        platform: 'slack',
        status: 'needs_attention',
        platformUserId: null,
        attentionReason: expect.stringContaining(letter.reason),
      });
      const scimFor = async () => (await probe.scimUsers()).filter((u) => u.emails.some((e) => e.value === victim?.email));
      expect(await scimFor()).toHaveLength(0);

      // The operator fixes the cause (here: the fault goes away) and sends the dead letter again, twice.
      delete perApp['slack-connector'];
      await stack.cluster.restart('slack-connector');
      const retried = await operator.expect<DeadLetter>(200, 'POST', `/v1/dead-letters/${letter.id}/retry`);
      expect(retried).toMatchObject({ id: letter.id, retriedAt: expect.any(String), discardedAt: null });
      const again = await operator.expect<DeadLetter>(200, 'POST', `/v1/dead-letters/${letter.id}/retry`);
      expect(again).toEqual(retried);

      // slack-connector's group consumes it again: the mirror is made, and identity shows it active.
      let mirrored: PersonView | undefined;
      const deadline = Date.now() + 60_000;
      for (;;) {
        mirrored = (await admin.allPeople({ query: victim?.email ?? '' }))[0];
        if (mirrored?.accounts.some((a) => a.kind === 'mirror' && a.status === 'active')) break;
        if (Date.now() > deadline) throw new Error(`the retried command made no mirror: ${JSON.stringify(mirrored)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(mirrored?.accounts.filter((a) => a.kind === 'mirror')).toEqual([expect.objectContaining({ status: 'active', platformUserId: expect.any(String) })]);
      expect(await admin.allPeople({ status: 'needs_attention' })).toEqual([]);
      // Once on the platform, and the broker carried the command twice: the original and one retry, not two.
      expect(await scimFor()).toHaveLength(1);
      expect(await victimCommandsOnTheBroker()).toBe(2);
      const listed = await operator.expect<{ items: DeadLetter[] }>(200, 'GET', '/v1/dead-letters');
      expect(listed.items).toEqual([retried]);
    }),
  );
});
