import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConversationDriver, type Conversation } from './conversation-driver';
import { LOAD_MESSAGES, loadConversations, platformDeliveries, runLoad, type LoadRunResult } from './load-run';
import { startRelayOrganisation, type RelayOrganisation } from './relay-organisation';

/**
 * Issue 9's load acceptance on separate processes, run on demand (`npm run acceptance:relay-load`), not by `npm test`:
 * the first run passes on this 2-core machine since ADR 0042 to 0044; the second and third lose and double nothing,
 * but messages a platform sends again late (Slack's retries after a connector's restart, Graph's notifications
 * caught up) reach the other side after newer ones, which neither platform lets a bridge undo (ADR 0045), so they
 * fail on order; and a check that is known to fail would only hide the others. Each run writes as the people and
 * reads back as them: none lost, none doubled, each conversation in order, edits and deletes applied.
 * Sizes: RELAY_LOAD_MESSAGES (default 1,000 per run). RELAY_ACCEPTANCE_LOG_DIR=dir keeps every process's log lines and
 * both sandboxes' delivery records (when each event or notification was sent, and how it ended);
 * PARLEY_CPU_PROFILE_DIR=dir has each service write a CPU profile when it stops. RELAY_LOAD_REPLICAS=2 runs the relay
 * and both connectors as two processes each behind one address, the deployed shape (k8s/base/autoscaling.yaml): the
 * second run then kills one of each while the other keeps answering the platforms.
 */
const REPLICAS = Number(process.env['RELAY_LOAD_REPLICAS'] ?? 1);
describe('relay load across processes', () => {
  let org: RelayOrganisation;
  let driver: ConversationDriver;

  beforeAll(async () => {
    org = await startRelayOrganisation({ label: 'relayload', replicas: { relay: REPLICAS, 'slack-connector': REPLICAS, 'teams-connector': REPLICAS } });
    driver = new ConversationDriver(org);
  }, 300_000);
  afterAll(async () => {
    const logDir = process.env['RELAY_ACCEPTANCE_LOG_DIR'];
    if (logDir && org) {
      mkdirSync(logDir, { recursive: true });
      org.stack.cluster.history.forEach((p, i) => writeFileSync(path.join(logDir, `${i}-${String(p.lines.find((l) => l['service'])?.['service'] ?? 'process')}.log`), p.lines.map((l) => JSON.stringify(l)).join('\n')));
      // The platforms' side of each delivery (when sent, how it ended), without the bodies, which hold the text.
      const lines = (records: readonly object[]) => records.map((r) => JSON.stringify({ ...r, body: undefined })).join('\n');
      writeFileSync(path.join(logDir, 'slack-event-deliveries.log'), lines(org.stack.sandboxes.slack.inspect.events()));
      writeFileSync(path.join(logDir, 'graph-notification-deliveries.log'), lines(org.stack.sandboxes.graph.inspect.deliveries()));
    }
    await org?.stop();
  });

  // Whatever the outcome, how the platforms' deliveries went (late acks reorder a conversation: platformDeliveries).
  const withLogs = <T>(work: () => Promise<T>) =>
    org.stack.withLogs(work).finally(() => process.stdout.write(`platform deliveries so far: ${JSON.stringify(platformDeliveries(org))}\n`));

  const report = (what: string, result: LoadRunResult) =>
    process.stdout.write(
      `${what}: ${result.written} messages, ${result.edits} edits, ${result.deletes} deletes written in ${result.writeMs} ms; both sides agreed ${result.settleMs} ms later\n`,
    );
  let loaded: Conversation[] | undefined;
  /** The same conversations in every run; made by whichever run comes first, so a run can be picked alone with -t. */
  const conversations = () => (loaded ??= loadConversations(org));

  it(`${LOAD_MESSAGES} messages over 50 DMs and 10 group DMs, both ways, with edits and deletes: none lost, none doubled, each conversation in order`, () =>
    withLogs(async () => {
      report('load', await runLoad(driver, conversations(), { run: 1 }));
    }), 600_000);

  it('the same with relay, slack-connector and teams-connector each SIGKILLed mid-stream and restarted', () =>
    withLogs(async () => {
      const killAndRestart = (app: 'relay' | 'slack-connector' | 'teams-connector') => async () => {
        await org.stack.cluster.kill(app, 'SIGKILL', 0);
        await new Promise((resolve) => setTimeout(resolve, 500));
        await org.stack.cluster.restart(app, 0);
      };
      const result = await runLoad(driver, conversations(), {
        run: 2,
        at: [
          { fraction: 0.2, action: killAndRestart('relay') },
          { fraction: 0.45, action: killAndRestart('slack-connector') },
          { fraction: 0.7, action: killAndRestart('teams-connector') },
        ],
      });
      report('load with kills', result);
    }), 600_000);

  it('the same with Slack sending 2% of events twice and Graph dropping 5% of notifications', () =>
    withLogs(async () => {
      org.stack.sandboxes.slack.setFaults({ duplicateEventRate: 0.02 });
      org.stack.sandboxes.graph.setFaults({ dropNotificationRate: 0.05, seed: 9 });
      try {
        report('load with faults', await runLoad(driver, conversations(), { run: 3 }));
      } finally {
        org.stack.sandboxes.slack.setFaults({});
        org.stack.sandboxes.graph.setFaults({ dropNotificationRate: 0 });
      }
    }), 600_000);
});
