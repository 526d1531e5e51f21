import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { NotFound, type EventContext } from '@plaza/contracts';
import { capPageBytes, CLOCK, CorrelationId, CurrentCaller, Public, Roles, type Caller, type Clock } from '@plaza/nest-runtime';
import type { Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { etag, IfMatchVersion } from '../if-match';
import { subject } from '../caller';
import { seesDrafts } from '../rounds/rounds.controller';
import { Aggregates } from '../store/aggregates';
import { Pseudonyms } from '../store/pseudonyms';
import { ReadModel } from '../store/queries';
import { DecideProposalCommand, MergeProposalsCommand } from './commands/decide-proposal.command';
import {
  AcceptProposalDto,
  EditProposalDto,
  ListProposalsQuery,
  MergeProposalsDto,
  ProposalCommandResponse,
  ProposalDetailResponse,
  ProposalPageResponse,
  RejectProposalDto,
  ReviewProposalDto,
  SubmitProposalDto,
  WithdrawProposalDto,
} from './dto/proposal.dto';
import { proposalStream, type ProposalCommand } from './proposal.decider';

const IF_MATCH = { name: 'If-Match', required: false, description: 'The proposal version (ETag of its GET) the command is based on' };
const RoundId = () => Param('roundId', new ParseUUIDPipe());
const ProposalId = () => Param('proposalId', new ParseUUIDPipe());

@ApiTags('proposals')
@Controller('rounds/:roundId/proposals')
export class ProposalsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly aggregates: Aggregates,
    private readonly readModel: ReadModel,
    private readonly pseudonyms: Pseudonyms,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Roles('resident')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Submit a proposal while submission is open (resident; the token subject becomes the author)' })
  @ApiCreatedResponse({ type: ProposalCommandResponse })
  @ApiConflictResponse({ description: 'phase (submission not open), unknown-unit, over-budget' })
  async submit(@RoundId() roundId: string, @Body() dto: SubmitProposalDto, @CurrentCaller() caller: Caller | undefined, @CorrelationId() correlationId: string) {
    const sub = subject(caller);
    // A round that does not exist gets no pseudonym secret (the decider refuses a draft round with 409 phase).
    if (!(await this.readModel.round(roundId))) throw new NotFound(`round ${roundId} does not exist`);
    const proposalId = uuidv7();
    const authorPseudonym = await this.pseudonyms.of(roundId, sub);
    return this.decide(proposalId, { kind: 'SubmitProposal', proposalId, ...dto, authorPseudonym }, roundId, correlationId);
  }

  @Get()
  @Public()
  @ApiOperation({ summary: 'Proposals of a round in submission order, with filters and search' })
  @ApiOkResponse({ type: ProposalPageResponse })
  @ApiNotFoundResponse()
  async list(@RoundId() roundId: string, @Query() query: ListProposalsQuery, @CurrentCaller() caller: Caller | undefined): Promise<ProposalPageResponse> {
    await this.visibleRound(roundId, caller);
    const { limit, offset = 0, mine, ...filter } = query;
    const own = await this.callerPseudonyms(roundId, mine ? subject(caller) : caller?.sub);
    const page = await this.readModel.proposals(roundId, { ...filter, authorPseudonyms: mine ? own : undefined, limit: limit ?? 50, offset });
    // At most `limit` rows and PUBLIC_PAGE_MAX_BYTES of them (10,000-character descriptions add up): `next` is the
    // offset of the first row not given, so a client follows it rather than adding `limit`.
    const { rows, cut } = capPageBytes(page.items);
    const items = rows.map((p) => ({ ...p, mine: own.includes(p.authorPseudonym) }));
    const after = offset + items.length;
    return { total: page.total, items, next: after < page.total ? after : null, ...(cut ? { cut: true } : {}) } as unknown as ProposalPageResponse;
  }

  @Get(':proposalId')
  @Public()
  @ApiOperation({ summary: 'One proposal: its current state, what it was merged into or from, and its full history' })
  @ApiOkResponse({ type: ProposalDetailResponse })
  @ApiNotFoundResponse()
  async get(
    @RoundId() roundId: string,
    @ProposalId() proposalId: string,
    @CurrentCaller() caller: Caller | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ProposalDetailResponse> {
    await this.visibleRound(roundId, caller);
    const state = await this.readModel.proposal(proposalId);
    if (!state || state.roundId !== roundId) throw new NotFound(`proposal ${proposalId} does not exist in round ${roundId}`);
    res.setHeader('ETag', etag(state.version));
    const [history, links, own] = await Promise.all([
      this.aggregates.history(proposalStream(proposalId)),
      this.readModel.summaries([...(state.mergedInto ? [state.mergedInto] : []), ...state.mergedFrom]),
      this.callerPseudonyms(roundId, caller?.sub),
    ]);
    return {
      ...state,
      mine: own.includes(state.authorPseudonym),
      reviews: [...state.reviews],
      mergedFrom: [...state.mergedFrom],
      mergedIntoProposal: links.find((l) => l.proposalId === state.mergedInto) ?? null,
      mergedFromProposals: links.filter((l) => state.mergedFrom.includes(l.proposalId)),
      history: history.map((e) => ({ eventId: e.id, type: e.type, version: e.streamVersion, occurredAt: e.occurredAt, payload: e.payload as object })),
    };
  }

  @Patch(':proposalId')
  @Roles('resident')
  @ApiBearerAuth()
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Edit your own proposal while submission is open (resident); only the given fields change' })
  @ApiOkResponse({ type: ProposalCommandResponse })
  @ApiForbiddenResponse({ description: 'not-author: only the author can edit' })
  @ApiConflictResponse({ description: 'phase, proposal-<status>, unknown-unit, over-budget' })
  async edit(@RoundId() roundId: string, @ProposalId() proposalId: string, @Body() dto: EditProposalDto, @CurrentCaller() caller: Caller | undefined, @CorrelationId() correlationId: string, @IfMatchVersion() expectedVersion: number | undefined) {
    const callerPseudonyms = await this.callerPseudonyms(roundId, subject(caller));
    return this.decide(proposalId, { kind: 'EditProposal', ...dto, callerPseudonyms }, roundId, correlationId, expectedVersion);
  }

  @Post(':proposalId/withdraw')
  @HttpCode(200)
  @Roles('resident')
  @ApiBearerAuth()
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Withdraw your own proposal while submission is open (resident)' })
  @ApiOkResponse({ type: ProposalCommandResponse })
  @ApiForbiddenResponse({ description: 'not-author' })
  async withdraw(@RoundId() roundId: string, @ProposalId() proposalId: string, @Body() dto: WithdrawProposalDto, @CurrentCaller() caller: Caller | undefined, @CorrelationId() correlationId: string, @IfMatchVersion() expectedVersion: number | undefined) {
    const callerPseudonyms = await this.callerPseudonyms(roundId, subject(caller));
    return this.decide(proposalId, { kind: 'WithdrawProposal', ...dto, callerPseudonyms }, roundId, correlationId, expectedVersion);
  }

  @Post(':proposalId/reviews')
  @HttpCode(200)
  @Roles('staff')
  @ApiBearerAuth()
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Record feasibility notes and a cost estimate (staff), in the submission or review phase' })
  @ApiOkResponse({ type: ProposalCommandResponse })
  review(@RoundId() roundId: string, @ProposalId() proposalId: string, @Body() dto: ReviewProposalDto, @CurrentCaller() caller: Caller | undefined, @CorrelationId() correlationId: string, @IfMatchVersion() expectedVersion: number | undefined) {
    return this.decide(proposalId, { kind: 'ReviewProposal', ...dto, reviewerId: subject(caller) }, roundId, correlationId, expectedVersion);
  }

  @Post(':proposalId/accept')
  @HttpCode(200)
  @Roles('staff')
  @ApiBearerAuth()
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Accept onto the ballot with the reviewed cost the tally uses (staff), before voting opens' })
  @ApiOkResponse({ type: ProposalCommandResponse })
  accept(@RoundId() roundId: string, @ProposalId() proposalId: string, @Body() dto: AcceptProposalDto, @CurrentCaller() caller: Caller | undefined, @CorrelationId() correlationId: string, @IfMatchVersion() expectedVersion: number | undefined) {
    return this.decide(proposalId, { kind: 'AcceptProposal', ...dto, reviewerId: subject(caller) }, roundId, correlationId, expectedVersion);
  }

  @Post(':proposalId/reject')
  @HttpCode(200)
  @Roles('staff')
  @ApiBearerAuth()
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Reject with a public reason (staff), before voting opens' })
  @ApiOkResponse({ type: ProposalCommandResponse })
  reject(@RoundId() roundId: string, @ProposalId() proposalId: string, @Body() dto: RejectProposalDto, @CurrentCaller() caller: Caller | undefined, @CorrelationId() correlationId: string, @IfMatchVersion() expectedVersion: number | undefined) {
    return this.decide(proposalId, { kind: 'RejectProposal', ...dto, reviewerId: subject(caller) }, roundId, correlationId, expectedVersion);
  }

  @Post(':proposalId/merge')
  @HttpCode(200)
  @Roles('staff')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Merge duplicates into this proposal (staff): it links to them, each of them shows "merged into" it' })
  @ApiOkResponse({ type: ProposalCommandResponse })
  @ApiConflictResponse({ description: 'merge-units, merge-into-self, proposal-<status>, phase' })
  merge(@RoundId() roundId: string, @ProposalId() proposalId: string, @Body() dto: MergeProposalsDto, @CurrentCaller() caller: Caller | undefined, @CorrelationId() correlationId: string) {
    return this.commands.execute(
      new MergeProposalsCommand({ kind: 'MergeProposals', targetId: proposalId, sourceIds: dto.sources, reviewerId: subject(caller) }, this.ctx(roundId, correlationId)),
    );
  }

  private decide(proposalId: string, command: ProposalCommand, roundId: string, correlationId: string, expectedVersion?: number) {
    return this.commands.execute(new DecideProposalCommand(proposalId, command, this.ctx(roundId, correlationId), expectedVersion));
  }

  private ctx(roundId: string, correlationId: string): EventContext {
    return { roundId, correlationId, now: this.clock() };
  }

  /** The pseudonyms the caller may have authored proposals of this round under (none without a caller or round). */
  private async callerPseudonyms(roundId: string, sub: string | undefined): Promise<string[]> {
    if (sub === undefined || !(await this.readModel.round(roundId))) return [];
    return this.pseudonyms.authorPseudonyms(roundId, sub);
  }

  private async visibleRound(roundId: string, caller: Caller | undefined): Promise<void> {
    const round = await this.readModel.round(roundId);
    if (!round || (round.phase === 'draft' && !seesDrafts(caller))) throw new NotFound(`round ${roundId} does not exist`);
  }
}
