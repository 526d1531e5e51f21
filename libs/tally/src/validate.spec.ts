import { validateBallot, type BallotRules } from '.';

const projects = [
  { id: 'a', cost: 100n, categories: ['green'] },
  { id: 'b', cost: 200n, categories: ['green'] },
  { id: 'c', cost: 300n, categories: ['sport'] },
];

describe('validateBallot', () => {
  it('accepts a ballot within the rules', () => {
    const rules: BallotRules = { type: 'approval', minLength: 1, maxLength: 2, projects };
    expect(validateBallot(rules, { voterId: 'x', projects: ['a', 'c'] })).toEqual({ ok: true });
  });

  it('names every problem of an approval ballot', () => {
    const rules: BallotRules = { type: 'approval', minLength: 1, maxLength: 2, maxSumCost: 250n, maxPerCategory: 1, projects };
    const r = validateBallot(rules, { voterId: 'x', projects: ['a', 'b', 'z', 'a'] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.message)).toEqual([
      'project z is not on this ballot',
      'project a is named more than once',
      'choose at most 2 project(s) (got 4)',
      'the chosen projects cost 300 in total, more than 250',
      'at most 1 project(s) of category green (got 2)',
    ]);
    expect(validateBallot(rules, { voterId: 'y', projects: [] })).toEqual({
      ok: false,
      errors: [{ field: 'projects', message: 'choose at least 1 project(s) (got 0)' }],
    });
  });

  it('checks points of cumulative ballots', () => {
    const rules: BallotRules = { type: 'cumulative', maxPoints: 3n, minSumPoints: 1n, maxSumPoints: 5n, projects };
    expect(validateBallot(rules, { voterId: 'x', projects: ['a', 'b'], points: [3n, 2n] })).toEqual({ ok: true });
    expect(validateBallot(rules, { voterId: 'x', projects: ['a', 'b'], points: [4n, 2n] })).toEqual({
      ok: false,
      errors: [
        { field: 'points[0]', message: 'at most 3 point(s) per project (got 4)' },
        { field: 'points', message: 'give at most 5 point(s) in total (got 6)' },
      ],
    });
    expect(validateBallot(rules, { voterId: 'x', projects: ['a'] })).toEqual({
      ok: false,
      errors: [{ field: 'points', message: 'points are missing' }],
    });
    expect(validateBallot(rules, { voterId: 'x', projects: ['a'], points: [0n] }).ok).toBe(false);
  });

  it('requires exactly one project on a choose-one ballot', () => {
    const rules: BallotRules = { type: 'choose-one', projects };
    expect(validateBallot(rules, { voterId: 'x', projects: ['a'] })).toEqual({ ok: true });
    expect(validateBallot(rules, { voterId: 'x', projects: ['a', 'b'] })).toEqual({
      ok: false,
      errors: [{ field: 'projects', message: 'choose exactly one project (got 2)' }],
    });
  });
});
