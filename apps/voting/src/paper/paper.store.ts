import { Injectable } from '@nestjs/common';
import { NotFound, type NewEvent } from '@plaza/contracts';
import { EventStore, quoteIdent } from '@plaza/event-store';
import { InjectSchema } from '@plaza/nest-runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { paperStream, type PaperBatch } from './paper.decider';

/** A batch with its times, as the API reports it. */
export interface PaperBatchRecord extends PaperBatch {
  readonly openedAt: Date;
  readonly closedAt: Date | null;
  readonly confirmedAt: Date | null;
}

interface BatchRow {
  batch_id: string;
  unit_id: string;
  operator_id: string;
  sheets_counted: number;
  entered: number;
  refused: number;
  status: 'open' | 'closed';
  opened_at: Date;
  closed_at: Date | null;
  operators: string[];
  overrides: number;
  confirmed_by: string | null;
  confirmed_at: Date | null;
}

const record = (r: BatchRow): PaperBatchRecord => ({
  batchId: r.batch_id,
  unitId: r.unit_id,
  operatorId: r.operator_id,
  sheetsCounted: r.sheets_counted,
  entered: r.entered,
  refused: r.refused,
  status: r.status,
  operators: r.operators,
  overrides: r.overrides,
  confirmedBy: r.confirmed_by,
  openedAt: new Date(r.opened_at),
  closedAt: r.closed_at ? new Date(r.closed_at) : null,
  confirmedAt: r.confirmed_at ? new Date(r.confirmed_at) : null,
});

/** Every SQL statement of paper batches: the paper_batches rows and the batch streams' appends. */
@Injectable()
export class PaperStore {
  private readonly s: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    @InjectSchema() schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  /** The batch, its row locked until the caller's transaction ends; null when it is not part of the round. */
  async lock(manager: EntityManager, roundId: string, batchId: string): Promise<PaperBatchRecord | null> {
    const rows: BatchRow[] = await manager.query(`SELECT * FROM ${this.s}.paper_batches WHERE batch_id = $1 AND round_id = $2 FOR UPDATE`, [batchId, roundId]);
    return rows.length === 0 ? null : record(rows[0]);
  }

  async get(roundId: string, batchId: string): Promise<PaperBatchRecord> {
    const rows: BatchRow[] = await this.dataSource.query(`SELECT * FROM ${this.s}.paper_batches WHERE batch_id = $1 AND round_id = $2`, [batchId, roundId]);
    if (rows.length === 0) throw new NotFound(`paper batch ${batchId} is not part of round ${roundId}`);
    return record(rows[0]);
  }

  async list(roundId: string): Promise<PaperBatchRecord[]> {
    const rows: BatchRow[] = await this.dataSource.query(`SELECT * FROM ${this.s}.paper_batches WHERE round_id = $1 ORDER BY opened_at, batch_id`, [roundId]);
    return rows.map(record);
  }

  /** Appends a batch's events after what its stream holds (the batch row is locked, so no one else appends). */
  async append(manager: EntityManager, roundId: string, batchId: string, events: readonly NewEvent[], opened = false): Promise<void> {
    const streamId = paperStream(roundId, batchId);
    await this.store.append(streamId, opened ? 0 : await this.store.streamVersion(streamId, { manager }), events, { manager });
  }

  async opened(manager: EntityManager, roundId: string, b: { batchId: string; unitId: string; operatorId: string; sheetsCounted: number; at: string }): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.s}.paper_batches (batch_id, round_id, unit_id, operator_id, sheets_counted, status, opened_at)
       VALUES ($1, $2, $3, $4, $5, 'open', $6)`,
      [b.batchId, roundId, b.unitId, b.operatorId, b.sheetsCounted, b.at],
    );
  }

  /** Does the voter hold an online ballot for the unit (a paper sheet would replace it: an override)? */
  async hasOnlineBallot(manager: EntityManager, roundId: string, pseudonym: string, unitId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM ${this.s}.ballot_box WHERE round_id = $1 AND voter_pseudonym = $2 AND unit_id = $3 AND channel = 'online'`,
      [roundId, pseudonym, unitId],
    );
    return rows.length > 0;
  }

  /** One more sheet handled by `operatorId`: entered (an override or not) or refused. */
  async handled(manager: EntityManager, batchId: string, operatorId: string, sheet: { entered: true; override: boolean } | { refused: true }): Promise<void> {
    const counts = 'entered' in sheet ? `entered = entered + 1, overrides = overrides + ${sheet.override ? 1 : 0}` : 'refused = refused + 1';
    await manager.query(
      `UPDATE ${this.s}.paper_batches SET ${counts},
         operators = CASE WHEN $2 = ANY(operators) THEN operators ELSE array_append(operators, $2) END WHERE batch_id = $1`,
      [batchId, operatorId],
    );
  }

  async closed(manager: EntityManager, batchId: string, at: string): Promise<void> {
    await manager.query(`UPDATE ${this.s}.paper_batches SET status = 'closed', closed_at = $2 WHERE batch_id = $1`, [batchId, at]);
  }

  async confirmed(manager: EntityManager, batchId: string, confirmedBy: string, at: string): Promise<void> {
    await manager.query(`UPDATE ${this.s}.paper_batches SET confirmed_by = $2, confirmed_at = $3 WHERE batch_id = $1`, [batchId, confirmedBy, at]);
  }
}
