import { Forbidden, InvalidInput, newEvent, Refusal, type AgeBand, type EligibilityChangeKind, type EventContext, type NewEvent, type Phase, type RoundConfig } from '@plaza/contracts';
import type { FieldProblem } from '../ballots/ballot.decider';
import type { Registration } from './registration';
import type { ParsedRoll } from './roll';

/** The round as eligibility's rules see it. */
export interface EligibilityRound {
  readonly roundId: string;
  readonly config: Pick<RoundConfig, 'units' | 'eligibility' | 'schedule'>;
  readonly phase: Phase;
  /** The close is recorded (VotingClosed). */
  readonly closed: boolean;
}

/** A requested change as its confirmation sees it. */
export interface PendingChange {
  readonly changeId: string;
  readonly status: 'pending' | 'confirmed';
  readonly requestedBy: string;
  readonly confirmedBy: string | null;
}

export const perUnitOf = (voters: readonly { unitId: string }[]) => {
  const out: Record<string, number> = {};
  for (const v of voters) out[v.unitId] = (out[v.unitId] ?? 0) + 1;
  return out;
};

function refuseUnlessOpenForRegistration(round: EligibilityRound): void {
  if (round.closed || round.phase === 'closed' || round.phase === 'published') {
    throw new Refusal('round-closed', `voting in this round is over (phase ${round.phase}); no voters can be added`);
  }
}

/**
 * The roll and the code sheet freeze when voting opens: from then on a change goes through
 * POST …/eligibility-changes and needs a second administrator (four eyes).
 */
function refuseWhileVoting(round: EligibilityRound, what: 'roll' | 'codes'): void {
  if (round.phase !== 'voting') return;
  const thing = what === 'roll' ? 'the voter roll is frozen' : 'voting codes are frozen';
  throw new Refusal(
    what === 'roll' ? 'roll-frozen' : 'codes-frozen',
    `voting is open, so ${thing}: request the change with POST /rounds/${round.roundId}/eligibility-changes and have a second administrator confirm it (four eyes)`,
  );
}

function requireMode(round: EligibilityRound, mode: 'roll' | 'codes'): void {
  if (round.config.eligibility.mode === mode) return;
  throw new Refusal('wrong-eligibility-mode', mode === 'roll' ? 'this round uses voting codes, not a voter roll' : 'this round uses a voter roll, not voting codes');
}

const unitProblem = (round: EligibilityRound, unitId: string | undefined): FieldProblem[] =>
  unitId === undefined || !round.config.units.some((u) => u.id === unitId) ? [{ field: 'unitId', message: `unit ${unitId ?? '(none)'} is not part of this round` }] : [];

/** A roll import outside the four-eyes path: only before voting opens (for a roll round), never after the close. */
export function mayImportRoll(round: EligibilityRound): void {
  if (round.config.eligibility.mode === 'roll') refuseWhileVoting(round, 'roll');
}

/**
 * A roll read against the round: a roll round still open for registration, and no problem in the file (every
 * line needs a birth year when the round has a minimum age). Problems are answered together, in line order.
 */
export function checkRoll(round: EligibilityRound, parsed: ParsedRoll): void {
  requireMode(round, 'roll');
  refuseUnlessOpenForRegistration(round);
  const minAge = round.config.eligibility.minAge;
  const problems = [...parsed.problems];
  if (minAge !== undefined) {
    for (const e of parsed.entries) {
      if (e.birthYear === undefined) problems.push({ field: `csv.${e.line}`, message: `birth_year is needed: the round has a minimum age of ${minAge}` });
    }
  }
  if (problems.length > 0) throw InvalidInput.of(problems.sort((a, b) => Number(a.field.split('.')[1] ?? 0) - Number(b.field.split('.')[1] ?? 0)));
}

/** The registrations a roll would make: new pseudonyms, and known ones whose unit or age band changed. */
export function changedRegistrations(registrations: readonly Registration[], known: readonly { pseudonym: string; unitId: string; ageBand: AgeBand | null }[]): Registration[] {
  const byPseudonym = new Map(known.map((k) => [k.pseudonym, k]));
  return registrations.filter((v) => {
    const k = byPseudonym.get(v.pseudonym);
    return !k || k.unitId !== v.unitId || (k.ageBand ?? undefined) !== v.ageBand;
  });
}

/** Codes generated outside the four-eyes path: a codes round, before voting opens, for a unit of the round. */
export function mayGenerateCodes(round: EligibilityRound, unitId: string): void {
  requireMode(round, 'codes');
  refuseUnlessOpenForRegistration(round);
  refuseWhileVoting(round, 'codes');
  const problems = unitProblem(round, unitId);
  if (problems.length > 0) throw InvalidInput.of(problems);
}

/** A change may be requested only while voting is open (before, the roll or codes change directly). */
export function mayRequestChange(round: EligibilityRound): void {
  refuseUnlessOpenForRegistration(round);
  if (round.phase !== 'voting') {
    throw new Refusal('not-frozen', `voting is not open (phase ${round.phase}): import the roll or generate codes directly; four eyes are needed only while voting is open`);
  }
}

/** The request of a change: a roll change names its csv; a codes change a unit of a codes round and a count. */
export function requestedChange(
  round: EligibilityRound,
  body: { kind: EligibilityChangeKind; csv?: string; unitId?: string; count?: number },
): { kind: 'roll'; csv: string } | { kind: 'codes'; unitId: string; count: number } {
  if (body.kind === 'roll') {
    if (body.csv === undefined) throw InvalidInput.of([{ field: 'csv', message: 'csv is needed for a roll change' }]);
    return { kind: 'roll', csv: body.csv };
  }
  requireMode(round, 'codes');
  const problems = unitProblem(round, body.unitId);
  if (body.count === undefined) problems.push({ field: 'count', message: 'count is needed for a codes change' });
  if (problems.length > 0) throw InvalidInput.of(problems);
  return { kind: 'codes', unitId: body.unitId!, count: body.count! };
}

/** EligibilityChangeRequested for a change that registers `perUnit` voters; a roll change must change someone. */
export function decideChangeRequest(
  change: { changeId: string; kind: EligibilityChangeKind; requestedBy: string; perUnit: Record<string, number> },
  ctx: EventContext,
): NewEvent<'EligibilityChangeRequested'> {
  if (Object.keys(change.perUnit).length === 0) throw new Refusal('nothing-to-change', 'every resident of this roll is already registered as it says: nothing to confirm');
  return newEvent('EligibilityChangeRequested', { changeId: change.changeId, kind: change.kind, requestedBy: change.requestedBy, perUnit: change.perUnit }, ctx);
}

/** A pending change is confirmed once, by an administrator other than the one who asked, while voting is open. */
export function mayConfirmChange(round: EligibilityRound, change: PendingChange, callerId: string): void {
  if (change.status !== 'pending') throw new Refusal('change-confirmed', `eligibility change ${change.changeId} was already confirmed by ${change.confirmedBy}`);
  if (change.requestedBy === callerId) {
    throw new Refusal('four-eyes', 'the administrator who requested a change cannot confirm it: a second, different administrator must');
  }
  refuseUnlessOpenForRegistration(round);
  if (round.phase !== 'voting') throw new Refusal('voting-not-open', `voting is not open (phase ${round.phase}); the change was for the voting phase`);
}

/** Code sign-in: a codes round while voting is open (and online voting has not closed by the schedule). */
export function maySignIn(round: EligibilityRound, now: Date): void {
  requireMode(round, 'codes');
  if (round.phase !== 'voting') throw new Refusal('voting-not-open', `voting codes work only while voting is open (the round is in phase ${round.phase})`);
  const closesAt = round.config.schedule.votingClosesAt;
  if (closesAt !== undefined && now.getTime() >= Date.parse(closesAt)) throw new Refusal('voting-not-open', `online voting closed at ${closesAt}`);
}

/** The code's voter (undefined: no such code in this round) signs in once. */
export function maySignInAs(voter: { signedInAt: Date | null } | undefined): void {
  if (!voter) throw new Forbidden('invalid-code', 'this voting code is not valid for this round');
  if (voter.signedInAt !== null) throw new Refusal('code-used', 'this voting code has already been used to sign in');
}
