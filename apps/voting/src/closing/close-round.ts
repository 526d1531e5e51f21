import { EventStore, quoteIdent } from '@plaza/event-store';
import type { EntityManager } from 'typeorm';
import type { RoundConfig } from '@plaza/contracts';
import { decideClose, tallyStream, type CloseContext, type CloseDecision, type CloseInput, type SealedBallot } from './close.decider';

/** Every SQL statement of the close: what it is decided from, and what it records. */
export class TallyStore {
  private readonly s: string;

  constructor(private readonly schema: string) {
    this.s = quoteIdent(schema);
  }

  /**
   * The round row locked FOR UPDATE (ballots hold it FOR SHARE, so this waits for those in flight) and, unless
   * the close is already recorded, everything decideClose needs; null when there is nothing to close.
   */
  async load(manager: EntityManager, roundId: string): Promise<CloseInput | null> {
    const s = this.s;
    const rows: { config: RoundConfig; closed_event_id: string | null }[] = await manager.query(
      `SELECT config, closed_event_id FROM ${s}.rounds WHERE round_id = $1 FOR UPDATE`,
      [roundId],
    );
    if (rows.length === 0 || rows[0]!.closed_event_id !== null) return null;
    const accepted: { proposal_id: string; unit_id: string; cost: string }[] = await manager.query(
      `SELECT proposal_id, unit_id, cost FROM ${s}.proposals WHERE round_id = $1 AND status = 'accepted' ORDER BY accepted_seq`,
      [roundId],
    );
    // Every version of every ballot, in each voter's cast order, with its content (the service's own store).
    const ballots: { event_id: string; voter_pseudonym: string; unit_id: string; channel: SealedBallot['channel']; choices: string[]; points: number[] | null; salt: string | null }[] =
      await manager.query(
        `SELECT event_id, voter_pseudonym, unit_id, channel, choices, points, salt FROM ${s}.ballot_secrets
          WHERE round_id = $1 ORDER BY voter_pseudonym, ballot_version`,
        [roundId],
      );
    const registrations: { pseudonym: string; unit_id: string }[] = await manager.query(`SELECT pseudonym, unit_id FROM ${s}.voters WHERE round_id = $1`, [roundId]);
    return {
      roundId,
      config: rows[0]!.config,
      accepted: accepted.map((a) => ({ proposalId: a.proposal_id, unitId: a.unit_id, cost: Number(a.cost) })),
      ballots: ballots.map((b) => ({
        eventId: b.event_id,
        voterPseudonym: b.voter_pseudonym,
        unitId: b.unit_id,
        channel: b.channel,
        choices: b.choices,
        points: b.points,
        salt: b.salt,
      })),
      registrations: registrations.map((r) => ({ pseudonym: r.pseudonym, unitId: r.unit_id })),
    };
  }

  /** The decided events at version 0 of the round's tally stream, the close on the round row, the results rows. */
  async save(manager: EntityManager, roundId: string, { closed, opened, declared }: CloseDecision): Promise<void> {
    await new EventStore(manager.connection, { schema: this.schema }).append(tallyStream(roundId), 0, [closed, ...opened, ...declared], { manager });
    await manager.query(`UPDATE ${this.s}.rounds SET closed_event_id = $2, closed_at = $3 WHERE round_id = $1`, [roundId, closed.id, closed.occurredAt]);
    for (const d of declared) {
      await manager.query(`INSERT INTO ${this.s}.results (round_id, unit_id, event_id, payload) VALUES ($1, $2, $3, $4)`, [
        roundId,
        d.payload.unitId,
        d.id,
        JSON.stringify(d.payload),
      ]);
    }
  }
}

/**
 * Freezes a round's ballots and declares its results, all in the caller's transaction (the projection's, next
 * to its processed-event record): load (TallyStore) → decide (decideClose, the shared counting rule) → append
 * VotingClosed, BallotsOpened and ResultsDeclared to the `tally-<round>` stream at version 0 and record the
 * close on the round row. Ballots read the round row FOR SHARE, so the UPDATE of the phase that precedes this
 * waits for ballots in flight and no ballot can commit after the count. A redelivered phase change finds the
 * close recorded (or loses the race on the stream version) and declares nothing twice.
 */
export async function closeRound(manager: EntityManager, schema: string, roundId: string, ctx: CloseContext): Promise<boolean> {
  const store = new TallyStore(schema);
  const input = await store.load(manager, roundId);
  if (!input) return false;
  await store.save(manager, roundId, decideClose(input, ctx));
  return true;
}
