import { InvalidInput, newEvent, NotFound, Refusal, type EventContext, type NewEvent, type PaperRefusalReason, type Phase, type RoundConfig } from '@plaza/contracts';

export const paperStream = (roundId: string, batchId: string) => `paper-${roundId}-${batchId}`;

/** Sheets handled (entered or refused) minus sheets counted: 0 when the batch reconciles. */
export const discrepancyOf = (b: { entered: number; refused: number; sheetsCounted: number }) => b.entered + b.refused - b.sheetsCounted;

/** A paper batch as its rules see it (the row in paper_batches, in camelCase). */
export interface PaperBatch {
  readonly batchId: string;
  readonly unitId: string;
  readonly operatorId: string;
  readonly sheetsCounted: number;
  readonly entered: number;
  readonly refused: number;
  readonly status: 'open' | 'closed';
  /** Everyone who opened the batch, entered or refused a sheet in it. */
  readonly operators: readonly string[];
  readonly overrides: number;
  readonly confirmedBy: string | null;
}

export interface PaperRound {
  readonly phase: Phase;
  readonly config: Pick<RoundConfig, 'units'>;
}

export type PaperCommand =
  | { readonly kind: 'OpenBatch'; readonly batchId: string; readonly unitId: string; readonly operatorId: string; readonly sheetsCounted: number }
  | { readonly kind: 'EnterSheet'; readonly batchId: string }
  | { readonly kind: 'RefuseSheet'; readonly batchId: string; readonly reason: PaperRefusalReason }
  | { readonly kind: 'CloseBatch'; readonly batchId: string }
  | { readonly kind: 'ConfirmBatch'; readonly batchId: string; readonly confirmerId: string };

/**
 * The rules of paper batches: a batch is opened (while voting is open, for a unit of the round) with the sheets
 * counted by hand; sheets are entered or refused only while it is open (refused only while voting is open); it is
 * closed once, then confirmed once by a staff member who neither opened it nor handled one of its sheets (four
 * eyes). Entering a sheet appends no batch event (the ballot is its record): its decision is only the check.
 * `batch` is null when the round has no such batch (404).
 */
export function decidePaper(command: PaperCommand, round: PaperRound, batch: PaperBatch | null, ctx: EventContext): NewEvent[] {
  switch (command.kind) {
    case 'OpenBatch': {
      if (round.phase !== 'voting') throw new Refusal('voting-not-open', `paper ballots are entered only while voting is open (the round is in phase ${round.phase})`);
      if (!round.config.units.some((u) => u.id === command.unitId)) throw InvalidInput.of([{ field: 'unitId', message: `unit ${command.unitId} is not part of this round` }]);
      const { batchId, unitId, operatorId, sheetsCounted } = command;
      return [newEvent('PaperBatchOpened', { batchId, unitId, operatorId, sheetsCounted }, ctx)];
    }
    case 'EnterSheet':
      refuseUnlessOpen(existing(batch, command.batchId, ctx.roundId));
      return [];
    case 'RefuseSheet': {
      if (round.phase !== 'voting') throw new Refusal('voting-not-open', `paper sheets are handled only while voting is open (the round is in phase ${round.phase})`);
      const b = existing(batch, command.batchId, ctx.roundId);
      refuseUnlessOpen(b);
      return [newEvent('PaperSheetRefused', { batchId: b.batchId, reason: command.reason }, ctx)];
    }
    case 'CloseBatch': {
      const b = existing(batch, command.batchId, ctx.roundId);
      if (b.status !== 'open') throw new Refusal('batch-closed', `batch ${b.batchId} is already closed`);
      const payload = { batchId: b.batchId, entered: b.entered, refused: b.refused, sheetsCounted: b.sheetsCounted, discrepancy: discrepancyOf(b) };
      return [newEvent('PaperBatchClosed', payload, ctx)];
    }
    case 'ConfirmBatch': {
      const b = existing(batch, command.batchId, ctx.roundId);
      if (b.status !== 'closed') throw new Refusal('batch-open', `batch ${b.batchId} is still open: close it before it is confirmed`);
      if (b.confirmedBy !== null) throw new Refusal('batch-confirmed', `batch ${b.batchId} was already confirmed by ${b.confirmedBy}`);
      if (b.operators.includes(command.confirmerId) || b.operatorId === command.confirmerId) {
        throw new Refusal('four-eyes', 'you opened this batch or entered sheets in it, so you cannot confirm it: a second, different staff member must');
      }
      return [newEvent('PaperBatchConfirmed', { batchId: b.batchId, confirmedBy: command.confirmerId, overrides: b.overrides }, ctx)];
    }
    default: {
      const never: never = command;
      throw new Error(`unknown paper command ${JSON.stringify(never)}`);
    }
  }
}

function existing(batch: PaperBatch | null, batchId: string, roundId: string): PaperBatch {
  if (!batch) throw new NotFound(`paper batch ${batchId} is not part of round ${roundId}`);
  return batch;
}

function refuseUnlessOpen(b: PaperBatch): void {
  if (b.status !== 'open') throw new Refusal('batch-closed', `batch ${b.batchId} is closed; open a new batch for more sheets`);
}
