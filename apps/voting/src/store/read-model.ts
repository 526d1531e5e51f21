import { Inject, Injectable } from '@nestjs/common';
import { NotFound, type Phase, type ResultsDeclaredPayload, type RoundConfig } from '@plaza/contracts';
import { quoteIdent } from '@plaza/event-store';
import { InjectSchema } from '@plaza/nest-runtime';
import type { PublishedBand } from '@plaza/recount';
import { DataSource } from 'typeorm';
import { PARTICIPATION_MIN_CELL, publishedAgeBands } from '../results/participation';
import type { ResultsRows } from '../results/results.view';

/** Reads behind the voting service's GET endpoints that are not one aggregate's (the ballot box, the results). */
@Injectable()
export class VotingReadModel {
  private readonly s: string;

  constructor(
    private readonly dataSource: DataSource,
    @InjectSchema() private readonly schema: string,
    @Inject(PARTICIPATION_MIN_CELL) private readonly minCell: number,
  ) {
    this.s = quoteIdent(schema);
  }

  /** The round as the voting service sees it: phase, ballots held, accepted proposals per unit in acceptance order. */
  async ballotBox(roundId: string) {
    const s = this.s;
    const rounds: { phase: string; closed_event_id: string | null }[] = await this.dataSource.query(`SELECT phase, closed_event_id FROM ${s}.rounds WHERE round_id = $1`, [
      roundId,
    ]);
    if (rounds.length === 0) throw new NotFound(`round ${roundId} is not known to the voting service`);
    const [{ count }]: { count: string }[] = await this.dataSource.query(`SELECT count(*) FROM ${s}.ballot_box WHERE round_id = $1`, [roundId]);
    const [{ voters }]: { voters: string }[] = await this.dataSource.query(`SELECT count(*) AS voters FROM ${s}.voters WHERE round_id = $1`, [roundId]);
    const proposals: { proposal_id: string; unit_id: string; cost: string }[] = await this.dataSource.query(
      `SELECT proposal_id, unit_id, cost FROM ${s}.proposals WHERE round_id = $1 AND status = 'accepted' ORDER BY accepted_seq`,
      [roundId],
    );
    return {
      roundId,
      phase: rounds[0]!.phase,
      closed: rounds[0]!.closed_event_id !== null,
      registeredVoters: Number(voters),
      ballots: Number(count),
      acceptedProposals: proposals.map((p) => ({ proposalId: p.proposal_id, unitId: p.unit_id, cost: Number(p.cost) })),
    };
  }

  /** Everything the results of a declared round are computed from (resultsView); 404 before the close. */
  async results(roundId: string): Promise<ResultsRows> {
    const s = this.s;
    const rounds: { config: RoundConfig; phase: Phase; closed_event_id: string | null; closed_at: Date | null }[] = await this.dataSource.query(
      `SELECT config, phase, closed_event_id, closed_at FROM ${s}.rounds WHERE round_id = $1`,
      [roundId],
    );
    if (rounds.length === 0) throw new NotFound(`round ${roundId} is not known to the voting service`);
    const round = rounds[0]!;
    if (!round.closed_event_id) throw new NotFound(`the results of round ${roundId} are not declared yet (the round is in phase ${round.phase})`);
    const declared: { unit_id: string; event_id: string; payload: ResultsDeclaredPayload }[] = await this.dataSource.query(
      `SELECT unit_id, event_id, payload FROM ${s}.results WHERE round_id = $1`,
      [roundId],
    );
    const proposals: { proposal_id: string; title: string; cost: string }[] = await this.dataSource.query(
      `SELECT proposal_id, title, cost FROM ${s}.proposals WHERE round_id = $1`,
      [roundId],
    );
    const voters: { unit_id: string; n: string }[] = await this.dataSource.query(
      `SELECT unit_id, count(*) AS n FROM ${s}.voters WHERE round_id = $1 GROUP BY unit_id`,
      [roundId],
    );
    const ballots: { unit_id: string; channel: 'online' | 'paper'; n: string }[] = await this.dataSource.query(
      `SELECT b.unit_id, b.channel, count(*) AS n FROM ${s}.ballot_box b
         JOIN ${s}.voters v ON v.round_id = b.round_id AND v.pseudonym = b.voter_pseudonym
        WHERE b.round_id = $1 GROUP BY b.unit_id, b.channel`,
      [roundId],
    );
    const lastChannels: { channel: 'online' | 'paper' }[] = await this.dataSource.query(
      `SELECT DISTINCT ON (b.voter_pseudonym) b.channel, 1 AS n FROM ${s}.ballot_box b
         JOIN ${s}.voters v ON v.round_id = b.round_id AND v.pseudonym = b.voter_pseudonym
        WHERE b.round_id = $1 ORDER BY b.voter_pseudonym, b.cast_at DESC`,
      [roundId],
    );
    const batches: { batch_id: string; unit_id: string; status: 'open' | 'closed'; sheets_counted: number; entered: number; refused: number; overrides: number; confirmed_by: string | null }[] =
      await this.dataSource.query(
        `SELECT batch_id, unit_id, status, sheets_counted, entered, refused, overrides, confirmed_by FROM ${s}.paper_batches WHERE round_id = $1 ORDER BY opened_at, batch_id`,
        [roundId],
      );
    const ageBands: PublishedBand[] = await publishedAgeBands(this.dataSource, this.schema, roundId, this.minCell);
    return {
      roundId,
      config: round.config,
      phase: round.phase,
      closedAt: round.closed_at ? new Date(round.closed_at).toISOString() : null,
      votingClosedEventId: round.closed_event_id,
      declared: declared.map((d) => ({ unitId: d.unit_id, eventId: d.event_id, payload: d.payload })),
      proposals: proposals.map((p) => ({ proposalId: p.proposal_id, title: p.title, cost: Number(p.cost) })),
      registeredPerUnit: voters.map((v) => ({ unitId: v.unit_id, voters: Number(v.n) })),
      ballotsPerUnit: ballots.map((b) => ({ unitId: b.unit_id, channel: b.channel, ballots: Number(b.n) })),
      lastChannelPerVoter: lastChannels.map((c) => c.channel),
      paperBatches: batches.map((b) => ({
        batchId: b.batch_id,
        unitId: b.unit_id,
        status: b.status,
        sheetsCounted: b.sheets_counted,
        entered: b.entered,
        refused: b.refused,
        overrides: b.overrides,
        confirmedBy: b.confirmed_by,
      })),
      ageBands,
      ageBandMinCell: this.minCell,
    };
  }
}
