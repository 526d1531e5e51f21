import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ConfigResourceTypes, ResourcePatternTypes, type Admin, type Kafka } from 'kafkajs';
import { createKafka, type KafkaConnectionOptions } from './client';

export interface TopicSpec {
  readonly topic: string;
  readonly numPartitions?: number;
}

/** What one service's Kafka principal may do (least privilege, README "Deploy"). */
export interface PrincipalAccess {
  /** `User:<name>` as the broker's SASL authentication names it. */
  readonly principal: string;
  /** Topics it may write (its own). */
  readonly writes: readonly string[];
  /** Topics it may read (what it consumes). */
  readonly reads: readonly string[];
  /** Topics it may only see (metadata: the topics it ensures exist at start). */
  readonly describes: readonly string[];
  /** Consumer groups it may use: every group whose name starts with this. */
  readonly groupPrefix: string;
}

/** How a topic is replicated: copies of each partition, and how many must hold a write before acks=all answers. */
export interface Replication {
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
}

/**
 * Replication for a cluster of `brokers`: three copies with min.insync.replicas 2 from three brokers on (a write
 * acknowledged with acks=all is on two brokers, and any one broker can be lost without losing it or stopping
 * writes); one copy on a single development broker. Two brokers get two copies, min.insync 1 (losing either
 * keeps writes going; a city runs three).
 */
export function replicationFor(brokers: number): Replication {
  if (brokers >= 3) return { replicationFactor: 3, minInsyncReplicas: 2 };
  if (brokers === 2) return { replicationFactor: 2, minInsyncReplicas: 1 };
  return { replicationFactor: 1, minInsyncReplicas: 1 };
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

  /**
   * Creates the topics that do not exist yet and waits until every partition of each has a leader.
   * Safe to call repeatedly and from several processes at once.
   *
   * kafkajs's own `waitForLeaders` retries only LEADER_NOT_AVAILABLE, but a freshly started KRaft broker can
   * answer the metadata request that follows a creation with UNKNOWN_TOPIC_OR_PARTITION ("This server does not
   * host this topic-partition") for a moment, and a named leader may still answer NOT_LEADER_FOR_PARTITION; both
   * failed runs here. So creation does not wait, and the wait below polls metadata and offsets itself, treating
   * those answers as "not yet". Topics that already existed are waited for too: another process may have created
   * them a moment ago.
   */
  async ensureTopics(specs: readonly TopicSpec[], options: { timeoutMs?: number } = {}): Promise<void> {
    const admin = await this.client();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) await this.createMissing(missing);
    await this.waitForLeaders(specs.map((s) => s.topic), options.timeoutMs ?? 30_000);
  }

  private async createMissing(missing: readonly TopicSpec[]): Promise<void> {
    const admin = await this.client();
    const { brokers } = await admin.describeCluster();
    const { replicationFactor, minInsyncReplicas } = replicationFor(brokers.length);
    try {
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.numPartitions ?? 3,
          replicationFactor,
          configEntries: [{ name: 'min.insync.replicas', value: String(minInsyncReplicas) }],
        })),
      });
    } catch (error) {
      // Another process may have created them between listTopics and createTopics; the leader wait decides.
      if (!isRetriableMetadataError(error) && (error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') {
        const now = new Set(await admin.listTopics());
        if (!missing.every((s) => now.has(s.topic))) throw error;
      }
    }
  }

  /** Polls topic metadata until every partition of every topic reports a leader, or fails after `timeoutMs`. */
  private async waitForLeaders(topics: readonly string[], timeoutMs: number): Promise<void> {
    const admin = await this.client();
    const deadline = Date.now() + timeoutMs;
    let last: unknown = null;
    for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
      try {
        const { topics: meta } = await admin.fetchTopicMetadata({ topics: [...topics] });
        const led = meta.length === topics.length && meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
        if (led) {
          // Metadata can name a leader a moment before that leader serves the partition (ListOffsets then answers
          // NOT_LEADER_FOR_PARTITION), so the wait ends only when every partition's offsets can be read.
          await Promise.all(topics.map((topic) => admin.fetchTopicOffsets(topic)));
          return;
        }
        last = new Error(`topics without a leader yet: ${meta.filter((t) => !t.partitions.every((p) => p.leader >= 0)).map((t) => t.name).join(', ')}`);
      } catch (error) {
        if (!isRetriableMetadataError(error) && !isEmptyOffsetsAnswer(error)) throw error;
        last = error;
      }
      if (Date.now() + delay > deadline) {
        throw new Error(`Kafka topics ${topics.join(', ')} had no leader after ${timeoutMs} ms: ${(last as Error)?.message ?? 'unknown'}`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /**
   * Grants each principal exactly its access (ALLOW ACLs; the broker denies what no ACL allows). Run as a super user
   * after the topics exist; granting again is harmless (the broker keeps one copy of an identical ACL).
   */
  async grantAccess(access: readonly PrincipalAccess[]): Promise<void> {
    const admin = await this.client();
    const allow = (principal: string, resourceType: AclResourceTypes, resourceName: string, operation: AclOperationTypes, prefixed = false) => ({
      principal,
      host: '*',
      resourceType,
      resourceName,
      resourcePatternType: prefixed ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
      operation,
      permissionType: AclPermissionTypes.ALLOW,
    });
    const acl = access.flatMap((a) => [
      ...a.writes.flatMap((t) => [allow(a.principal, AclResourceTypes.TOPIC, t, AclOperationTypes.WRITE), allow(a.principal, AclResourceTypes.TOPIC, t, AclOperationTypes.DESCRIBE)]),
      ...a.reads.flatMap((t) => [allow(a.principal, AclResourceTypes.TOPIC, t, AclOperationTypes.READ), allow(a.principal, AclResourceTypes.TOPIC, t, AclOperationTypes.DESCRIBE)]),
      ...a.describes.map((t) => allow(a.principal, AclResourceTypes.TOPIC, t, AclOperationTypes.DESCRIBE)),
      allow(a.principal, AclResourceTypes.GROUP, a.groupPrefix, AclOperationTypes.READ, true),
      allow(a.principal, AclResourceTypes.GROUP, a.groupPrefix, AclOperationTypes.DESCRIBE, true),
      allow(a.principal, AclResourceTypes.CLUSTER, 'kafka-cluster', AclOperationTypes.IDEMPOTENT_WRITE),
      allow(a.principal, AclResourceTypes.CLUSTER, 'kafka-cluster', AclOperationTypes.DESCRIBE),
    ]);
    await admin.createAcls({ acl });
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    const admin = await this.client();
    await admin.deleteTopics({ topics: [...topics] });
  }

  /** Each topic's replication as the cluster holds it: copies per partition and its min.insync.replicas. */
  async topicReplication(topic: string): Promise<Replication & { inSync: number[] }> {
    const admin = await this.client();
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = topics[0]?.partitions ?? [];
    const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['min.insync.replicas'] }] });
    const value = configs.resources[0]?.configEntries.find((c) => c.configName === 'min.insync.replicas')?.configValue;
    return {
      replicationFactor: Math.min(...partitions.map((p) => p.replicas.length)),
      minInsyncReplicas: Number(value),
      inSync: partitions.map((p) => p.isr.length),
    };
  }

  /** The broker leading each partition of a topic (node id), for fault tests that stop the leader. */
  async partitionLeaders(topic: string): Promise<{ partition: number; leader: number }[]> {
    const admin = await this.client();
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return (topics[0]?.partitions ?? []).map((p) => ({ partition: p.partitionId, leader: p.leader }));
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

  /** A consumer group's committed offsets (the next offset it will read) per partition of a topic; -1 when none. */
  async groupOffsets(groupId: string, topic: string): Promise<{ partition: number; offset: string }[]> {
    const admin = await this.client();
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (result?.partitions ?? []).map((p) => ({ partition: p.partition, offset: p.offset }));
  }

  /** Deletes a consumer group that has no members any more (e.g. a rebuild's throwaway group). */
  async deleteGroup(groupId: string): Promise<void> {
    const admin = await this.client();
    await admin.deleteGroups([groupId]);
  }

  async disconnect(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    if (admin) await admin.disconnect();
  }
}

/**
 * kafkajs's fetchTopicOffsets destructures the first answer for the topic and throws a TypeError when the cluster
 * answered with none (tulios/kafkajs#461): the fault suite met it when the audit service restarted while a broker of
 * the three had just been killed and restarted. It means "not yet", like a missing leader.
 */
export function isEmptyOffsetsAnswer(error: unknown): boolean {
  return error instanceof TypeError && /destructure property 'partitions'/.test(error.message);
}

/** Metadata answers that mean "the topic is still being set up", not "something is wrong". */
function isRetriableMetadataError(error: unknown): boolean {
  const type = (error as { type?: string } | null)?.type;
  return type === 'UNKNOWN_TOPIC_OR_PARTITION' || type === 'LEADER_NOT_AVAILABLE' || type === 'NOT_LEADER_FOR_PARTITION';
}
