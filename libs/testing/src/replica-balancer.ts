import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP balancer on `port` for replicas on `targets`, as a Kubernetes Service is for a Deployment: each new connection
 * goes to the next replica in turn, and to the one after it when that one refuses (it was killed, or is starting), so
 * a replica's death breaks only the connections it held.
 */
export async function balance(port: number, targets: readonly number[]): Promise<Server> {
  let next = 0;
  const server = createServer((client) => {
    client.pause();
    let upstream: Socket | undefined;
    client.on('error', () => upstream?.destroy());
    client.on('close', () => upstream?.destroy());
    const attempt = (tried: number) => {
      if (tried >= targets.length || client.destroyed) {
        client.destroy();
        return;
      }
      const target = targets[(next + tried) % targets.length] as number;
      const socket = connect(target, '127.0.0.1');
      upstream = socket;
      let connected = false;
      socket.once('connect', () => {
        connected = true;
        next = (next + tried + 1) % targets.length;
        client.pipe(socket);
        socket.pipe(client);
        client.resume();
      });
      socket.on('error', () => {
        if (connected) client.destroy();
        else attempt(tried + 1);
      });
      socket.on('close', () => {
        if (connected) client.destroy();
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}
