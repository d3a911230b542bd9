export {
  NonRetryableError,
  type BusEntry,
  type BusHealth,
  type MessageBus,
  type MessageContext,
  type MessageHandler,
  type PublishOptions,
  type SubscribeOptions,
} from './message-bus';
export { defaultRetryPolicy, backoffDelay, type RetryPolicy } from './retry-policy';
export { isTransientFailure } from './transient-failure';
export { FaultInjector, type FaultPoint } from './fault-injection';
export { KafkaBus, type KafkaBusOptions } from './kafka/kafka-bus';
export { fixKafkajsRequestQueue } from './kafka/request-queue-fix';
export { ensureTopics, physicalTopic, type TopicLayout } from './kafka/topic-admin';
export { InProcessBroker, InProcessBus, type InProcessBusOptions } from './in-process/in-process-bus';
export { toOutgoingRecord, type OutgoingRecord, type WireRecord } from './outgoing';
