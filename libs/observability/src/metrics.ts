import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * One registry per service instance (the embedded mode runs six in one process, so the global registry would mix
 * them). The messaging metrics are created here so every adapter reports the same names.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly messagesHandled: Counter<'topic' | 'group' | 'outcome'>;
  readonly handleSeconds: Histogram<'topic' | 'group'>;
  readonly messagesPublished: Counter<'topic'>;

  constructor(service: string, options: { defaultMetrics: boolean } = { defaultMetrics: true }) {
    this.registry.setDefaultLabels({ service });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
    this.messagesHandled = new Counter({
      name: 'parley_messages_handled_total',
      help: 'Messages consumed, by outcome (handled, duplicate, retried, dead_lettered).',
      labelNames: ['topic', 'group', 'outcome'],
      registers: [this.registry],
    });
    this.handleSeconds = new Histogram({
      name: 'parley_message_handle_seconds',
      help: 'Time from a message being handed to its handler to its effect being done.',
      labelNames: ['topic', 'group'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [this.registry],
    });
    this.messagesPublished = new Counter({
      name: 'parley_messages_published_total',
      help: 'Messages published, by topic.',
      labelNames: ['topic'],
      registers: [this.registry],
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
