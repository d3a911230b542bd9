import type { RelayOrganisation } from '../relay/relay-organisation';
import { postMortem } from './chaos-run';

describe('postMortem', () => {
  const org = (lines: Record<string, unknown>[][], deliveries: unknown[]) =>
    ({
      stack: {
        sandboxes: { graph: { inspect: { deliveries: () => deliveries } } },
        cluster: { history: lines.map((l) => ({ lines: l })) },
      },
    }) as unknown as RelayOrganisation;

  it("follows each late message through the platforms' deliveries and every process's log lines, in time order", () => {
    const trail = postMortem(
      org(
        [
          [{ time: '2026-12-06T10:00:02.000Z', service: 'relay', msg: 'delivered', messageId: '1765000000123', pid: 1, hostname: 'h', level: 30 }],
          [
            { time: '2026-12-06T10:00:01.000Z', service: 'teams-connector', msg: 'Teams message published to the relay', messageId: '1765000000123', source: 'read-back' },
            { time: '2026-12-06T10:00:01.500Z', service: 'teams-connector', msg: 'unrelated', messageId: '1765000000999' },
          ],
        ],
        [{ kind: 'change', sentAt: '10:00:00', at: '10:00:00.5', attempt: 1, outcome: 'dropped', status: 0, body: { resource: "chats('c')/messages('1765000000123')" } }],
      ),
      // What follows the late list (a reply outside its thread, files missing) is not part of an id.
      ["dm-1 teams->slack: expected 3, saw 3; missing [] extra [] doubled [] order: a:t2 a:t1 a:t3; late: t1=1765000000123; outside their thread: t3 (root t1)"],
    );
    expect(trail.split('\n')).toEqual([
      '  late message 1765000000123:',
      '    graph change sent 10:00:00 answered 10:00:00.5 attempt 1: dropped 0',
      '    2026-12-06T10:00:01.000Z teams-connector: Teams message published to the relay {"messageId":"1765000000123","source":"read-back"}',
      '    2026-12-06T10:00:02.000Z relay: delivered {"messageId":"1765000000123"}',
    ]);
  });

  it('says nothing when no message came late', () => {
    expect(postMortem(org([], []), ['dm-1 slack->teams: expected 3, saw 2; missing [a:t1] extra [] doubled []'])).toBe('');
  });
});
