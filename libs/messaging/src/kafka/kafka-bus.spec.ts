import { KafkaJSAggregateError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { isSequenceDesync } from './kafka-bus';

// kafkajs's own protocol error for a broker error code, as its producer raises it.
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): { type: string; code: number; retriable: boolean; message: string } };

const brokerSaid = (code: number) => new KafkaJSProtocolError(createErrorFromCode(code) as unknown as string);

describe('isSequenceDesync', () => {
  it('knows the broker refusing the producer sequence, as kafkajs raises it bare, after retries or per broker', () => {
    const desync = brokerSaid(45);
    expect(desync.type).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
    expect(isSequenceDesync(desync)).toBe(true);
    expect(isSequenceDesync(new KafkaJSNumberOfRetriesExceeded(desync, { retryCount: 3, retryTime: 100 }))).toBe(true);
    expect(isSequenceDesync(new KafkaJSAggregateError('sending failed', [brokerSaid(7), desync]))).toBe(true);
  });

  it('leaves every other failure to the caller with the same producer', () => {
    expect(isSequenceDesync(brokerSaid(7))).toBe(false); // REQUEST_TIMED_OUT
    expect(isSequenceDesync(brokerSaid(46))).toBe(false); // DUPLICATE_SEQUENCE_NUMBER: already written, nothing to fix
    expect(isSequenceDesync(new KafkaJSAggregateError('sending failed', [brokerSaid(6)]))).toBe(false);
    expect(isSequenceDesync(new Error('publish not acknowledged by kafka within 30000 ms'))).toBe(false);
    expect(isSequenceDesync(undefined)).toBe(false);
  });
});
