import { newEvent, type NewEvent, type ResultsDeclaredPayload, type RoundConfig } from '@plaza/contracts';
import { EventStore, quoteIdent } from '@plaza/event-store';
import { ballotDigest, computeUnitResult, type CountedBallot } from '@plaza/recount';
import type { EntityManager } from 'typeorm';

export const tallyStream = (roundId: string) => `tally-${roundId}`;

export interface CloseContext {
  readonly correlationId: string;
  /** The RoundPhaseChanged event that closed voting. */
  readonly causationId: string;
  readonly now: Date;
}

interface BallotRow {
  voter_pseudonym: string;
  unit_id: string;
  ballot_event_id: string;
  choices: string[];
  points: number[] | null;
}

/**
 * Freezes a round's ballots and declares its results, all in the caller's transaction (the projection's, next
 * to its processed-event record): VotingClosed and one ResultsDeclared per unit go to the `tally-<round>` stream
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
  const ballots: BallotRow[] = await manager.query(
    `SELECT b.voter_pseudonym, b.unit_id, b.ballot_event_id, b.choices, b.points FROM ${s}.ballot_box b
      JOIN ${s}.voters v ON v.round_id = b.round_id AND v.pseudonym = b.voter_pseudonym
     WHERE b.round_id = $1`,
    [roundId],
  );

  const perUnit: Record<string, number> = {};
  const counted = new Map<string, CountedBallot[]>();
  const countedIds: string[] = [];
  const onBallot = new Map<string, Set<string>>();
  for (const u of config.units) {
    perUnit[u.id] = 0;
    counted.set(u.id, []);
    onBallot.set(u.id, new Set(accepted.filter((a) => a.unit_id === u.id).map((a) => a.proposal_id)));
  }
  for (const b of ballots) {
    const unit = onBallot.get(b.unit_id);
    // A proposal withdrawn while voting was open leaves the ballots naming it uncounted, exactly as RoundReplay does.
    if (!unit || !b.choices.every((id) => unit.has(id))) continue;
    counted.get(b.unit_id)!.push({ voterPseudonym: b.voter_pseudonym, choices: b.choices, ...(b.points ? { points: b.points } : {}) });
    perUnit[b.unit_id] += 1;
    countedIds.push(b.ballot_event_id);
  }

  const eventCtx = { roundId, correlationId: ctx.correlationId, causationId: ctx.causationId, now: ctx.now };
  const closed = newEvent('VotingClosed', { ballotsCounted: countedIds.length, perUnit, ballotDigest: ballotDigest(countedIds) }, eventCtx);
  const declared: NewEvent<'ResultsDeclared', ResultsDeclaredPayload>[] = config.units.map((u) =>
    newEvent(
      'ResultsDeclared',
      computeUnitResult(
        config,
        u.id,
        accepted.filter((a) => a.unit_id === u.id).map((a) => ({ proposalId: a.proposal_id, cost: Number(a.cost) })),
        counted.get(u.id)!,
      ),
      { ...eventCtx, causationId: closed.id },
    ),
  );
  await new EventStore(manager.connection, { schema }).append(tallyStream(roundId), 0, [closed, ...declared], { manager });
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
