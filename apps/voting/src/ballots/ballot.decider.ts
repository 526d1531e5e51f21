import { newEvent, Refusal, type BallotCast, type BallotRulesSpec, type DistrictSpec, type EventContext, type NewEvent, type Phase } from '@plaza/contracts';

export const ballotStream = (roundId: string, pseudonym: string) => `ballot-${roundId}-${pseudonym}`;

/** What the voting service knows of a round, from its Kafka-fed projection. */
export interface RoundView {
  readonly phase: Phase;
  readonly districts: readonly DistrictSpec[];
  readonly ballot: BallotRulesSpec;
}

export interface CastBallot {
  readonly kind: 'CastBallot';
  readonly ballotId: string;
  readonly voterPseudonym: string;
  readonly districtId: string;
  readonly approvals: readonly string[];
  /** Proposals accepted in that district (from the projection). */
  readonly acceptedInDistrict: ReadonlySet<string>;
}

/** A ballot that breaks the round's rules: answered with 400 and the field at fault. */
export class BallotRuleViolation extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Pure: a resident's ballot against the round's phase and ballot rules. A resident may cast again while
 * voting is open; each cast is a new event in their ballot stream and the latest counts.
 */
export function decideBallot(command: CastBallot, round: RoundView, ctx: EventContext): NewEvent<'BallotCast', BallotCast['payload']>[] {
  if (round.phase !== 'voting') throw new Refusal('phase', `ballots are accepted only while voting is open (round is in phase ${round.phase})`);
  if (!round.districts.some((d) => d.id === command.districtId))
    throw new BallotRuleViolation('districtId', `district ${command.districtId} is not part of this round`);
  const { minPicks, maxPicks } = round.ballot;
  if (command.approvals.length < minPicks)
    throw new BallotRuleViolation('approvals', `choose at least ${minPicks} project(s); the ballot has ${command.approvals.length}`);
  if (maxPicks !== undefined && command.approvals.length > maxPicks)
    throw new BallotRuleViolation('approvals', `choose at most ${maxPicks} project(s); the ballot has ${command.approvals.length}`);
  const unknown = command.approvals.filter((id) => !command.acceptedInDistrict.has(id));
  if (unknown.length > 0)
    throw new BallotRuleViolation('approvals', `not on this district's ballot: ${unknown.join(', ')}`);
  return [
    newEvent(
      'BallotCast',
      {
        ballotId: command.ballotId,
        voterPseudonym: command.voterPseudonym,
        districtId: command.districtId,
        approvals: [...command.approvals],
        channel: 'online',
      },
      ctx,
    ),
  ];
}
