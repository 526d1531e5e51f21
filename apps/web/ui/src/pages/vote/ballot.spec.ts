import fc from 'fast-check';
import type { RoundConfig } from '@plaza/contracts';
import {
  apiProblems,
  checkBallot,
  EMPTY_SELECTION,
  fromBallot,
  maxPointsFor,
  move,
  pickBlock,
  pointsLeft,
  rankPointsAt,
  setPoints,
  toBallot,
  toggle,
  totalCost,
  unitRules,
  type BallotProject,
  type Selection,
  type UnitBallotRules,
} from './ballot';
import { checkPath, parseReceipt, receiptFilename, receiptJson, receiptProblems } from './receipt';

const units: RoundConfig['units'] = [
  { id: 'centre', name: 'Centre', kind: 'district', budget: 100_000_00 },
  { id: 'green', name: 'Green', kind: 'category', budget: 50_000_00 },
];
const config = (ballot: RoundConfig['ballot']) => ({ units, ballot });
const projects: BallotProject[] = [
  { id: 'a', cost: 40_000_00 },
  { id: 'b', cost: 35_000_00 },
  { id: 'c', cost: 30_000_00 },
  { id: 'd', cost: 20_000_00 },
];

describe('unitRules (as the voting service derives them)', () => {
  it('fills the defaults: knapsack limit = the unit budget, ranked minimum 1 and length from rankPoints', () => {
    expect(unitRules(config({ type: 'knapsack' }), 'centre')).toEqual({ type: 'knapsack', minPicks: 0, maxSumCost: 100_000_00 });
    expect(unitRules(config({ type: 'knapsack' }), 'green').maxSumCost).toBe(50_000_00);
    expect(unitRules(config({ type: 'knapsack', maxSumCost: 70_000_00, maxPicks: 2 }), 'centre')).toEqual({
      type: 'knapsack',
      minPicks: 0,
      maxPicks: 2,
      maxSumCost: 70_000_00,
    });
    expect(unitRules(config({ type: 'ranked', rankPoints: [3, 2, 1] }), 'centre')).toEqual({ type: 'ranked', minPicks: 1, maxPicks: 3, rankPoints: [3, 2, 1] });
    expect(unitRules(config({ type: 'ranked', maxPicks: 2 }), 'centre')).toEqual({ type: 'ranked', minPicks: 1, maxPicks: 2 });
    expect(unitRules(config({ type: 'choose-one' }), 'centre')).toEqual({ type: 'choose-one', minPicks: 1, maxPicks: 1 });
    expect(unitRules(config({ type: 'cumulative', totalPoints: 10, maxPointsPerProject: 4 }), 'centre')).toEqual({
      type: 'cumulative',
      minPicks: 0,
      totalPoints: 10,
      maxPointsPerProject: 4,
    });
  });
});

describe('knapsack', () => {
  const rules = unitRules(config({ type: 'knapsack' }), 'centre');
  it('adds up the cost and blocks a project that would go over the limit, saying by how much', () => {
    let s = toggle(rules, EMPTY_SELECTION, projects, 'a');
    s = toggle(rules, s, projects, 'b');
    expect(totalCost(s, projects)).toBe(75_000_00);
    expect(pickBlock(rules, s, projects, 'c')).toEqual({ reason: 'budget', left: 25_000_00, over: 5_000_00 });
    expect(toggle(rules, s, projects, 'c')).toBe(s);
    expect(pickBlock(rules, s, projects, 'd')).toBeUndefined();
    s = toggle(rules, s, projects, 'd');
    expect(totalCost(s, projects)).toBe(95_000_00);
    expect(checkBallot(rules, s, projects)).toEqual([]);
    // taking one off frees the money again
    s = toggle(rules, s, projects, 'a');
    expect(s.choices).toEqual(['b', 'd']);
    expect(pickBlock(rules, s, projects, 'c')).toBeUndefined();
  });
  it('names the overspend of a ballot that came from elsewhere', () => {
    expect(checkBallot(rules, { choices: ['a', 'b', 'c'], points: {} }, projects)).toEqual([{ code: 'budget', total: 105_000_00, limit: 100_000_00 }]);
  });
});

describe('approval', () => {
  const rules = unitRules(config({ type: 'approval', minPicks: 2, maxPicks: 3 }), 'centre');
  it('enforces the most picks and reports too few', () => {
    let s = toggle(rules, EMPTY_SELECTION, projects, 'a');
    expect(checkBallot(rules, s, projects)).toEqual([{ code: 'minPicks', min: 2, count: 1 }]);
    s = toggle(rules, toggle(rules, s, projects, 'b'), projects, 'c');
    expect(pickBlock(rules, s, projects, 'd')).toEqual({ reason: 'maxPicks', max: 3 });
    expect(toggle(rules, s, projects, 'd').choices).toEqual(['a', 'b', 'c']);
    expect(checkBallot(rules, s, projects)).toEqual([]);
    expect(toBallot(rules, s, projects)).toEqual({ choices: ['a', 'b', 'c'] });
  });
});

describe('cumulative', () => {
  const rules = unitRules(config({ type: 'cumulative', totalPoints: 10, maxPointsPerProject: 4 }), 'centre');
  it('caps points per project and in total, and sends points in the ballot order', () => {
    const first = setPoints(rules, EMPTY_SELECTION, 'c', 9);
    expect(first.clamped).toBe(true);
    let s = first.selection;
    expect(s.points).toEqual({ c: 4 });
    s = setPoints(rules, s, 'a', 4).selection;
    expect(pointsLeft(rules, s)).toBe(2);
    expect(maxPointsFor(rules, s, 'b')).toBe(2);
    const r = setPoints(rules, s, 'b', 3);
    expect(r.clamped).toBe(true);
    s = r.selection;
    expect(pointsLeft(rules, s)).toBe(0);
    expect(toBallot(rules, s, projects)).toEqual({ choices: ['a', 'b', 'c'], points: [4, 2, 4] });
    expect(checkBallot(rules, s, projects)).toEqual([]);
    // 0 points takes the project off the ballot
    s = setPoints(rules, s, 'b', 0).selection;
    expect(toBallot(rules, s, projects)).toEqual({ choices: ['a', 'c'], points: [4, 4] });
    expect(maxPointsFor(rules, s, 'a')).toBe(4);
  });
  it('reads a cast ballot back', () => {
    expect(fromBallot({ choices: ['a', 'c'], points: [3, 1] })).toEqual({ choices: ['a', 'c'], points: { a: 3, c: 1 } });
  });
});

describe('ranked', () => {
  const rules = unitRules(config({ type: 'ranked', rankPoints: [3, 2, 1] }), 'centre');
  it('keeps the order chosen, moves places and stops at the ranking length', () => {
    let s = EMPTY_SELECTION;
    for (const id of ['c', 'a', 'd']) s = toggle(rules, s, projects, id);
    expect(pickBlock(rules, s, projects, 'b')).toEqual({ reason: 'maxPicks', max: 3 });
    s = move(s, 0, 2);
    expect(s.choices).toEqual(['a', 'd', 'c']);
    s = move(s, 2, 1);
    expect(s.choices).toEqual(['a', 'c', 'd']);
    expect(move(s, 0, 3)).toBe(s);
    expect(toBallot(rules, s, projects)).toEqual({ choices: ['a', 'c', 'd'] });
    expect([0, 1, 2].map((i) => rankPointsAt(rules, i, 3))).toEqual([3, 2, 1]);
    expect(checkBallot(rules, EMPTY_SELECTION, projects)).toEqual([{ code: 'minPicks', min: 1, count: 0 }]);
  });
  it('scores Borda over the ranking when the round sets no rank points', () => {
    const borda = unitRules(config({ type: 'ranked', maxPicks: 4 }), 'centre');
    expect([0, 1].map((i) => rankPointsAt(borda, i, 2))).toEqual([2, 1]);
  });
});

describe('choose-one', () => {
  const rules = unitRules(config({ type: 'choose-one' }), 'centre');
  it('replaces the choice and needs exactly one', () => {
    expect(checkBallot(rules, EMPTY_SELECTION, projects)).toEqual([{ code: 'chooseOne', count: 0 }]);
    let s = toggle(rules, EMPTY_SELECTION, projects, 'a');
    s = toggle(rules, s, projects, 'b');
    expect(s.choices).toEqual(['b']);
    expect(checkBallot(rules, s, projects)).toEqual([]);
  });
});

describe('the page accepts exactly the ballots the API accepts (libs/tally validateBallot)', () => {
  const ids = [...projects.map((p) => p.id), 'zz'];
  const ballotConfigs: RoundConfig['ballot'][] = [
    { type: 'approval' },
    { type: 'approval', minPicks: 2, maxPicks: 3 },
    { type: 'knapsack' },
    { type: 'knapsack', maxSumCost: 60_000_00, minPicks: 1, maxPicks: 2 },
    { type: 'cumulative', totalPoints: 7 },
    { type: 'cumulative', totalPoints: 10, maxPointsPerProject: 3 },
    { type: 'ranked', maxPicks: 3 },
    { type: 'ranked', minPicks: 2, rankPoints: [5, 3, 1] },
    { type: 'choose-one' },
  ];
  const arbitrarySelection: fc.Arbitrary<Selection> = fc
    .array(fc.tuple(fc.constantFrom(...ids), fc.integer({ min: 1, max: 6 })), { maxLength: 6 })
    .map((pairs) => ({ choices: pairs.map(([id]) => id), points: Object.fromEntries(pairs) }));

  it.each(ballotConfigs.map((b) => [b.type, b] as const))('%s %j', (_type, ballot) => {
    const rules: UnitBallotRules = unitRules(config(ballot), 'centre');
    fc.assert(
      fc.property(arbitrarySelection, (selection) => {
        const ours = checkBallot(rules, selection, projects);
        const api = apiProblems(rules, selection, projects);
        expect(ours.length === 0).toBe(api.length === 0);
      }),
      { numRuns: 300 },
    );
  });

  it('never lets a sequence of clicks build a ballot over the limits', () => {
    const rulesList = ballotConfigs.map((b) => unitRules(config(b), 'centre'));
    fc.assert(
      fc.property(
        fc.constantFrom(...rulesList),
        fc.array(fc.tuple(fc.constantFrom(...projects.map((p) => p.id)), fc.integer({ min: -2, max: 12 })), { maxLength: 12 }),
        (rules, clicks) => {
          let s = EMPTY_SELECTION;
          for (const [id, n] of clicks) s = rules.type === 'cumulative' ? setPoints(rules, s, id, n).selection : toggle(rules, s, projects, id);
          const problems = checkBallot(rules, s, projects).filter((p) => p.code !== 'minPicks' && p.code !== 'chooseOne');
          expect(problems).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('gives the API field names and messages', () => {
    const rules = unitRules(config({ type: 'cumulative', totalPoints: 5, maxPointsPerProject: 3 }), 'centre');
    expect(apiProblems(rules, { choices: ['a'], points: { a: 4 } }, projects)).toEqual([{ field: 'points.0', message: 'at most 3 point(s) per project (got 4)' }]);
    const approval = unitRules(config({ type: 'approval', minPicks: 1 }), 'centre');
    expect(apiProblems(approval, EMPTY_SELECTION, projects)).toEqual([{ field: 'choices', message: 'choose at least 1 project(s) (got 0)' }]);
  });
});

describe('receipts', () => {
  const facts = {
    roundId: '0195c3a4-0000-7000-8000-000000000001',
    roundName: 'Green Budget',
    unitId: 'centre',
    unitName: 'Centre',
    ballotVersion: 2,
    castAt: '2027-03-01T10:00:00.000Z',
    eventId: '0195c3a4-1111-7000-8000-000000000002',
    leafHash: 'ab'.repeat(32),
  };
  const check = { page: 'https://plaza.example/receipts', api: 'https://plaza.example/api/audit/receipts/check', howTo: 'Open the page.' };

  it('writes a file that names round, unit, time, event id, leaf hash and how to check it, and reads it back', () => {
    const text = receiptJson(facts, check);
    const doc = JSON.parse(text);
    expect(doc).toMatchObject({
      kind: 'plaza-ballot-receipt',
      round: { id: facts.roundId, name: 'Green Budget' },
      unit: { id: 'centre', name: 'Centre' },
      castAt: facts.castAt,
      ballotVersion: 2,
      eventId: facts.eventId,
      leafHash: facts.leafHash,
      check: { howTo: 'Open the page.', page: check.page, api: { method: 'POST', url: check.api, body: { eventId: facts.eventId, leafHash: facts.leafHash } } },
    });
    expect(parseReceipt(text)).toEqual({ eventId: facts.eventId, leafHash: facts.leafHash });
    expect(receiptFilename(facts)).toBe('plaza-receipt-0195c3a4-centre-v2.json');
  });

  it('reads copied text: the labelled event id, not the round id', () => {
    const text = `Receipt\nroundId: ${facts.roundId}\neventId: ${facts.eventId}\nleafHash: ${facts.leafHash}\n`;
    expect(parseReceipt(text)).toEqual({ eventId: facts.eventId, leafHash: facts.leafHash });
    expect(parseReceipt(`${facts.leafHash} ${facts.eventId}`)).toEqual({ eventId: facts.eventId, leafHash: facts.leafHash });
    expect(parseReceipt('nothing here')).toBeUndefined();
    expect(parseReceipt(`${facts.roundId} ${facts.eventId} ${facts.leafHash}`)).toBeUndefined();
  });

  it('checks typed receipts with the audit API rules', () => {
    expect(receiptProblems({ eventId: facts.eventId, leafHash: facts.leafHash.toUpperCase() })).toEqual({});
    expect(receiptProblems({ eventId: 'x', leafHash: 'abc' })).toEqual({ eventId: ['eventId must be a UUID'], leafHash: ['leafHash must be 64 hex digits'] });
    expect(checkPath(facts)).toBe(`/receipts?eventId=${facts.eventId}&leafHash=${facts.leafHash}`);
  });
});
