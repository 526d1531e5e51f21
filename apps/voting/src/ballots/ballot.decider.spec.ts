import 'reflect-metadata';
import { Refusal, type RoundConfig } from '@plaza/contracts';
import { ballotCommitment } from '@plaza/recount';
import { BallotRuleViolation, decideBallot, Ineligible, type BallotState, type CastBallot, type CurrentBallot } from './ballot.decider';

const A = '01900000-0000-7000-8000-00000000000a';
const B = '01900000-0000-7000-8000-00000000000b';
const C = '01900000-0000-7000-8000-00000000000c';
const X = '01900000-0000-7000-8000-0000000000ff';
const VOTER = 'ab'.repeat(32);
const SALT = '5a'.repeat(32);
const BALLOT_ID = '01900000-0000-7000-8000-0000000000b1';
/** The commitment a sealed BallotCast must carry for these choices. */
const sealed = (choices: string[], points?: number[]) => ballotCommitment({ ballotId: BALLOT_ID, choices, ...(points ? { points } : {}), salt: SALT });
const ctx = { roundId: '01900000-0000-7000-8000-000000000001', correlationId: 'c', now: new Date('2027-03-01T10:00:00Z') };

function config(ballot: RoundConfig['ballot'], paperPolicy: RoundConfig['eligibility']['paperPolicy'] = 'refuse-if-voted-online'): RoundConfig {
  return {
    name: 'Round',
    currency: 'PLN',
    units: [
      { id: 'centre', name: 'Centre', kind: 'district', budget: 100 },
      { id: 'north', name: 'North', kind: 'district', budget: 100 },
      { id: 'green', name: 'Green', kind: 'category', budget: 100 },
    ],
    schedule: {},
    ballot,
    outcome: { rule: 'greedy' },
    eligibility: { mode: 'roll', paperPolicy },
  };
}

/** given a round and a voter, when they cast, then events or a refusal. */
function given(ballot: RoundConfig['ballot'], over: Partial<BallotState> & { paperPolicy?: RoundConfig['eligibility']['paperPolicy'] } = {}) {
  const state: BallotState = {
    round: { phase: 'voting', config: config(ballot, over.paperPolicy) },
    registeredUnit: 'centre',
    accepted: [
      { proposalId: A, cost: 60 },
      { proposalId: B, cost: 50 },
      { proposalId: C, cost: 30 },
    ],
    current: new Map<string, CurrentBallot>(),
    ...over,
  };
  return {
    when(cast: Partial<CastBallot>) {
      const command: CastBallot = { kind: 'CastBallot', ballotId: BALLOT_ID, voterPseudonym: VOTER, unitId: 'centre', choices: [A], channel: 'online', salt: SALT, ...cast };
      return () => decideBallot(command, state, ctx);
    },
  };
}

function problemsOf(run: () => unknown): { field: string; message: string }[] {
  try {
    run();
  } catch (error) {
    if (error instanceof BallotRuleViolation) return [...error.problems];
    throw error;
  }
  throw new Error('expected a BallotRuleViolation');
}

describe('ballot decider', () => {
  describe('approval', () => {
    const rules = { type: 'approval' as const, minPicks: 1, maxPicks: 2 };
    it('records a BallotCast with the choices', () => {
      const [event] = given(rules).when({ choices: [A, C] })();
      expect(event.type).toBe('BallotCast');
      // Sealed: the public event carries a commitment to the choices, never the choices.
      expect(event.schemaVersion).toBe(2);
      expect(event.payload).toEqual({ ballotId: BALLOT_ID, voterPseudonym: VOTER, unitId: 'centre', channel: 'online', commitment: sealed([A, C]) });
      expect(JSON.stringify(event)).not.toContain(A);
      expect(event.roundId).toBe(ctx.roundId);
      expect(event.occurredAt).toBe('2027-03-01T10:00:00.000Z');
    });
    it('refuses too few, too many, unknown and repeated choices, field by field', () => {
      expect(problemsOf(given(rules).when({ choices: [] }))).toEqual([{ field: 'choices', message: 'choose at least 1 project(s) (got 0)' }]);
      expect(problemsOf(given(rules).when({ choices: [A, B, C] }))).toEqual([{ field: 'choices', message: 'choose at most 2 project(s) (got 3)' }]);
      expect(problemsOf(given(rules).when({ choices: [X] }))[0]).toEqual({
        field: 'choices',
        message: `project ${X} is not on the ballot of centre (not an accepted proposal of that unit)`,
      });
      expect(problemsOf(given(rules).when({ choices: [A, A] }))[0]).toEqual({ field: 'choices', message: `project ${A} is named more than once` });
    });
    it('refuses points on a ballot that has none', () => {
      expect(problemsOf(given(rules).when({ choices: [A], points: [1] })).map((p) => p.field)).toContain('points');
    });
    it('refuses a unit that is not in the round', () => {
      expect(problemsOf(given(rules).when({ unitId: 'south' }))).toEqual([{ field: 'unitId', message: 'unit south is not part of this round' }]);
    });
  });

  describe('knapsack', () => {
    it('accepts choices within the cost limit and refuses those over it', () => {
      const rules = { type: 'knapsack' as const, maxSumCost: 90 };
      expect(given(rules).when({ choices: [A, C] })()).toHaveLength(1);
      expect(problemsOf(given(rules).when({ choices: [A, B] }))).toEqual([
        { field: 'choices', message: 'the chosen projects cost 110 in total, more than 90' },
      ]);
    });
    it('defaults the cost limit to the unit budget', () => {
      expect(problemsOf(given({ type: 'knapsack' }).when({ choices: [A, B] }))[0].message).toContain('more than 100');
      expect(given({ type: 'knapsack' }).when({ choices: [B, C] })()).toHaveLength(1);
    });
  });

  describe('cumulative', () => {
    const rules = { type: 'cumulative' as const, totalPoints: 10, maxPointsPerProject: 6 };
    it('records points in choice order', () => {
      const [event] = given(rules).when({ choices: [B, A], points: [6, 4] })();
      expect(event.payload.commitment).toBe(sealed([B, A], [6, 4]));
      expect(event.payload.commitment).not.toBe(sealed([B, A], [4, 6]));
    });
    it('refuses missing points, too many per project and in total', () => {
      expect(problemsOf(given(rules).when({ choices: [A] }))).toEqual([{ field: 'points', message: 'points are missing' }]);
      expect(problemsOf(given(rules).when({ choices: [A, B], points: [7, 4] }))).toEqual([
        { field: 'points.0', message: 'at most 6 point(s) per project (got 7)' },
        { field: 'points', message: 'give at most 10 point(s) in total (got 11)' },
      ]);
      expect(problemsOf(given(rules).when({ choices: [A, B], points: [1] }))).toEqual([{ field: 'points', message: '1 point value(s) for 2 project(s)' }]);
    });
  });

  describe('ranked', () => {
    const rules = { type: 'ranked' as const, maxPicks: 2, rankPoints: [2, 1] };
    it('keeps the ranking order', () => {
      const [event] = given(rules).when({ choices: [C, A] })();
      expect(event.payload.commitment).toBe(sealed([C, A]));
      expect(event.payload.commitment).not.toBe(sealed([A, C]));
    });
    it('refuses a ranking longer than the ballot allows or an empty one', () => {
      expect(problemsOf(given(rules).when({ choices: [A, B, C] }))).toEqual([{ field: 'choices', message: 'choose at most 2 project(s) (got 3)' }]);
      expect(problemsOf(given(rules).when({ choices: [] }))).toEqual([{ field: 'choices', message: 'choose at least 1 project(s) (got 0)' }]);
    });
  });

  describe('choose-one', () => {
    it('accepts exactly one choice', () => {
      expect(given({ type: 'choose-one' }).when({ choices: [B] })()[0].payload.commitment).toBe(sealed([B]));
      expect(problemsOf(given({ type: 'choose-one' }).when({ choices: [A, B] }))[0]).toEqual({ field: 'choices', message: 'choose exactly one project (got 2)' });
    });
  });

  describe('phase and eligibility', () => {
    const rules = { type: 'approval' as const };
    it.each(['draft', 'submission', 'review', 'closed', 'published'] as const)('refuses ballots in phase %s', (phase) => {
      const run = given(rules, { round: { phase, config: config(rules) } }).when({});
      expect(run).toThrow(Refusal);
      expect(run).toThrow(/only while voting is open/);
    });
    it('refuses online ballots from the scheduled closing time on, even before the phase change arrives; paper may still be entered', () => {
      const scheduled = { ...config(rules), schedule: { votingClosesAt: '2027-03-01T10:00:00Z' } };
      const run = given(rules, { round: { phase: 'voting', config: scheduled } }).when({});
      expect(run).toThrow(/online voting closed at 2027-03-01T10:00:00Z/);
      const paper = { channel: 'paper' as const, paper: { batchId: '01900000-0000-7000-8000-0000000000c1', batchUnitId: 'centre', operatorId: 'staff-1' } };
      expect(given(rules, { round: { phase: 'voting', config: scheduled } }).when(paper)()).toHaveLength(1);
      const later = { ...config(rules), schedule: { votingClosesAt: '2027-03-01T10:00:01Z' } };
      expect(given(rules, { round: { phase: 'voting', config: later } }).when({})()).toHaveLength(1);
    });
    it('refuses a voter who is not registered', () => {
      expect(given(rules, { registeredUnit: undefined }).when({})).toThrow(Ineligible);
    });
    it('refuses a ballot in another district, but lets anyone vote in a category', () => {
      expect(given(rules, { registeredUnit: 'north' }).when({})).toThrow(/registered to vote in north, not in centre/);
      expect(given(rules, { registeredUnit: 'north' }).when({ unitId: 'green', choices: [] })()).toHaveLength(1);
    });
  });

  describe('paper ballots', () => {
    const rules = { type: 'approval' as const };
    const paper = { channel: 'paper' as const, paper: { batchId: '01900000-0000-7000-8000-0000000000c1', batchUnitId: 'centre', operatorId: 'staff-1' } };
    const votedOnline = new Map([['centre', { channel: 'online' as const, version: 1 }]]);
    const votedOnPaper = new Map([['centre', { channel: 'paper' as const, version: 1 }]]);
    it('records the batch and operator', () => {
      const [event] = given(rules).when(paper)();
      expect(event.payload).toMatchObject({ channel: 'paper', paper: { batchId: paper.paper.batchId, operatorId: 'staff-1' } });
    });
    it('refuse-if-voted-online: paper after online and online after paper are refused', () => {
      expect(given(rules, { current: votedOnline }).when(paper)).toThrow(/already voted online/);
      expect(given(rules, { current: votedOnPaper }).when({})).toThrow(/paper ballot has already been recorded/);
    });
    it('paper-overrides-online: paper replaces online, online after paper is still refused', () => {
      expect(given(rules, { current: votedOnline, paperPolicy: 'paper-overrides-online' }).when(paper)()).toHaveLength(1);
      expect(given(rules, { current: votedOnPaper, paperPolicy: 'paper-overrides-online' }).when({})).toThrow(Refusal);
    });
    it('one paper ballot per voter', () => {
      expect(given(rules, { current: votedOnPaper }).when(paper)).toThrow(Refusal);
    });
    it('a batch holds ballots of its own unit only', () => {
      expect(problemsOf(given(rules).when({ ...paper, unitId: 'north' }))[0].field).toBe('unitId');
    });
    it('an online voter may revise while voting is open', () => {
      expect(given(rules, { current: votedOnline }).when({ choices: [B] })()).toHaveLength(1);
    });
  });
});
