/**
 * The small messaging interface Plaza's services use. Only libs/kafka knows kafkajs, so another client
 * (@confluentinc/kafka-javascript, @platformatic/kafka) can replace it without touching a service.
 */
export interface OutgoingMessage {
  /** Partition key: Plaza keys every event by its roundId so a round stays ordered within a topic. */
  readonly key: string;
  readonly value: Buffer | string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface MessagePublisher {
  /** Resolves once every message is acknowledged by all in-sync replicas (acks = all), in order. */
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
}

export interface IncomingMessage {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset as a decimal string. */
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface IncomingBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly IncomingMessage[];
}

/**
 * Handles one batch from one partition. When it resolves, the batch's offsets are committed; when it
 * throws, nothing is committed and the batch is delivered again (so handlers must be idempotent).
 */
export type BatchHandler = (batch: IncomingBatch) => Promise<void>;

export interface SubscriptionOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a new consumer group starts. Plaza's projections always start from the beginning. */
  readonly fromBeginning: boolean;
  readonly handle: BatchHandler;
}

export interface MessageSubscriber {
  start(options: SubscriptionOptions): Promise<void>;
  stop(): Promise<void>;
}
