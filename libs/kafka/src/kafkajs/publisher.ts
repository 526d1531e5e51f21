import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { MessagePublisher, OutgoingMessage } from '../types';
import { createKafka, type KafkaConnectionOptions } from './client';

/**
 * Broker answers after which an idempotent producer's sequence numbers can no longer line up with the broker's
 * (typically after a partition leader died mid-send): kafkajs keeps retrying with the same producer id and
 * sequence and never gets past them. A fresh producer (new producer id, sequences from 0) does.
 */
const PRODUCER_STATE_ERRORS: ReadonlySet<string> = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

/** Whether `error` (or what it wraps: kafkajs puts the broker's answer in `originalError`/`cause`) is one of those. */
export function isProducerStateError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const e = error as { type?: unknown; originalError?: unknown; cause?: unknown };
  if (typeof e.type === 'string' && PRODUCER_STATE_ERRORS.has(e.type)) return true;
  return isProducerStateError(e.originalError, depth + 1) || isProducerStateError(e.cause, depth + 1);
}

/**
 * Idempotent producer (acks = all, one request in flight so order holds per partition). The Java-compatible
 * murmur2 partitioner keeps a key on the same partition as other Kafka clients would put it. After a broker
 * answer that breaks the producer's sequence (see PRODUCER_STATE_ERRORS) the producer is replaced and the error
 * passed on: the caller (the outbox relay) sends the batch again, and consumers drop what they already have.
 */
export class KafkaJsPublisher implements MessagePublisher {
  private readonly kafka: Kafka;
  private producer: Producer;
  private connecting: Promise<void> | null = null;

  constructor(options: KafkaConnectionOptions | { kafka: Kafka }) {
    this.kafka = 'kafka' in options ? options.kafka : createKafka(options);
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((error: unknown) => {
      this.connecting = null;
      throw error;
    });
    return this.connecting;
  }

  async send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    const producer = this.producer;
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers ? { ...m.headers } : undefined })),
      });
    } catch (error) {
      if (isProducerStateError(error) && producer === this.producer) {
        this.producer = this.newProducer();
        this.connecting = null;
        await producer.disconnect().catch(() => undefined);
      }
      throw error;
    }
  }

  async disconnect(): Promise<void> {
    if (!this.connecting) return;
    this.connecting = null;
    await this.producer.disconnect();
  }
}
