import { InvalidInput, NotFound, Refusal } from '@plaza/contracts';
import { decidePaper, discrepancyOf, type PaperBatch, type PaperCommand, type PaperRound } from './paper.decider';

const ctx = { roundId: '01900000-0000-7000-8000-000000000001', correlationId: 'c', now: new Date('2027-03-01T10:00:00Z') };
const BATCH = '01900000-0000-7000-8000-0000000000b1';
const voting: PaperRound = { phase: 'voting', config: { units: [{ id: 'centre', name: 'Centre', kind: 'district', budget: 100 }] } };
const batch = (over: Partial<PaperBatch> = {}): PaperBatch => ({
  batchId: BATCH,
  unitId: 'centre',
  operatorId: 'ola',
  sheetsCounted: 3,
  entered: 2,
  refused: 0,
  status: 'open',
  operators: ['ola', 'piotr'],
  overrides: 1,
  confirmedBy: null,
  ...over,
});
const refusal = (command: PaperCommand, round: PaperRound, b: PaperBatch | null) => {
  try {
    decidePaper(command, round, b, ctx);
  } catch (error) {
    if (error instanceof Refusal) return error.code;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('paper batches', () => {
  it('open while voting is open, for a unit of the round', () => {
    const [event] = decidePaper({ kind: 'OpenBatch', batchId: BATCH, unitId: 'centre', operatorId: 'ola', sheetsCounted: 3 }, voting, null, ctx);
    expect(event).toMatchObject({ type: 'PaperBatchOpened', roundId: ctx.roundId, payload: { batchId: BATCH, unitId: 'centre', operatorId: 'ola', sheetsCounted: 3 } });
    expect(refusal({ kind: 'OpenBatch', batchId: BATCH, unitId: 'centre', operatorId: 'ola', sheetsCounted: 3 }, { ...voting, phase: 'review' }, null)).toBe('voting-not-open');
    expect(() => decidePaper({ kind: 'OpenBatch', batchId: BATCH, unitId: 'south', operatorId: 'ola', sheetsCounted: 3 }, voting, null, ctx)).toThrow(InvalidInput);
  });

  it('take sheets only while open, and refuse sheets only while voting is open', () => {
    expect(decidePaper({ kind: 'EnterSheet', batchId: BATCH }, voting, batch(), ctx)).toEqual([]);
    expect(refusal({ kind: 'EnterSheet', batchId: BATCH }, voting, batch({ status: 'closed' }))).toBe('batch-closed');
    const [refused] = decidePaper({ kind: 'RefuseSheet', batchId: BATCH, reason: 'spoiled' }, voting, batch(), ctx);
    expect(refused).toMatchObject({ type: 'PaperSheetRefused', payload: { batchId: BATCH } });
    expect(refusal({ kind: 'RefuseSheet', batchId: BATCH, reason: 'spoiled' }, { ...voting, phase: 'closed' }, batch())).toBe('voting-not-open');
    expect(() => decidePaper({ kind: 'EnterSheet', batchId: BATCH }, voting, null, ctx)).toThrow(NotFound);
  });

  it('close once, reporting the discrepancy', () => {
    const [closed] = decidePaper({ kind: 'CloseBatch', batchId: BATCH }, voting, batch(), ctx);
    expect(closed).toMatchObject({ type: 'PaperBatchClosed', payload: { entered: 2, refused: 0, sheetsCounted: 3, discrepancy: -1 } });
    expect(discrepancyOf({ entered: 2, refused: 1, sheetsCounted: 3 })).toBe(0);
    expect(refusal({ kind: 'CloseBatch', batchId: BATCH }, voting, batch({ status: 'closed' }))).toBe('batch-closed');
  });

  it('are confirmed once, after the close, by someone who handled none of their sheets (four eyes)', () => {
    const closed = batch({ status: 'closed' });
    const [confirmed] = decidePaper({ kind: 'ConfirmBatch', batchId: BATCH, confirmerId: 'ewa' }, voting, closed, ctx);
    expect(confirmed).toMatchObject({ type: 'PaperBatchConfirmed', payload: { batchId: BATCH, confirmedBy: 'ewa', overrides: 1 } });
    expect(refusal({ kind: 'ConfirmBatch', batchId: BATCH, confirmerId: 'ewa' }, voting, batch())).toBe('batch-open');
    expect(refusal({ kind: 'ConfirmBatch', batchId: BATCH, confirmerId: 'piotr' }, voting, closed)).toBe('four-eyes');
    expect(refusal({ kind: 'ConfirmBatch', batchId: BATCH, confirmerId: 'ola' }, voting, batch({ status: 'closed', operators: [] }))).toBe('four-eyes');
    expect(refusal({ kind: 'ConfirmBatch', batchId: BATCH, confirmerId: 'ewa' }, voting, batch({ status: 'closed', confirmedBy: 'jan' }))).toBe('batch-confirmed');
  });
});
