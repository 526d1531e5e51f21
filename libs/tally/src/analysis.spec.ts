import { approvals, instance, pointBallots } from '../test/helpers';
import { analyseFairness, checkEjr, checkPjr, gini, shareInWords, tally } from '.';

describe('fairness analysis on hand-computed instances', () => {
  // Budget 10; a (6), b (4), c (5). Ballots: {a}, {a,b}, {c}, {b}. Greedy funds b and a (10 spent); c does not fit.
  const inst = instance(10, [
    ['a', 6],
    ['b', 4],
    ['c', 5],
  ], { currency: 'PLN' });
  const profile = approvals('approval', [1, ['a']], [1, ['a', 'b']], [1, ['c']], [1, ['b']]);

  it('cardinality and cost satisfaction, their Gini, the empty-handed', () => {
    const r = tally(inst, profile, 'greedy');
    expect(r.selected).toEqual(['b', 'a']); // equal support: the cheaper first
    const a = analyseFairness(inst, profile, r);
    // Projects got: 1, 2, 0, 1 → mean 1; Gini of [0,1,1,2] = (−3·0 −1·1 +1·1 +3·2) / (4·4) = 6/16.
    expect(a.cardinality).toEqual({ mean: 1, gini: 0.375 });
    // Worth: 6, 10, 0, 4 → mean 5; Gini of [0,4,6,10] = (0 −4 +6 +30) / (4·20) = 32/80.
    expect(a.cost).toEqual({ mean: 5, gini: 0.4 });
    expect(a.emptyHanded).toEqual({ count: 1, share: 0.25 });
    expect(a.voters).toBe(4);
    expect(a.ejr).toEqual({ status: 'satisfied', subsets: 5 }); // {a} {b} {c} {a,b} {b,c} fit the budget
    // Greedy's {a, b} (see priceability.spec.ts for the arithmetic): v1, v2, v4 pay the 10 together, so a budget per
    // voter of at least 10/3, and c's one supporter keeps it all, at most 5: priceable, and nothing else fits.
    expect(a.priceability).toMatchObject({ status: 'priceable', method: 'linear-program', exhaustive: true });
    expect(a.plain[0]).toBe('8 in 10 voters got at least one project they chose (3 of 4); 1 got none.');
    expect(a.plain[1]).toBe('On average a voter got 1.00 of the projects they chose, worth 5 PLN.');
  });

  it('per group of voters (district, age band)', () => {
    const r = tally(inst, profile, 'greedy');
    const district = new Map([
      ['v1', 'North'],
      ['v2', 'North'],
      ['v3', 'South'],
      ['v4', 'South'],
    ]);
    const a = analyseFairness(inst, profile, r, [{ name: 'district', of: district }]);
    expect(a.groups).toEqual([
      { grouping: 'district', group: 'North', voters: 2, emptyHandedShare: 0, meanCardinality: 1.5 },
      { grouping: 'district', group: 'South', voters: 2, emptyHandedShare: 0.5, meanCardinality: 0.5 },
    ]);
    expect(a.plain).toContain('District North: all 2 voters got at least one project they chose.');
    expect(a.plain).toContain('District South: 5 in 10 voters got at least one project they chose.');
  });

  it('EJR: greedy leaves a cohesive group short, Equal Shares does not; MES effective support per project', () => {
    // x, y, z cost 5 each, budget 10; two voters want {x, y}, two want {z}. The {z} pair is half the voters and z
    // costs half the budget, so EJR owes them one project.
    const inst2 = instance(10, [
      ['x', 5],
      ['y', 5],
      ['z', 5],
    ]);
    const prof2 = approvals('approval', [2, ['x', 'y']], [2, ['z']]);
    const greedy = tally(inst2, prof2, 'greedy');
    expect(greedy.selected).toEqual(['x', 'y']);
    const g = analyseFairness(inst2, prof2, greedy);
    expect(g.ejr).toEqual({ status: 'violated', projects: ['z'], groupSize: 2, needed: 1 });
    expect(g.plain.at(-3)).toBe('Not fair to every group (EJR fails): 2 voters all wanted z — enough to pay for them — yet none of them got any of their projects.');
    expect(g.effectiveSupport).toBeUndefined();
    const mes = tally(inst2, prof2, 'equalshares');
    expect([...mes.selected].sort()).toEqual(['x', 'z']);
    const m = analyseFairness(inst2, prof2, mes);
    expect(m.ejr.status).toBe('satisfied');
    // Each supporter pays 2.5 of a cost of 5: effective support 2.
    expect(m.effectiveSupport).toEqual([
      { project: 'x', effectiveVotes: '2.00' },
      { project: 'z', effectiveVotes: '2.00' },
    ]);
  });

  it('says "too large to check exactly" beyond 16 projects, and skips EJR for point ballots', () => {
    const many = instance(100, Array.from({ length: 17 }, (_, k) => [`p${k}`, 1] as const));
    const prof = approvals('approval', [3, ['p0', 'p1']]);
    const a = analyseFairness(many, prof, tally(many, prof, 'greedy'));
    expect(a.ejr).toEqual({ status: 'too-large', projects: 17 });
    expect(a.plain.at(-2)).toMatch(/^Fairness to groups \(EJR\): too large to check exactly \(17 projects/);
    const pts = pointBallots('cumulative', [1, { a: 2, b: 1 }], [1, { c: 3 }]);
    const c = analyseFairness(inst, pts, tally(inst, pts, 'greedy'));
    expect(c.ejr.status).toBe('not-applicable');
    expect(c.emptyHanded).toEqual({ count: 0, share: 0 });
  });

  it('Gini and shares in words at the edges', () => {
    expect(gini([])).toBe(0);
    expect(gini([0, 0])).toBe(0);
    expect(gini([1, 1, 1])).toBe(0);
    expect(gini([0, 0, 0, 4])).toBe(0.75);
    expect([shareInWords(0, 5), shareInWords(5, 5), shareInWords(996, 1000), shareInWords(3, 100), shareInWords(7, 10)]).toEqual([
      'no voters',
      'all 5 voters',
      'nearly all voters',
      'hardly any voters',
      '7 in 10 voters',
    ]);
  });

  it('PJR is weaker than EJR: a group whose members each got one project but together two', () => {
    // Budget 4, six projects of cost 1. v1 wants {p,q,r}, v2 {p,q,s}, v3 {t}, v4 {u}; funded r, s, t, u.
    // T = {p,q} costs half the budget and v1, v2 are half the voters: EJR owes one of them 2 projects (each got 1),
    // PJR owes them 2 together (r and s): EJR fails, PJR holds.
    const six = instance(4, ['p', 'q', 'r', 's', 't', 'u'].map((id) => [id, 1] as const));
    const ix = (ids: string[]) => ids.map((id) => ['p', 'q', 'r', 's', 't', 'u'].indexOf(id));
    const chosen = [ix(['p', 'q', 'r']), ix(['p', 'q', 's']), ix(['t']), ix(['u'])];
    const funded = new Set(ix(['r', 's', 't', 'u']));
    expect(checkEjr(six, chosen, funded)).toEqual({ status: 'violated', projects: ['p', 'q'], groupSize: 2, needed: 2 });
    expect(checkPjr(six, chosen, funded)).toMatchObject({ status: 'satisfied' });
    // Funding only r, t, u: v2 (a quarter of the voters) got nothing, and p costs a quarter of the budget → PJR fails.
    expect(checkPjr(six, chosen, new Set(ix(['r', 't', 'u'])))).toEqual({ status: 'violated', projects: ['p'], groupSize: 1, needed: 1 });
  });

  it('reports PJR with the analysis: implied by EJR, checked when EJR fails', () => {
    const inst2 = instance(10, [
      ['x', 5],
      ['y', 5],
      ['z', 5],
    ]);
    const prof2 = approvals('approval', [2, ['x', 'y']], [2, ['z']]);
    const g = analyseFairness(inst2, prof2, tally(inst2, prof2, 'greedy'));
    expect(g.pjr).toEqual({ status: 'violated', projects: ['z'], groupSize: 2, needed: 1 });
    expect(g.plain.at(-2)).toBe('Even the weaker guarantee fails (PJR): 2 voters all wanted z, yet together they got none of their projects.');
    const m = analyseFairness(inst2, prof2, tally(inst2, prof2, 'equalshares'));
    expect(m.pjr).toEqual(m.ejr);
  });
});
