import { newEvent, type BallotChannel, type BallotOpening, type BallotsOpenedPayload, type NewEvent, type ResultsDeclaredPayload, type RoundConfig } from '@plaza/contracts';
import { EventStore, quoteIdent } from '@plaza/event-store';
import { ballotDigest, computeUnitResult, countBallots, type CastRecord } from '@plaza/recount';
import type { EntityManager } from 'typeorm';

export const tallyStream = (roundId: string) => `tally-${roundId}`;

export interface CloseContext {
  readonly correlationId: string;
  /** The RoundPhaseChanged event that closed voting. */
  readonly causationId: string;
  readonly now: Date;
}

interface SecretRow {
  event_id: string;
  voter_pseudonym: string;
  unit_id: string;
  channel: BallotChannel;
  choices: string[];
  points: number[] | null;
  /** NULL: cast unsealed (schemaVersion 1), nothing to open. */
  salt: string | null;
}

interface CloseCast extends CastRecord {
  readonly row: SecretRow;
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

/**
 * Freezes a round's ballots and declares its results, all in the caller's transaction (the projection's, next
 * to its processed-event record): which ballots count is libs/recount countBallots (the same rule every recount
 * applies); VotingClosed, the openings of the selected sealed ballots (BallotsOpened, up to 1000 per event) and
 * one ResultsDeclared per unit go to the `tally-<round>` stream
 * at version 0, and the round row records the close. Ballots read the round row FOR SHARE, so the UPDATE of the
 * phase that precedes this waits for ballots in flight and no ballot can commit after the count. A redelivered
 * phase change finds the close recorded (or loses the race on the stream version) and declares nothing twice.
 */
export async function closeRound(manager: EntityManager, schema: string, roundId: string, ctx: CloseContext): Promise<boolean> {
  const s = quoteIdent(schema);
  const rows: { config: RoundConfig; closed_event_id: string | null }[] = await manager.query(
    `SELECT config, closed_event_id FROM ${s}.rounds WHERE round_id = $1 FOR UPDATE`,
    [roundId],
  );
  if (rows.length === 0 || rows[0].closed_event_id !== null) return false;
  const config = rows[0].config;

  const accepted: { proposal_id: string; unit_id: string; cost: string }[] = await manager.query(
    `SELECT proposal_id, unit_id, cost FROM ${s}.proposals WHERE round_id = $1 AND status = 'accepted' ORDER BY accepted_seq`,
    [roundId],
  );
  // Every version of every ballot, in each voter's cast order, with its content (the service's own store).
  const ballots: SecretRow[] = await manager.query(
    `SELECT event_id, voter_pseudonym, unit_id, channel, choices, points, salt FROM ${s}.ballot_secrets
      WHERE round_id = $1 ORDER BY voter_pseudonym, ballot_version`,
    [roundId],
  );
  const registrations: { pseudonym: string; unit_id: string }[] = await manager.query(`SELECT pseudonym, unit_id FROM ${s}.voters WHERE round_id = $1`, [roundId]);
  const voterIds = new Map<string, number>();
  const voterId = (pseudonym: string) => {
    let id = voterIds.get(pseudonym);
    if (id === undefined) voterIds.set(pseudonym, (id = voterIds.size));
    return id;
  };
  const registered: (string | undefined)[] = [];
  for (const r of registrations) registered[voterId(r.pseudonym)] = r.unit_id;
  const casts: CloseCast[] = ballots.map((row) => ({
    voter: voterId(row.voter_pseudonym),
    voterPseudonym: row.voter_pseudonym,
    eventId: row.event_id,
    unitId: row.unit_id,
    channel: row.channel,
    row,
  }));
  const onBallot = new Map(config.units.map((u) => [u.id, new Set(accepted.filter((a) => a.unit_id === u.id).map((a) => a.proposal_id))]));
  // The one counting rule (libs/recount), exactly as every recount applies it to the ledger.
  const outcome = countBallots({ config, registeredUnit: (voter) => registered[voter], onBallot: (unitId) => onBallot.get(unitId) }, casts, (cast) => ({
    ok: true,
    content: cast.row.points ? { choices: cast.row.choices, points: cast.row.points } : { choices: cast.row.choices },
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
    .filter((c) => c.row.salt !== null)
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    .map(({ row }) => ({
      eventId: row.event_id,
      voterPseudonym: row.voter_pseudonym,
      unitId: row.unit_id,
      choices: row.choices,
      ...(row.points ? { points: row.points } : {}),
      salt: row.salt!,
    }));

  const eventCtx = { roundId, correlationId: ctx.correlationId, causationId: ctx.causationId, now: ctx.now };
  const closed = newEvent('VotingClosed', { ballotsCounted: countedIds.length, perUnit, ballotDigest: ballotDigest(countedIds) }, eventCtx);
  const opened: NewEvent<'BallotsOpened', BallotsOpenedPayload>[] = [];
  for (const batch of openingBatches(openings)) opened.push(newEvent('BallotsOpened', { openings: batch }, { ...eventCtx, causationId: closed.id }));
  const declared: NewEvent<'ResultsDeclared', ResultsDeclaredPayload>[] = config.units.map((u) =>
    newEvent(
      'ResultsDeclared',
      computeUnitResult(
        config,
        u.id,
        accepted.filter((a) => a.unit_id === u.id).map((a) => ({ proposalId: a.proposal_id, cost: Number(a.cost) })),
        outcome.counted.get(u.id) ?? [],
      ),
      { ...eventCtx, causationId: closed.id },
    ),
  );
  await new EventStore(manager.connection, { schema }).append(tallyStream(roundId), 0, [closed, ...opened, ...declared], { manager });
  await manager.query(`UPDATE ${s}.rounds SET closed_event_id = $2, closed_at = $3 WHERE round_id = $1`, [roundId, closed.id, closed.occurredAt]);
  for (const d of declared) {
    await manager.query(`INSERT INTO ${s}.results (round_id, unit_id, event_id, payload) VALUES ($1, $2, $3, $4)`, [
      roundId,
      d.payload.unitId,
      d.id,
      JSON.stringify(d.payload),
    ]);
  }
  return true;
}
