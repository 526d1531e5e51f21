import { Injectable } from '@nestjs/common';
import type { EventContext, PaperRefusalReason } from '@plaza/contracts';
import { InjectSchema, type Caller } from '@plaza/nest-runtime';
import { v7 as uuidv7 } from 'uuid';
import { DataSource } from 'typeorm';
import { BallotsService, type BallotReceipt } from '../ballots/ballots.service';
import type { PaperBallotDto } from '../ballots/dto/cast-ballot.dto';
import { codeIdentity, lockRound, pseudonymOf } from '../rounds/round-access';
import { decidePaper, discrepancyOf } from './paper.decider';
import { PaperStore, type PaperBatchRecord } from './paper.store';

type Command = Omit<EventContext, 'roundId'>;

/**
 * Paper ballots, entered by staff one sheet at a time in batches: a batch is opened with the number of sheets
 * counted by hand; each sheet is then entered or set aside as refused (with a coarse reason, in the ledger), and
 * the closing report reconciles the count against the sheets entered plus refused. Each command loads the round
 * and the batch (locked), asks decidePaper and appends what it decided; the rules are all in the decider.
 */
@Injectable()
export class PaperService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly batches: PaperStore,
    private readonly ballots: BallotsService,
    @InjectSchema() private readonly schema: string,
  ) {}

  async open(roundId: string, operator: Caller, unitId: string, sheetsCounted: number, ctx: Command) {
    return this.dataSource.transaction(async (manager) => {
      const round = await lockRound(manager, this.schema, roundId);
      const batchId = uuidv7();
      const [event] = decidePaper({ kind: 'OpenBatch', batchId, unitId, operatorId: operator.sub, sheetsCounted }, round, null, { ...ctx, roundId });
      await this.batches.append(manager, roundId, batchId, [event!], true);
      await this.batches.opened(manager, roundId, { batchId, unitId, operatorId: operator.sub, sheetsCounted, at: event!.occurredAt });
      return { roundId, batchId, unitId, sheetsCounted, status: 'open' as const, eventId: event!.id };
    });
  }

  async enter(roundId: string, batchId: string, operator: Caller, dto: PaperBallotDto, ctx: Command): Promise<BallotReceipt> {
    return this.dataSource.transaction(async (manager) => {
      const round = await lockRound(manager, this.schema, roundId);
      const batch = await this.batches.lock(manager, roundId, batchId);
      decidePaper({ kind: 'EnterSheet', batchId }, round, batch, { ...ctx, roundId });
      const identity = round.config.eligibility.mode === 'codes' ? codeIdentity(dto.voter) : dto.voter;
      const pseudonym = pseudonymOf(round.secret, identity);
      // Under paper-overrides-online a sheet may replace the voter's online ballot: counted per batch, and public.
      const override = await this.batches.hasOnlineBallot(manager, roundId, pseudonym, batch!.unitId);
      const receipt = await this.ballots.castLocked(
        manager,
        round,
        pseudonym,
        batch!.unitId,
        dto,
        { channel: 'paper', batchId, batchUnitId: batch!.unitId, operatorId: operator.sub },
        ctx,
      );
      await this.batches.handled(manager, batchId, operator.sub, { entered: true, override });
      return receipt;
    });
  }

  /**
   * Sets one counted sheet of an open batch aside as refused: a PaperSheetRefused event on the batch's stream (the
   * reason only, never whose sheet it was) and one more refusal in the batch's count. Each call is one sheet.
   */
  async refuse(roundId: string, batchId: string, operator: Caller, reason: PaperRefusalReason, ctx: Command) {
    return this.dataSource.transaction(async (manager) => {
      const round = await lockRound(manager, this.schema, roundId);
      const batch = await this.batches.lock(manager, roundId, batchId);
      const [event] = decidePaper({ kind: 'RefuseSheet', batchId, reason }, round, batch, { ...ctx, roundId });
      await this.batches.append(manager, roundId, batchId, [event!]);
      await this.batches.handled(manager, batchId, operator.sub, { refused: true });
      return { ...report({ ...batch!, refused: batch!.refused + 1 }, roundId), eventId: event!.id, reason };
    });
  }

  /** Closes a batch; its report says whether the sheets counted agree with the sheets entered and refused. */
  async close(roundId: string, batchId: string, ctx: Command) {
    return this.dataSource.transaction(async (manager) => {
      const round = await lockRound(manager, this.schema, roundId);
      const batch = await this.batches.lock(manager, roundId, batchId);
      const [event] = decidePaper({ kind: 'CloseBatch', batchId }, round, batch, { ...ctx, roundId });
      await this.batches.append(manager, roundId, batchId, [event!]);
      await this.batches.closed(manager, batchId, event!.occurredAt);
      return report({ ...batch!, status: 'closed', closedAt: new Date(event!.occurredAt) }, roundId);
    });
  }

  /**
   * A second staff member confirms a closed batch (four eyes): whoever opened it, entered or refused one of its
   * sheets cannot. PaperBatchConfirmed names the confirmer and how many sheets replaced an online ballot.
   */
  async confirm(roundId: string, batchId: string, confirmer: Caller, ctx: Command) {
    return this.dataSource.transaction(async (manager) => {
      const round = await lockRound(manager, this.schema, roundId);
      const batch = await this.batches.lock(manager, roundId, batchId);
      const [event] = decidePaper({ kind: 'ConfirmBatch', batchId, confirmerId: confirmer.sub }, round, batch, { ...ctx, roundId });
      await this.batches.append(manager, roundId, batchId, [event!]);
      await this.batches.confirmed(manager, batchId, confirmer.sub, event!.occurredAt);
      return report({ ...batch!, confirmedBy: confirmer.sub, confirmedAt: new Date(event!.occurredAt) }, roundId);
    });
  }

  async get(roundId: string, batchId: string) {
    return report(await this.batches.get(roundId, batchId), roundId);
  }

  async list(roundId: string) {
    return { roundId, batches: (await this.batches.list(roundId)).map((b) => report(b, roundId)) };
  }
}

/** A batch as the API shows it, with its reconciliation. */
export function report(b: PaperBatchRecord, roundId: string) {
  const discrepancy = discrepancyOf(b);
  return {
    roundId,
    batchId: b.batchId,
    unitId: b.unitId,
    operatorId: b.operatorId,
    status: b.status,
    sheetsCounted: b.sheetsCounted,
    entered: b.entered,
    refused: b.refused,
    discrepancy,
    reconciled: discrepancy === 0,
    overrides: b.overrides,
    enteredBy: b.operators,
    confirmedBy: b.confirmedBy,
    openedAt: b.openedAt.toISOString(),
    closedAt: b.closedAt ? b.closedAt.toISOString() : null,
    confirmedAt: b.confirmedAt ? b.confirmedAt.toISOString() : null,
  };
}
