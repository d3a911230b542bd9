import http from 'node:http';
import { blockThisThread, threadedReceiver } from '@parley/testing';
import { postSigned } from './delivery';

const receiver = (answerAfterMs: number) => threadedReceiver({ answerAfterMs, status: 200, path: '/slack/events' });

describe('postSigned (the Events API deadline)', () => {
  it("counts an answer that reached the socket in time as an ack, though the sandbox's own loop woke past the deadline", async () => {
    const receiving = await receiver(30);
    try {
      const posting = postSigned(receiving.url, '{"type":"event_callback"}', 'secret', 100);
      await new Promise((resolve) => setTimeout(resolve, 10)); // the request goes out
      await blockThisThread(400); // this process is busy (it shares two cores with Parley): the answer waits on the socket
      await expect(posting).resolves.toMatchObject({ outcome: 'acked', status: 200 });
    } finally {
      await receiving.stop();
    }
  });

  it("starts the clock when the request has a connection, not while it waits for one of the sandbox's sockets", async () => {
    const receiving = await receiver(70);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // The second waits about 70 ms for the only socket, then is answered 70 ms later: 140 ms after it was made.
      const [first, second] = [0, 1].map(() => postSigned(receiving.url, '{"type":"event_callback"}', 'secret', 120, {}, agent));
      await expect(first).resolves.toMatchObject({ outcome: 'acked' });
      await expect(second).resolves.toMatchObject({ outcome: 'acked' });
    } finally {
      agent.destroy();
      await receiving.stop();
    }
  });

  it('times out an answer that had not come when the deadline passed', async () => {
    const receiving = await receiver(600);
    try {
      const posting = postSigned(receiving.url, '{"type":"event_callback"}', 'secret', 100);
      await new Promise((resolve) => setTimeout(resolve, 10));
      await blockThisThread(300);
      await expect(posting).resolves.toMatchObject({ outcome: 'http_timeout' });
    } finally {
      await receiving.stop();
    }
  });
});
