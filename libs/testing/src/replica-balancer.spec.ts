import { askName, closeServer, namedReplica } from './named-replicas';
import { freePorts } from './parley-cluster';
import { balance, balancerCounts } from './replica-balancer';



describe('balance', () => {
  it('hands connections to the replicas in turn, and only to the ones that accept', async () => {
    const [front, a, b] = (await freePorts(3)) as [number, number, number];
    const balancer = await balance(front, [a, b]);
    const first = await namedReplica(a, 'a');
    const second = await namedReplica(b, 'b');
    try {
      expect([await askName(front), await askName(front), await askName(front), await askName(front)].sort()).toEqual(['a', 'a', 'b', 'b']);
      await closeServer(first);
      expect([await askName(front), await askName(front), await askName(front)]).toEqual(['b', 'b', 'b']);
      await closeServer(second);
      await expect(askName(front)).resolves.toBe('');
      // Eight taken, seven handed over. A refusal does not move the turn on: with a closed, every later connection
      // tries it first (three refusals, then one more with the last), and b refuses only the last.
      expect(balancerCounts(balancer)).toMatchObject({ accepted: 8, connecting: 0, handed: [2, 5], refused: [4, 1] });
    } finally {
      await closeServer(balancer);
      if (first.listening) await closeServer(first);
      if (second.listening) await closeServer(second);
    }
  });
});
