import { Controller, Delete, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { NotFound } from '@plaza/contracts';
import { CLOCK, CorrelationId, CurrentCaller, Roles, type Caller, type Clock } from '@plaza/nest-runtime';
import { subject } from '../caller';
import { ReadModel } from '../store/queries';
import { Pseudonyms } from '../store/pseudonyms';
import { SupportStore } from '../store/supports';
import { DecideSupportCommand } from './commands/decide-support.command';
import { supportsLeft } from './support.decider';

export class SupportResponse {
  @ApiProperty() readonly proposalId!: string;
  @ApiProperty({ description: 'whether you support the proposal now' }) readonly supported!: boolean;
  @ApiProperty({ description: 'supports the proposal holds now' }) readonly supports!: number;
  @ApiProperty({ description: 'supports you may still give in this round' }) readonly remaining!: number;
  @ApiProperty({ type: [String] }) readonly events!: string[];
}

export class MySupportsResponse {
  @ApiProperty({ nullable: true, type: Number, description: 'null: the round has no support phase' }) readonly supportsPerResident!: number | null;
  @ApiProperty({ type: [String] }) readonly proposalIds!: string[];
  @ApiProperty({ nullable: true, type: Number }) readonly remaining!: number | null;
}

const RoundId = () => Param('roundId', new ParseUUIDPipe());
const ProposalId = () => Param('proposalId', new ParseUUIDPipe());

@ApiTags('support')
@Controller('rounds/:roundId')
export class SupportController {
  constructor(
    private readonly commands: CommandBus,
    private readonly readModel: ReadModel,
    private readonly supports: SupportStore,
    private readonly pseudonyms: Pseudonyms,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('proposals/:proposalId/support')
  @Roles('resident')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Support a proposal during the support phase (resident); the ledger gets your round pseudonym, never your identity' })
  @ApiCreatedResponse({ type: SupportResponse })
  @ApiConflictResponse({ description: 'phase, no-support-phase, already-supported, no-supports-left, proposal-<status>' })
  support(@RoundId() roundId: string, @ProposalId() proposalId: string, @CurrentCaller() caller: Caller | undefined, @CorrelationId() correlationId: string) {
    return this.commands.execute(new DecideSupportCommand(proposalId, true, subject(caller), { roundId, correlationId, now: this.clock() }));
  }

  @Delete('proposals/:proposalId/support')
  @HttpCode(200)
  @Roles('resident')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Take your support of a proposal back during the support phase (resident)' })
  @ApiOkResponse({ type: SupportResponse })
  @ApiConflictResponse({ description: 'phase, no-support-phase, not-supported' })
  withdraw(@RoundId() roundId: string, @ProposalId() proposalId: string, @CurrentCaller() caller: Caller | undefined, @CorrelationId() correlationId: string) {
    return this.commands.execute(new DecideSupportCommand(proposalId, false, subject(caller), { roundId, correlationId, now: this.clock() }));
  }

  @Get('supports/mine')
  @Roles('resident')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The proposals you support in this round and how many supports you have left (resident)' })
  @ApiOkResponse({ type: MySupportsResponse })
  @ApiNotFoundResponse()
  async mine(@RoundId() roundId: string, @CurrentCaller() caller: Caller | undefined): Promise<MySupportsResponse> {
    const round = await this.readModel.round(roundId);
    if (!round || round.phase === 'draft') throw new NotFound(`round ${roundId} does not exist`);
    if (!round.config.support) return { supportsPerResident: null, proposalIds: [], remaining: null };
    const loaded = await this.supports.supporter(roundId, await this.pseudonyms.current(roundId, subject(caller)));
    return {
      supportsPerResident: round.config.support.supportsPerResident,
      proposalIds: [...(loaded.state?.proposals ?? [])],
      remaining: supportsLeft(round, loaded.state),
    };
  }
}
