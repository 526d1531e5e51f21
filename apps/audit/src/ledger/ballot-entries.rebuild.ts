import type { EventEnvelope } from '@plaza/contracts';
import { quoteIdent, type RebuildableProjection, type RebuildSource } from '@plaza/event-store';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The one INSERT of ballot_entries rows (which BallotCast entries the ledger holds, per voter stream and unit, for
 * receipt checks), its five arrays from parameter `$first` on (ballotEntriesParams): the live projection runs it
 * inside its append statement, the rebuild per batch.
 */
export function insertBallotEntries(schema: string, first: number): string {
  const [a, b, c, d, e] = [0, 1, 2, 3, 4].map((i) => `$${first + i}`);
  return `INSERT INTO ${quoteIdent(schema)}.ballot_entries (event_id, round_id, stream_id, stream_version, unit_id)
       SELECT * FROM unnest(${a}::uuid[], ${b}::text[], ${c}::text[], ${d}::integer[], ${e}::text[])`;
}

/** The parameters of insertBallotEntries for the BallotCast events among `events` (other types are skipped). */
export function ballotEntriesParams(events: readonly EventEnvelope[]): [string[], string[], string[], number[], string[]] {
  const ballots = events.filter((e) => e.type === 'BallotCast');
  return [
    ballots.map((e) => e.id),
    ballots.map((e) => e.roundId),
    ballots.map((e) => e.streamId),
    ballots.map((e) => e.streamVersion),
    ballots.map((e) => (e.payload as { unitId: string }).unitId),
  ];
}

/** ballot_entries rows: which BallotCast entries the ledger holds, per voter stream and unit (for receipt checks). */
export class BallotEntriesStore {
  /** Records the BallotCast events among `events` in `schema`'s ballot_entries, in one statement. */
  async record(manager: EntityManager, schema: string, events: readonly EventEnvelope[]): Promise<void> {
    const params = ballotEntriesParams(events);
    if (params[0].length === 0) return;
    await manager.query(insertBallotEntries(schema, 1), params);
  }
}

/**
 * The ledger as a rebuild source: entries in index order. The bulk pass reads up to the ledger size at open();
 * appends hold the head row until they commit, so every entry from that size on is the catch-up, gap-free.
 */
export class LedgerSource implements RebuildSource {
  #size = 0;
  #next = 0;
  private readonly s: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
    private readonly batchSize = 10_000,
  ) {
    this.s = quoteIdent(schema);
  }

  async open(): Promise<void> {
    const [{ size }]: { size: string }[] = await this.dataSource.query(`SELECT size FROM ${this.s}.ledger_head`);
    this.#size = Number(size);
  }

  async next(): Promise<readonly EventEnvelope[]> {
    if (this.#next >= this.#size) return [];
    // As text: half the bytes of bytea's hex form on the wire, and JSON.parse takes it as it is.
    const rows: { index: string; canonical: string }[] = await this.dataSource.query(
      `SELECT index, convert_from(canonical, 'UTF8') AS canonical FROM ${this.s}.ledger_entries WHERE index >= $1 AND index < $2 ORDER BY index LIMIT $3`,
      [this.#next, this.#size, this.batchSize],
    );
    if (rows.length === 0) throw new Error(`the ledger has no entry ${this.#next} below its size ${this.#size}`);
    this.#next = Number(rows[rows.length - 1]!.index) + 1;
    return rows.map(decode);
  }

  async rest(manager: EntityManager): Promise<readonly EventEnvelope[]> {
    const rows: { canonical: string }[] = await manager.query(`SELECT convert_from(canonical, 'UTF8') AS canonical FROM ${this.s}.ledger_entries WHERE index >= $1 ORDER BY index`, [this.#size]);
    return rows.map(decode);
  }

  async close(): Promise<void> {}
}

function decode(row: { canonical: string }): EventEnvelope {
  return JSON.parse(row.canonical) as EventEnvelope;
}

/** Audit's receipt-check state (ballot_entries) rebuilt from the ledger. */
export function ballotEntriesRebuild(deps: { dataSource: DataSource; schema: string }): RebuildableProjection {
  const store = new BallotEntriesStore();
  return {
    name: 'ballot-entries',
    tables: ['ballot_entries'],
    insertOnly: true,
    source: () => new LedgerSource(deps.dataSource, deps.schema),
    applyBatch: (events, manager, schema) => store.record(manager, schema, events),
  };
}
