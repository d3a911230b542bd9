/**
 * Posts this process has sent and not yet recorded, per chat. Graph notifies a new message as soon as it exists,
 * which can be before the POST that made it has answered; an observation of that chat waits for these first, so the
 * message id is recorded by the time the echo check looks for it.
 */
export class InFlightPosts {
  private readonly byChat = new Map<string, Set<Promise<unknown>>>();

  /** Runs `post` as in flight for the chat until it settles. */
  async track<T>(chatId: string, post: () => Promise<T>): Promise<T> {
    const running = post();
    let set = this.byChat.get(chatId);
    if (!set) this.byChat.set(chatId, (set = new Set()));
    set.add(running);
    try {
      return await running;
    } finally {
      set.delete(running);
      if (set.size === 0 && this.byChat.get(chatId) === set) this.byChat.delete(chatId);
    }
  }

  /** Waits until this process's posts in the chat have settled, or `timeoutMs` passed. */
  async settled(chatId: string, timeoutMs: number): Promise<void> {
    const set = this.byChat.get(chatId);
    if (!set || set.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...set]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
