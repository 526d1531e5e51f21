import fc from 'fast-check';
import { add, cmp, mulInt, rat, sub, toNumber, ZERO, type Rational } from './rational';
import { prepare } from './prepare';
import { mesExact, mesFloat } from './rules/mes';
import { resultToJson, RULE_NAMES, tally, type Ballot, type BallotType, type Instance, type Profile, type RuleName } from '.';
import { referenceAdd1, referenceMes } from '../test/reference-mes';
import { tallyAdd1OneUnit } from './tally';

interface Case {
  instance: Instance;
  profile: Profile;
}

const arbCase = (types: readonly BallotType[] = ['approval', 'cumulative', 'ordinal', 'choose-one']): fc.Arbitrary<Case> =>
  fc
    .record({
      type: fc.constantFrom(...types),
      costs: fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 7 }),
      budget: fc.integer({ min: 1, max: 400 }),
      raw: fc.array(fc.array(fc.tuple(fc.nat(6), fc.integer({ min: 1, max: 3 })), { maxLength: 5 }), { minLength: 1, maxLength: 14 }),
    })
    .map(({ type, costs, budget, raw }) => {
      const projects = costs.map((c, i) => ({ id: `p${i}`, cost: BigInt(c) }));
      const ballots: Ballot[] = raw.map((items, v) => {
        const seen = new Map<string, bigint>();
        for (const [k, pts] of items) seen.set(`p${k % costs.length}`, BigInt(pts));
        let ids = [...seen.keys()];
        if (type === 'choose-one') ids = ids.slice(0, 1);
        return type === 'cumulative'
          ? { voterId: `v${v}`, projects: ids, points: ids.map((id) => seen.get(id)!) }
          : { voterId: `v${v}`, projects: ids };
      });
      return { instance: { budget: BigInt(budget), scale: 0, projects }, profile: { type, ballots } };
    });

const options = (rule: RuleName) => (rule === 'greedy-threshold' ? { threshold: 2n } : {});

describe('properties on random instances', () => {
  it('no rule exceeds the budget', () => {
    fc.assert(
      fc.property(arbCase(), ({ instance, profile }) => {
        for (const rule of RULE_NAMES) {
          const r = tally(instance, profile, rule, options(rule));
          expect(r.spent).toBeLessThanOrEqual(instance.budget);
          expect(new Set(r.selected).size).toBe(r.selected.length);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("greedy's outcome is maximal for its order: each project left out did not fit when its turn came", () => {
    fc.assert(
      fc.property(arbCase(), ({ instance, profile }) => {
        const r = tally(instance, profile, 'greedy');
        const cost = new Map(instance.projects.map((p) => [p.id, p.cost]));
        let spent = 0n;
        // explanation.projects is in the greedy order
        for (const p of r.explanation.projects) {
          if (p.selected) spent += p.cost;
          else expect(spent + p.cost).toBeGreaterThan(instance.budget);
        }
        expect(spent).toBe(r.spent);
        for (const id of r.selected) expect(cost.has(id)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('Equal Shares never charges a voter more than their endowment, and the supporters pay exactly the cost', () => {
    fc.assert(
      fc.property(arbCase(), fc.constantFrom<RuleName>('equalshares', 'equalshares/add1'), ({ instance, profile }, rule) => {
        const r = tally(instance, profile, rule);
        if (r.explanation.comparison?.switchedToGreedy) return;
        const endowment = r.explanation.perVoterBudget!;
        const p = prepare(instance, profile);
        const budget: Rational[] = profile.ballots.map(() => endowment);
        const costUtility = profile.type === 'approval' || profile.type === 'choose-one';
        for (const round of r.explanation.rounds ?? []) {
          const i = p.index.get(round.project)!;
          let paid: Rational = ZERO;
          let poor = 0;
          profile.ballots.forEach((b, v) => {
            const pos = b.projects.indexOf(round.project);
            if (pos < 0) return;
            const pts = profile.type === 'cumulative' ? b.points![pos] : profile.type === 'ordinal' ? BigInt(b.projects.length - pos) : 1n;
            const u = costUtility ? instance.projects[i].cost : pts;
            let pay = mulInt(round.rho, u);
            if (cmp(pay, budget[v]) >= 0) {
              if (cmp(pay, budget[v]) > 0) poor += 1;
              pay = budget[v];
            }
            budget[v] = sub(budget[v], pay);
            paid = add(paid, pay);
            expect(cmp(budget[v], ZERO)).toBeGreaterThanOrEqual(0);
          });
          expect(paid).toEqual(rat(round.cost));
          expect(poor).toBe(round.paidAllTheyHad);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('results do not depend on the order of the voters', () => {
    fc.assert(
      fc.property(arbCase(), fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })), ({ instance, profile }, keys) => {
        const k = profile.ballots.map(() => keys.next().value as number);
        const shuffled = { ...profile, ballots: profile.ballots.map((b, i) => [b, k[i]] as const).sort((a, b) => a[1] - b[1]).map(([b]) => b) };
        for (const rule of RULE_NAMES) {
          expect(resultToJson(tally(instance, shuffled, rule, options(rule)))).toEqual(
            resultToJson(tally(instance, profile, rule, options(rule))),
          );
        }
      }),
      { numRuns: 80 },
    );
  });

  it('the Equal Shares engine agrees with a naive per-voter implementation, at any per-voter budget', () => {
    fc.assert(
      fc.property(arbCase(), fc.integer({ min: 0, max: 60 }), ({ instance, profile }, extra) => {
        const perVoter = add(rat(instance.budget, BigInt(profile.ballots.length)), rat(BigInt(extra)));
        const p = prepare(instance, profile);
        const exact = mesExact(p, perVoter);
        expect(exact.selected.map((i) => instance.projects[i].id)).toEqual(referenceMes(instance, profile, perVoter));
        // The float run either declines (a decision too close to call) or agrees.
        const float = mesFloat(p, toNumber(perVoter));
        if (float) expect(float.selected).toEqual(exact.selected);
      }),
      { numRuns: 300 },
    );
  });

  it('Add1 (with its skipped raises) agrees with raising one unit at a time with the naive engine', () => {
    fc.assert(
      fc.property(arbCase(['approval', 'cumulative']), ({ instance, profile }) => {
        const r = tally(instance, profile, 'equalshares/add1');
        const ref = referenceAdd1(instance, profile);
        expect(r.selected).toEqual(ref.selected);
        expect(r.explanation.add1Steps).toBe(ref.raises);
      }),
      { numRuns: 120 },
    );
  });

  // Costs in the thousands and few voters: the slack of a run covers many one-unit raises, so Add1 jumps.
  const arbJumpCase = fc
    .record({
      type: fc.constantFrom<BallotType>('approval', 'cumulative'),
      costs: fc.array(fc.integer({ min: 50, max: 3000 }), { minLength: 2, maxLength: 7 }),
      budget: fc.integer({ min: 100, max: 6000 }),
      raw: fc.array(fc.array(fc.tuple(fc.nat(6), fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 9 }),
      scale: fc.constantFrom(0, 0, 1),
    })
    .map(({ type, costs, budget, raw, scale }): Case => {
      const projects = costs.map((c, i) => ({ id: `p${i}`, cost: BigInt(c) }));
      const ballots: Ballot[] = raw.map((items, v) => {
        const seen = new Map<string, bigint>();
        for (const [k, pts] of items) seen.set(`p${k % costs.length}`, BigInt(pts));
        const ids = [...seen.keys()];
        return type === 'cumulative'
          ? { voterId: `v${v}`, projects: ids, points: ids.map((id) => seen.get(id)!) }
          : { voterId: `v${v}`, projects: ids };
      });
      return { instance: { budget: BigInt(budget), scale, projects }, profile: { type, ballots } };
    });

  it("Add1 that jumps gives the one-unit loop's outcome and raise count, with and without add1Integral", () => {
    fc.assert(
      fc.property(arbJumpCase, fc.boolean(), ({ instance, profile }, add1Integral) => {
        const r = tally(instance, profile, 'equalshares/add1', { add1Integral });
        const ref = tallyAdd1OneUnit(instance, profile, { add1Integral });
        expect(r.selected).toEqual(ref.selected);
        expect(r.explanation.add1Steps).toBe(ref.explanation.add1Steps);
        expect(resultToJson(r)).toEqual(resultToJson(ref));
      }),
      { numRuns: 60 },
    );
  });

  it('the one-unit loop agrees with raising one unit at a time with the naive engine', () => {
    fc.assert(
      fc.property(arbJumpCase.filter((c) => c.instance.scale === 0), ({ instance, profile }) => {
        const ref = referenceAdd1(instance, profile);
        const r = tallyAdd1OneUnit(instance, profile);
        expect(r.selected).toEqual(ref.selected);
        expect(r.explanation.add1Steps).toBe(ref.raises);
      }),
      { numRuns: 30 },
    );
  });
});
