import {
  Forbidden,
  InvalidInput,
  newEvent,
  Refusal,
  type BallotCast,
  type BallotChannel,
  type EventContext,
  type NewEvent,
  type Phase,
  type RoundConfig,
} from '@plaza/contracts';
import { ballotCommitment, mayVoteIn } from '@plaza/recount';
import { validateBallot, type BallotRules as TallyBallotRules } from '@plaza/tally';

export const ballotStream = (roundId: string, pseudonym: string) => `ballot-${roundId}-${pseudonym}`;

/** What the voting service knows of a round, from its Kafka-fed projection. */
export interface RoundView {
  readonly phase: Phase;
  readonly config: RoundConfig;
}

/** The ballot a pseudonym currently has in a unit (the latest BallotCast), if any. */
export interface CurrentBallot {
  readonly channel: BallotChannel;
  readonly version: number;
}

export interface CastBallot {
  readonly kind: 'CastBallot';
  readonly ballotId: string;
  readonly voterPseudonym: string;
  readonly unitId: string;
  readonly choices: readonly string[];
  readonly points?: readonly number[];
  readonly channel: BallotChannel;
  /** 32 random bytes (64 hex digits) drawn for this ballot version: the commitment's salt (randomness comes in like ids). */
  readonly salt: string;
  /** Paper ballots: the open batch they are entered in and the staff member entering them. */
  readonly paper?: { readonly batchId: string; readonly batchUnitId: string; readonly operatorId: string };
}

export interface BallotState {
  readonly round: RoundView;
  /** The unit the pseudonym is registered in; undefined when it is not on the roll / not a known code. */
  readonly registeredUnit: string | undefined;
  /** Proposals on the unit's ballot (accepted), with their reviewed cost. */
  readonly accepted: readonly { readonly proposalId: string; readonly cost: number }[];
  /** The pseudonym's current ballots, by unit. */
  readonly current: ReadonlyMap<string, CurrentBallot>;
}

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** A ballot that breaks the round's rules: answered with 400 and every field at fault. */
export class BallotRuleViolation extends InvalidInput {
  constructor(readonly problems: readonly FieldProblem[]) {
    super(problems.map((p) => ({ field: p.field, messages: [p.message] })));
  }
}

/** The caller may not vote here at all (not on the roll, another district): answered with 403. */
export class Ineligible extends Forbidden {}

/** libs/tally's view of the round's ballot rules for one unit. */
export function tallyBallotRules(config: RoundConfig, unitId: string, accepted: BallotState['accepted']): TallyBallotRules {
  const b = config.ballot;
  const projects = accepted.map((p) => ({ id: p.proposalId, cost: BigInt(p.cost) }));
  const picks = {
    ...(b.minPicks !== undefined ? { minLength: b.minPicks } : {}),
    ...(b.maxPicks !== undefined ? { maxLength: b.maxPicks } : {}),
  };
  switch (b.type) {
    case 'approval':
      return { type: 'approval', ...picks, projects };
    case 'knapsack': {
      const budget = config.units.find((u) => u.id === unitId)?.budget ?? 0;
      return { type: 'approval', ...picks, maxSumCost: BigInt(b.maxSumCost ?? budget), projects };
    }
    case 'cumulative':
      return {
        type: 'cumulative',
        ...(b.maxPointsPerProject !== undefined ? { maxPoints: BigInt(b.maxPointsPerProject) } : {}),
        ...(b.totalPoints !== undefined ? { maxSumPoints: BigInt(b.totalPoints) } : {}),
        projects,
      };
    case 'ranked':
      return {
        type: 'ordinal',
        minLength: b.minPicks ?? 1,
        ...(b.maxPicks !== undefined ? { maxLength: b.maxPicks } : b.rankPoints ? { maxLength: b.rankPoints.length } : {}),
        projects,
      };
    case 'choose-one':
      return { type: 'choose-one', projects };
  }
}

/** libs/tally names the fields `projects` and `points[k]`; the ballot API calls them `choices` and `points.k`. */
function apiField(field: string): string {
  if (field === 'projects') return 'choices';
  const m = /^points\[(\d+)\]$/.exec(field);
  return m ? `points.${m[1]}` : field;
}

/** Every rule-level problem of a ballot (not eligibility, not phase): empty when valid. */
export function ballotProblems(config: RoundConfig, command: Pick<CastBallot, 'unitId' | 'choices' | 'points'>, accepted: BallotState['accepted']): FieldProblem[] {
  if (!config.units.some((u) => u.id === command.unitId)) return [{ field: 'unitId', message: `unit ${command.unitId} is not part of this round` }];
  const problems: FieldProblem[] = [];
  const cumulative = config.ballot.type === 'cumulative';
  if (!cumulative && command.points !== undefined) {
    problems.push({ field: 'points', message: `only cumulative ballots carry points; this round's ballots are ${config.ballot.type}` });
  }
  const result = validateBallot(tallyBallotRules(config, command.unitId, accepted), {
    voterId: 'ballot',
    projects: [...command.choices],
    ...(cumulative && command.points ? { points: command.points.map((p) => BigInt(p)) } : {}),
  });
  if (!result.ok) {
    for (const e of result.errors) {
      const message = e.message.replace(/is not on this ballot$/, `is not on the ballot of ${command.unitId} (not an accepted proposal of that unit)`);
      problems.push({ field: apiField(e.field), message });
    }
  }
  return problems;
}

/**
 * Pure: a ballot against the round's phase, the voter's eligibility, the paper policy and the ballot rules.
 * A voter may cast again while voting is open; each cast is a new BallotCast in their ballot stream and the
 * latest counts. Paper and online ballots meet according to the round's paperPolicy:
 * - refuse-if-voted-online: one channel per voter — paper is refused after an online ballot and online after paper;
 * - paper-overrides-online: a paper ballot replaces an online one; online is refused after paper.
 * A voter gets one paper ballot per unit (a sheet cannot be revised).
 * The event is sealed (schemaVersion 2): it carries a commitment to the choices, never the choices themselves;
 * the caller keeps the content and the salt (ballot_secrets) until the close opens the ballots that count.
 */
export function decideBallot(command: CastBallot, state: BallotState, ctx: EventContext): NewEvent<'BallotCast', BallotCast['payload']>[] {
  const { round } = state;
  if (round.phase !== 'voting') {
    throw new Refusal('voting-not-open', `ballots are accepted only while voting is open (the round is in phase ${round.phase})`);
  }
  const closesAt = round.config.schedule.votingClosesAt;
  if (command.channel === 'online' && closesAt !== undefined && ctx.now.getTime() >= Date.parse(closesAt)) {
    // The scheduled close binds online voting to the second, even before the phase change reaches this service;
    // staff may still enter paper sheets handed in before it until the round is actually closed.
    throw new Refusal('voting-not-open', `online voting closed at ${closesAt}`);
  }
  if (state.registeredUnit === undefined) {
    throw new Ineligible('not-registered', round.config.eligibility.mode === 'roll' ? 'you are not on the voter roll of this round' : 'this voting code is not valid for this round');
  }
  if (command.paper && command.paper.batchUnitId !== command.unitId) {
    throw new BallotRuleViolation([{ field: 'unitId', message: `this batch holds ballots of ${command.paper.batchUnitId}, not ${command.unitId}` }]);
  }
  const problems = ballotProblems(round.config, command, state.accepted);
  if (problems.length > 0) throw new BallotRuleViolation(problems);
  if (!mayVoteIn(round.config, state.registeredUnit, command.unitId)) {
    throw new Ineligible('other-unit', `registered to vote in ${state.registeredUnit}, not in ${command.unitId}`);
  }
  const current = state.current.get(command.unitId);
  if (current?.channel === 'paper') {
    throw new Refusal('voted-on-paper', 'a paper ballot has already been recorded for this voter; it cannot be replaced');
  }
  if (command.channel === 'paper' && current?.channel === 'online' && round.config.eligibility.paperPolicy === 'refuse-if-voted-online') {
    throw new Refusal('voted-online', 'this voter has already voted online; the round does not accept a paper ballot as well');
  }
  return [
    newEvent(
      'BallotCast',
      {
        ballotId: command.ballotId,
        voterPseudonym: command.voterPseudonym,
        unitId: command.unitId,
        channel: command.channel,
        commitment: ballotCommitment({
          ballotId: command.ballotId,
          choices: command.choices,
          ...(command.points !== undefined ? { points: command.points } : {}),
          salt: command.salt,
        }),
        ...(command.paper ? { paper: { batchId: command.paper.batchId, operatorId: command.paper.operatorId } } : {}),
      },
      ctx,
    ),
  ];
}
