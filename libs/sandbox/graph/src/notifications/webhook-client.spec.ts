import { Worker } from 'node:worker_threads';
import { postToEndpoint } from './webhook-client';

/** A receiver on its own thread (its own event loop): it answers while this thread's loop is blocked. */
async function receiver(answerAfterMs: number): Promise<{ url: string; stop: () => Promise<number> }> {
  const worker = new Worker(
    `const http = require('node:http');
     const { parentPort, workerData } = require('node:worker_threads');
     const server = http.createServer((req, res) => { req.resume(); req.on('end', () => setTimeout(() => { res.statusCode = 202; res.end(); }, workerData)); });
     server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));`,
    { eval: true, workerData: answerAfterMs },
  );
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  return { url: `http://127.0.0.1:${port}/teams/notifications`, stop: () => worker.terminate() };
}

/**
 * Keeps this thread busy for `ms` from a check-phase callback, as the sandbox's process is when it shares two cores
 * with Parley: the next turn of the loop then runs expired timers before it reads the sockets.
 */
async function block(ms: number): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  const until = Date.now() + ms;
  while (Date.now() < until);
}

describe('postToEndpoint (the change notification deadline)', () => {
  it("counts an answer that reached the socket in time, though the sandbox's own loop woke past the deadline", async () => {
    const receiving = await receiver(30);
    try {
      const posting = postToEndpoint(receiving.url, '{"value":[]}', 'application/json', 100);
      await new Promise((resolve) => setTimeout(resolve, 10)); // the request goes out
      await block(400);
      await expect(posting).resolves.toMatchObject({ status: 202 });
    } finally {
      await receiving.stop();
    }
  });

  it('gives up on an answer that had not come when the deadline passed', async () => {
    const receiving = await receiver(600);
    try {
      const posting = postToEndpoint(receiving.url, '{"value":[]}', 'application/json', 100);
      await block(300);
      await expect(posting).resolves.toMatchObject({ status: 0, failure: 'timeout' });
    } finally {
      await receiving.stop();
    }
  });

  it('names the network error when nothing listens', async () => {
    const receiving = await receiver(0);
    const { url } = receiving;
    await receiving.stop();
    await expect(postToEndpoint(url, '{"value":[]}', 'application/json', 1_000)).resolves.toMatchObject({ status: 0, failure: 'ECONNREFUSED' });
  });
});
