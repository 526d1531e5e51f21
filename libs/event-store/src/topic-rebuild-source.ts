import type { EventEnvelope } from '@plaza/contracts';
import type { IncomingMessage, MessageSubscriber } from '@plaza/kafka';
import type { DataSource, EntityManager } from 'typeorm';
import { schemaOf } from './event-store';
import type { ValidationResult } from './projection-runner';
import type { RebuildSource } from './projection-rebuild';
import { quoteIdent, runQuery } from './sql';

export interface TopicSourceOptions {
  readonly dataSource: DataSource;
  readonly schema?: string;
  /** The live projection's consumer name (its rows in processed_events and dead_letters). */
  readonly consumer: string;
  readonly topic: string;
  /** A subscriber of its own: it joins a throwaway consumer group and reads the topic from the beginning. */
  readonly subscriber: MessageSubscriber;
  readonly groupId: string;
  readonly endOffsets: (topic: string) => Promise<readonly { partition: number; offset: string }[]>;
  readonly validate: (raw: unknown) => ValidationResult;
  /**
   * The live consumer group's committed offsets (next to read). settle() counts them as progress too: a duplicate
   * the live runner skipped leaves no processed_events row, so its offset shows only there.
   */
  readonly liveCommitted?: (topic: string) => Promise<readonly { partition: number; offset: string }[]>;
  /** Called after the subscriber stopped, to remove the throwaway group (its offsets would linger otherwise). */
  readonly deleteGroup?: (groupId: string) => Promise<void>;
  /** How long settle() and rest() wait for the live consumer or the topic. Default 30 s. */
  readonly timeoutMs?: number;
}

/**
 * A Kafka topic as a rebuild source, for a projection fed from another service's events. The bulk pass reads
 * every partition up to its end offset at open(); settle() waits until the live consumer has handled as far;
 * rest() (live tables locked, so the live consumer stands still) reads on to exactly where the live consumer
 * is. Duplicates (a relay republishing after a crash) are applied once, like the live runner's processed_events;
 * messages the live runner dead-letters (not JSON, invalid envelopes) are skipped the same way.
 */
export class TopicRebuildSource implements RebuildSource {
  readonly #buffer = new Map<number, IncomingMessage[]>();
  /** Highest offset buffered per partition (redelivery after a rebalance is ignored). */
  readonly #seen = new Map<number, bigint>();
  /** Next offset to hand out per partition. */
  readonly #read = new Map<number, bigint>();
  readonly #applied = new Set<string>();
  #targets = new Map<number, bigint>();
  #wake: (() => void) | null = null;
  private readonly s: string;

  constructor(private readonly options: TopicSourceOptions) {
    this.s = quoteIdent(options.schema ?? schemaOf(options.dataSource));
  }

  async open(): Promise<void> {
    for (const { partition, offset } of await this.options.endOffsets(this.options.topic)) {
      this.#targets.set(partition, BigInt(offset));
      this.#read.set(partition, 0n);
    }
    await this.options.subscriber.start({
      groupId: this.options.groupId,
      topics: [this.options.topic],
      fromBeginning: true,
      handle: async (batch) => {
        const list = this.#buffer.get(batch.partition) ?? [];
        for (const m of batch.messages) {
          const offset = BigInt(m.offset);
          if (offset <= (this.#seen.get(batch.partition) ?? -1n)) continue;
          this.#seen.set(batch.partition, offset);
          list.push(m);
        }
        this.#buffer.set(batch.partition, list);
        this.#wake?.();
      },
    });
  }

  async next(): Promise<readonly EventEnvelope[]> {
    return this.#take(1000);
  }

  async settle(): Promise<void> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 30_000);
    for (;;) {
      const live = await this.#liveProgress(this.options.dataSource.manager);
      for (const { partition, offset } of (await this.options.liveCommitted?.(this.options.topic)) ?? []) {
        const last = BigInt(offset) - 1n;
        if (last > (live.get(partition) ?? -1n)) live.set(partition, last);
      }
      const behind = [...this.#targets].filter(([p, target]) => target > 0n && (live.get(p) ?? -1n) < target - 1n);
      if (behind.length === 0) return;
      if (Date.now() > deadline) throw new Error(`the live consumer ${this.options.consumer} did not reach the topic's end offsets within the timeout`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async rest(manager: EntityManager): Promise<readonly EventEnvelope[]> {
    const live = await this.#liveProgress(manager);
    for (const [p, offset] of live) if (offset + 1n > (this.#targets.get(p) ?? 0n)) this.#targets.set(p, offset + 1n);
    const out: EventEnvelope[] = [];
    for (;;) {
      const more = await this.#take(Number.MAX_SAFE_INTEGER);
      if (more.length === 0) break;
      out.push(...more);
    }
    return out;
  }

  async close(): Promise<void> {
    this.#wake?.();
    await this.options.subscriber.stop();
    await this.options.deleteGroup?.(this.options.groupId);
  }

  /** The events of the next messages below the targets, waiting for the consumer when they are not here yet. */
  async #take(limit: number): Promise<EventEnvelope[]> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 30_000);
    const out: EventEnvelope[] = [];
    for (;;) {
      let waiting = false;
      for (const [p, target] of this.#targets) {
        const list = this.#buffer.get(p) ?? [];
        while (list.length > 0 && BigInt(list[0]!.offset) < target && out.length < limit) {
          const m = list.shift()!;
          this.#read.set(p, BigInt(m.offset) + 1n);
          const envelope = this.#decode(m);
          if (envelope && !this.#applied.has(envelope.id)) {
            this.#applied.add(envelope.id);
            out.push(envelope);
          }
        }
        if ((this.#read.get(p) ?? 0n) < target) waiting = true;
      }
      if (out.length >= limit || out.length > 0 || !waiting) return out;
      if (Date.now() > deadline) throw new Error(`the topic ${this.options.topic} did not deliver up to the live consumer's offsets within the timeout`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 200);
      });
      this.#wake = null;
    }
  }

  #decode(m: IncomingMessage): EventEnvelope | null {
    if (m.value === null) return null;
    try {
      const result = this.options.validate(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(m.value)));
      return result.ok ? result.envelope : null;
    } catch {
      return null;
    }
  }

  /** The highest offset per partition the live consumer has applied or dead-lettered (committed). */
  async #liveProgress(manager: EntityManager): Promise<Map<number, bigint>> {
    const { rows } = await runQuery<{ partition: number; offset: string }>(
      manager,
      `SELECT partition, max(kafka_offset)::text AS offset FROM (
         SELECT partition, kafka_offset FROM ${this.s}.processed_events WHERE consumer = $1 AND topic = $2
         UNION ALL
         SELECT partition, kafka_offset FROM ${this.s}.dead_letters WHERE consumer = $1 AND topic = $2) u
        GROUP BY partition`,
      [this.options.consumer, this.options.topic],
    );
    return new Map(rows.map((r) => [r.partition, BigInt(r.offset)]));
  }
}
