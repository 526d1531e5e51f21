import { Injectable } from '@nestjs/common';
import { NotFound } from '@plaza/contracts';
import { quoteIdent } from '@plaza/event-store';
import { InjectSchema } from '@plaza/nest-runtime';
import { DataSource } from 'typeorm';
import { CHECKPOINT_COLUMNS, toCheckpointView, toCosignatureView, type CheckpointRow, type CheckpointView, type CosignatureRow } from './checkpoints';

export interface EntryRow {
  index: string;
  event_id: string;
  leaf_hash: Buffer;
  canonical: Buffer;
  event_type: string;
  round_id: string;
  producer: string;
  appended_at: Date;
}

export const ENTRY_COLUMNS = 'index, event_id, leaf_hash, canonical, event_type, round_id, producer, appended_at';

export interface EntryView {
  readonly index: number;
  readonly eventId: string;
  readonly type: string;
  readonly roundId: string;
  readonly producer: string;
  readonly leafHash: string;
  readonly appendedAt: string;
  /** The event exactly as hashed: RFC 8785 canonical JSON. */
  readonly canonical: string;
}

export function toEntry(row: EntryRow): EntryView {
  return {
    index: Number(row.index),
    eventId: row.event_id,
    type: row.event_type,
    roundId: row.round_id,
    producer: row.producer,
    leafHash: row.leaf_hash.toString('hex'),
    appendedAt: row.appended_at.toISOString(),
    canonical: row.canonical.toString('utf8'),
  };
}

/** Read side of the ledger tables, shared by the ledger, proof, receipt and bundle endpoints. */
@Injectable()
export class LedgerQuery {
  constructor(
    private readonly dataSource: DataSource,
    @InjectSchema() private readonly schema: string,
  ) {}

  private get s(): string {
    return quoteIdent(this.schema);
  }

  async entryByIndex(index: number): Promise<EntryView | undefined> {
    const rows: EntryRow[] = await this.dataSource.query(`SELECT ${ENTRY_COLUMNS} FROM ${this.s}.ledger_entries WHERE index = $1`, [index]);
    return rows[0] && toEntry(rows[0]);
  }

  async entryByEvent(eventId: string): Promise<EntryView | undefined> {
    const rows: EntryRow[] = await this.dataSource.query(`SELECT ${ENTRY_COLUMNS} FROM ${this.s}.ledger_entries WHERE event_id = $1`, [eventId]);
    return rows[0] && toEntry(rows[0]);
  }

  /**
   * What became of a ballot, for receipt checks: whether a later version of the same voter's ballot in the same
   * unit is in the ledger (never which), and whether the audit service's recount counted it at the close (null
   * until that recount has run: voting still open, or the close not yet recounted). Undefined: not a ballot.
   */
  async ballotFate(eventId: string): Promise<{ superseded: boolean; counted: boolean | null } | undefined> {
    const rows: { superseded: boolean; recounted: boolean; counted: boolean }[] = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM ${this.s}.ballot_entries l
                       WHERE l.stream_id = b.stream_id AND l.unit_id = b.unit_id AND l.stream_version > b.stream_version) AS superseded,
              EXISTS (SELECT 1 FROM ${this.s}.round_counts r WHERE r.round_id = b.round_id) AS recounted,
              EXISTS (SELECT 1 FROM ${this.s}.counted_ballots c WHERE c.event_id = b.event_id) AS counted
         FROM ${this.s}.ballot_entries b WHERE b.event_id = $1`,
      [eventId],
    );
    const r = rows[0];
    return r && { superseded: r.superseded, counted: r.recounted ? r.counted : null };
  }

  async latestCheckpoint(): Promise<CheckpointView | undefined> {
    const rows: CheckpointRow[] = await this.dataSource.query(`SELECT ${CHECKPOINT_COLUMNS} FROM ${this.s}.checkpoints ORDER BY size DESC LIMIT 1`);
    return (await this.#withCosignatures(rows))[0];
  }

  async checkpointAt(size: number): Promise<CheckpointView | undefined> {
    const rows: CheckpointRow[] = await this.dataSource.query(`SELECT ${CHECKPOINT_COLUMNS} FROM ${this.s}.checkpoints WHERE size = $1`, [size]);
    return (await this.#withCosignatures(rows))[0];
  }

  /** The checkpoint a proof is asked against: the one of `size`, or the latest. 404 when there is none. */
  async checkpointFor(size: number | undefined): Promise<CheckpointView> {
    const cp = size === undefined ? await this.latestCheckpoint() : await this.checkpointAt(size);
    if (!cp) throw new NotFound(size === undefined ? 'no checkpoint has been signed yet' : `no checkpoint of size ${size}`);
    return cp;
  }

  /** Checkpoints with size > `after`, ascending. */
  async checkpoints(after: number, limit: number, upTo = Number.MAX_SAFE_INTEGER): Promise<CheckpointView[]> {
    const rows: CheckpointRow[] = await this.dataSource.query(
      `SELECT ${CHECKPOINT_COLUMNS} FROM ${this.s}.checkpoints WHERE size > $1 AND size <= $3 ORDER BY size LIMIT $2`,
      [after, limit, upTo],
    );
    return this.#withCosignatures(rows);
  }

  /** The checkpoint rows as views, each with the cosignatures stored for it (in the order received). */
  async #withCosignatures(rows: CheckpointRow[]): Promise<CheckpointView[]> {
    if (rows.length === 0) return [];
    const cosigned: CosignatureRow[] = await this.dataSource.query(
      `SELECT size, key_name, key_id, verifier_key, cosigned_at, line FROM ${this.s}.cosignatures WHERE size = ANY($1::bigint[]) ORDER BY received_at, key_name, key_id`,
      [rows.map((r) => r.size)],
    );
    const bySize = new Map<string, CosignatureRow[]>();
    for (const c of cosigned) bySize.set(String(c.size), [...(bySize.get(String(c.size)) ?? []), c]);
    return rows.map((r) => toCheckpointView(r, (bySize.get(String(r.size)) ?? []).map(toCosignatureView)));
  }

  /** Entries from `from` in index order, of one round or all. */
  async entries(from: number, limit: number, roundId?: string, before = Number.MAX_SAFE_INTEGER): Promise<EntryView[]> {
    const rows: EntryRow[] = roundId
      ? await this.dataSource.query(
          `SELECT ${ENTRY_COLUMNS} FROM ${this.s}.ledger_entries WHERE round_id = $3 AND index >= $1 AND index < $4 ORDER BY index LIMIT $2`,
          [from, limit, roundId, before],
        )
      : await this.dataSource.query(
          `SELECT ${ENTRY_COLUMNS} FROM ${this.s}.ledger_entries WHERE index >= $1 AND index < $3 ORDER BY index LIMIT $2`,
          [from, limit, before],
        );
    return rows.map(toEntry);
  }

  /**
   * Index, leaf hash and (for `roundId`'s entries only) canonical bytes of every entry in [from, before), in
   * index order: what a bundle needs, without loading other rounds' events.
   */
  async leaves(from: number, limit: number, before: number, roundId: string): Promise<{ index: number; leafHash: Buffer; canonical: Buffer | null }[]> {
    const rows: { index: string; leaf_hash: Buffer; canonical: Buffer | null }[] = await this.dataSource.query(
      `SELECT index, leaf_hash, CASE WHEN round_id = $4 THEN canonical END AS canonical
         FROM ${this.s}.ledger_entries WHERE index >= $1 AND index < $3 ORDER BY index LIMIT $2`,
      [from, limit, before, roundId],
    );
    return rows.map((r) => ({ index: Number(r.index), leafHash: r.leaf_hash, canonical: r.canonical }));
  }

  async size(): Promise<number> {
    const [{ size }]: { size: string }[] = await this.dataSource.query(`SELECT size FROM ${this.s}.ledger_head`);
    return Number(size);
  }
}
