import type { Admin, Kafka } from 'kafkajs';
import { createKafka, type KafkaConnectionOptions } from './client';

export interface TopicSpec {
  readonly topic: string;
  readonly numPartitions?: number;
}

/** Explicit topic creation (the broker has auto-creation off) and a cheap liveness probe. */
export class KafkaAdmin {
  private readonly kafka: Kafka;
  private admin: Admin | null = null;

  constructor(options: KafkaConnectionOptions | { kafka: Kafka }) {
    this.kafka = 'kafka' in options ? options.kafka : createKafka(options);
  }

  private async client(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  /** Creates the topics that do not exist yet and waits until each has a leader. Safe to call repeatedly. */
  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    const admin = await this.client();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({ topic: s.topic, numPartitions: s.numPartitions ?? 3, replicationFactor: 1 })),
      });
    } catch (error) {
      // Another process may have created them between listTopics and createTopics.
      const now = new Set(await admin.listTopics());
      if (!missing.every((s) => now.has(s.topic))) throw error;
    }
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    const admin = await this.client();
    await admin.deleteTopics({ topics: [...topics] });
  }

  /** Resolves with the broker count when the cluster answers a metadata request. */
  async ping(): Promise<{ brokers: number }> {
    const admin = await this.client();
    const cluster = await admin.describeCluster();
    return { brokers: cluster.brokers.length };
  }

  /** End offsets of each partition of a topic, for lag and catch-up checks. */
  async topicEndOffsets(topic: string): Promise<{ partition: number; offset: string }[]> {
    const admin = await this.client();
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.map((o) => ({ partition: o.partition, offset: o.high }));
  }

  async disconnect(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    if (admin) await admin.disconnect();
  }
}
