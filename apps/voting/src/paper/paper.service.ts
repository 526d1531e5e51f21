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
  /** Everyone who opened the batch, entered or refused a sheet in it. */
  operators: string[];
  overrides: number;
  confirmed_by: string | null;
  confirmed_at: Date | null;
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
        const pseudonym = pseudonymOf(round.secret, identity);
        const s = quoteIdent(this.schema);
        // Under paper-overrides-online a sheet may replace the voter's online ballot: counted per batch, and public.
        const online: unknown[] = await manager.query(
          `SELECT 1 FROM ${s}.ballot_box WHERE round_id = $1 AND voter_pseudonym = $2 AND unit_id = $3 AND channel = 'online'`,
          [roundId, pseudonym, batch.unit_id],
        );
        const receipt = await this.ballots.castLocked(
          manager,
          round,
          pseudonym,
          batch.unit_id,
          dto,
          { channel: 'paper', batchId, batchUnitId: batch.unit_id, operatorId: operator.sub },
          ctx,
        );
        await manager.query(
          `UPDATE ${s}.paper_batches SET entered = entered + 1, overrides = overrides + $2,
             operators = CASE WHEN $3 = ANY(operators) THEN operators ELSE array_append(operators, $3) END WHERE batch_id = $1`,
          [batchId, online.length > 0 ? 1 : 0, operator.sub],
        );
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
  async refuse(roundId: string, batchId: string, operator: Caller, reason: PaperRefusalReason, ctx: Command) {
    return this.dataSource.transaction(async (manager) => {
      const round = await lockRound(manager, this.schema, roundId);
      if (round.phase !== 'voting') throw new Refusal('voting-not-open', `paper sheets are handled only while voting is open (the round is in phase ${round.phase})`);
      const batch = await this.lockBatch(manager, roundId, batchId);
      if (batch.status !== 'open') throw new Refusal('batch-closed', `batch ${batchId} is closed; open a new batch for more sheets`);
      const event = newEvent('PaperSheetRefused', { batchId, reason }, { ...ctx, roundId });
      const streamId = paperStream(roundId, batchId);
      await this.store.append(streamId, await this.store.streamVersion(streamId, { manager }), [event], { manager });
      await manager.query(
        `UPDATE ${quoteIdent(this.schema)}.paper_batches SET refused = refused + 1,
           operators = CASE WHEN $2 = ANY(operators) THEN operators ELSE array_append(operators, $2) END WHERE batch_id = $1`,
        [batchId, operator.sub],
      );
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

  /**
   * A second staff member confirms a closed batch (four eyes): whoever opened it, entered or refused one of its
   * sheets cannot. PaperBatchConfirmed names the confirmer and how many sheets replaced an online ballot.
   */
  async confirm(roundId: string, batchId: string, confirmer: Caller, ctx: Command) {
    return this.dataSource.transaction(async (manager) => {
      await lockRound(manager, this.schema, roundId);
      const batch = await this.lockBatch(manager, roundId, batchId);
      if (batch.status !== 'closed') throw new Refusal('batch-open', `batch ${batchId} is still open: close it before it is confirmed`);
      if (batch.confirmed_by !== null) throw new Refusal('batch-confirmed', `batch ${batchId} was already confirmed by ${batch.confirmed_by}`);
      if (batch.operators.includes(confirmer.sub) || batch.operator_id === confirmer.sub) {
        throw new Refusal('four-eyes', 'you opened this batch or entered sheets in it, so you cannot confirm it: a second, different staff member must');
      }
      const event = newEvent('PaperBatchConfirmed', { batchId, confirmedBy: confirmer.sub, overrides: batch.overrides }, { ...ctx, roundId });
      const streamId = paperStream(roundId, batchId);
      await this.store.append(streamId, await this.store.streamVersion(streamId, { manager }), [event], { manager });
      await manager.query(`UPDATE ${quoteIdent(this.schema)}.paper_batches SET confirmed_by = $2, confirmed_at = $3 WHERE batch_id = $1`, [
        batchId,
        confirmer.sub,
        event.occurredAt,
      ]);
      return this.report({ ...batch, confirmed_by: confirmer.sub, confirmed_at: new Date(event.occurredAt) }, roundId);
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
      overrides: b.overrides,
      enteredBy: b.operators,
      confirmedBy: b.confirmed_by,
      openedAt: new Date(b.opened_at).toISOString(),
      closedAt: b.closed_at ? new Date(b.closed_at).toISOString() : null,
      confirmedAt: b.confirmed_at ? new Date(b.confirmed_at).toISOString() : null,
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
