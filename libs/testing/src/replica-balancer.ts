import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP balancer on `port` for replicas on `targets`, as a Kubernetes Service is for a Deployment: each new connection
 * goes to the next replica in turn, and to the one after it when that one refuses (it was killed, or is starting), so
 * a replica's death breaks only the connections it held.
 */
/** What a balancer has done so far: connections taken, handed to each replica, refused by each, and open now. */
export interface BalancerCounts {
  accepted: number;
  /** Connections waiting for a replica to accept them. */
  connecting: number;
  open: number;
  readonly handed: number[];
  readonly refused: number[];
}

const countsByServer = new WeakMap<Server, BalancerCounts>();

/** The counts of a balancer made by `balance`. */
export function balancerCounts(server: Server): BalancerCounts | undefined {
  return countsByServer.get(server);
}

export async function balance(port: number, targets: readonly number[]): Promise<Server> {
  let next = 0;
  const counts: BalancerCounts = { accepted: 0, connecting: 0, open: 0, handed: targets.map(() => 0), refused: targets.map(() => 0) };
  const server = createServer((client) => {
    counts.accepted++;
    counts.open++;
    client.once('close', () => counts.open--);
    client.pause();
    let upstream: Socket | undefined;
    client.on('error', () => upstream?.destroy());
    client.on('close', () => upstream?.destroy());
    const attempt = (tried: number) => {
      if (tried >= targets.length || client.destroyed) {
        client.destroy();
        return;
      }
      const index = (next + tried) % targets.length;
      const target = targets[index] as number;
      const socket = connect(target, '127.0.0.1');
      upstream = socket;
      let connected = false;
      let waiting = true;
      counts.connecting++;
      const settled = () => {
        if (waiting) counts.connecting--;
        waiting = false;
      };
      socket.once('connect', () => {
        connected = true;
        settled();
        (counts.handed[index] as number)++;
        next = (next + tried + 1) % targets.length;
        client.pipe(socket);
        socket.pipe(client);
        client.resume();
      });
      socket.on('error', () => {
        if (connected) client.destroy();
        else {
          settled();
          (counts.refused[index] as number)++;
          attempt(tried + 1);
        }
      });
      socket.on('close', () => {
        // Closed before it connected: the client left first (its close destroyed this one).
        settled();
        if (connected) client.destroy();
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  countsByServer.set(server, counts);
  return server;
}
