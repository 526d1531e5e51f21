import { Injectable } from '@nestjs/common';
import { newEvent, NotFound, Refusal, type EventContext, type PaperRefusalReason } from '@plaza/contracts';
import { EventStore, quoteIdent } from '@plaza/event-store';
import { InjectSchema, validationFailed, type Caller } from '@plaza/nest-runtime';
import { v7 as uuidv7 } from 'uuid';
import { DataSource, type EntityManager } from 'typeorm';
import { asHttpError, BallotsService, type BallotReceipt } from '../ballots/ballots.service';
import type { PaperBallotDto } from '../ballots/dto/cast-ballot.dto';
import { codeIdentity, lockRound, pseudonymOf } from '../rounds/round-access';

export const paperStream = (roundId: string, batchId: string) => `paper-${roundId}-${batchId}`;

type Command = Omit<EventContext, 'roundId'>;

/** Sheets handled (entered or refused) minus sheets counted: 0 when the batch reconciles. */
export const discrepancyOf = (b: { entered: number; refused: number; sheets_counted: number }) => b.entered + b.refused - b.sheets_counted;

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
}

/**
 * Paper ballots, entered by staff one sheet at a time in batches: a batch is opened with the number of sheets
 * counted by hand; each sheet is then entered or set aside as refused (with a coarse reason, in the ledger), and
 * the closing report reconciles the count against the sheets entered plus refused.
 */
@Injectable()
export class PaperService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly ballots: BallotsService,
    @InjectSchema() private readonly schema: string,
  ) {}

  async open(roundId: string, operator: Caller, unitId: string, sheetsCounted: number, ctx: Command) {
    return this.dataSource.transaction(async (manager) => {
      const round = await lockRound(manager, this.schema, roundId);
      if (round.phase !== 'voting') throw new Refusal('voting-not-open', `paper ballots are entered only while voting is open (the round is in phase ${round.phase})`);
      if (!round.config.units.some((u) => u.id === unitId)) throw validationFailed([{ field: 'unitId', messages: [`unit ${unitId} is not part of this round`] }]);
      const batchId = uuidv7();
      const event = newEvent('PaperBatchOpened', { batchId, unitId, operatorId: operator.sub, sheetsCounted }, { ...ctx, roundId });
      await this.store.append(paperStream(roundId, batchId), 0, [event], { manager });
      await manager.query(
        `INSERT INTO ${quoteIdent(this.schema)}.paper_batches (batch_id, round_id, unit_id, operator_id, sheets_counted, status, opened_at)
         VALUES ($1, $2, $3, $4, $5, 'open', $6)`,
        [batchId, roundId, unitId, operator.sub, sheetsCounted, event.occurredAt],
      );
      return { roundId, batchId, unitId, sheetsCounted, status: 'open' as const, eventId: event.id };
    });
  }

  async enter(roundId: string, batchId: string, operator: Caller, dto: PaperBallotDto, ctx: Command): Promise<BallotReceipt> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const round = await lockRound(manager, this.schema, roundId);
        const batch = await this.lockBatch(manager, roundId, batchId);
        if (batch.status !== 'open') throw new Refusal('batch-closed', `batch ${batchId} is closed; open a new batch for more sheets`);
        const identity = round.config.eligibility.mode === 'codes' ? codeIdentity(dto.voter) : dto.voter;
        const receipt = await this.ballots.castLocked(
          manager,
          round,
          pseudonymOf(round.secret, identity),
          batch.unit_id,
          dto,
          { channel: 'paper', batchId, batchUnitId: batch.unit_id, operatorId: operator.sub },
          ctx,
        );
        await manager.query(`UPDATE ${quoteIdent(this.schema)}.paper_batches SET entered = entered + 1 WHERE batch_id = $1`, [batchId]);
        return receipt;
      });
    } catch (error) {
      throw asHttpError(error);
    }
  }

  /**
   * Sets one counted sheet of an open batch aside as refused: a PaperSheetRefused event on the batch's stream (the
   * reason only, never whose sheet it was) and one more refusal in the batch's count. Each call is one sheet.
   */
  async refuse(roundId: string, batchId: string, reason: PaperRefusalReason, ctx: Command) {
    return this.dataSource.transaction(async (manager) => {
      const round = await lockRound(manager, this.schema, roundId);
      if (round.phase !== 'voting') throw new Refusal('voting-not-open', `paper sheets are handled only while voting is open (the round is in phase ${round.phase})`);
      const batch = await this.lockBatch(manager, roundId, batchId);
      if (batch.status !== 'open') throw new Refusal('batch-closed', `batch ${batchId} is closed; open a new batch for more sheets`);
      const event = newEvent('PaperSheetRefused', { batchId, reason }, { ...ctx, roundId });
      const streamId = paperStream(roundId, batchId);
      await this.store.append(streamId, await this.store.streamVersion(streamId, { manager }), [event], { manager });
      await manager.query(`UPDATE ${quoteIdent(this.schema)}.paper_batches SET refused = refused + 1 WHERE batch_id = $1`, [batchId]);
      return { ...this.report({ ...batch, refused: batch.refused + 1 }, roundId), eventId: event.id, reason };
    });
  }

  /** Closes a batch; its report says whether the sheets counted agree with the sheets entered and refused. */
  async close(roundId: string, batchId: string, ctx: Command) {
    return this.dataSource.transaction(async (manager) => {
      await lockRound(manager, this.schema, roundId);
      const batch = await this.lockBatch(manager, roundId, batchId);
      if (batch.status !== 'open') throw new Refusal('batch-closed', `batch ${batchId} is already closed`);
      const payload = { batchId, entered: batch.entered, refused: batch.refused, sheetsCounted: batch.sheets_counted, discrepancy: discrepancyOf(batch) };
      const event = newEvent('PaperBatchClosed', payload, { ...ctx, roundId });
      const streamId = paperStream(roundId, batchId);
      await this.store.append(streamId, await this.store.streamVersion(streamId, { manager }), [event], { manager });
      await manager.query(`UPDATE ${quoteIdent(this.schema)}.paper_batches SET status = 'closed', closed_at = $2 WHERE batch_id = $1`, [
        batchId,
        event.occurredAt,
      ]);
      return this.report({ ...batch, status: 'closed', closed_at: new Date(event.occurredAt) }, roundId);
    });
  }

  async get(roundId: string, batchId: string) {
    const rows: BatchRow[] = await this.dataSource.query(`SELECT * FROM ${quoteIdent(this.schema)}.paper_batches WHERE batch_id = $1 AND round_id = $2`, [
      batchId,
      roundId,
    ]);
    if (rows.length === 0) throw new NotFound(`paper batch ${batchId} is not part of round ${roundId}`);
    return this.report(rows[0], roundId);
  }

  async list(roundId: string) {
    const rows: BatchRow[] = await this.dataSource.query(
      `SELECT * FROM ${quoteIdent(this.schema)}.paper_batches WHERE round_id = $1 ORDER BY opened_at, batch_id`,
      [roundId],
    );
    return { roundId, batches: rows.map((r) => this.report(r, roundId)) };
  }

  private report(b: BatchRow, roundId: string) {
    const discrepancy = discrepancyOf(b);
    return {
      roundId,
      batchId: b.batch_id,
      unitId: b.unit_id,
      operatorId: b.operator_id,
      status: b.status,
      sheetsCounted: b.sheets_counted,
      entered: b.entered,
      refused: b.refused,
      discrepancy,
      reconciled: discrepancy === 0,
      openedAt: new Date(b.opened_at).toISOString(),
      closedAt: b.closed_at ? new Date(b.closed_at).toISOString() : null,
    };
  }

  private async lockBatch(manager: EntityManager, roundId: string, batchId: string): Promise<BatchRow> {
    const rows: BatchRow[] = await manager.query(
      `SELECT * FROM ${quoteIdent(this.schema)}.paper_batches WHERE batch_id = $1 AND round_id = $2 FOR UPDATE`,
      [batchId, roundId],
    );
    if (rows.length === 0) throw new NotFound(`paper batch ${batchId} is not part of round ${roundId}`);
    return rows[0];
  }
}
