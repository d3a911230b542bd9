import { ChatOrder } from './chat-order';

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ChatOrder', () => {
  it('finishes one chat\'s work in the order it came, even when the first waits longer', async () => {
    const order = new ChatOrder();
    const done: string[] = [];
    await Promise.all([
      order.run('chat-1', async () => {
        await later(30);
        done.push('first');
      }),
      order.run('chat-1', async () => {
        done.push('second');
      }),
    ]);
    expect(done).toEqual(['first', 'second']);
    expect(order.busy).toBe(0);
  });

  it('lets another chat go ahead, and a failure does not stop the work after it', async () => {
    const order = new ChatOrder();
    const done: string[] = [];
    const slow = order.run('chat-1', async () => {
      await later(30);
      throw new Error('Graph answered 503');
    });
    const other = order.run('chat-2', async () => void done.push('chat-2'));
    const next = order.run('chat-1', async () => void done.push('chat-1 next'));
    await other;
    expect(done).toEqual(['chat-2']);
    await expect(slow).rejects.toThrow('503');
    await next;
    expect(done).toEqual(['chat-2', 'chat-1 next']);
  });
});
