import 'reflect-metadata';
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { validateEnvelope } from '@plaza/contracts';
import { resultToJson, tally } from '@plaza/tally';
import fc from 'fast-check';
import { canonicalDigestJson, canonicalSha256, computeUnitResult, computeUnitTally, RecountInputError, tallyInput, toDigestJson, type CountedBallot, type TallyConfig } from './index';

// Proposal ids are UUIDs in real rounds; the lib does not care, but keep them realistic.
const A = '01900000-0000-7000-8000-00000000000a';
const B = '01900000-0000-7000-8000-00000000000b';
const C = '01900000-0000-7000-8000-00000000000c';
const accepted = [
  { proposalId: A, cost: 60 },
  { proposalId: B, cost: 50 },
  { proposalId: C, cost: 30 },
];
const pseudo = (k: number) => k.toString(16).padStart(64, '0');

function config(ballot: TallyConfig['ballot'], outcome: TallyConfig['outcome'] = { rule: 'greedy' }): TallyConfig {
  return {
    currency: 'PLN',
    units: [
      { id: 'centre', budget: 100 },
      { id: 'north', budget: 1000 },
    ],
    ballot,
    outcome,
  };
}

const approvalBallots: CountedBallot[] = [
  { voterPseudonym: pseudo(1), choices: [A, B] },
  { voterPseudonym: pseudo(2), choices: [B, C] },
  { voterPseudonym: pseudo(3), choices: [B] },
  { voterPseudonym: pseudo(4), choices: [A] },
];

describe('computeUnitResult', () => {
  it('approval, greedy: most approved first, skips what no longer fits', () => {
    // support B 3, A 2, C 1: B (50) leaves 50, A (60) does not fit, C (30) does.
    const r = computeUnitResult(config({ type: 'approval' }), 'centre', accepted, approvalBallots);
    expect(r.selected).toEqual([B, C]);
    expect(r.spent).toBe(80);
    expect(r.budget).toBe(100);
    expect(r.status).toBe('ok');
    expect(r.ballotsCounted).toBe(4);
    expect(r.unitId).toBe('centre');
    expect(r.rule).toBe('greedy');
    expect(r.tieBreaking).toBe('support-then-lower-cost-then-input-order');
    expect(r.options).toEqual({ rule: 'greedy' });
  });

  it('knapsack ballots are tallied as approval ballots (the cost limit is a validity rule)', () => {
    const knapsack = computeUnitResult(config({ type: 'knapsack' }), 'centre', accepted, approvalBallots);
    const approval = computeUnitResult(config({ type: 'approval' }), 'centre', accepted, approvalBallots);
    expect(knapsack.selected).toEqual([B, C]);
    expect(knapsack.inputDigest).toBe(approval.inputDigest);
  });

  it('cumulative: support is points; a tie on points goes to the lower cost', () => {
    const ballots: CountedBallot[] = [
      { voterPseudonym: pseudo(1), choices: [A, B], points: [3, 1] },
      { voterPseudonym: pseudo(2), choices: [C], points: [4] },
      { voterPseudonym: pseudo(3), choices: [B, C], points: [2, 2] },
    ];
    // A 3, B 3, C 6: C (30); A and B tie on 3 → B is cheaper (50), then A (60) does not fit in 20.
    const r = computeUnitResult(config({ type: 'cumulative' }), 'centre', accepted, ballots);
    expect(r.selected).toEqual([C, B]);
    expect(r.spent).toBe(80);
    const projects = (r.explanation as { projects: { id: string; support: string }[] }).projects;
    expect(Object.fromEntries(projects.map((p) => [p.id, p.support]))).toEqual({ [A]: '3', [B]: '3', [C]: '6' });
  });

  it('ranked with rankPoints 3/2/1', () => {
    const ballots: CountedBallot[] = [
      { voterPseudonym: pseudo(1), choices: [A, B, C] },
      { voterPseudonym: pseudo(2), choices: [C, A] },
      { voterPseudonym: pseudo(3), choices: [B] },
    ];
    // A 3+2 = 5, B 2+3 = 5, C 1+3 = 4: B (cheaper of the tie), A no longer fits, C fits.
    const r = computeUnitResult(config({ type: 'ranked', rankPoints: [3, 2, 1] }), 'centre', accepted, ballots);
    expect(r.selected).toEqual([B, C]);
  });

  it('ranked without rankPoints uses Borda over each ballot’s length', () => {
    const ballots: CountedBallot[] = [
      { voterPseudonym: pseudo(1), choices: [A, B, C] },
      { voterPseudonym: pseudo(2), choices: [C, A] },
      { voterPseudonym: pseudo(3), choices: [B] },
    ];
    // A 3+1 = 4, B 2+1 = 3, C 1+2 = 3: A (60), then C (cheaper of the tie, 30) fits, B (50) does not.
    const r = computeUnitResult(config({ type: 'ranked' }), 'centre', accepted, ballots);
    expect(r.selected).toEqual([A, C]);
    expect(r.spent).toBe(90);
  });

  it('choose-one', () => {
    const ballots: CountedBallot[] = [
      { voterPseudonym: pseudo(1), choices: [A] },
      { voterPseudonym: pseudo(2), choices: [A] },
      { voterPseudonym: pseudo(3), choices: [C] },
      { voterPseudonym: pseudo(4), choices: [B] },
    ];
    const r = computeUnitResult(config({ type: 'choose-one' }), 'centre', accepted, ballots);
    expect(r.selected).toEqual([A, C]);
  });

  it('uses the unit’s own budget', () => {
    const r = computeUnitResult(config({ type: 'approval' }), 'north', accepted, approvalBallots);
    expect(r.selected).toEqual([B, A, C]);
    expect(r.budget).toBe(1000);
    expect(r.spent).toBe(140);
  });

  it('equals a direct libs/tally computation on the documented mapping, for every rule option', () => {
    const outcome = { rule: 'equalshares/add1' as const, exclusiveGroups: [[A, C]], reportTies: false };
    const r = computeUnitResult(config({ type: 'approval' }, outcome), 'centre', accepted, approvalBallots);
    const direct = tally(
      { budget: 100n, scale: 2, currency: 'PLN', projects: accepted.map((p) => ({ id: p.proposalId, cost: BigInt(p.cost) })) },
      {
        type: 'approval',
        ballots: [...approvalBallots].map((b) => ({ voterId: b.voterPseudonym, projects: [...b.choices] })),
      },
      'equalshares/add1',
      { exclusive: [[A, C]], reportTies: false },
    );
    expect(r.selected).toEqual(direct.selected);
    expect(r.explanation).toEqual((resultToJson(direct) as { explanation: unknown }).explanation);
    expect(r.options).toEqual(outcome);
  });

  it('greedy-threshold and the reserve fraction reach the tally', () => {
    const withThreshold = computeUnitResult(config({ type: 'approval' }, { rule: 'greedy-threshold', threshold: 2 }), 'centre', accepted, approvalBallots);
    // C has 1 approval: below the threshold.
    expect(withThreshold.selected).toEqual([B]);
    // Poznań: greedy stops at A (60, 50 left) and funds it from reserves since 50/60 ≥ 0.8.
    const reserve = computeUnitResult(config({ type: 'approval' }, { rule: 'greedy', reserveFraction: '0.8' }), 'centre', accepted, approvalBallots);
    expect(reserve.selected).toEqual([B, A]);
  });

  it('reports a tie instead of breaking it when the round says so', () => {
    const ballots: CountedBallot[] = [
      { voterPseudonym: pseudo(1), choices: [A] },
      { voterPseudonym: pseudo(2), choices: [B] },
    ];
    const r = computeUnitResult(config({ type: 'choose-one' }, { rule: 'greedy', reportTies: true }), 'centre', [accepted[0], { proposalId: B, cost: 60 }], ballots);
    expect(r.status).toBe('tie');
  });

  it('does not depend on the order the ballots arrive in', () => {
    const forward = computeUnitResult(config({ type: 'approval' }), 'centre', accepted, approvalBallots);
    const backward = computeUnitResult(config({ type: 'approval' }), 'centre', accepted, [...approvalBallots].reverse());
    expect(backward).toEqual(forward);
  });

  it('digests the exact tally input as canonical JSON, bigints as decimal strings', () => {
    const input = tallyInput(config({ type: 'cumulative' }, { rule: 'greedy', reserveFraction: '0.8' }), 'centre', accepted.slice(0, 1), [
      { voterPseudonym: pseudo(2), choices: [A], points: [5] },
    ]);
    const expected = {
      instance: { budget: '100', scale: 2, currency: 'PLN', projects: [{ id: A, cost: '60' }] },
      profile: { type: 'cumulative', ballots: [{ voterId: pseudo(2), projects: [A], points: ['5'] }] },
      rule: 'greedy',
      options: { reserveFraction: '4/5' },
    };
    expect(input.inputDigest).toBe(createHash('sha256').update(canonicalize(expected) as string).digest('hex'));
  });

  it('changes the digest when any input changes', () => {
    const base = computeUnitResult(config({ type: 'approval' }), 'centre', accepted, approvalBallots).inputDigest;
    const otherBallot = computeUnitResult(config({ type: 'approval' }), 'centre', accepted, [
      ...approvalBallots.slice(0, 3),
      { voterPseudonym: pseudo(4), choices: [C] },
    ]).inputDigest;
    const otherOrder = computeUnitResult(config({ type: 'approval' }), 'centre', [...accepted].reverse(), approvalBallots).inputDigest;
    const otherRule = computeUnitResult(config({ type: 'approval' }, { rule: 'phragmen' }), 'centre', accepted, approvalBallots).inputDigest;
    expect(new Set([base, otherBallot, otherOrder, otherRule]).size).toBe(4);
  });

  it('a unit without ballots or proposals still gets a declaration', () => {
    const empty = computeUnitResult(config({ type: 'approval' }, { rule: 'equalshares' }), 'centre', accepted, []);
    expect(empty).toMatchObject({ selected: [], spent: 0, ballotsCounted: 0 });
    const none = computeUnitResult(config({ type: 'approval' }, { rule: 'equalshares' }), 'centre', [], []);
    expect(none).toMatchObject({ selected: [], spent: 0, budget: 100 });
  });

  it('breaks a tie as the round configured it, names the criteria in tieBreaking, and the lottery is reproducible from the seed', () => {
    // A and B tie on one vote each and only one fits the budget of 100.
    const ballots: CountedBallot[] = [
      { voterPseudonym: pseudo(1), choices: [A] },
      { voterPseudonym: pseudo(2), choices: [B] },
    ];
    const tied = [accepted[0], { proposalId: B, cost: 70 }];
    const declare = (outcome: TallyConfig['outcome']) => computeUnitResult(config({ type: 'choose-one' }, outcome), 'centre', tied, ballots);
    const byDefault = declare({ rule: 'greedy' });
    expect([byDefault.selected, byDefault.tieBreaking]).toEqual([[A], 'support-then-lower-cost-then-input-order']);
    const higher = declare({ rule: 'greedy', tieBreak: ['more-support', 'higher-cost'] });
    expect([higher.selected, higher.tieBreaking]).toEqual([[B], 'more-support-then-higher-cost']);
    expect(higher.options).toEqual({ rule: 'greedy', tieBreak: ['more-support', 'higher-cost'] });
    for (const seed of ['council draw 2027-02-01', 'another public seed']) {
      const ticket = (id: string) => createHash('sha256').update(`${seed}\n${id}`).digest('hex');
      const r = declare({ rule: 'greedy', tieBreak: ['lottery'], lotterySeed: seed });
      expect(r.selected).toEqual([ticket(A) < ticket(B) ? A : B]);
      expect(r.tieBreaking).toBe('lottery');
      expect(r.options).toMatchObject({ lotterySeed: seed });
      expect(r.explanation).toMatchObject({ ties: [{ decidedBy: 'lottery', note: expect.stringContaining(`seed ${JSON.stringify(seed)}`) }] });
    }
  });

  it('the payload is plain JSON and a valid ResultsDeclared payload', () => {
    const { payload } = computeUnitTally(config({ type: 'approval' }, { rule: 'equalshares' }), 'centre', accepted, approvalBallots);
    expect(JSON.parse(JSON.stringify(payload))).toEqual(payload);
    const envelope = {
      id: '01900000-0000-7000-8000-000000000001',
      type: 'ResultsDeclared',
      schemaVersion: 1,
      streamId: 'tally-r',
      streamVersion: 2,
      roundId: '01900000-0000-7000-8000-000000000002',
      occurredAt: '2027-03-01T08:00:00.000Z',
      producer: 'voting',
      correlationId: 'c',
      causationId: null,
      payload,
    };
    expect(validateEnvelope(JSON.parse(JSON.stringify(envelope)))).toMatchObject({ ok: true });
  });

  it('refuses input it cannot tally', () => {
    expect(() => computeUnitResult(config({ type: 'approval' }), 'south', accepted, [])).toThrow(RecountInputError);
    expect(() =>
      computeUnitResult(config({ type: 'approval' }), 'centre', accepted, [approvalBallots[0], { ...approvalBallots[1], voterPseudonym: pseudo(1) }]),
    ).toThrow(/more than one counted ballot/);
    expect(() => computeUnitResult(config({ type: 'cumulative' }), 'centre', accepted, [{ voterPseudonym: pseudo(1), choices: [A] }])).toThrow(
      RecountInputError,
    );
  });
});

describe('canonicalDigestJson', () => {
  it('writes exactly what `canonicalize` writes for the digest JSON', () => {
    const value = fc.letrec((tie) => ({
      any: fc.oneof({ depthSize: 'small' }, fc.string({ unit: 'binary' }), fc.bigInt(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), tie('arr'), tie('obj')),
      arr: fc.array(tie('any'), { maxLength: 4 }),
      obj: fc.dictionary(fc.string({ unit: 'binary' }), fc.option(tie('any'), { nil: undefined }), { maxKeys: 4 }),
    })).any;
    fc.assert(
      fc.property(value, (v) => {
        const text = canonicalize(toDigestJson(v)) as string;
        expect(canonicalDigestJson(v)).toBe(text);
        expect(canonicalSha256(v)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      }),
      { numRuns: 500 },
    );
    expect(canonicalDigestJson({ b: 1n, a: { n: 4n, d: 5n }, c: undefined, e: [undefined] })).toBe('{"a":"4/5","b":"1","e":[null]}');
  });
});
