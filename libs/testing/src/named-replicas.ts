import { connect, createServer, type Server } from 'node:net';

/** For balancer checks: a replica on `port` that answers each connection with its name, and closes it. */
export async function namedReplica(port: number, name: string): Promise<Server> {
  const server = createServer((socket) => socket.end(name));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return server;
}

/** Connects to `port` and answers what the other end said before it closed the connection. */
export function askName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

export const closeServer = (server: Server): Promise<void> => new Promise<void>((resolve) => server.close(() => resolve()));
