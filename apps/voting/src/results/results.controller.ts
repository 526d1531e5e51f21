import { Controller, Get, Inject, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { NotFound, type ResultsDeclaredPayload, type RoundConfig } from '@plaza/contracts';
import { quoteIdent } from '@plaza/event-store';
import { InjectSchema, Public } from '@plaza/nest-runtime';
import { DataSource } from 'typeorm';
import { discrepancyOf } from '../paper/paper.service';
import { PARTICIPATION_MIN_CELL, publishedAgeBands } from './participation';

/** Share of `part` in `whole`, to 4 decimal places (a ratio for display, not money). */
function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}

interface Participation {
  registered: number;
  voted: number;
  turnout: number | null;
  byChannel: { online: number; paper: number };
}

@ApiTags('results')
@Controller('rounds/:roundId/results')
export class ResultsController {
  constructor(
    private readonly dataSource: DataSource,
    @InjectSchema() private readonly schema: string,
    @Inject(PARTICIPATION_MIN_CELL) private readonly minCell: number,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Declared results of every unit (winners, spending, explanation) and participation figures' })
  async all(@Param('roundId', new ParseUUIDPipe()) roundId: string) {
    return this.load(roundId);
  }

  @Get(':unitId')
  @Public()
  @ApiOperation({ summary: 'Declared result of one unit with its participation figures' })
  async one(@Param('roundId', new ParseUUIDPipe()) roundId: string, @Param('unitId') unitId: string) {
    const all = await this.load(roundId);
    const unit = all.units.find((u) => u.unitId === unitId);
    if (!unit) throw new NotFound(`unit ${unitId} is not part of round ${roundId}`);
    return { roundId, round: all.name, currency: all.currency, closedAt: all.closedAt, votingClosedEventId: all.votingClosedEventId, ...unit };
  }

  private async load(roundId: string) {
    const s = quoteIdent(this.schema);
    const rounds: { config: RoundConfig; phase: string; closed_event_id: string | null; closed_at: Date | null }[] = await this.dataSource.query(
      `SELECT config, phase, closed_event_id, closed_at FROM ${s}.rounds WHERE round_id = $1`,
      [roundId],
    );
    if (rounds.length === 0) throw new NotFound(`round ${roundId} is not known to the voting service`);
    const round = rounds[0];
    if (!round.closed_event_id) throw new NotFound(`the results of round ${roundId} are not declared yet (the round is in phase ${round.phase})`);
    const declared: { unit_id: string; event_id: string; payload: ResultsDeclaredPayload }[] = await this.dataSource.query(
      `SELECT unit_id, event_id, payload FROM ${s}.results WHERE round_id = $1`,
      [roundId],
    );
    const titles: { proposal_id: string; title: string; cost: string }[] = await this.dataSource.query(
      `SELECT proposal_id, title, cost FROM ${s}.proposals WHERE round_id = $1`,
      [roundId],
    );
    const proposal = new Map(titles.map((t) => [t.proposal_id, t]));
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
    const distinctVoters: { channel: 'online' | 'paper'; n: string }[] = await this.dataSource.query(
      `SELECT DISTINCT ON (b.voter_pseudonym) b.channel, 1 AS n FROM ${s}.ballot_box b
         JOIN ${s}.voters v ON v.round_id = b.round_id AND v.pseudonym = b.voter_pseudonym
        WHERE b.round_id = $1 ORDER BY b.voter_pseudonym, b.cast_at DESC`,
      [roundId],
    );
    const batches: {
      batch_id: string;
      unit_id: string;
      status: string;
      sheets_counted: number;
      entered: number;
      refused: number;
      overrides: number;
      confirmed_by: string | null;
    }[] = await this.dataSource.query(
      `SELECT batch_id, unit_id, status, sheets_counted, entered, refused, overrides, confirmed_by FROM ${s}.paper_batches WHERE round_id = $1 ORDER BY opened_at, batch_id`,
      [roundId],
    );
    const totalRegistered = voters.reduce((a, v) => a + Number(v.n), 0);
    const unitParticipation = (unitId: string, kind: 'district' | 'category'): Participation => {
      const registered = kind === 'category' ? totalRegistered : voters.filter((v) => v.unit_id === unitId).reduce((a, v) => a + Number(v.n), 0);
      const here = ballots.filter((b) => b.unit_id === unitId);
      const online = here.filter((b) => b.channel === 'online').reduce((a, b) => a + Number(b.n), 0);
      const paper = here.filter((b) => b.channel === 'paper').reduce((a, b) => a + Number(b.n), 0);
      // No age bands per unit: one unit's table subtracted from the round's would give small cells away.
      return { registered, voted: online + paper, turnout: ratio(online + paper, registered), byChannel: { online, paper } };
    };
    const byPayload = new Map(declared.map((d) => [d.unit_id, d]));
    const units = round.config.units.map((u) => {
      const d = byPayload.get(u.id);
      const p = d?.payload;
      return {
        unitId: u.id,
        name: u.name,
        kind: u.kind,
        budget: u.budget,
        declaredEventId: d?.event_id ?? null,
        status: p?.status ?? null,
        rule: p?.rule ?? null,
        options: p?.options ?? null,
        tieBreaking: p?.tieBreaking ?? null,
        inputDigest: p?.inputDigest ?? null,
        spent: p?.spent ?? null,
        ballotsCounted: p?.ballotsCounted ?? 0,
        winners: (p?.selected ?? []).map((id, k) => ({ rank: k + 1, proposalId: id, title: proposal.get(id)?.title ?? null, cost: Number(proposal.get(id)?.cost ?? 0) })),
        selected: p?.selected ?? [],
        explanation: p?.explanation ?? null,
        participation: unitParticipation(u.id, u.kind),
      };
    });
    // Age bands over the whole round only, small cells suppressed (null) exactly as the close's ParticipationDeclared.
    const bands = await publishedAgeBands(this.dataSource, this.schema, roundId, this.minCell);
    const byAgeBand = Object.fromEntries(bands.map((b) => [b.band, { registered: b.registered, voted: b.voted, turnout: b.turnout }]));
    const voted = distinctVoters.length;
    return {
      roundId,
      name: round.config.name,
      currency: round.config.currency,
      phase: round.phase,
      closedAt: round.closed_at ? new Date(round.closed_at).toISOString() : null,
      votingClosedEventId: round.closed_event_id,
      units,
      participation: {
        registered: totalRegistered,
        voted,
        turnout: ratio(voted, totalRegistered),
        byChannel: {
          online: distinctVoters.filter((v) => v.channel === 'online').length,
          paper: distinctVoters.filter((v) => v.channel === 'paper').length,
        },
        byAgeBand,
        /** Age-band cells under this many people (or giving such a cell away) are null: AGE_BAND_MIN_CELL. */
        ageBandMinCell: this.minCell,
      },
      // Paper entry at a glance: a batch still open, or whose entries do not match its sheet count, needs a look.
      paperBatches: {
        batches: batches.length,
        open: batches.filter((b) => b.status === 'open').length,
        sheetsCounted: batches.reduce((a, b) => a + b.sheets_counted, 0),
        entered: batches.reduce((a, b) => a + b.entered, 0),
        refused: batches.reduce((a, b) => a + b.refused, 0),
        // Paper sheets that replaced the voter's online ballot (paper-overrides-online), in all and per batch.
        overrides: batches.reduce((a, b) => a + b.overrides, 0),
        unconfirmed: batches.filter((b) => b.confirmed_by === null).length,
        perBatch: batches.map((b) => ({
          batchId: b.batch_id,
          unitId: b.unit_id,
          status: b.status,
          entered: b.entered,
          refused: b.refused,
          overrides: b.overrides,
          confirmedBy: b.confirmed_by,
        })),
        needingAttention: batches
          .filter((b) => b.status === 'open' || discrepancyOf(b) !== 0)
          .map((b) => ({ batchId: b.batch_id, unitId: b.unit_id, status: b.status, discrepancy: discrepancyOf(b) })),
      },
    };
  }
}
