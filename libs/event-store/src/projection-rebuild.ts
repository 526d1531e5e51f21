import { createHash } from 'node:crypto';
import type { EventEnvelope } from '@plaza/contracts';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { EVENT_COLUMNS, rowToEnvelope, schemaOf, toPosition, type EventRow } from './event-store';
import { consoleLogger, type EventStoreLogger } from './logger';
import { quoteIdent, runQuery } from './sql';

/**
 * Where a rebuild reads its events: a bulk pass while the live projection keeps serving and being fed, then,
 * inside the switch transaction with the live tables locked against writers, the events the live state holds
 * beyond the bulk pass. Both together are exactly what the live projection has applied.
 */
export interface RebuildSource {
  /** Fixes what the bulk pass covers (a snapshot, a ledger size, end offsets). */
  open(): Promise<void>;
  /** The bulk pass's next events in apply order; an empty array when it is done. */
  next(): Promise<readonly EventEnvelope[]>;
  /** Optional: waits, before the live tables are locked, until the live projection has applied what the bulk pass read. */
  settle?(): Promise<void>;
  /** In the switch transaction, live tables locked: the events the live state holds that the bulk pass did not read. */
  rest(manager: EntityManager): Promise<readonly EventEnvelope[]>;
  close(): Promise<void>;
}

/** One service's rebuildable read model: its tables, where its events come from, and how a batch of them is applied. */
export interface RebuildableProjection {
  /** Named in the admin endpoint and the report (`rounds`, `views`, `ballot-entries`). */
  readonly name: string;
  /** The read model's tables in the live schema; each is rebuilt into a copy with the same columns and indexes. */
  readonly tables: readonly string[];
  readonly source: () => RebuildSource;
  /** Applies events in order to the copies of the tables in `schema` (the shadow schema during a rebuild). */
  applyBatch(events: readonly EventEnvelope[], manager: EntityManager, schema: string): Promise<void>;
  /**
   * Set for a projection that only inserts (no ON CONFLICT, no updates): its copy gets the primary key and unique
   * constraints after the bulk pass too, built once instead of maintained row by row.
   */
  readonly insertOnly?: boolean;
  /** Optional last step in the switch transaction, after the catch-up (e.g. columns a service's own commands write). */
  finish?(manager: EntityManager, schema: string): Promise<void>;
}

export interface TableChecksum {
  readonly table: string;
  readonly rows: number;
  readonly checksum: string;
}

export interface RebuildReport {
  readonly projection: string;
  readonly tables: readonly string[];
  /** Events applied to the rebuilt tables: the bulk pass plus the catch-up under the switch lock. */
  readonly events: number;
  readonly catchUpEvents: number;
  readonly durationMs: number;
  readonly eventsPerSecond: number;
  /** SHA-256 over every rebuilt table's row count and row hash sums (order-independent). */
  readonly checksum: string;
  /** The same checksum of the live tables, taken in the same transaction just before the switch. */
  readonly liveChecksum: string;
  readonly matches: boolean;
  /** True when the rebuilt tables replaced the live ones. */
  readonly switched: boolean;
  readonly perTable: readonly { table: string; rows: number; liveRows: number; checksum: string; liveChecksum: string }[];
  /** Where the time went: bulk pass, secondary indexes, wait for the live side, the switch transaction (ms). */
  readonly phases: { readonly bulkMs: number; readonly indexMs: number; readonly settleMs: number; readonly switchMs: number };
}

export interface RebuildOptions {
  /** Switch even when the rebuilt state differs from the live one (repairing a damaged projection). Default false. */
  readonly force?: boolean;
}

/** A rebuild of this service is already running (one at a time per schema). */
export class RebuildInProgressError extends Error {
  constructor(schema: string) {
    super(`a projection rebuild of ${schema} is already running`);
    this.name = 'RebuildInProgressError';
  }
}

/**
 * Blue/green rebuild of a read model from the log. The copies of the tables are built in a shadow schema
 * (`<schema>__rebuild`) from a bulk pass over the source while the live tables keep serving reads and taking
 * writes; then one transaction locks the live tables in EXCLUSIVE mode (reads go on, writers wait), applies
 * what the live state holds beyond the bulk pass, checksums both sides, and — when they match or `force` is
 * set — drops the live tables and moves the copies in under the same names and index names. Readers are
 * blocked only for the moment of the DDL; a statement waiting on the old table re-resolves the name and
 * reads the new one. Writers that were waiting write into the new tables.
 */
export class ProjectionRebuilder {
  private readonly schema: string;
  private readonly logger: EventStoreLogger;

  constructor(
    private readonly dataSource: DataSource,
    options: { readonly schema?: string; readonly logger?: EventStoreLogger } = {},
  ) {
    this.schema = options.schema ?? schemaOf(dataSource);
    this.logger = options.logger ?? consoleLogger;
  }

  get shadowSchema(): string {
    return `${this.schema}__rebuild`;
  }

  async rebuild(projection: RebuildableProjection, options: RebuildOptions = {}): Promise<RebuildReport> {
    const started = performance.now();
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const lockKey = `plaza-rebuild:${this.schema}`;
    try {
      const [{ locked }] = (await runQuery<{ locked: boolean }>(runner, `SELECT pg_try_advisory_lock(hashtext($1)) AS locked`, [lockKey])).rows;
      if (!locked) throw new RebuildInProgressError(this.schema);
      try {
        return await this.#rebuild(runner, projection, options, started);
      } finally {
        await runQuery(runner, `SELECT pg_advisory_unlock(hashtext($1))`, [lockKey]);
      }
    } finally {
      await runner.release();
    }
  }

  async #rebuild(runner: QueryRunner, projection: RebuildableProjection, options: RebuildOptions, started: number): Promise<RebuildReport> {
    const live = quoteIdent(this.schema);
    const shadow = quoteIdent(this.shadowSchema);
    await runQuery(runner, `DROP SCHEMA IF EXISTS ${shadow} CASCADE`);
    await runQuery(runner, `CREATE SCHEMA ${shadow}`);
    const source = projection.source();
    let events = 0;
    try {
      for (const table of projection.tables) await this.#createCopy(runner, table, projection.insertOnly !== true);
      await source.open();
      // The next batch is read while this one is applied (the source reads through the pool, the copy is written here).
      let pending = source.next();
      for (;;) {
        const batch = await pending;
        if (batch.length === 0) break;
        pending = source.next();
        pending.catch(() => undefined);
        await runner.manager.transaction((m) => projection.applyBatch(batch, m, this.shadowSchema));
        events += batch.length;
      }
      const bulkMs = performance.now() - started;
      // Secondary indexes are built once on the loaded copy, faster than maintained row by row.
      for (const table of projection.tables) await this.#createIndexes(runner, table, projection.insertOnly === true);
      const indexMs = performance.now() - started - bulkMs;
      await source.settle?.();
      const settleMs = performance.now() - started - bulkMs - indexMs;
      const outcome = await runner.manager.transaction(async (m) => {
        // EXCLUSIVE lets reads (ACCESS SHARE) through and holds every writer until the switch commits.
        await runQuery(m, `LOCK TABLE ${projection.tables.map((t) => `${live}.${quoteIdent(t)}`).join(', ')} IN EXCLUSIVE MODE`);
        const rest = await source.rest(m);
        if (rest.length > 0) await projection.applyBatch(rest, m, this.shadowSchema);
        await projection.finish?.(m, this.shadowSchema);
        const perTable = [];
        for (const table of projection.tables) {
          const a = await tableChecksum(m, this.shadowSchema, table);
          const b = await tableChecksum(m, this.schema, table);
          perTable.push({ table, rows: a.rows, liveRows: b.rows, checksum: a.checksum, liveChecksum: b.checksum });
        }
        const checksum = combine(perTable.map((t) => ({ table: t.table, rows: t.rows, checksum: t.checksum })));
        const liveChecksum = combine(perTable.map((t) => ({ table: t.table, rows: t.liveRows, checksum: t.liveChecksum })));
        const matches = checksum === liveChecksum;
        const switched = matches || options.force === true;
        if (switched) for (const table of projection.tables) await this.#swap(m, table);
        return { catchUp: rest.length, perTable, checksum, liveChecksum, matches, switched };
      });
      events += outcome.catchUp;
      const durationMs = performance.now() - started;
      const phases = { bulkMs: Math.round(bulkMs), indexMs: Math.round(indexMs), settleMs: Math.round(settleMs), switchMs: Math.round(durationMs - bulkMs - indexMs - settleMs) };
      if (!outcome.matches) {
        this.logger.warn(`rebuild of ${this.schema}/${projection.name}: checksum ${outcome.checksum} differs from the live ${outcome.liveChecksum}` + (outcome.switched ? ' (switched: force)' : ' (not switched)'));
      }
      return {
        projection: projection.name,
        tables: projection.tables,
        events,
        catchUpEvents: outcome.catchUp,
        durationMs: Math.round(durationMs),
        eventsPerSecond: Math.round(events / (durationMs / 1000)),
        checksum: outcome.checksum,
        liveChecksum: outcome.liveChecksum,
        matches: outcome.matches,
        switched: outcome.switched,
        perTable: outcome.perTable,
        phases,
      };
    } finally {
      await source.close().catch((e: unknown) => this.logger.warn(`rebuild source close: ${String(e)}`));
      await runQuery(runner, `DROP SCHEMA IF EXISTS ${shadow} CASCADE`).catch((e: unknown) => this.logger.warn(`dropping ${this.shadowSchema}: ${String(e)}`));
    }
  }

  /**
   * An empty copy of a live table in the shadow schema: columns, defaults, NOT NULL and CHECK constraints, and the
   * primary key and unique constraints under their live names (applies rely on them for ON CONFLICT).
   */
  async #createCopy(runner: QueryRunner, table: string, withConstraints: boolean): Promise<void> {
    const live = `${quoteIdent(this.schema)}.${quoteIdent(table)}`;
    const copy = `${quoteIdent(this.shadowSchema)}.${quoteIdent(table)}`;
    await runQuery(runner, `CREATE TABLE ${copy} (LIKE ${live} INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS)`);
    if (withConstraints) await this.#addConstraints(runner, table);
  }

  async #addConstraints(runner: QueryRunner, table: string): Promise<void> {
    const live = `${quoteIdent(this.schema)}.${quoteIdent(table)}`;
    const copy = `${quoteIdent(this.shadowSchema)}.${quoteIdent(table)}`;
    const { rows } = await runQuery<{ name: string; def: string }>(
      runner,
      `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'x') ORDER BY conname`,
      [live],
    );
    for (const c of rows) await runQuery(runner, `ALTER TABLE ${copy} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}`);
  }

  /** The live table's other indexes, under the same names, on the copy. */
  async #createIndexes(runner: QueryRunner, table: string, withConstraints: boolean): Promise<void> {
    if (withConstraints) await this.#addConstraints(runner, table);
    const live = `${quoteIdent(this.schema)}.${quoteIdent(table)}`;
    const copy = `${quoteIdent(this.shadowSchema)}.${quoteIdent(table)}`;
    const { rows } = await runQuery<{ def: string }>(
      runner,
      `SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i
        WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY i.indexrelid`,
      [live],
    );
    for (const { def } of rows) {
      const match = /^(CREATE (?:UNIQUE )?INDEX \S+ ON )(?:ONLY )?\S+( USING .*)$/s.exec(def);
      if (!match) throw new Error(`rebuild of ${table}: cannot copy the index ${def}`);
      await runQuery(runner, `${match[1]}${copy}${match[2]}`);
    }
  }

  /** Replaces the live table by its copy (which has the live table's index and constraint names). */
  async #swap(m: EntityManager, table: string): Promise<void> {
    await runQuery(m, `DROP TABLE ${quoteIdent(this.schema)}.${quoteIdent(table)}`);
    await runQuery(m, `ALTER TABLE ${quoteIdent(this.shadowSchema)}.${quoteIdent(table)} SET SCHEMA ${quoteIdent(this.schema)}`);
  }
}

/**
 * Row count and an order-independent digest of a table: the sums of two 64-bit hashes (seeds 0 and 1) of each
 * row's text form. Equal for equal multisets of rows whatever their physical order.
 */
export async function tableChecksum(m: EntityManager, schema: string, table: string): Promise<TableChecksum> {
  const { rows } = await runQuery<{ n: string; a: string; b: string }>(
    m,
    `SELECT count(*)::text AS n, coalesce(sum(hashtextextended(r, 0)), 0)::text AS a, coalesce(sum(hashtextextended(r, 1)), 0)::text AS b
       FROM (SELECT t::text AS r FROM ${quoteIdent(schema)}.${quoteIdent(table)} t) q`,
  );
  const r = rows[0]!;
  return { table, rows: Number(r.n), checksum: `${r.a}.${r.b}` };
}

function combine(tables: readonly TableChecksum[]): string {
  const hash = createHash('sha256');
  for (const t of tables) hash.update(`${t.table}\n${t.rows}\n${t.checksum}\n`);
  return hash.digest('hex');
}

/**
 * The service's own event log as a rebuild source: the bulk pass reads, in position order, the events visible
 * in a snapshot taken at open(); the catch-up reads every event that snapshot did not see (committed since).
 */
export class EventLogSource implements RebuildSource {
  #snapshot = '';
  #after = 0;
  private readonly events: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: { readonly schema?: string; readonly batchSize?: number } = {},
  ) {
    this.events = `${quoteIdent(options.schema ?? schemaOf(dataSource))}.events`;
  }

  async open(): Promise<void> {
    const { rows } = await runQuery<{ snapshot: string }>(this.dataSource.manager, `SELECT pg_current_snapshot()::text AS snapshot`);
    this.#snapshot = rows[0]!.snapshot;
  }

  async next(): Promise<readonly EventEnvelope[]> {
    const { rows } = await runQuery<EventRow>(
      this.dataSource.manager,
      `SELECT ${EVENT_COLUMNS} FROM ${this.events}
        WHERE position > $1 AND pg_visible_in_snapshot(transaction_id, $2::pg_snapshot)
        ORDER BY position LIMIT $3`,
      [this.#after, this.#snapshot, this.options.batchSize ?? 5000],
    );
    if (rows.length > 0) this.#after = toPosition(rows[rows.length - 1]!.position);
    return rows.map(rowToEnvelope);
  }

  async rest(manager: EntityManager): Promise<readonly EventEnvelope[]> {
    // Every transaction the snapshot did not see has an id >= its xmin (the index's leading column).
    const { rows } = await runQuery<EventRow>(
      manager,
      `SELECT ${EVENT_COLUMNS} FROM ${this.events}
        WHERE transaction_id >= pg_snapshot_xmin($1::pg_snapshot) AND NOT pg_visible_in_snapshot(transaction_id, $1::pg_snapshot)
        ORDER BY position`,
      [this.#snapshot],
    );
    return rows.map(rowToEnvelope);
  }

  async close(): Promise<void> {}
}
