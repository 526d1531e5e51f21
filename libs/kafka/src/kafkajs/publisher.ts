import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { MessagePublisher, OutgoingMessage } from '../types';
import { createKafka, type KafkaConnectionOptions } from './client';

/**
 * Idempotent producer (acks = all, one request in flight so order holds per partition). The Java-compatible
 * murmur2 partitioner keeps a key on the same partition as other Kafka clients would put it.
 */
export class KafkaJsPublisher implements MessagePublisher {
  private readonly producer: Producer;
  private connecting: Promise<void> | null = null;

  constructor(options: KafkaConnectionOptions | { kafka: Kafka }) {
    const kafka = 'kafka' in options ? options.kafka : createKafka(options);
    this.producer = kafka.producer({
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
    await this.producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers ? { ...m.headers } : undefined })),
    });
  }

  async disconnect(): Promise<void> {
    if (!this.connecting) return;
    this.connecting = null;
    await this.producer.disconnect();
  }
}
