import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { isProducerStateError } from './publisher';

/** A broker error as kafkajs builds it from the protocol's error table (type, code, retriable). */
const protocol = (type: string, code: number, retriable = false) => new KafkaJSProtocolError(Object.assign(new Error(type), { type, code, retriable }));

describe('isProducerStateError', () => {
  const outOfOrder = protocol('OUT_OF_ORDER_SEQUENCE_NUMBER', 45);

  it('knows the broker answers that break an idempotent producer, also when kafkajs wraps them after retries', () => {
    expect(isProducerStateError(outOfOrder)).toBe(true);
    expect(isProducerStateError(new KafkaJSNumberOfRetriesExceeded(outOfOrder, { retryCount: 5, retryTime: 1000 }))).toBe(true);
    expect(isProducerStateError(protocol('UNKNOWN_PRODUCER_ID', 59))).toBe(true);
  });

  it('leaves ordinary failures alone (the same producer retries them)', () => {
    expect(isProducerStateError(protocol('NOT_LEADER_FOR_PARTITION', 6, true))).toBe(false);
    expect(isProducerStateError(new Error('connect ECONNREFUSED'))).toBe(false);
    expect(isProducerStateError(undefined)).toBe(false);
  });
});
