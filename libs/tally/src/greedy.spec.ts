import { rat, tally } from '.';
import { approvals, instance, pointBallots } from '../test/helpers';

// Budget 100; support P1 5 > P2 4 > P3 3 > P4 2 > P5 1.
const base = instance(100, [
  ['P1', 60, { categories: ['parks'] }],
  ['P2', 50],
  ['P3', 30, { categories: ['parks'], district: 'north' }],
  ['P4', 10, { district: 'north' }],
  ['P5', 5],
]);
const votes = approvals(
  'approval',
  [1, ['P1', 'P2', 'P3', 'P4', 'P5']],
  [1, ['P1', 'P2', 'P3', 'P4']],
  [1, ['P1', 'P2', 'P3']],
  [1, ['P1', 'P2']],
  [1, ['P1']],
);
const reasonOf = (r: ReturnType<typeof tally>, id: string) => r.explanation.projects.find((p) => p.id === id)?.reason;

describe('greedy', () => {
  it('takes projects by support and skips what no longer fits', () => {
    const r = tally(base, votes, 'greedy');
    expect(r.selected).toEqual(['P1', 'P3', 'P4']);
    expect(r.spent).toBe(100n);
    expect(r.leftover).toBe(0n);
    expect(reasonOf(r, 'P2')).toEqual({ kind: 'did-not-fit', left: 40n });
    expect(reasonOf(r, 'P5')).toEqual({ kind: 'did-not-fit', left: 0n });
    expect(r.explanation.projects.map((p) => p.support)).toEqual([5n, 4n, 3n, 2n, 1n]);
  });

  it('greedy-no-skip stops at the first project that does not fit', () => {
    const r = tally(base, votes, 'greedy-no-skip');
    expect(r.selected).toEqual(['P1']);
    expect(reasonOf(r, 'P3')).toEqual({ kind: 'stopped', at: 'P2' });
    expect(tally(base, votes, 'greedy', { noSkip: true }).selected).toEqual(['P1']);
  });

  it('greedy-threshold only considers projects whose support reaches the threshold', () => {
    const r = tally(base, votes, 'greedy-threshold', { threshold: 3n });
    expect(r.selected).toEqual(['P1', 'P3']);
    expect(reasonOf(r, 'P4')).toEqual({ kind: 'below-threshold', threshold: 3n });
    expect(() => tally(base, votes, 'greedy-threshold')).toThrow(/threshold/);
  });

  it('funds at most one project of an exclusive group, the one with more support', () => {
    const r = tally(base, votes, 'greedy', { exclusive: [['P3', 'P1']] });
    expect(r.selected).toEqual(['P1', 'P4', 'P5']);
    expect(reasonOf(r, 'P3')).toEqual({ kind: 'excluded', by: 'P1' });
  });

  it("Poznań's reserve rule funds the stopping project when at least the fraction of its cost is left", () => {
    // After P1, 40 of P2's 50 is left: exactly 80 %.
    const funded = tally(base, votes, 'greedy', { reserveFraction: rat(4n, 5n) });
    expect(funded.selected).toEqual(['P1', 'P2']);
    expect(funded.spent).toBe(110n);
    expect(funded.explanation.projects.find((p) => p.id === 'P2')?.fromReserve).toBe(true);
    expect(reasonOf(funded, 'P3')).toEqual({ kind: 'stopped', at: 'P2' });
    const notFunded = tally(base, votes, 'greedy', { reserveFraction: rat(81n, 100n) });
    expect(notFunded.selected).toEqual(['P1']);
  });

  it('respects per-category and per-district spending caps', () => {
    const capped = { ...base, categoryLimits: { parks: 80n } };
    const r = tally(capped, votes, 'greedy');
    expect(r.selected).toEqual(['P1', 'P4', 'P5']);
    expect(reasonOf(r, 'P3')).toEqual({ kind: 'over-limit', limit: 'category', key: 'parks', left: 20n });
    const district = tally({ ...base, districtLimits: { north: 35n } }, votes, 'greedy');
    expect(district.selected).toEqual(['P1', 'P3', 'P5']);
    expect(reasonOf(district, 'P4')).toEqual({ kind: 'over-limit', limit: 'district', key: 'north', left: 5n });
  });

  describe('ties at the selection boundary', () => {
    // After A, 50 is left: B (40) and C (30) both fit alone but not together, with equal support.
    const profile = approvals('approval', [2, ['A', 'B', 'C']], [3, ['A']]);

    it('breaks them by lower cost and says so', () => {
      const r = tally(instance(100, [['A', 50], ['B', 40], ['C', 30]]), profile, 'greedy');
      expect(r.selected).toEqual(['A', 'C']);
      expect(reasonOf(r, 'B')).toEqual({ kind: 'lost-tie', to: ['C'], decidedBy: 'cost' });
      expect(r.explanation.ties).toHaveLength(1);
      expect(r.explanation.ties[0].projects).toEqual(['C', 'B']);
    });

    it('then by input order when the costs are equal', () => {
      const r = tally(instance(100, [['A', 50], ['B', 40], ['C', 40]]), profile, 'greedy');
      expect(r.selected).toEqual(['A', 'B']);
      expect(reasonOf(r, 'C')).toEqual({ kind: 'lost-tie', to: ['B'], decidedBy: 'order' });
    });

    it('reports instead of breaking them with reportTies', () => {
      const r = tally(instance(100, [['A', 50], ['B', 40], ['C', 30]]), profile, 'greedy', { reportTies: true });
      expect(r.status).toBe('tie');
      expect(r.selected).toEqual(['A']);
      expect(r.explanation.ties[0].decidedBy).toBe('undecided');
      expect(reasonOf(r, 'B')).toEqual({ kind: 'undecided-tie' });
    });

    it('does not call it a tie when the order among equals cannot matter', () => {
      const r = tally(instance(100, [['A', 50], ['B', 60], ['C', 30]]), profile, 'greedy', { reportTies: true });
      expect(r.status).toBe('ok');
      expect(r.selected).toEqual(['A', 'C']);
      expect(r.explanation.ties).toEqual([]);
    });
  });

  it('ranks by points for cumulative and ordinal ballots and by votes for choose-one', () => {
    const inst = instance(50, [['X', 30], ['Y', 30], ['Z', 20]]);
    // X: 2 voters, 2 points; Y: 1 voter, 3 points; Z: 1 voter, 1 point.
    const cumulative = pointBallots('cumulative', [1, { X: 1, Y: 3 }], [1, { X: 1, Z: 1 }]);
    const r = tally(inst, cumulative, 'greedy');
    expect(r.explanation.projects.map((p) => [p.id, p.support, p.votes])).toEqual([
      ['Y', 3n, 1n],
      ['X', 2n, 2n],
      ['Z', 1n, 1n],
    ]);
    expect(r.selected).toEqual(['Y', 'Z']);
    // Ordinal without points: Borda over each ballot's own length; X and Z tie on 3, Z is cheaper.
    const ordinal = { type: 'ordinal' as const, ballots: [{ voterId: '1', projects: ['Z', 'X', 'Y'] }, { voterId: '2', projects: ['X'] }] };
    expect(tally(inst, ordinal, 'greedy').explanation.projects.map((p) => [p.id, p.support])).toEqual([
      ['Z', 3n],
      ['X', 3n],
      ['Y', 1n],
    ]);
    // The round's own scoring, e.g. Kraków's 3/2/1 whatever the ballot length.
    const krakow = { ...ordinal, ordinalPoints: [3n, 2n, 1n] };
    expect(tally(inst, krakow, 'greedy').explanation.projects.map((p) => [p.id, p.support])).toEqual([
      ['X', 5n],
      ['Z', 3n],
      ['Y', 1n],
    ]);
    const chooseOne = approvals('choose-one', [3, ['Z']], [2, ['X']]);
    expect(tally(inst, chooseOne, 'greedy').selected).toEqual(['Z', 'X']);
  });

  it('rejects ballots that name unknown projects', () => {
    expect(() => tally(base, approvals('approval', [1, ['P9']]), 'greedy')).toThrow(/unknown project P9/);
  });
});
