import { isObservable, lastValueFrom } from 'rxjs';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { isTopicName, type TopicName } from '@parley/contracts';
import type { MessageBus, MessageContext } from '@parley/messaging';

/**
 * A Nest microservice transport over the MessageBus port: `@EventPattern(topic)` handlers of a service become
 * subscriptions of its consumer group. Retries, validation, dead letters and commits stay in the bus, so a handler
 * only has to be correct and idempotent.
 */
export class ParleyBusTransport extends Server implements CustomTransportStrategy {
  constructor(
    private readonly bus: MessageBus,
    private readonly group: string,
  ) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      for (const [pattern, handler] of this.getHandlers()) {
        if (!isTopicName(pattern)) throw new Error(`@EventPattern('${pattern}') is not a topic of the catalog`);
        if (!handler.isEventHandler) throw new Error(`${pattern}: use @EventPattern; the bus carries events, not requests`);
        this.bus.subscribe(
          pattern as TopicName,
          async (payload: unknown, context: MessageContext) => {
            const result = await handler(payload, context);
            if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
          },
          { group: this.group },
        );
      }
      await this.bus.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    await this.bus.stop();
  }

  on(): void {
    throw new Error('ParleyBusTransport has no transport events to listen to');
  }

  unwrap<T>(): T {
    return this.bus as T;
  }
}
