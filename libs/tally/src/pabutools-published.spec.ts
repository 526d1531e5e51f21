import { instance } from '../test/helpers';
import { analyseFairness, checkPriceability, gini, type Instance } from '.';

/**
 * The values pabutools publishes in its own test suite (COMSOC-Community/pabutools), reproduced by Plaza:
 * tests/test_analysis.py (commit 59c5345d) test_gini and test_satisfaction_properties, and tests/test_priceability.py
 * (commit 0e3d90bc) test_priceable_approval, _2 and _3 — examples from Peters & Skowron, "Proportionality and the
 * limits of welfarism" (arXiv:1911.11747, pp. 2 and 15) and Peters, Pierczyński, Skowron's priceability paper
 * (p. 13). pabutools' `priceable(...)` checks exhaustiveness by default, so its verdict is Plaza's
 * `status === 'priceable' && exhaustive`.
 */
const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => String(from + k));
function pabutoolsPriceable(inst: Instance, ballots: readonly string[][], allocation: readonly string[]): boolean {
  const index = new Map(inst.projects.map((p, i) => [p.id, i]));
  const r = checkPriceability({
    instance: inst,
    chosen: ballots.map((b) => b.map((id) => index.get(id)!)),
    funded: new Set(allocation.map((id) => index.get(id)!)),
  });
  if (r.status !== 'priceable' && r.status !== 'not-priceable') throw new Error(`not decided: ${r.status}`);
  return r.status === 'priceable' && r.exhaustive;
}

describe("pabutools' published values", () => {
  it('test_gini: equal values have Gini 0', () => {
    expect(gini(Array.from({ length: 100 }, () => 100))).toBe(0);
  });

  it('test_satisfaction_properties: average cost satisfaction 78/5, 4/5 non-empty-handed, cardinality Gini 1/3', () => {
    // Projects 0..9 cost 10 + i, budget 90; ballots {0,1,2,3}, {0}, {0}, {5,6}, {8,9}; allocation {0, 1, 8, 9}.
    const inst = instance(90, Array.from({ length: 10 }, (_, i) => [String(i), 10 + i] as const));
    const ballots = [['0', '1', '2', '3'], ['0'], ['0'], ['5', '6'], ['8', '9']];
    const profile = { type: 'approval' as const, ballots: ballots.map((projects, k) => ({ voterId: `v${k}`, projects })) };
    const a = analyseFairness(inst, profile, { rule: 'greedy', selected: ['0', '1', '8', '9'], explanation: {} });
    expect(a.cost.mean).toBeCloseTo(78 / 5, 12);
    expect(1 - a.emptyHanded.share).toBeCloseTo(4 / 5, 12);
    expect(a.cardinality.gini).toBeCloseTo(1 / 3, 12);
  });

  it('test_priceable_approval (Peters & Skowron p. 2): budget 12, fifteen unit-cost projects, six voters', () => {
    const inst = instance(12, ids(1, 16).map((id) => [id, 1] as const));
    const ballots = [
      ['1', '2', '3', '4'],
      ['1', '2', '3', '5'],
      ['1', '2', '3', '6'],
      ['7', '8', '9'],
      ['10', '11', '12'],
      ['13', '14', '15'],
    ];
    expect(pabutoolsPriceable(inst, ballots, [...ids(1, 4), ...ids(7, 16)])).toBe(false);
    expect(pabutoolsPriceable(inst, ballots, [...ids(1, 9), ...ids(10, 12), ...ids(13, 15)])).toBe(true);
  });

  it('test_priceable_approval_2 (Peters & Skowron p. 15, k = 5): five voters share c6..c10, each also wants their own', () => {
    const inst = instance(5, ids(1, 11).map((id) => [id, 1] as const));
    const ballots = ids(1, 6).map((own) => [own, ...ids(6, 11)]);
    expect(pabutoolsPriceable(inst, ballots, ids(1, 3))).toBe(false);
    expect(pabutoolsPriceable(inst, ballots, ids(1, 6))).toBe(true);
    expect(pabutoolsPriceable(inst, ballots, ids(6, 11))).toBe(true);
  });

  it('test_priceable_approval_3 (priceability paper p. 13): nine voters in three blocks of three', () => {
    const inst = instance(9, ids(1, 13).map((id) => [id, 1] as const));
    const block = (own: string[]) => Array.from({ length: 3 }, () => ['1', '2', '3', ...own]);
    const ballots = [...block(ids(4, 7)), ...block(ids(7, 10)), ...block(ids(10, 13))];
    expect(pabutoolsPriceable(inst, ballots, ids(1, 10))).toBe(true);
    expect(pabutoolsPriceable(inst, ballots, [...ids(1, 6), ...ids(7, 9), ...ids(10, 12)])).toBe(true);
    expect(pabutoolsPriceable(inst, ballots, [...ids(1, 6), ...ids(7, 9), ...ids(11, 12)])).toBe(false);
  });
});
