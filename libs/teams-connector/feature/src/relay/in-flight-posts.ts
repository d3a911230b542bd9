/**
 * Posts this process has sent and not yet recorded, per chat and sender. Graph notifies a new message as soon as it
 * exists, which can be before the POST that made it has answered; an observation of that chat by the same sender
 * waits for these first, so the message id is recorded by the time the echo check looks for it. A post made as
 * someone else cannot be the observed message, so it is not waited for.
 */
export class InFlightPosts {
  private readonly byChat = new Map<string, Map<Promise<unknown>, string>>();

  /** Runs `post`, made as `senderUserId`, as in flight for the chat until it settles. */
  async track<T>(chatId: string, senderUserId: string, post: () => Promise<T>): Promise<T> {
    const running = post();
    let posts = this.byChat.get(chatId);
    if (!posts) this.byChat.set(chatId, (posts = new Map()));
    posts.set(running, senderUserId);
    try {
      return await running;
    } finally {
      posts.delete(running);
      if (posts.size === 0 && this.byChat.get(chatId) === posts) this.byChat.delete(chatId);
    }
  }

  /**
   * Waits until this process's posts in the chat have settled, or `timeoutMs` passed: those made as `senderUserId`
   * when it is given (the sender of the observed message), all of them when it is not known.
   */
  async settled(chatId: string, timeoutMs: number, senderUserId?: string): Promise<void> {
    const posts = this.byChat.get(chatId);
    const pending = posts ? [...posts].filter(([, sender]) => senderUserId === undefined || sender === senderUserId).map(([post]) => post) : [];
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(pending),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
