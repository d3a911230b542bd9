import { createServer } from 'node:net';
import { freePorts } from './parley-cluster';

describe('freePorts', () => {
  it('hands out distinct ports, each free to listen on once it answers', async () => {
    for (let round = 0; round < 20; round++) {
      const ports = await freePorts(6);
      expect(new Set(ports).size).toBe(6);
      for (const port of ports) {
        const server = createServer();
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', () => resolve());
        });
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }
  });
});
