import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of a real server, to make it go silent or drop connections without touching the server,
 * which other test suites share.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #silent = false;
  #withheld: Array<{ socket: Socket; chunk: Buffer }> = [];

  private constructor(targetHost: string, targetPort: number) {
    this.#server = createServer((client) => this.#track(client, connect(targetPort, targetHost)));
  }

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Holds back the server's replies until speak(). */
  silence(): void {
    this.#silent = true;
  }

  speak(): void {
    this.#silent = false;
    for (const { socket, chunk } of this.#withheld) socket.write(chunk);
    this.#withheld = [];
  }

  /** Cuts every open connection, as a server restart or network failure would. */
  dropConnections(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #track(client: Socket, upstream: Socket): void {
    this.#sockets.add(client);
    this.#sockets.add(upstream);
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (this.#silent) this.#withheld.push({ socket: client, chunk });
      else client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }
}
