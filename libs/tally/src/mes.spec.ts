import { rat, tally, type Profile } from '.';
import { approvals, instance, pointBallots } from '../test/helpers';
import { referenceMes } from '../test/reference-mes';

describe('Method of Equal Shares (hand-computed)', () => {
  // 4 voters, budget 100: 25 each. v1, v2 approve A (40); v3 approves B (56) and C (26); v4 approves B.
  const inst = instance(100, [['A', 40], ['B', 56], ['C', 26]]);
  const profile = approvals('approval', [2, ['A']], [1, ['B', 'C']], [1, ['B']]);

  it('without completion funds only what supporters can pay from equal shares', () => {
    const r = tally(inst, profile, 'equalshares');
    // A: 20 each from v1, v2 (effective votes 2). B needs 28 from v3 and v4, C 26 from v3: neither affordable.
    expect(r.selected).toEqual(['A']);
    expect(r.explanation.rounds?.[0]).toMatchObject({ project: 'A', pricePerSupporter: rat(20n), effectiveVotes: rat(2n) });
    expect(r.explanation.projects.find((p) => p.id === 'B')?.reason).toEqual({ kind: 'not-affordable', supportersMoney: rat(50n) });
    expect(r.explanation.perVoterBudget).toEqual(rat(25n));
  });

  it('Add1 keeps raising past an exhaustive outcome while the outcome still fits', () => {
    // +1 each: C becomes affordable for v3 → {A, C} = 66, exhaustive (B no longer fits), where the "stop when
    // exhaustive" variant would stop. At +3 (28 each) B is affordable for v3 + v4 and beats C: {A, B} = 96 fits.
    // At +29 v3 also affords C after B: 122 > 100, so the last fitting raise is +28.
    const r = tally(inst, profile, 'equalshares/add1');
    expect(r.selected).toEqual(['A', 'B']);
    expect(r.spent).toBe(96n);
    expect(r.explanation.add1Steps).toBe(28);
    expect(r.explanation.perVoterBudget).toEqual(rat(53n));
    expect(r.explanation.ties.map((t) => t.projects)).toEqual([['A', 'B']]);
  });

  it('starts Add1 from floor(budget / voters) with add1Integral', () => {
    const three = instance(100, [['A', 66], ['B', 34]]);
    // 100/3 each. A: 22 from each of the three. B (v3 only, 34): v3 has 100/3 − 22 + k left, enough from k = 23.
    // The integral variant counts from 33: 11 + k ≥ 34, also k = 23, but at 56 per voter instead of 56.33.
    const p3 = approvals('approval', [2, ['A']], [1, ['A', 'B']]);
    expect(tally(three, p3, 'equalshares').selected).toEqual(['A']);
    const plain = tally(three, p3, 'equalshares/add1');
    const integral = tally(three, p3, 'equalshares/add1', { add1Integral: true });
    expect(plain.selected).toEqual(['A', 'B']);
    expect(plain.explanation.perVoterBudget).toEqual(rat(169n, 3n));
    expect(integral.selected).toEqual(['A', 'B']);
    expect(integral.explanation.perVoterBudget).toEqual(rat(56n));
  });

  it('comparison switches to greedy when more voters prefer it', () => {
    // v1–v3 approve P (60) and Q (40), v4–v5 approve R (40); budget 100 = 20 each.
    const inst2 = instance(100, [['P', 60], ['Q', 40], ['R', 40]]);
    const p2 = approvals('approval', [3, ['P', 'Q']], [2, ['R']]);
    // MES: P and Q both have 3 effective votes, Q is cheaper: Q, then P is unaffordable (3 × 6.67), then R.
    expect(tally(inst2, p2, 'equalshares').selected).toEqual(['Q', 'R']);
    // Greedy: Q, P (equal votes, Q cheaper). Three voters get 2 projects instead of 1, two get 0 instead of 1: 3 > 2.
    const c = tally(inst2, p2, 'equalshares-comparison');
    expect(c.selected).toEqual(['Q', 'P']);
    expect(c.explanation.comparison).toEqual({ prefersMes: 2, prefersGreedy: 3, switchedToGreedy: true });
  });

  it('comparison keeps Equal Shares when fewer voters prefer greedy', () => {
    const r = tally(inst, profile, 'equalshares/add1-comparison');
    // greedy: B (2 votes), A → 96, the same outcome: nobody prefers either.
    expect(r.selected).toEqual(['A', 'B']);
    expect(r.explanation.comparison).toEqual({ prefersMes: 0, prefersGreedy: 0, switchedToGreedy: false });
  });

  it('uses score utilities for points: supporters pay in proportion to their points', () => {
    // Budget 60, 3 voters: 20 each. A (30): v1 3 points, v2 1. B (30): v2 2, v3 3.
    const inst3 = instance(60, [['A', 30], ['B', 30]]);
    const p3 = pointBallots('cumulative', [1, { A: 3 }], [1, { A: 1, B: 2 }], [1, { B: 3 }]);
    const r = tally(inst3, p3, 'equalshares');
    // B: rho = 30 / 5 = 6 (v2 pays 12, v3 18). A: v1 cannot pay 3 × 7.5, pays 20; v2 pays the other 10 → rho 10.
    expect(r.selected).toEqual(['B']);
    expect(r.explanation.rounds?.[0].rho).toEqual(rat(6n));
    // Then A: v1 has 20, v2 has 8: 28 < 30.
    expect(r.explanation.projects.find((p) => p.id === 'A')?.reason).toEqual({ kind: 'not-affordable', supportersMoney: rat(28n) });
    // +1 each: v1 21 + v2 9 = 30 → A is bought at rho 9 (v1 pays all 21); 60 fits.
    const add1 = tally(inst3, p3, 'equalshares/add1');
    expect(add1.selected).toEqual(['B', 'A']);
    expect(add1.explanation.rounds?.[1]).toMatchObject({ project: 'A', rho: rat(9n), paidAllTheyHad: 1 });
  });

  it('breaks an exact tie in price by more support, then lower cost, then input order, or reports it', () => {
    const inst4 = instance(20, [['X', 10], ['Y', 10]]);
    const p4 = approvals('approval', [1, ['X']], [1, ['Y']]);
    const r = tally(inst4, p4, 'equalshares');
    expect(r.selected).toEqual(['X', 'Y']);
    expect(r.explanation.ties[0].projects).toEqual(['X', 'Y']);
    const reported = tally(inst4, p4, 'equalshares', { reportTies: true });
    expect(reported.status).toBe('tie');
    expect(reported.selected).toEqual([]);
  });

  it('agrees with a naive per-voter implementation on a mixed instance', () => {
    const inst5 = instance(1000, [['a', 300], ['b', 250], ['c', 400], ['d', 120], ['e', 90]]);
    const p5: Profile = approvals('approval', [4, ['a', 'b']], [3, ['c']], [2, ['a', 'd', 'e']], [1, ['e']], [2, ['b', 'c', 'd']]);
    expect(tally(inst5, p5, 'equalshares').selected).toEqual(referenceMes(inst5, p5, rat(1000n, 12n)));
  });
});
