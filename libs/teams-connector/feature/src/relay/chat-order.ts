/**
 * Runs work for one chat after the work for that chat that came before it, and work for different chats side by side.
 * The ingest of an observation can wait (for Parley's own post racing it, up to ECHO_WAIT_MS); without this, a later
 * message of the same chat that did not wait overtook it, and the relay carried the chat out of order.
 */
export class ChatOrder {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(chatId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(chatId) ?? Promise.resolve();
    const result = previous.then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(chatId, tail);
    void tail.then(() => {
      if (this.tails.get(chatId) === tail) this.tails.delete(chatId);
    });
    return result;
  }

  /** Chats with work queued or running. */
  get busy(): number {
    return this.tails.size;
  }
}
