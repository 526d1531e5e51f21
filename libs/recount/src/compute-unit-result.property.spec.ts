import fc from 'fast-check';
import { tally, type Profile } from '@plaza/tally';
import { computeUnitResult, type CountedBallot, type TallyConfig } from './index';

const TYPES = ['approval', 'knapsack', 'cumulative', 'ranked', 'choose-one'] as const;
const RULES = ['greedy', 'equalshares', 'equalshares/add1', 'phragmen'] as const;
const id = (k: number) => `01900000-0000-7000-8000-${k.toString(16).padStart(12, '0')}`;

/** A random unit: accepted proposals with costs, and ballots that are valid for the ballot type. */
const roundArb = fc
  .record({
    type: fc.constantFrom(...TYPES),
    rule: fc.constantFrom(...RULES),
    budget: fc.integer({ min: 1, max: 10_000 }),
    costs: fc.array(fc.integer({ min: 1, max: 5_000 }), { minLength: 1, maxLength: 7 }),
    rankPoints: fc.option(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }), { nil: undefined }),
    raw: fc.array(fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 7 }), fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 7, maxLength: 7 })), {
      maxLength: 25,
    }),
  })
  .map(({ type, rule, budget, costs, rankPoints, raw }) => {
    const accepted = costs.map((cost, k) => ({ proposalId: id(k + 1), cost }));
    const ballots: CountedBallot[] = raw.map(([picks, pts], v) => {
      const distinct = [...new Set(picks.map((p) => p % accepted.length))];
      const chosen = type === 'choose-one' ? distinct.slice(0, 1) : distinct;
      return {
        voterPseudonym: (v * 7919 + 13).toString(16).padStart(64, '0'),
        choices: chosen.map((k) => accepted[k].proposalId),
        ...(type === 'cumulative' ? { points: chosen.map((_, i) => pts[i]) } : {}),
      };
    });
    const config: TallyConfig = {
      currency: 'EUR',
      units: [{ id: 'u', budget }],
      ballot: { type, ...(type === 'ranked' && rankPoints ? { rankPoints } : {}) },
      outcome: { rule },
    };
    return { config, accepted, ballots };
  });

describe('computeUnitResult (properties)', () => {
  it('does not depend on ballot order, agrees with libs/tally on the documented mapping, never overspends', () => {
    fc.assert(
      fc.property(roundArb, fc.infiniteStream(fc.nat()), ({ config, accepted, ballots }, seeds) => {
        const r = computeUnitResult(config, 'u', accepted, ballots);
        const shuffled = [...ballots].map((b) => ({ b, k: seeds.next().value as number })).sort((x, y) => x.k - y.k).map((x) => x.b);
        expect(computeUnitResult(config, 'u', accepted, shuffled)).toEqual(r);

        const type: Profile['type'] =
          config.ballot.type === 'knapsack' ? 'approval' : config.ballot.type === 'ranked' ? 'ordinal' : config.ballot.type;
        const sorted = [...ballots].sort((a, b) => (a.voterPseudonym < b.voterPseudonym ? -1 : 1));
        const direct = tally(
          { budget: BigInt(config.units[0].budget), scale: 2, currency: 'EUR', projects: accepted.map((a) => ({ id: a.proposalId, cost: BigInt(a.cost) })) },
          {
            type,
            ballots: sorted.map((b) => ({ voterId: b.voterPseudonym, projects: [...b.choices], ...(b.points ? { points: b.points.map(BigInt) } : {}) })),
            ...(config.ballot.rankPoints ? { ordinalPoints: config.ballot.rankPoints.map(BigInt) } : {}),
          },
          config.outcome.rule,
        );
        expect(r.selected).toEqual(direct.selected);
        expect(r.spent).toBe(Number(direct.spent));
        expect(r.spent).toBeLessThanOrEqual(r.budget);
        expect(r.ballotsCounted).toBe(ballots.length);
        const ids = new Set(accepted.map((a) => a.proposalId));
        for (const s of r.selected) expect(ids.has(s)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
