import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { NotFound } from '@plaza/contracts';
import { quoteIdent } from '@plaza/event-store';
import { AcceptsVotingCode, CLOCK, CorrelationId, CurrentCaller, InjectSchema, Roles, type Caller, type Clock } from '@plaza/nest-runtime';
import { DataSource } from 'typeorm';
import { BallotsService } from './ballots.service';
import { CastBallotDto } from './dto/cast-ballot.dto';

@ApiTags('ballots')
@Controller('rounds/:roundId')
export class BallotsController {
  constructor(
    private readonly ballots: BallotsService,
    private readonly dataSource: DataSource,
    @InjectSchema() private readonly schema: string,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('ballots')
  @HttpCode(201)
  @Roles('resident')
  @AcceptsVotingCode()
  @ApiOperation({ summary: 'Cast (or revise) your ballot for one unit while voting is open; answers with the receipt (event id, leaf hash)' })
  cast(
    @Param('roundId', new ParseUUIDPipe()) roundId: string,
    @Body() dto: CastBallotDto,
    @CurrentCaller() caller: Caller,
    @CorrelationId() correlationId: string,
  ) {
    return this.ballots.cast(roundId, caller, dto, { correlationId, now: this.clock() });
  }

  @Get('ballots/mine')
  @Roles('resident')
  @AcceptsVotingCode()
  @ApiOperation({ summary: 'Your current ballot per unit and every version you cast, each with its receipt' })
  mine(@Param('roundId', new ParseUUIDPipe()) roundId: string, @CurrentCaller() caller: Caller) {
    return this.ballots.mine(roundId, caller);
  }

  @Get('ballot-box')
  @Roles('admin', 'staff', 'auditor')
  @ApiOperation({ summary: 'The round as the voting service sees it: phase, ballots held, accepted proposals per unit in acceptance order' })
  async box(@Param('roundId', new ParseUUIDPipe()) roundId: string) {
    const s = quoteIdent(this.schema);
    const rounds: { phase: string; closed_event_id: string | null }[] = await this.dataSource.query(
      `SELECT phase, closed_event_id FROM ${s}.rounds WHERE round_id = $1`,
      [roundId],
    );
    if (rounds.length === 0) throw new NotFound(`round ${roundId} is not known to the voting service`);
    const [{ count }]: { count: string }[] = await this.dataSource.query(`SELECT count(*) FROM ${s}.ballot_box WHERE round_id = $1`, [roundId]);
    const [{ voters }]: { voters: string }[] = await this.dataSource.query(`SELECT count(*) AS voters FROM ${s}.voters WHERE round_id = $1`, [roundId]);
    const proposals: { proposal_id: string; unit_id: string; cost: string }[] = await this.dataSource.query(
      `SELECT proposal_id, unit_id, cost FROM ${s}.proposals WHERE round_id = $1 AND status = 'accepted' ORDER BY accepted_seq`,
      [roundId],
    );
    return {
      roundId,
      phase: rounds[0].phase,
      closed: rounds[0].closed_event_id !== null,
      registeredVoters: Number(voters),
      ballots: Number(count),
      acceptedProposals: proposals.map((p) => ({ proposalId: p.proposal_id, unitId: p.unit_id, cost: Number(p.cost) })),
    };
  }
}
