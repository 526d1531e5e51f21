import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AcceptsVotingCode, CLOCK, CorrelationId, CurrentCaller, Roles, type Caller, type Clock } from '@plaza/nest-runtime';
import { BallotsService } from './ballots.service';
import { CastBallotDto } from './dto/cast-ballot.dto';
import { VotingReadModel } from '../store/read-model';

@ApiTags('ballots')
@Controller('rounds/:roundId')
export class BallotsController {
  constructor(
    private readonly ballots: BallotsService,
    private readonly readModel: VotingReadModel,
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
  box(@Param('roundId', new ParseUUIDPipe()) roundId: string) {
    return this.readModel.ballotBox(roundId);
  }
}
