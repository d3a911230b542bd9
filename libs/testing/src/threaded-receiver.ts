import { Worker } from 'node:worker_threads';

export interface ThreadedReceiver {
  readonly url: string;
  /** Ends the receiver's thread (its port then refuses connections). */
  stop(): Promise<number>;
}

/**
 * An HTTP receiver on a thread of its own (its own event loop): it reads each request whole and answers `status` after
 * `answerAfterMs`, even while the calling thread's loop is blocked (`blockThisThread`). For tests of a sandbox's
 * deadline towards a platform's receiver (Slack's event acks, Graph's notification answers).
 */
export async function threadedReceiver(options: { answerAfterMs: number; status?: number; path?: string }): Promise<ThreadedReceiver> {
  const worker = new Worker(
    `const http = require('node:http');
     const { parentPort, workerData } = require('node:worker_threads');
     const server = http.createServer((req, res) => { req.resume(); req.on('end', () => setTimeout(() => { res.statusCode = workerData.status; res.end('ok'); }, workerData.answerAfterMs)); });
     server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));`,
    { eval: true, workerData: { answerAfterMs: options.answerAfterMs, status: options.status ?? 200 } },
  );
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  return { url: `http://127.0.0.1:${port}${options.path ?? '/'}`, stop: () => worker.terminate() };
}

/**
 * Keeps this thread busy for `ms` from a check-phase callback, as a sandbox's process is when it shares two cores with
 * Parley: the next turn of the loop then runs expired timers before it reads the sockets.
 */
export async function blockThisThread(ms: number): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  const until = Date.now() + ms;
  while (Date.now() < until);
}
