import type { Consumer, Kafka } from 'kafkajs';
import type { IncomingMessage, MessageSubscriber, SubscriptionOptions } from '../types';
import { createKafka, type KafkaConnectionOptions } from './client';

export interface SubscriberTuning {
  /** Broker minimum is group.min.session.timeout.ms (3000 on Plaza's dev broker, 6000 by default). */
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** Upper bound of bytes fetched per partition per request (kafkajs default 1 MiB). */
  readonly maxBytesPerPartition?: number;
}

/**
 * A consumer-group member that hands whole batches to the handler and commits only after the handler
 * resolved. A throwing handler leaves the offsets uncommitted, so the batch comes again.
 */
export class KafkaJsSubscriber implements MessageSubscriber {
  private readonly kafka: Kafka;
  private consumer: Consumer | null = null;

  constructor(
    options: KafkaConnectionOptions | { kafka: Kafka },
    private readonly tuning: SubscriberTuning = {},
  ) {
    this.kafka = 'kafka' in options ? options.kafka : createKafka(options);
  }

  async start(options: SubscriptionOptions): Promise<void> {
    if (this.consumer) throw new Error('subscriber already started');
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.tuning.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: this.tuning.heartbeatIntervalMs ?? 1_000,
      rebalanceTimeout: 20_000,
      maxBytesPerPartition: this.tuning.maxBytesPerPartition ?? 1_048_576,
    });
    this.consumer = consumer;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning });
    } catch (error) {
      // Leave the subscriber startable again (a later start() after the broker is back).
      this.consumer = null;
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    await consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const messages: IncomingMessage[] = batch.messages.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key ? m.key.toString('utf8') : null,
          value: m.value,
          headers: Object.fromEntries(
            Object.entries(m.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v[0]?.toString() : v?.toString()]),
          ),
        }));
        await options.handle({ topic: batch.topic, partition: batch.partition, messages });
        resolveOffset(batch.lastOffset());
        await commitOffsetsIfNecessary();
        await heartbeat();
      },
    });
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    if (consumer) await consumer.disconnect();
  }
}
