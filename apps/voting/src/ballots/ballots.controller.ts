import { Body, Controller, Get, Inject, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { NotFound } from '@plaza/contracts';
import { quoteIdent } from '@plaza/event-store';
import { CLOCK, CorrelationId, InjectSchema, type Clock } from '@plaza/nest-runtime';
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
  @ApiOperation({ summary: 'Cast (or revise) an approval ballot while voting is open; answers with the receipt' })
  cast(@Param('roundId', new ParseUUIDPipe()) roundId: string, @Body() dto: CastBallotDto, @CorrelationId() correlationId: string) {
    return this.ballots.cast(roundId, dto, { correlationId, now: this.clock() });
  }

  @Get('ballot-box')
  @ApiOperation({ summary: 'Counted ballots of the round (latest per pseudonym) and the round as the voting service sees it' })
  async box(@Param('roundId', new ParseUUIDPipe()) roundId: string) {
    const s = quoteIdent(this.schema);
    const rounds: { phase: string }[] = await this.dataSource.query(`SELECT phase FROM ${s}.rounds WHERE round_id = $1`, [roundId]);
    if (rounds.length === 0) throw new NotFound(`round ${roundId} is not known to the voting service`);
    const [{ count }]: { count: string }[] = await this.dataSource.query(`SELECT count(*) FROM ${s}.ballot_box WHERE round_id = $1`, [roundId]);
    const proposals: { proposal_id: string; district_id: string; cost: string }[] = await this.dataSource.query(
      `SELECT proposal_id, district_id, cost FROM ${s}.proposals WHERE round_id = $1 AND status = 'accepted' ORDER BY proposal_id`,
      [roundId],
    );
    return {
      roundId,
      phase: rounds[0].phase,
      ballots: Number(count),
      acceptedProposals: proposals.map((p) => ({ proposalId: p.proposal_id, districtId: p.district_id, cost: Number(p.cost) })),
    };
  }
}
