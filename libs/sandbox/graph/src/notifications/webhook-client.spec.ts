import { blockThisThread, threadedReceiver } from '@parley/testing';
import { postToEndpoint } from './webhook-client';

const receiver = (answerAfterMs: number) => threadedReceiver({ answerAfterMs, status: 202, path: '/teams/notifications' });

describe('postToEndpoint (the change notification deadline)', () => {
  it("counts an answer that reached the socket in time, though the sandbox's own loop woke past the deadline", async () => {
    const receiving = await receiver(30);
    try {
      const posting = postToEndpoint(receiving.url, '{"value":[]}', 'application/json', 100);
      await new Promise((resolve) => setTimeout(resolve, 10)); // the request goes out
      await blockThisThread(400);
      await expect(posting).resolves.toMatchObject({ status: 202 });
    } finally {
      await receiving.stop();
    }
  });

  it('gives up on an answer that had not come when the deadline passed', async () => {
    const receiving = await receiver(600);
    try {
      const posting = postToEndpoint(receiving.url, '{"value":[]}', 'application/json', 100);
      await blockThisThread(300);
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
