import { InFlightPosts } from './in-flight-posts';

function deferred(): { promise: Promise<string>; resolve: (value: string) => void } {
  let resolve: (value: string) => void = () => undefined;
  const promise = new Promise<string>((r) => (resolve = r));
  return { promise, resolve };
}

describe('InFlightPosts', () => {
  // A settled() that waited for the post would hang until its (hour-long) timeout: the test would time out.
  const HOUR = 3_600_000;

  it("does not wait for a post made as someone else: it cannot be the observed sender's message", async () => {
    const posts = new InFlightPosts();
    const post = deferred();
    const tracked = posts.track('chat-1', 'guest-ada', () => post.promise);
    await posts.settled('chat-1', HOUR, 'frances');
    post.resolve('m-1');
    await expect(tracked).resolves.toBe('m-1');
  });

  it("waits for the sender's own post, and for every post when the sender is not known", async () => {
    const posts = new InFlightPosts();
    const own = deferred();
    const other = deferred();
    void posts.track('chat-1', 'guest-ada', () => own.promise);
    void posts.track('chat-1', 'frances', () => other.promise);
    const order: string[] = [];
    const forAda = posts.settled('chat-1', HOUR, 'guest-ada').then(() => order.push('ada settled'));
    const forAnyone = posts.settled('chat-1', HOUR).then(() => order.push('all settled'));
    await Promise.resolve();
    order.push('posted as ada');
    own.resolve('m-1');
    await forAda;
    order.push('posted as frances');
    other.resolve('m-2');
    await forAnyone;
    expect(order).toEqual(['posted as ada', 'ada settled', 'posted as frances', 'all settled']);
  });
});
