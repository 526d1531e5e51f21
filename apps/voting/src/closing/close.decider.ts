import { newEvent, type BallotChannel, type BallotOpening, type BallotsOpenedPayload, type NewEvent, type ResultsDeclaredPayload, type RoundConfig } from '@plaza/contracts';
import { ballotDigest, computeUnitResult, countBallots, type CastRecord } from '@plaza/recount';

export const tallyStream = (roundId: string) => `tally-${roundId}`;

export interface CloseContext {
  readonly correlationId: string;
  /** The RoundPhaseChanged event that closed voting. */
  readonly causationId: string;
  readonly now: Date;
}

/** One version of one ballot with its content (voting's own store). */
export interface SealedBallot {
  readonly eventId: string;
  readonly voterPseudonym: string;
  readonly unitId: string;
  readonly channel: BallotChannel;
  readonly choices: string[];
  readonly points: number[] | null;
  /** null: cast unsealed (schemaVersion 1), nothing to open. */
  readonly salt: string | null;
}

/** What the close is decided from. */
export interface CloseInput {
  readonly roundId: string;
  readonly config: RoundConfig;
  /** Accepted proposals in acceptance order. */
  readonly accepted: readonly { proposalId: string; unitId: string; cost: number }[];
  /** Every version of every ballot, in each voter's cast order. */
  readonly ballots: readonly SealedBallot[];
  readonly registrations: readonly { pseudonym: string; unitId: string }[];
}

interface CloseCast extends CastRecord {
  readonly ballot: SealedBallot;
}

/** Openings per BallotsOpened event (the contract's maximum). */
export const OPENINGS_PER_EVENT = 1000;
/**
 * And at most about this many bytes of openings per event: ballots with many choices would otherwise make an
 * event larger than a Kafka message may be (1 MB by default).
 */
export const OPENING_BYTES_PER_EVENT = 512 * 1024;

/** Openings in consecutive batches of at most OPENINGS_PER_EVENT and about OPENING_BYTES_PER_EVENT each. */
export function openingBatches(openings: readonly BallotOpening[]): BallotOpening[][] {
  const batches: BallotOpening[][] = [];
  let batch: BallotOpening[] = [];
  let bytes = 0;
  for (const o of openings) {
    const size = JSON.stringify(o).length;
    if (batch.length > 0 && (batch.length === OPENINGS_PER_EVENT || bytes + size > OPENING_BYTES_PER_EVENT)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(o);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

export interface CloseDecision {
  readonly closed: NewEvent<'VotingClosed'>;
  readonly opened: NewEvent<'BallotsOpened', BallotsOpenedPayload>[];
  readonly declared: NewEvent<'ResultsDeclared', ResultsDeclaredPayload>[];
}

/**
 * The official tally, decided from what the close loaded: which ballots count is libs/recount countBallots (the
 * same rule every recount applies); VotingClosed, the openings of the selected sealed ballots (BallotsOpened, in
 * batches) and one ResultsDeclared per unit, the last two caused by VotingClosed. Pure: the same input gives the
 * same events (up to their ids and times).
 */
export function decideClose(input: CloseInput, ctx: CloseContext): CloseDecision {
  const { roundId, config, accepted } = input;
  const voterIds = new Map<string, number>();
  const voterId = (pseudonym: string) => {
    let id = voterIds.get(pseudonym);
    if (id === undefined) voterIds.set(pseudonym, (id = voterIds.size));
    return id;
  };
  const registered: (string | undefined)[] = [];
  for (const r of input.registrations) registered[voterId(r.pseudonym)] = r.unitId;
  const casts: CloseCast[] = input.ballots.map((ballot) => ({
    voter: voterId(ballot.voterPseudonym),
    voterPseudonym: ballot.voterPseudonym,
    eventId: ballot.eventId,
    unitId: ballot.unitId,
    channel: ballot.channel,
    ballot,
  }));
  const onBallot = new Map(config.units.map((u) => [u.id, new Set(accepted.filter((a) => a.unitId === u.id).map((a) => a.proposalId))]));
  // The one counting rule (libs/recount), exactly as every recount applies it to the ledger.
  const outcome = countBallots({ config, registeredUnit: (voter) => registered[voter], onBallot: (unitId) => onBallot.get(unitId) }, casts, (cast) => ({
    ok: true,
    content: cast.ballot.points ? { choices: cast.ballot.choices, points: cast.ballot.points } : { choices: cast.ballot.choices },
  }));
  const perUnit: Record<string, number> = {};
  const countedIds: string[] = [];
  for (const u of config.units) {
    const list = outcome.counted.get(u.id) ?? [];
    perUnit[u.id] = list.length;
    for (const b of list) countedIds.push(b.eventId);
  }
  // Openings of the sealed ballots the rule selected (superseded versions stay sealed), in a canonical order
  // (pseudonym, then unit): the same ballots always give the same events.
  const key = (c: CloseCast) => `${c.voterPseudonym} ${c.unitId}`;
  const openings: BallotOpening[] = outcome.selected
    .filter((c) => c.ballot.salt !== null)
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    .map(({ ballot }) => ({
      eventId: ballot.eventId,
      voterPseudonym: ballot.voterPseudonym,
      unitId: ballot.unitId,
      choices: ballot.choices,
      ...(ballot.points ? { points: ballot.points } : {}),
      salt: ballot.salt!,
    }));

  const eventCtx = { roundId, correlationId: ctx.correlationId, causationId: ctx.causationId, now: ctx.now };
  const closed = newEvent('VotingClosed', { ballotsCounted: countedIds.length, perUnit, ballotDigest: ballotDigest(countedIds) }, eventCtx);
  const opened = openingBatches(openings).map((batch) => newEvent('BallotsOpened', { openings: batch }, { ...eventCtx, causationId: closed.id }));
  const declared = config.units.map((u) =>
    newEvent(
      'ResultsDeclared',
      computeUnitResult(
        config,
        u.id,
        accepted.filter((a) => a.unitId === u.id).map((a) => ({ proposalId: a.proposalId, cost: a.cost })),
        outcome.counted.get(u.id) ?? [],
      ),
      { ...eventCtx, causationId: closed.id },
    ),
  );
  return { closed, opened, declared };
}
