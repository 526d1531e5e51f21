import type { EventEnvelope } from '@plaza/contracts';
import type { IncomingBatch, IncomingMessage, MessageSubscriber } from '@plaza/kafka';
import type { DataSource, EntityManager } from 'typeorm';
import { RejectEventError } from './errors';
import { schemaOf } from './event-store';
import { consoleLogger, describeError, type EventStoreLogger } from './logger';
import { quoteIdent, runQuery } from './sql';

/** What the contracts lib's validator answers for one decoded message. */
export type ValidationResult =
  | { readonly ok: true; readonly envelope: EventEnvelope }
  | { readonly ok: false; readonly reason: string };

/** Where an event came from, for projections that want to record it. */
export interface MessageContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface ProjectionRunnerOptions {
  /** The consumer's name in processed_events and dead_letters (and the default consumer group). */
  readonly name: string;
  readonly dataSource: DataSource;
  /** Defaults to the DataSource's `schema`. */
  readonly schema?: string;
  /** Needed by start()/stop(); handleBatch() works without it. */
  readonly subscriber?: MessageSubscriber;
  readonly topics: readonly string[];
  /** Default: `name`. */
  readonly groupId?: string;
  /**
   * Validates a parsed JSON value as an event envelope (unknown type, bad payload → not ok, with reason); `topic`
   * is where it came from (a topic has one producer: an envelope claiming another is refused).
   */
  readonly validate: (raw: unknown, topic: string) => ValidationResult;
  /**
   * Applies one event to the projection through `manager`, inside the transaction that also records the
   * event as processed. Throw RejectEventError for an event that can never be applied (it is dead-lettered);
   * any other error rolls the batch back and it is delivered again.
   */
  readonly apply: (envelope: EventEnvelope, manager: EntityManager, context: MessageContext) => Promise<void>;
  readonly logger?: EventStoreLogger;
}

export interface BatchOutcome {
  readonly applied: number;
  /** Events this consumer had already applied (redelivery or a republished duplicate). */
  readonly duplicates: number;
  readonly deadLettered: number;
}

type Decoded =
  | { readonly message: IncomingMessage; readonly ok: true; readonly envelope: EventEnvelope }
  | {
      readonly message: IncomingMessage;
      readonly ok: false;
      readonly reason: string;
      readonly eventId?: string;
      readonly eventType?: string;
    };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Rolls the batch's transaction back so it can be redone without the rejected message. */
class RejectedInBatch extends Error {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * Feeds a projection from Kafka, exactly once in effect over at-least-once delivery.
 *
 * Each batch (one partition, offset order) is applied in ONE database transaction that also inserts every
 * applied event id into processed_events (ON CONFLICT DO NOTHING): an event already recorded is skipped, and
 * since the record and the projection change commit together, a crash anywhere means both or neither.
 * Messages that are not JSON, not a valid envelope or of an unknown type go to dead_letters with the reason
 * (unique per consumer/topic/partition/offset, so redelivery doesn't duplicate them) and the batch goes on.
 *
 * Failure policy: an `apply` that throws RejectEventError ("well-formed, but can never be applied") gets its
 * message dead-lettered: the transaction is rolled back and the batch redone without applying that message,
 * which keeps the common path free of per-event savepoints. Any other error (a lost connection, a deadlock,
 * a bug) is logged and rethrown: nothing is committed, the offsets are not committed either, and Kafka
 * delivers the batch again — a transient fault must not park good events. A persistent bug therefore stops
 * the partition loudly until it is fixed, which is what a projection that must not diverge wants.
 */
export class ProjectionRunner {
  private readonly deadLetters: string;
  private readonly processed: string;
  private readonly logger: EventStoreLogger;

  constructor(private readonly options: ProjectionRunnerOptions) {
    const schema = quoteIdent(options.schema ?? schemaOf(options.dataSource));
    this.deadLetters = `${schema}.dead_letters`;
    this.processed = `${schema}.processed_events`;
    this.logger = options.logger ?? consoleLogger;
  }

  /** Subscribes (from the beginning for a new group) and processes batches until stop(). */
  async start(): Promise<void> {
    await this.subscriber().start({
      groupId: this.options.groupId ?? this.options.name,
      topics: this.options.topics,
      fromBeginning: true,
      handle: async (batch) => {
        await this.handleBatch(batch);
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscriber().stop();
  }

  /** Processes one batch; resolves when it is committed to the database, throws to have it redelivered. */
  async handleBatch(batch: IncomingBatch): Promise<BatchOutcome> {
    if (batch.messages.length === 0) return { applied: 0, duplicates: 0, deadLettered: 0 };
    const decoded = [...batch.messages].sort(byOffset).map((message) => this.decode(message));
    const rejected = new Map<string, string>();
    for (;;) {
      try {
        const outcome = await this.options.dataSource.transaction((manager) =>
          this.processInTransaction(manager, decoded, rejected),
        );
        for (const item of decoded) {
          const reason = item.ok ? rejected.get(messageKey(item.message)) : item.reason;
          if (reason !== undefined) {
            this.logger.warn(
              `${this.options.name}: dead-lettered ${item.message.topic}[${item.message.partition}]@${item.message.offset}: ${reason}`,
            );
          }
        }
        return outcome;
      } catch (error) {
        if (error instanceof RejectedInBatch && !rejected.has(error.key)) {
          rejected.set(error.key, error.reason);
          continue;
        }
        this.logger.error(
          `${this.options.name}: batch ${batch.topic}[${batch.partition}] (${batch.messages.length} messages) rolled back, ` +
            `to be redelivered: ${describeError(error)}`,
          error instanceof Error ? error.stack : undefined,
        );
        throw error;
      }
    }
  }

  private async processInTransaction(
    manager: EntityManager,
    decoded: readonly Decoded[],
    rejected: ReadonlyMap<string, string>,
  ): Promise<BatchOutcome> {
    const consumer = this.options.name;
    let deadLettered = 0;
    const toApply: { message: IncomingMessage; envelope: EventEnvelope }[] = [];
    for (const item of decoded) {
      const rejection = item.ok ? rejected.get(messageKey(item.message)) : undefined;
      if (item.ok && rejection === undefined) {
        toApply.push(item);
        continue;
      }
      const m = item.message;
      const reason = item.ok ? `rejected by projection: ${rejection}` : item.reason;
      const eventId = item.ok ? item.envelope.id : item.eventId;
      const eventType = item.ok ? item.envelope.type : item.eventType;
      const headers = Object.fromEntries(Object.entries(m.headers).filter(([, v]) => v !== undefined));
      await runQuery(
        manager,
        `INSERT INTO ${this.deadLetters}
           (consumer, topic, partition, kafka_offset, key, value, headers, event_id, event_type, reason)
         VALUES ($1, $2, $3, $4::bigint, $5, $6, $7::jsonb, $8, $9, $10)
         ON CONFLICT ON CONSTRAINT dead_letters_message_key DO NOTHING`,
        [consumer, m.topic, m.partition, m.offset, m.key, m.value, JSON.stringify(headers), eventId ?? null, eventType ?? null, reason],
      );
      deadLettered++;
    }
    if (toApply.length === 0) return { applied: 0, duplicates: 0, deadLettered };

    // One round trip records the whole batch; the ids it returns are the ones not applied before.
    const { rows } = await runQuery<{ event_id: string }>(
      manager,
      `INSERT INTO ${this.processed} (consumer, event_id, topic, partition, kafka_offset)
       SELECT $1, u.event_id, u.topic, u.partition, u.kafka_offset
         FROM unnest($2::uuid[], $3::text[], $4::integer[], $5::bigint[]) WITH ORDINALITY
              AS u(event_id, topic, partition, kafka_offset, ord)
        ORDER BY u.ord
       ON CONFLICT (consumer, event_id) DO NOTHING
       RETURNING event_id`,
      [
        consumer,
        toApply.map((a) => a.envelope.id),
        toApply.map((a) => a.message.topic),
        toApply.map((a) => a.message.partition),
        toApply.map((a) => a.message.offset),
      ],
    );
    const fresh = new Set(rows.map((r) => r.event_id.toLowerCase()));
    let applied = 0;
    for (const { message, envelope } of toApply) {
      const id = envelope.id.toLowerCase();
      // Deleting from the set also skips a second copy of the same event within this batch.
      if (!fresh.delete(id)) continue;
      try {
        await this.options.apply(envelope, manager, {
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
        });
      } catch (error) {
        if (error instanceof RejectEventError) throw new RejectedInBatch(messageKey(message), error.message);
        throw error;
      }
      applied++;
    }
    return { applied, duplicates: toApply.length - applied, deadLettered };
  }

  private decode(message: IncomingMessage): Decoded {
    if (message.value === null) return { message, ok: false, reason: 'message has no value' };
    let raw: unknown;
    try {
      raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(message.value));
    } catch (error) {
      return { message, ok: false, reason: `malformed JSON: ${describeError(error)}` };
    }
    const hints = envelopeHints(raw);
    let result: ValidationResult;
    try {
      result = this.options.validate(raw, message.topic);
    } catch (error) {
      return { message, ok: false, reason: `validator threw: ${describeError(error)}`, ...hints };
    }
    if (!result.ok) return { message, ok: false, reason: result.reason, ...hints };
    if (!UUID.test(result.envelope.id)) {
      return { message, ok: false, reason: `event id ${JSON.stringify(result.envelope.id)} is not a UUID`, ...hints };
    }
    return { message, ok: true, envelope: result.envelope };
  }

  private subscriber(): MessageSubscriber {
    if (!this.options.subscriber) throw new Error(`${this.options.name}: no MessageSubscriber configured`);
    return this.options.subscriber;
  }
}

function envelopeHints(raw: unknown): { eventId?: string; eventType?: string } {
  if (typeof raw !== 'object' || raw === null) return {};
  const { id, type } = raw as Record<string, unknown>;
  return {
    ...(typeof id === 'string' ? { eventId: id.slice(0, 200) } : {}),
    ...(typeof type === 'string' ? { eventType: type.slice(0, 200) } : {}),
  };
}

function messageKey(message: IncomingMessage): string {
  return `${message.topic}\u0000${message.partition}\u0000${message.offset}`;
}

function byOffset(a: IncomingMessage, b: IncomingMessage): number {
  const x = BigInt(a.offset);
  const y = BigInt(b.offset);
  return x < y ? -1 : x > y ? 1 : 0;
}
