import { connect, createServer, type Server } from 'node:net';
import { freePorts } from './parley-cluster';
import { balance, balancerCounts } from './replica-balancer';

/** A replica that answers each connection with its name. */
async function replica(port: number, name: string): Promise<Server> {
  const server = createServer((socket) => socket.end(name));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return server;
}

function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('balance', () => {
  it('hands connections to the replicas in turn, and only to the ones that accept', async () => {
    const [front, a, b] = (await freePorts(3)) as [number, number, number];
    const balancer = await balance(front, [a, b]);
    const first = await replica(a, 'a');
    const second = await replica(b, 'b');
    try {
      expect([await ask(front), await ask(front), await ask(front), await ask(front)].sort()).toEqual(['a', 'a', 'b', 'b']);
      await close(first);
      expect([await ask(front), await ask(front), await ask(front)]).toEqual(['b', 'b', 'b']);
      await close(second);
      await expect(ask(front)).resolves.toBe('');
      // Eight taken, seven handed over. A refusal does not move the turn on: with a closed, every later connection
      // tries it first (three refusals, then one more with the last), and b refuses only the last.
      expect(balancerCounts(balancer)).toMatchObject({ accepted: 8, connecting: 0, handed: [2, 5], refused: [4, 1] });
    } finally {
      await close(balancer);
      if (first.listening) await close(first);
      if (second.listening) await close(second);
    }
  });
});
