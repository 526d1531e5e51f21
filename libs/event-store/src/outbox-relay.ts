import type { EventEnvelope } from '@plaza/contracts';
import type { MessagePublisher, OutgoingMessage } from '@plaza/kafka';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { EVENT_COLUMNS, type EventRow, rowToEnvelope, schemaOf, toPosition } from './event-store';
import { consoleLogger, describeError, type EventStoreLogger } from './logger';
import { quoteIdent, runQuery } from './sql';

/** The Kafka message for an event: keyed by round so a round stays ordered, the envelope as JSON. */
export function toOutgoingMessage(envelope: EventEnvelope): OutgoingMessage {
  return {
    key: envelope.roundId,
    value: JSON.stringify(envelope),
    headers: {
      'event-id': envelope.id,
      'event-type': envelope.type,
      'schema-version': String(envelope.schemaVersion),
      producer: envelope.producer,
    },
  };
}

export interface OutboxRelayOptions {
  readonly dataSource: DataSource;
  readonly publisher: MessagePublisher;
  /** The producing service's topic, e.g. `plaza.voting.events`. */
  readonly topic: string;
  /** Defaults to the DataSource's `schema`. */
  readonly schema?: string;
  /** Checkpoint row and lock name; one relay per (schema, name) publishes at a time. Default `outbox`. */
  readonly name?: string;
  /** Events per read and checkpoint write. Default 500. */
  readonly batchSize?: number;
  /**
   * Most bytes (message values) per Kafka send: a batch is split into sends below it, in order, because the
   * broker refuses a record batch over its message.max.bytes (1 MB by default) and registration events of 1000
   * pseudonyms each fill that with a dozen. Default 768 KiB.
   */
  readonly maxSendBytes?: number;
  /** Poll interval when the outbox is empty. Default 25 ms. */
  readonly idleIntervalMs?: number;
  /** How often a standby relay tries to take over the lock. Default 1000 ms. */
  readonly standbyIntervalMs?: number;
  /** Cap of the exponential back-off after a failed batch. Default 5000 ms. */
  readonly maxBackoffMs?: number;
  readonly logger?: EventStoreLogger;
}

export interface RelayCheckpoint {
  /** xid8 of the last published event's transaction, decimal. */
  readonly transactionId: string;
  readonly position: number;
}

export interface RelayStatus {
  readonly name: string;
  readonly checkpoint: RelayCheckpoint;
  readonly checkpointUpdatedAt: string | null;
  /** Committed events not yet published (some may wait behind a still-open older transaction). */
  readonly pending: number;
  /** recorded_at of the oldest committed, unpublished event; null when caught up. */
  readonly oldestPendingRecordedAt: string | null;
  /** Oldest transaction still running in the cluster; nothing at or after it can be published yet. */
  readonly watermark: string;
}

/**
 * Publishes the service's events table (the transactional outbox) to Kafka, at least once, never skipping.
 *
 * Why it cannot skip: identity positions are taken when a row is inserted but become visible when its
 * transaction commits, so "position > last published" loses a row whose transaction commits after a later
 * one. The relay instead reads only rows written by transactions older than the oldest transaction still in
 * progress (`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`): those are settled — committed or
 * rolled back — and any transaction that commits later has a transaction id at or above that watermark, hence
 * above every checkpoint taken from a settled row. Rows are published in (transaction_id, position) order and
 * the checkpoint (last transaction_id, last position) is stored after the publisher acknowledged the batch;
 * a crash between the two republishes the batch, which consumers dedupe by event id.
 *
 * One relay per (schema, name) publishes: it holds a session-level advisory lock on a dedicated connection
 * and reads and checkpoints through that same connection, so a relay that lost its session (and with it the
 * lock) cannot move the checkpoint either. Chosen over a FOR UPDATE SKIP LOCKED lease on the checkpoint row
 * because a row lock must be held by an open transaction for the whole Kafka round trip, and that
 * transaction's own id would hold the watermark back; an advisory lock takes no transaction id. Standby
 * relays retry the lock every `standbyIntervalMs`; PostgreSQL frees it when the holder's session ends.
 *
 * Long-running transactions anywhere in the cluster delay publishing (never lose events): keep command
 * transactions short, and watch `status().oldestPendingRecordedAt`. LISTEN/NOTIFY is not used: NOTIFY
 * serializes committing transactions on a global lock, and an index range scan every 25 ms is cheap.
 */
export class OutboxRelay {
  private readonly schema: string;
  private readonly name: string;
  private readonly events: string;
  private readonly checkpoints: string;
  private readonly batchSize: number;
  private readonly maxSendBytes: number;
  private readonly idleIntervalMs: number;
  private readonly standbyIntervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly logger: EventStoreLogger;

  private lockRunner: QueryRunner | undefined;
  private checkpoint: RelayCheckpoint | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private exclusiveTail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: OutboxRelayOptions) {
    this.schema = options.schema ?? schemaOf(options.dataSource);
    this.name = options.name ?? 'outbox';
    this.events = `${quoteIdent(this.schema)}.events`;
    this.checkpoints = `${quoteIdent(this.schema)}.relay_checkpoints`;
    this.batchSize = options.batchSize ?? 500;
    this.maxSendBytes = options.maxSendBytes ?? 768 * 1024;
    this.idleIntervalMs = options.idleIntervalMs ?? 25;
    this.standbyIntervalMs = options.standbyIntervalMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.logger = options.logger ?? consoleLogger;
    if (!Number.isSafeInteger(this.batchSize) || this.batchSize < 1) throw new RangeError('batchSize must be >= 1');
  }

  /** Whether this relay currently holds the publishing lock. */
  get isLeader(): boolean {
    return this.lockRunner !== undefined && !this.lockRunner.isReleased;
  }

  /** Starts the polling loop in the background; errors are logged and retried with back-off. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Stops polling after the in-flight batch (published and checkpointed) and releases the lock. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    await this.exclusive(() => this.releaseLock());
  }

  /**
   * Publishes everything publishable now, batch after batch, and returns how many events it sent. Throws
   * if another relay holds the lock or a batch fails (the checkpoint then stays before the failed batch).
   */
  async publishPending(): Promise<number> {
    return this.exclusive(async () => {
      if (!(await this.acquireLock())) {
        throw new Error(`outbox relay "${this.name}" in schema "${this.schema}" is held by another process`);
      }
      let total = 0;
      for (;;) {
        const sent = await this.publishBatch();
        total += sent;
        if (sent === 0) return total;
      }
    });
  }

  /** Progress and lag, for health checks and dashboards. */
  async status(): Promise<RelayStatus> {
    return relayStatus(this.options.dataSource.manager, { schema: this.schema, name: this.name });
  }

  private async run(): Promise<void> {
    let backoff = 0;
    while (!this.stopping) {
      let delay: number;
      try {
        const sent = await this.exclusive(async () => {
          if (this.stopping) return 0;
          if (!(await this.acquireLock())) return -1;
          return this.publishBatch();
        });
        backoff = 0;
        delay = sent < 0 ? this.standbyIntervalMs : sent === this.batchSize ? 0 : this.idleIntervalMs;
      } catch (error) {
        backoff = Math.min(this.maxBackoffMs, backoff === 0 ? 100 : backoff * 2);
        delay = backoff;
        this.logger.error(
          `outbox relay "${this.name}" (${this.schema} → ${this.options.topic}): batch failed, retrying in ${delay} ms: ${describeError(error)}`,
          error instanceof Error ? error.stack : undefined,
        );
        await this.exclusive(() => this.dropLockIfBroken());
      }
      if (delay > 0 && !this.stopping) await this.sleep(delay);
    }
  }

  /** One batch: read behind the watermark, publish, then checkpoint. Returns the number of events sent. */
  private async publishBatch(): Promise<number> {
    const runner = this.lockRunner;
    const from = this.checkpoint;
    if (!runner || !from) throw new Error('outbox relay does not hold its lock');
    const { rows } = await runQuery<EventRow>(
      runner,
      `SELECT ${EVENT_COLUMNS} FROM ${this.events}
        WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
          AND (transaction_id, position) > ($1::xid8, $2::bigint)
        ORDER BY transaction_id, position
        LIMIT $3`,
      [from.transactionId, from.position, this.batchSize],
    );
    if (rows.length === 0) return 0;
    // In order, one send after the other: a failure leaves the checkpoint before the whole batch (at least once).
    for (const send of splitBySize(rows.map((row) => toOutgoingMessage(rowToEnvelope(row))), this.maxSendBytes)) {
      await this.options.publisher.send(this.options.topic, send);
    }
    const last = rows[rows.length - 1];
    const next: RelayCheckpoint = { transactionId: last.transaction_id, position: toPosition(last.position) };
    // Monotonic even if two relays ever overlapped (e.g. a stale session not yet noticed as dead).
    await runQuery(
      runner,
      `UPDATE ${this.checkpoints}
          SET last_transaction_id = $2::xid8, last_position = $3::bigint, updated_at = now()
        WHERE name = $1 AND (last_transaction_id, last_position) < ($2::xid8, $3::bigint)`,
      [this.name, next.transactionId, next.position],
    );
    this.checkpoint = next;
    return rows.length;
  }

  private async acquireLock(): Promise<boolean> {
    if (this.lockRunner && !this.lockRunner.isReleased) return true;
    this.lockRunner = undefined;
    const runner = this.options.dataSource.createQueryRunner();
    try {
      const { rows } = await runQuery<{ locked: boolean }>(
        runner,
        `SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked`,
        [this.lockKey()],
      );
      if (!rows[0]?.locked) {
        await runner.release();
        return false;
      }
      await runQuery(runner, `INSERT INTO ${this.checkpoints} (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [
        this.name,
      ]);
      const { rows: cp } = await runQuery<{ transaction_id: string; position: string }>(
        runner,
        `SELECT last_transaction_id::text AS transaction_id, last_position AS position FROM ${this.checkpoints} WHERE name = $1`,
        [this.name],
      );
      this.checkpoint = { transactionId: cp[0].transaction_id, position: toPosition(cp[0].position) };
      this.lockRunner = runner;
      this.logger.log(
        `outbox relay "${this.name}" (${this.schema} → ${this.options.topic}) publishing from transaction ${this.checkpoint.transactionId}, position ${this.checkpoint.position}`,
      );
      return true;
    } catch (error) {
      // Closing the session frees the advisory lock if it was taken.
      await runner.release().catch(() => undefined);
      throw error;
    }
  }

  private async dropLockIfBroken(): Promise<void> {
    const runner = this.lockRunner;
    if (!runner) return;
    try {
      if (!runner.isReleased) {
        await runner.query('SELECT 1');
        return;
      }
    } catch {
      await runner.release().catch(() => undefined);
    }
    this.lockRunner = undefined;
    this.checkpoint = undefined;
  }

  private async releaseLock(): Promise<void> {
    const runner = this.lockRunner;
    this.lockRunner = undefined;
    this.checkpoint = undefined;
    if (!runner || runner.isReleased) return;
    try {
      await runner.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [this.lockKey()]);
    } finally {
      await runner.release();
    }
  }

  private lockKey(): string {
    return `plaza-outbox-relay:${this.schema}:${this.name}`;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.exclusiveTail.then(work, work);
    this.exclusiveTail = result.catch(() => undefined);
    return result;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/** Consecutive runs of messages whose values add up to at most `maxBytes` (a larger message goes alone). */
export function splitBySize(messages: readonly OutgoingMessage[], maxBytes: number): OutgoingMessage[][] {
  const sends: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = Buffer.byteLength(m.value ?? '') + 200;
    if (current.length > 0 && bytes + size > maxBytes) {
      sends.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) sends.push(current);
  return sends;
}

/** The relay's checkpoint and how far behind it is (reads only; any connection will do). */
export async function relayStatus(
  manager: EntityManager,
  options: { readonly schema: string; readonly name?: string },
): Promise<RelayStatus> {
  const name = options.name ?? 'outbox';
  const s = quoteIdent(options.schema);
  const { rows } = await runQuery<{
    transaction_id: string;
    position: string;
    updated_at: Date | null;
    pending: string;
    oldest: Date | null;
    watermark: string;
  }>(
    manager,
    `WITH cp AS (
       SELECT coalesce(c.last_transaction_id, '0'::xid8) AS transaction_id,
              coalesce(c.last_position, 0) AS position, c.updated_at
         FROM (SELECT 1) AS one LEFT JOIN ${s}.relay_checkpoints c ON c.name = $1)
     SELECT cp.transaction_id::text AS transaction_id, cp.position, cp.updated_at,
            count(e.position) AS pending, min(e.recorded_at) AS oldest,
            pg_snapshot_xmin(pg_current_snapshot())::text AS watermark
       FROM cp LEFT JOIN ${s}.events e ON (e.transaction_id, e.position) > (cp.transaction_id, cp.position)
      GROUP BY cp.transaction_id, cp.position, cp.updated_at`,
    [name],
  );
  const row = rows[0];
  return {
    name,
    checkpoint: { transactionId: row.transaction_id, position: toPosition(row.position) },
    checkpointUpdatedAt: row.updated_at ? row.updated_at.toISOString() : null,
    pending: Number(row.pending),
    oldestPendingRecordedAt: row.oldest ? row.oldest.toISOString() : null,
    watermark: row.watermark,
  };
}
