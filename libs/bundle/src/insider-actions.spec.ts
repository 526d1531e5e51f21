import type { PlazaEvent } from '@plaza/contracts';
import { InsiderActions } from './insider-actions';

const ROUND = '01900000-0000-7000-8000-000000000000';
const id = (n: number) => `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`;
const P = (c: string) => c.repeat(64);
let n = 0;
const ev = (type: string, payload: object, schemaVersion = 1) =>
  ({ id: id(++n), type, schemaVersion, streamId: 's', streamVersion: 1, roundId: ROUND, occurredAt: '2027-03-01T08:00:00.000Z', producer: 'voting', correlationId: 'c', causationId: null, payload }) as unknown as PlazaEvent;

function run(events: PlazaEvent[]) {
  const insider = new InsiderActions();
  const ids = new Map<string, number>();
  events.forEach((e, i) => insider.apply(i, e, (p) => ids.get(p) ?? (ids.set(p, ids.size), ids.size - 1)));
  return insider;
}

describe('insider actions in the ledger', () => {
  const change = id(900);
  const batch = id(901);
  const request = ev('EligibilityChangeRequested', { changeId: change, kind: 'roll', requestedBy: 'admin-a', perUnit: { centre: 1 } });

  it('lists a four-eyes change and the registration it allowed', () => {
    const insider = run([
      request,
      ev('EligibilityChangeConfirmed', { changeId: change, confirmedBy: 'admin-b', registered: 1 }),
      ev('VotersRegistered', { source: 'roll', voters: [{ pseudonym: P('a'), unitId: 'centre' }], changeId: change }, 2),
    ]);
    expect(insider.failures).toEqual([]);
    expect(insider.report().actions.map((a) => a.by ?? null)).toEqual(['admin-a', 'admin-b', null]);
  });

  it('catches a change confirmed by its requester, a registration under an unconfirmed change, and unsorted voters', () => {
    const insider = run([
      ev('VotersRegistered', { source: 'roll', voters: [{ pseudonym: P('b'), unitId: 'centre' }, { pseudonym: P('a'), unitId: 'centre' }] }, 2),
      ev('VotersRegistered', { source: 'roll', voters: [{ pseudonym: P('c'), unitId: 'centre' }], changeId: change }, 2),
      request,
      ev('EligibilityChangeConfirmed', { changeId: change, confirmedBy: 'admin-a', registered: 1 }),
    ]);
    expect(insider.failures.map((f) => [f.check, f.index])).toEqual([
      ['registration-order', 0],
      ['four-eyes', 1],
      ['four-eyes', 3],
    ]);
    expect(insider.failures[2].message).toContain('same administrator, admin-a');
  });

  it('old (v1) registrations in roll order are not judged by the v2 order rule', () => {
    const v1 = ev('VotersRegistered', { source: 'roll', voters: [{ pseudonym: P('b'), unitId: 'centre', ageBand: '65+' }, { pseudonym: P('a'), unitId: 'centre' }] }, 1);
    expect(run([v1]).failures).toEqual([]);
  });

  it('recounts paper overrides per batch and catches a batch confirmed by its own clerk or with a wrong count', () => {
    const cast = (voter: string, channel: 'online' | 'paper', operatorId = 'clerk-1') =>
      ev('BallotCast', { ballotId: id(++n + 1000), voterPseudonym: P(voter), unitId: 'centre', channel, choices: [], ...(channel === 'paper' ? { paper: { batchId: batch, operatorId } } : {}) });
    const history = [
      cast('a', 'online'),
      cast('b', 'online'),
      ev('PaperBatchOpened', { batchId: batch, unitId: 'centre', operatorId: 'clerk-0', sheetsCounted: 3 }),
      cast('a', 'paper'),
      cast('c', 'paper', 'clerk-2'),
    ];
    const good = run([...history, ev('PaperBatchConfirmed', { batchId: batch, confirmedBy: 'clerk-3', overrides: 1 })]);
    expect(good.failures).toEqual([]);
    expect(good.report().paperBatches).toEqual([{ batchId: batch, unitId: 'centre', openedBy: 'clerk-0', enteredBy: ['clerk-1', 'clerk-2'], entered: 2, overrides: 1, confirmedBy: 'clerk-3' }]);
    for (const [confirmedBy, overrides] of [['clerk-0', 1], ['clerk-2', 1], ['clerk-3', 0]] as const) {
      const bad = run([...history, ev('PaperBatchConfirmed', { batchId: batch, confirmedBy, overrides })]);
      expect(bad.failures).toEqual([expect.objectContaining({ check: 'four-eyes', index: history.length })]);
    }
  });
});
