import type { RoundConfig } from '@plaza/contracts';
import { ratio, resultsView, unitResultView, type ResultsRows } from './results.view';

const config = {
  name: 'Round',
  currency: 'PLN',
  units: [
    { id: 'centre', name: 'Centre', kind: 'district', budget: 100 },
    { id: 'north', name: 'North', kind: 'district', budget: 100 },
    { id: 'green', name: 'Green', kind: 'category', budget: 50 },
  ],
} as RoundConfig;
const rows: ResultsRows = {
  roundId: 'r',
  config,
  phase: 'closed',
  closedAt: '2027-03-01T10:00:00.000Z',
  votingClosedEventId: 'closed',
  declared: [{ unitId: 'centre', eventId: 'd1', payload: { unitId: 'centre', status: 'declared', selected: ['p1'], ballotsCounted: 3, spent: 60 } as never }],
  proposals: [{ proposalId: 'p1', title: 'Trees', cost: 60 }],
  registeredPerUnit: [
    { unitId: 'centre', voters: 4 },
    { unitId: 'north', voters: 6 },
  ],
  ballotsPerUnit: [
    { unitId: 'centre', channel: 'online', ballots: 2 },
    { unitId: 'centre', channel: 'paper', ballots: 1 },
    { unitId: 'green', channel: 'online', ballots: 5 },
  ],
  lastChannelPerVoter: ['online', 'online', 'paper', 'online', 'online'],
  paperBatches: [
    { batchId: 'b1', unitId: 'centre', status: 'closed', sheetsCounted: 2, entered: 1, refused: 1, overrides: 0, confirmedBy: 'ewa' },
    { batchId: 'b2', unitId: 'centre', status: 'closed', sheetsCounted: 3, entered: 1, refused: 0, overrides: 1, confirmedBy: null },
  ],
  ageBands: [{ band: '18-29', registered: 10, voted: 5, turnout: 0.5 }],
  ageBandMinCell: 5,
};

describe('the results view', () => {
  const view = resultsView(rows);

  it('gives a district its own voters and a category the whole round', () => {
    expect(view.units.find((u) => u.unitId === 'centre')!.participation).toEqual({ registered: 4, voted: 3, turnout: 0.75, byChannel: { online: 2, paper: 1 } });
    expect(view.units.find((u) => u.unitId === 'green')!.participation).toEqual({ registered: 10, voted: 5, turnout: 0.5, byChannel: { online: 5, paper: 0 } });
    expect(view.participation).toMatchObject({ registered: 10, voted: 5, turnout: 0.5, byChannel: { online: 4, paper: 1 }, ageBandMinCell: 5 });
  });

  it('names the winners and leaves undeclared units empty', () => {
    expect(view.units[0]).toMatchObject({ declaredEventId: 'd1', winners: [{ rank: 1, proposalId: 'p1', title: 'Trees', cost: 60 }], ballotsCounted: 3 });
    expect(view.units[1]).toMatchObject({ declaredEventId: null, status: null, winners: [], ballotsCounted: 0 });
    expect(unitResultView(view, 'north')).toMatchObject({ roundId: 'r', round: 'Round', currency: 'PLN', unitId: 'north' });
    expect(unitResultView(view, 'south')).toBeUndefined();
  });

  it('points at paper batches that do not reconcile', () => {
    expect(view.paperBatches).toMatchObject({ batches: 2, open: 0, sheetsCounted: 5, entered: 2, refused: 1, overrides: 1, unconfirmed: 1 });
    expect(view.paperBatches.needingAttention).toEqual([{ batchId: 'b2', unitId: 'centre', status: 'closed', discrepancy: -2 }]);
  });

  it('rounds ratios to four places and has none of nothing', () => {
    expect(ratio(1, 3)).toBe(0.3333);
    expect(ratio(0, 0)).toBeNull();
  });
});
