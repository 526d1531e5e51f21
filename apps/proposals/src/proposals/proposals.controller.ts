import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { NotFound } from '@plaza/contracts';
import { CLOCK, CorrelationId, type Clock } from '@plaza/nest-runtime';
import { v7 as uuidv7 } from 'uuid';
import { AggregateLoader } from '../rounds/round.repository';
import { AcceptProposalCommand } from './commands/accept-proposal.command';
import { SubmitProposalCommand } from './commands/submit-proposal.command';
import { AcceptProposalDto, SubmitProposalDto } from './dto/proposal.dto';
import { proposalStream } from './proposal.decider';
import { ProposalQueries } from './proposal.queries';

@ApiTags('proposals')
@Controller('rounds/:roundId/proposals')
export class ProposalsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly loader: AggregateLoader,
    private readonly queries: ProposalQueries,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Submit a proposal (resident) while submission is open' })
  submit(@Param('roundId', new ParseUUIDPipe()) roundId: string, @Body() dto: SubmitProposalDto, @CorrelationId() correlationId: string) {
    const proposalId = uuidv7();
    return this.commands.execute(new SubmitProposalCommand({ proposalId, ...dto }, { roundId, correlationId, now: this.clock() }));
  }

  @Get()
  @ApiOperation({ summary: 'Every proposal of the round with its current state' })
  list(@Param('roundId', new ParseUUIDPipe()) roundId: string) {
    return this.queries.listForRound(roundId);
  }

  @Get(':proposalId')
  @ApiOperation({ summary: 'One proposal with its full history (its events)' })
  async get(@Param('roundId', new ParseUUIDPipe()) roundId: string, @Param('proposalId', new ParseUUIDPipe()) proposalId: string) {
    const { state } = await this.loader.proposal(proposalId);
    if (!state || state.roundId !== roundId) throw new NotFound(`proposal ${proposalId} does not exist in round ${roundId}`);
    const history = await this.loader.history(proposalStream(proposalId));
    return { ...state, history: history.map((e) => ({ type: e.type, occurredAt: e.occurredAt, version: e.streamVersion, payload: e.payload })) };
  }

  @Post(':proposalId/accept')
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept a proposal with its reviewed cost (staff)' })
  accept(
    @Param('roundId', new ParseUUIDPipe()) roundId: string,
    @Param('proposalId', new ParseUUIDPipe()) proposalId: string,
    @Body() dto: AcceptProposalDto,
    @CorrelationId() correlationId: string,
  ) {
    return this.commands.execute(new AcceptProposalCommand(proposalId, dto, { roundId, correlationId, now: this.clock() }));
  }
}
