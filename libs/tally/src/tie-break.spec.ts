import { createHash } from 'node:crypto';
import { approvals, instance } from '../test/helpers';
import { describeReason, lotteryTicket, tally, type TieBreakCriterion } from '.';

// Four projects with equal support, only one fits the budget: each criterion picks a different one.
// Ballot order d, b, c, a; costs 60, 50, 70, 65.
const FOUR = instance(70, [
  ['d', 60],
  ['b', 50],
  ['c', 70],
  ['a', 65],
]);
const ONE_EACH = approvals('approval', [1, ['d']], [1, ['b']], [1, ['c']], [1, ['a']]);

describe('tie-breaking a city chooses', () => {
  it.each([
    [['lower-cost'], 'b', 'cost', 'lower cost'],
    [['higher-cost'], 'c', 'higher-cost', 'higher cost'],
    [['ballot-order'], 'd', 'order', 'ballot order'],
    [['project-id'], 'a', 'project-id', 'project id'],
  ] as [TieBreakCriterion[], string, string, string][])('%j funds %s and the explanation names the tie and the criterion', (tieBreak, winner, decidedBy, words) => {
    const r = tally(FOUR, ONE_EACH, 'greedy', { tieBreak });
    expect(r.selected).toEqual([winner]);
    expect(r.explanation.ties).toEqual([
      { projects: expect.arrayContaining(['a', 'b', 'c', 'd']), support: 1n, decidedBy, note: expect.stringMatching(new RegExp(`have equal support 1 and not all of them fit; decided by ${words}$`)) },
    ]);
    const loser = r.explanation.projects.find((p) => p.id !== winner)!;
    expect(loser.reason).toEqual({ kind: 'lost-tie', to: [winner], decidedBy });
    expect(describeReason(loser.reason!, 0)).toMatch(new RegExp(`^lost a tie on support to ${winner} \\(decided by `));
  });

  it('a later criterion decides only what the earlier ones leave equal', () => {
    const SAME_COST = instance(70, [
      ['d', 60],
      ['b', 60],
      ['c', 70],
    ]);
    const r = tally(SAME_COST, approvals('approval', [1, ['d']], [1, ['b']], [1, ['c']]), 'greedy', { tieBreak: ['lower-cost', 'project-id'] });
    expect(r.selected).toEqual(['b']);
    expect(r.explanation.ties[0]).toMatchObject({ decidedBy: 'project-id', note: expect.stringMatching(/decided by lower cost, then project id$/) });
  });

  it('the lottery is reproducible from its recorded seed: smallest sha256(seed + "\\n" + id) wins', () => {
    for (const seed of ['2027-budget-draw', 'another seed', 'x']) {
      const ticket = (id: string) => createHash('sha256').update(`${seed}\n${id}`).digest('hex');
      expect(lotteryTicket(seed, 'a')).toBe(ticket('a'));
      const expected = ['d', 'b', 'c', 'a'].sort((x, y) => (ticket(x) < ticket(y) ? -1 : 1))[0];
      const r = tally(FOUR, ONE_EACH, 'greedy', { tieBreak: ['lottery'], lotterySeed: seed });
      expect(r.selected).toEqual([expected]);
      expect(r.explanation.ties[0]).toMatchObject({ decidedBy: 'lottery', note: expect.stringContaining(`decided by the public lottery (seed ${JSON.stringify(seed)})`) });
      expect(tally(FOUR, ONE_EACH, 'greedy', { tieBreak: ['lottery'], lotterySeed: seed }).selected).toEqual(r.selected);
    }
  });

  it('more support decides a Phragmén tie in time; lower cost decides it the other way', () => {
    // x costs 2 with 2 supporters, y costs 1 with 1: both affordable at time 1; only one fits a budget of 2.
    const inst = instance(2, [
      ['x', 2],
      ['y', 1],
    ]);
    const profile = approvals('approval', [2, ['x']], [1, ['y']]);
    const support = tally(inst, profile, 'phragmen', { tieBreak: ['more-support', 'lower-cost'] });
    expect(support.selected).toEqual(['x']);
    expect(support.explanation.ties[0]).toMatchObject({ projects: ['x', 'y'], decidedBy: 'support', note: expect.stringMatching(/decided by more support$/) });
    const cheap = tally(inst, profile, 'phragmen', { tieBreak: ['lower-cost', 'more-support'] });
    expect(cheap.selected).toEqual(['y']);
    expect(cheap.explanation.ties[0]).toMatchObject({ projects: ['y', 'x'], decidedBy: 'cost', note: expect.stringMatching(/decided by lower cost$/) });
  });

  it('the default is unchanged: more support, then lower cost, then input order', () => {
    const r = tally(FOUR, ONE_EACH, 'greedy');
    expect(r.selected).toEqual(['b']);
    expect(r.explanation.ties[0]).toMatchObject({ decidedBy: 'cost', note: expect.stringMatching(/decided by lower cost$/) });
    expect(tally(FOUR, ONE_EACH, 'greedy', { tieBreak: ['more-support', 'lower-cost', 'ballot-order'] }).selected).toEqual(['b']);
  });

  it('refuses a lottery without a seed, repeated or contradictory criteria, unknown names', () => {
    expect(() => tally(FOUR, ONE_EACH, 'greedy', { tieBreak: ['lottery'] })).toThrow(/needs its seed/);
    expect(() => tally(FOUR, ONE_EACH, 'greedy', { tieBreak: ['lower-cost', 'lower-cost'] })).toThrow(/must not repeat/);
    expect(() => tally(FOUR, ONE_EACH, 'greedy', { tieBreak: ['lower-cost', 'higher-cost'] })).toThrow(/both lower-cost and higher-cost/);
    expect(() => tally(FOUR, ONE_EACH, 'greedy', { tieBreak: ['coin' as TieBreakCriterion] })).toThrow(/unknown tie-break criterion "coin"/);
  });
});
