import { hasOnlyCanonicalUuids, isCanonicalUuid, type EventEnvelope, type NewEvent } from '@plaza/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { ConcurrencyError, DuplicateEventError } from './errors';
import { recordClaimInTransaction } from './idempotency-store';
import { quoteIdent, runQuery } from './sql';

/** An event as the service's log holds it. */
export interface StoredEvent {
  /** Global position in this service's log (identity; gaps are possible, order of commit is not guaranteed). */
  readonly position: number;
  /** The writing transaction (xid8 as a decimal string); the relay orders by it. */
  readonly transactionId: string;
  /** When PostgreSQL stored it (ISO-8601). */
  readonly recordedAt: string;
  readonly envelope: EventEnvelope;
}

export interface AppendResult {
  /** The stream's version after the append: pass it as `expectedVersion` next time. */
  readonly nextExpectedVersion: number;
  readonly positions: readonly number[];
}

export interface AppendOptions {
  /** Append inside the caller's transaction (to change several streams, or the command's state, atomically). */
  readonly manager?: EntityManager;
}

// Parameters per row times rows stays far below PostgreSQL's 65 535 bind parameters.
const CHUNK = 1000;

export interface EventRow {
  position: string;
  event_id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  schema_version: number;
  round_id: string;
  occurred_at: Date;
  producer: string;
  correlation_id: string;
  causation_id: string | null;
  payload: unknown;
  transaction_id: string;
  recorded_at: Date;
}

export const EVENT_COLUMNS =
  'position, event_id, stream_id, stream_version, type, schema_version, round_id, occurred_at, producer, ' +
  'correlation_id, causation_id, payload, transaction_id::text AS transaction_id, recorded_at';

export function toPosition(value: string | number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`position ${value} exceeds Number.MAX_SAFE_INTEGER`);
  return n;
}

export function rowToEnvelope(row: EventRow): EventEnvelope {
  return {
    id: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    roundId: row.round_id,
    occurredAt: row.occurred_at.toISOString(),
    producer: row.producer as EventEnvelope['producer'],
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    payload: row.payload,
  };
}

export function rowToStored(row: EventRow): StoredEvent {
  return {
    position: toPosition(row.position),
    transactionId: row.transaction_id,
    recordedAt: row.recorded_at.toISOString(),
    envelope: rowToEnvelope(row),
  };
}

/** The schema a DataSource was configured with (the `schema` option every Plaza service sets). */
export function schemaOf(dataSource: DataSource): string {
  const schema = (dataSource.options as PostgresConnectionOptions).schema;
  if (!schema) throw new Error('the DataSource has no `schema` option; every Plaza service owns a schema');
  return schema;
}

/**
 * The service's append-only event log in PostgreSQL. Plain TypeScript over a TypeORM DataSource, so it
 * works inside a Nest provider, a CLI or a test alike.
 */
export class EventStore {
  private readonly events: string;

  constructor(
    private readonly dataSource: DataSource,
    options: { readonly schema?: string } = {},
  ) {
    this.events = `${quoteIdent(options.schema ?? schemaOf(dataSource))}.events`;
  }

  /**
   * Appends events to a stream if it is at `expectedVersion` (0 for a new stream): they get versions
   * expectedVersion+1, +2, … — all of them or none. Throws ConcurrencyError when the stream is elsewhere,
   * DuplicateEventError when an event id is already stored.
   */
  async append(
    streamId: string,
    expectedVersion: number,
    events: readonly NewEvent[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    const manager = options.manager;
    if (manager?.queryRunner?.isTransactionActive) {
      return this.appendInTransaction(manager, streamId, expectedVersion, events);
    }
    try {
      return await (manager ?? this.dataSource.manager).transaction((tx) =>
        this.appendInTransaction(tx, streamId, expectedVersion, events),
      );
    } catch (error) {
      // Our own transaction is gone, so the winner's version can be read now for the 409's benefit.
      if (error instanceof ConcurrencyError && error.actualVersion === undefined) {
        const actual = await this.streamVersion(streamId).catch(() => undefined);
        throw new ConcurrencyError(streamId, expectedVersion, actual);
      }
      throw error;
    }
  }

  /**
   * `append` inside a transaction the caller owns (e.g. `dataSource.transaction(m => …)`), for commands that
   * append to several streams or change other tables atomically. After ConcurrencyError or
   * DuplicateEventError the transaction is aborted: let it roll back.
   */
  async appendInTransaction(
    manager: EntityManager,
    streamId: string,
    expectedVersion: number,
    events: readonly NewEvent[],
  ): Promise<AppendResult> {
    validateAppend(streamId, expectedVersion, events);
    // The command's Idempotency-Key, if it runs under one, is recorded (and its claim checked) in this transaction.
    await recordClaimInTransaction(manager);
    const positions: number[] = [];
    for (let start = 0; start < events.length; start += CHUNK) {
      const chunk = events.slice(start, start + CHUNK);
      const base = expectedVersion + start;
      const params: unknown[] = [streamId, base];
      const values = chunk.map((event, i) => {
        const p = params.length;
        params.push(
          event.id,
          base + i + 1,
          event.type,
          event.schemaVersion,
          event.roundId,
          event.occurredAt,
          event.producer,
          event.correlationId,
          event.causationId,
          JSON.stringify(event.payload),
        );
        return (
          `($${p + 1}::uuid, $${p + 2}::integer, $${p + 3}::text, $${p + 4}::integer, $${p + 5}::text, ` +
          `$${p + 6}::timestamptz, $${p + 7}::text, $${p + 8}::text, $${p + 9}::text, $${p + 10}::jsonb)`
        );
      });
      // The guard makes a stale or too-high expectedVersion insert nothing (no gaps); a concurrent append
      // of the same version is caught by UNIQUE (stream_id, stream_version) when the other one commits.
      const sql = `
        INSERT INTO ${this.events} (event_id, stream_id, stream_version, type, schema_version, round_id,
                                    occurred_at, producer, correlation_id, causation_id, payload)
        SELECT v.event_id, $1, v.stream_version, v.type, v.schema_version, v.round_id,
               v.occurred_at, v.producer, v.correlation_id, v.causation_id, v.payload
          FROM (VALUES ${values.join(', ')})
            AS v(event_id, stream_version, type, schema_version, round_id, occurred_at, producer,
                 correlation_id, causation_id, payload)
         WHERE (SELECT coalesce(max(stream_version), 0) FROM ${this.events} WHERE stream_id = $1) = $2::integer
         ORDER BY v.stream_version
        RETURNING position`;
      let inserted: { position: string }[];
      try {
        inserted = (await runQuery<{ position: string }>(manager, sql, params)).rows;
      } catch (error) {
        throw translateUniqueViolation(error, streamId, expectedVersion, events);
      }
      if (inserted.length !== chunk.length) {
        const actual = await this.streamVersion(streamId, { manager });
        throw new ConcurrencyError(streamId, expectedVersion, actual);
      }
      positions.push(...inserted.map((r) => toPosition(r.position)).sort((a, b) => a - b));
    }
    return { nextExpectedVersion: expectedVersion + events.length, positions };
  }

  /**
   * Group commit: appends ONE event to each of several distinct streams in one statement, inside the caller's
   * transaction, each with its own optimistic-concurrency outcome. An append whose stream is not at its
   * expected version (read before, or a concurrent writer got there first) inserts nothing and comes back as
   * a ConcurrencyError for that entry only: the transaction stays usable and the other appends stand. (A
   * single statement cannot do this for several events per stream without risking a partial append, hence
   * one event per stream.)
   */
  async appendEach(
    manager: EntityManager,
    appends: readonly { readonly streamId: string; readonly expectedVersion: number; readonly event: NewEvent }[],
  ): Promise<({ readonly ok: true; readonly position: number } | { readonly ok: false; readonly error: ConcurrencyError })[]> {
    if (!manager.queryRunner?.isTransactionActive) throw new Error('appendEach runs inside the caller\'s transaction');
    const streams = new Set<string>();
    for (const a of appends) {
      validateAppend(a.streamId, a.expectedVersion, [a.event]);
      if (streams.has(a.streamId)) throw new RangeError(`appendEach: stream ${a.streamId} appears twice (one event per stream)`);
      streams.add(a.streamId);
    }
    const positions = new Map<string, number>();
    for (let start = 0; start < appends.length; start += CHUNK) {
      const chunk = appends.slice(start, start + CHUNK);
      const params: unknown[] = [];
      const values = chunk.map((a, i) => {
        const p = params.length;
        const e = a.event;
        params.push(start + i, e.id, a.streamId, a.expectedVersion, e.type, e.schemaVersion, e.roundId, e.occurredAt, e.producer, e.correlationId, e.causationId, JSON.stringify(e.payload));
        return (
          `($${p + 1}::integer, $${p + 2}::uuid, $${p + 3}::text, $${p + 4}::integer, $${p + 5}::text, $${p + 6}::integer, ` +
          `$${p + 7}::text, $${p + 8}::timestamptz, $${p + 9}::text, $${p + 10}::text, $${p + 11}::text, $${p + 12}::jsonb)`
        );
      });
      // The guard skips a stream already past its expected version; ON CONFLICT skips one a concurrent
      // transaction appended to first (it waits for that one to commit or roll back). A duplicate event id
      // still fails the statement: it is a producer bug, not a race.
      const sql = `
        INSERT INTO ${this.events} (event_id, stream_id, stream_version, type, schema_version, round_id,
                                    occurred_at, producer, correlation_id, causation_id, payload)
        SELECT v.event_id, v.stream_id, v.expected + 1, v.type, v.schema_version, v.round_id,
               v.occurred_at, v.producer, v.correlation_id, v.causation_id, v.payload
          FROM (VALUES ${values.join(', ')})
            AS v(ord, event_id, stream_id, expected, type, schema_version, round_id, occurred_at, producer,
                 correlation_id, causation_id, payload)
         WHERE (SELECT coalesce(max(e.stream_version), 0) FROM ${this.events} e WHERE e.stream_id = v.stream_id) = v.expected
         ORDER BY v.ord
        ON CONFLICT (stream_id, stream_version) DO NOTHING
        RETURNING stream_id, position`;
      let inserted: { stream_id: string; position: string }[];
      try {
        inserted = (await runQuery<{ stream_id: string; position: string }>(manager, sql, params)).rows;
      } catch (error) {
        throw translateUniqueViolation(error, chunk[0].streamId, chunk[0].expectedVersion, chunk.map((a) => a.event));
      }
      for (const r of inserted) positions.set(r.stream_id, toPosition(r.position));
    }
    return appends.map((a) => {
      const position = positions.get(a.streamId);
      return position !== undefined ? { ok: true as const, position } : { ok: false as const, error: new ConcurrencyError(a.streamId, a.expectedVersion) };
    });
  }

  /** The current version of each stream (0 for one without events), in one query. */
  async streamVersions(streamIds: readonly string[], options: { readonly manager?: EntityManager } = {}): Promise<Map<string, number>> {
    const versions = new Map<string, number>(streamIds.map((id) => [id, 0]));
    if (streamIds.length === 0) return versions;
    const { rows } = await runQuery<{ stream_id: string; version: number }>(
      options.manager ?? this.dataSource.manager,
      `SELECT stream_id, max(stream_version)::integer AS version FROM ${this.events} WHERE stream_id = ANY($1::text[]) GROUP BY stream_id`,
      [[...streamIds]],
    );
    for (const r of rows) versions.set(r.stream_id, r.version);
    return versions;
  }

  /** The stream's events in version order, from `fromVersion` (default 1). */
  async readStream(
    streamId: string,
    fromVersion = 1,
    options: { readonly manager?: EntityManager } = {},
  ): Promise<EventEnvelope[]> {
    const { rows } = await runQuery<EventRow>(
      options.manager ?? this.dataSource.manager,
      `SELECT ${EVENT_COLUMNS} FROM ${this.events} WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version`,
      [streamId, fromVersion],
    );
    return rows.map(rowToEnvelope);
  }

  /** The stream's current version; 0 when it has no events. */
  async streamVersion(streamId: string, options: { readonly manager?: EntityManager } = {}): Promise<number> {
    const { rows } = await runQuery<{ version: number }>(
      options.manager ?? this.dataSource.manager,
      `SELECT coalesce(max(stream_version), 0)::integer AS version FROM ${this.events} WHERE stream_id = $1`,
      [streamId],
    );
    return rows[0]?.version ?? 0;
  }

  /**
   * The service's log in position order, after `after` (exclusive). Positions are assigned before commit, so
   * a reader tailing the log while appends run could pass over a row that commits later: to follow the log
   * live, use the OutboxRelay (or Kafka), which reads behind the transaction watermark.
   */
  async readAll(
    options: { readonly after?: number; readonly limit?: number; readonly manager?: EntityManager } = {},
  ): Promise<{ events: StoredEvent[]; lastPosition: number }> {
    const after = options.after ?? 0;
    const limit = options.limit ?? 1000;
    const { rows } = await runQuery<EventRow>(
      options.manager ?? this.dataSource.manager,
      `SELECT ${EVENT_COLUMNS} FROM ${this.events} WHERE position > $1 ORDER BY position LIMIT $2`,
      [after, limit],
    );
    const events = rows.map(rowToStored);
    return { events, lastPosition: events.length > 0 ? events[events.length - 1].position : after };
  }
}

function validateAppend(streamId: string, expectedVersion: number, events: readonly NewEvent[]): void {
  if (streamId.length === 0) throw new TypeError('streamId must not be empty');
  if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
    throw new RangeError(`expectedVersion must be an integer >= 0, got ${expectedVersion}`);
  }
  if (events.length === 0) throw new RangeError(`append to ${streamId}: no events (a command that decides nothing appends nothing)`);
  // `ballot-01A2…` and `ballot-01a2…` would be two streams of one round: ids enter stream ids in one form only.
  if (!hasOnlyCanonicalUuids(streamId)) throw new TypeError(`append to ${streamId}: the ids in a stream id must be canonical (lower-case) UUIDs`);
  const seen = new Set<string>();
  for (const event of events) {
    if (!isCanonicalUuid(event.id)) throw new TypeError(`event id ${JSON.stringify(event.id)} is not a UUID in canonical form (lower-case hex with hyphens)`);
    if (seen.has(event.id)) throw new DuplicateEventError([event.id]);
    seen.add(event.id);
    // The relay republishes occurredAt from a timestamptz; only the canonical form survives the round trip.
    const parsed = new Date(event.occurredAt);
    if (Number.isNaN(parsed.getTime()) || parsed.toISOString() !== event.occurredAt) {
      throw new TypeError(`event ${event.id}: occurredAt must be UTC ISO-8601 with milliseconds, got ${event.occurredAt}`);
    }
    if (!Number.isSafeInteger(event.schemaVersion) || event.schemaVersion < 1) {
      throw new RangeError(`event ${event.id}: schemaVersion must be an integer >= 1`);
    }
  }
}

interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
}

function translateUniqueViolation(
  error: unknown,
  streamId: string,
  expectedVersion: number,
  events: readonly NewEvent[],
): unknown {
  // TypeORM wraps the driver error in QueryFailedError but keeps its fields (code, constraint, detail).
  const pg = error as PgError;
  if (pg?.code !== '23505') return error;
  if (pg.constraint === 'events_stream_version_key') return new ConcurrencyError(streamId, expectedVersion);
  if (pg.constraint === 'events_event_id_key') {
    const match = /\(event_id\)=\(([^)]+)\)/.exec(pg.detail ?? '');
    return new DuplicateEventError(match ? [match[1]] : events.map((e) => e.id));
  }
  return error;
}
