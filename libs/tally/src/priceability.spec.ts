import { approvals, instance, pointBallots } from '../test/helpers';
import { analyseFairness, checkPriceability, solveFeasibility, tally, type Instance } from '.';

/** Project indices of each ballot and of the funded ids, for checkPriceability. */
function input(inst: Instance, ballots: readonly string[][], funded: readonly string[]) {
  const ids = inst.projects.map((p) => p.id);
  return { instance: inst, chosen: ballots.map((b) => b.map((id) => ids.indexOf(id))), funded: new Set(funded.map((id) => ids.indexOf(id))) };
}

describe('exact feasibility (integer-pivoting simplex)', () => {
  it('finds a non-negative solution or proves there is none', () => {
    // x + y = 3, x − y = 1 → x = 2, y = 1.
    const ok = solveFeasibility({ columns: 2, rows: [new Map([[0, 1n], [1, 1n]]), new Map([[0, 1n], [1, -1n]])], rhs: [3n, 1n] });
    expect(ok).toEqual({ feasible: true, x: [{ n: 2n, d: 1n }, { n: 1n, d: 1n }] });
    // 2x = 1 → x = 1/2.
    expect(solveFeasibility({ columns: 1, rows: [new Map([[0, 2n]])], rhs: [1n] })).toEqual({ feasible: true, x: [{ n: 1n, d: 2n }] });
    // x + y = 1, x + y = 2: inconsistent.
    expect(solveFeasibility({ columns: 2, rows: [new Map([[0, 1n], [1, 1n]]), new Map([[0, 1n], [1, 1n]])], rhs: [1n, 2n] })).toEqual({ feasible: false });
    // x − y = −1 with x, y ≥ 0 → y = 1 + x; x + y = 0 forces both 0: infeasible.
    expect(solveFeasibility({ columns: 2, rows: [new Map([[0, 1n], [1, -1n]]), new Map([[0, 1n], [1, 1n]])], rhs: [-1n, 0n] })).toEqual({ feasible: false });
  });
});

describe('priceability on hand-computed instances', () => {
  // Budget 10; x, y, z cost 5 each; two voters want {x, y}, two want {z} (n = 4, so a budget per voter b ≥ 2.5).
  const xyz = instance(10, [
    ['x', 5],
    ['y', 5],
    ['z', 5],
  ]);
  const ballots = [['x', 'y'], ['x', 'y'], ['z'], ['z']];

  it("greedy's {x, y} is not priceable: its two supporters must pay 5 each, so the {z} pair keeps 2b ≥ 10 > 5", () => {
    expect(checkPriceability(input(xyz, ballots, ['x', 'y']))).toMatchObject({ status: 'not-priceable', exhaustive: true });
  });

  it('Equal Shares {x, z} is priceable at b = 10/4, and the run itself is the price system', () => {
    expect(checkPriceability(input(xyz, ballots, ['x', 'z']))).toMatchObject({ status: 'priceable', method: 'linear-program', exhaustive: true, voterBudget: '5/2' });
    const prof = approvals('approval', [2, ['x', 'y']], [2, ['z']]);
    const mes = tally(xyz, prof, 'equalshares');
    const a = analyseFairness(xyz, prof, mes);
    expect(a.priceability).toEqual({
      status: 'priceable',
      method: 'equal-shares-run',
      exhaustive: true,
      voterBudget: '5/2',
      payments: [
        { project: 'x', payers: 2, largest: '5/2' },
        { project: 'z', payers: 2, largest: '5/2' },
      ],
    });
    expect(a.plain.at(-1)).toBe(
      'Priceable (the Equal Shares count itself shows how): give every voter 2.5 and let each spend it only on projects they chose — the funded projects can be paid for exactly, and no project left out had supporters with enough money left to buy it.',
    );
  });

  it('{z} alone is priceable only at b = 2.5 exactly (the {x, y} pair keeps 2b ≤ 5), and not exhaustive; so is nothing at all', () => {
    expect(checkPriceability(input(xyz, ballots, ['z']))).toMatchObject({ status: 'priceable', exhaustive: false, voterBudget: '5/2' });
    expect(checkPriceability(input(xyz, ballots, []))).toMatchObject({ status: 'priceable', exhaustive: false, voterBudget: '5/2' });
  });

  // Budget 6; a 4, b 2, c 3; v1 {a}, v2 {a, b}, v3 {c}; W = {a, b} spends it all. v2 alone pays b (2), so a's 4
  // comes from v1 ≤ B and v2 ≤ B − 2: B ≥ 3; c's supporter keeps B ≤ cost(c).
  it('unequal payments: W = {a, b} is priceable only at B = 3 (v1 pays 3, v2 pays 1 + 2) when c costs 3', () => {
    const inst = instance(6, [
      ['a', 4],
      ['b', 2],
      ['c', 3],
    ]);
    expect(checkPriceability(input(inst, [['a'], ['a', 'b'], ['c']], ['a', 'b']))).toEqual({
      status: 'priceable',
      method: 'linear-program',
      exhaustive: true,
      voterBudget: '3',
      payments: [
        { project: 'a', payers: 2, largest: '3' },
        { project: 'b', payers: 1, largest: '2' },
      ],
    });
  });

  it('…and not priceable when c costs 2.9 (in tenths: B ≥ 30 but B ≤ 29)', () => {
    const inst = instance(60, [
      ['a', 40],
      ['b', 20],
      ['c', 29],
    ]);
    expect(checkPriceability(input(inst, [['a'], ['a', 'b'], ['c']], ['a', 'b']))).toMatchObject({ status: 'not-priceable', exhaustive: true });
  });

  it('refuses at once an outcome over the budget, or a funded project nobody supports', () => {
    expect(checkPriceability(input(xyz, ballots, ['x', 'y', 'z']))).toMatchObject({ status: 'not-priceable', why: 'the funded projects cost more than the budget' });
    expect(checkPriceability(input(xyz, [['x'], ['x']], ['y']))).toMatchObject({ status: 'not-priceable', why: 'funded project y has no supporter to pay for it' });
  });

  it('Equal Shares with points: the run is a price system (each supporter pays rho × points)', () => {
    // Budget 6; p 3, q 3, r 3; v1 gives p 2, q 1; v2 gives p 1, r 2.
    const inst = instance(6, [
      ['p', 3],
      ['q', 3],
      ['r', 3],
    ]);
    const prof = pointBallots('cumulative', [1, { p: 2, q: 1 }], [1, { p: 1, r: 2 }]);
    const mes = tally(inst, prof, 'equalshares');
    const a = analyseFairness(inst, prof, mes);
    expect(a.priceability).toMatchObject({ status: 'priceable', method: 'equal-shares-run', voterBudget: '3' });
  });

  it('says "too large to check exactly" when the linear program would be too big, and skips ranked ballots', () => {
    const big = instance(400, Array.from({ length: 40 }, (_, k) => [`p${k}`, 1] as const));
    const ids = big.projects.map((p) => p.id);
    // 400 different ballots of 3 projects each (the first 400 triples) over 40 funded projects.
    const ballots400: string[][] = [];
    for (let i = 0; i < 40 && ballots400.length < 400; i++)
      for (let j = i + 1; j < 40 && ballots400.length < 400; j++) for (let k = j + 1; k < 40 && ballots400.length < 400; k++) ballots400.push([ids[i], ids[j], ids[k]]);
    const r = checkPriceability(input(big, ballots400, ids.slice(0, 40)));
    expect(r.status).toBe('too-large');
    const ranked = pointBallots('ordinal', [1, { x: 2, y: 1 }]);
    expect(analyseFairness(xyz, ranked, tally(xyz, ranked, 'greedy')).priceability).toEqual({
      status: 'not-applicable',
      why: 'priceability is checked for approval, choose-one and points ballots',
    });
  });

  it('the exact program agrees with the theorem on random instances: every Equal Shares outcome is priceable', () => {
    // Peters–Pierczyński–Skowron: MES (without completion) is priceable at b = budget / n. Solve the program without
    // the run's price system and check it finds one, on 60 seeded random approval instances.
    let seed = 19;
    const rnd = (k: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % k);
    for (let trial = 0; trial < 60; trial++) {
      const m = 3 + rnd(6);
      const inst = instance(20 + rnd(60), Array.from({ length: m }, (_, k) => [`p${k}`, 1 + rnd(30)] as const));
      const ballots = Array.from({ length: 2 + rnd(9) }, () => inst.projects.filter(() => rnd(3) === 0).map((p) => p.id));
      const prof = { type: 'approval' as const, ballots: ballots.map((projects, k) => ({ voterId: `v${k}`, projects })) };
      const mes = tally(inst, prof, 'equalshares');
      const byRun = analyseFairness(inst, prof, mes).priceability;
      const byProgram = checkPriceability(input(inst, ballots, mes.selected));
      expect({ trial, status: byRun.status }).toEqual({ trial, status: 'priceable' });
      expect({ trial, status: byProgram.status }).toEqual({ trial, status: 'priceable' });
    }
  });
});
