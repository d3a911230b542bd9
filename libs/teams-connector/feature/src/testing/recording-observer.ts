import { ChatMessageObserver, type ChatMessageObservation } from '../relay/chat-message-observer';

/** An in-memory ChatMessageObserver for ingress tests: records what it is given; can be told to refuse. */
export class RecordingObserver extends ChatMessageObserver {
  readonly observed: ChatMessageObservation[] = [];
  /** While set, observe() throws for observations it matches (as a failing relay side would). */
  refuse?: (observation: ChatMessageObservation) => boolean;
  /** While set, observe() waits for the promise it answers for an observation (a relay side that is slow, say). */
  hold?: (observation: ChatMessageObservation) => Promise<void> | undefined;

  async observe(observation: ChatMessageObservation): Promise<void> {
    await this.hold?.(observation);
    if (this.refuse?.(observation)) throw new Error('observer refused (test)');
    this.observed.push(observation);
  }

  override async unseen(chatId: string, messageIds: readonly string[]): Promise<string[]> {
    return messageIds.filter((id) => !this.observed.some((o) => o.chatId === chatId && o.messageId === id));
  }

  of(messageId: string): ChatMessageObservation[] {
    return this.observed.filter((o) => o.messageId === messageId);
  }

  async waitFor(where: (o: ChatMessageObservation) => boolean, timeoutMs = 30_000): Promise<ChatMessageObservation> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.observed.find(where);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for an observation; saw ${JSON.stringify(this.observed.map((o) => [o.source, o.changeType, o.messageId]))}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
