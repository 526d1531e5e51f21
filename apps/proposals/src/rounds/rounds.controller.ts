import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiConflictResponse, ApiHeader, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { NotFound, roundTextProblems, type RoundConfig } from '@plaza/contracts';
import { CLOCK, CorrelationId, CurrentCaller, Public, Roles, validationFailed, type Caller, type Clock } from '@plaza/nest-runtime';
import type { Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { etag, IfMatchVersion } from '../if-match';
import { subject } from '../caller';
import { Aggregates } from '../store/aggregates';
import { ReadModel } from '../store/queries';
import { DecideRoundCommand } from './commands/decide-round.command';
import { ChangePhaseDto, ConfigureRoundDto, CreateRoundDto, HistoryEntryResponse, ListRoundsQuery, RoundCommandResponse, RoundPageResponse, RoundResponse } from './dto/round.dto';
import { editableSettings, nextScheduledAt, roundStream, type RoundState } from './round.decider';

/** Drafts are the administrators' and staff's work in progress; residents see a round once submission opens. */
export const seesDrafts = (caller: Caller | undefined) => !!caller?.roles.some((r) => r === 'admin' || r === 'staff');

export function roundView(state: RoundState): RoundResponse {
  return { ...state, nextScheduledAt: nextScheduledAt(state), editable: editableSettings(state.phase) };
}

@ApiTags('rounds')
@Controller('rounds')
export class RoundsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly aggregates: Aggregates,
    private readonly readModel: ReadModel,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Roles('admin')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Create a budget round (administrator). It starts as a draft.' })
  @ApiCreatedResponse({ type: RoundCommandResponse })
  @ApiConflictResponse({ description: 'The configuration breaks a rule that relates its fields (code invalid-config, with the field)' })
  create(@Body() dto: CreateRoundDto, @CurrentCaller() caller: Caller | undefined, @CorrelationId() correlationId: string) {
    refuseMultiLineNames(dto);
    const roundId = uuidv7();
    return this.commands.execute(
      new DecideRoundCommand({ kind: 'CreateRound', config: dto, actorId: subject(caller) }, { roundId, correlationId, now: this.clock() }),
    );
  }

  @Get()
  @Public()
  @ApiOperation({ summary: 'Rounds, newest first (drafts only for administrators and staff)' })
  @ApiOkResponse({ type: RoundPageResponse })
  async list(@Query() query: ListRoundsQuery, @CurrentCaller() caller: Caller | undefined): Promise<RoundPageResponse> {
    const page = await this.readModel.rounds({ phase: query.phase, limit: query.limit ?? 50, offset: query.offset ?? 0, withDrafts: seesDrafts(caller) });
    return { total: page.total, items: page.items.map(roundView) };
  }

  @Get(':roundId')
  @Public()
  @ApiOperation({ summary: 'A round: configuration, phase, when each phase began, what is still editable' })
  @ApiOkResponse({ type: RoundResponse })
  @ApiNotFoundResponse()
  async get(
    @Param('roundId', new ParseUUIDPipe()) roundId: string,
    @CurrentCaller() caller: Caller | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<RoundResponse> {
    const state = await this.visibleRound(roundId, caller);
    res.setHeader('ETag', etag(state.version));
    return roundView(state);
  }

  @Get(':roundId/history')
  @Public()
  @ApiOperation({ summary: "The round's events: creation, every configuration change (with what changed) and every phase change" })
  @ApiOkResponse({ type: [HistoryEntryResponse] })
  async history(@Param('roundId', new ParseUUIDPipe()) roundId: string, @CurrentCaller() caller: Caller | undefined): Promise<HistoryEntryResponse[]> {
    await this.visibleRound(roundId, caller);
    const events = await this.aggregates.history(roundStream(roundId));
    return events.map((e) => ({ eventId: e.id, type: e.type, version: e.streamVersion, occurredAt: e.occurredAt, payload: e.payload as object }));
  }

  @Patch(':roundId')
  @Roles('admin')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Change settings (administrator). Each given top-level setting is replaced whole.',
    description:
      'Units and currency: draft only. Ballot rules, outcome rule and eligibility: until voting opens. Schedule: entries of phases ' +
      'not reached yet. A refused change is 409 with code "locked" and the reason; an accepted one is a RoundConfigured event listing what changed.',
  })
  @ApiOkResponse({ type: RoundCommandResponse })
  @ApiConflictResponse({ description: 'locked, invalid-config or schedule-in-past, with the field' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The round version (ETag of GET /rounds/:roundId) the change is based on' })
  configure(
    @Param('roundId', new ParseUUIDPipe()) roundId: string,
    @Body() dto: ConfigureRoundDto,
    @CurrentCaller() caller: Caller | undefined,
    @CorrelationId() correlationId: string,
    @IfMatchVersion() expectedVersion: number | undefined,
  ) {
    const changes = Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined && v !== null)) as Partial<RoundConfig>;
    refuseMultiLineNames(changes);
    return this.commands.execute(
      new DecideRoundCommand({ kind: 'ConfigureRound', changes, actorId: subject(caller) }, { roundId, correlationId, now: this.clock() }, expectedVersion),
    );
  }

  @Post(':roundId/phase')
  @HttpCode(200)
  @Roles('admin')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Move the round to a later phase now (administrator): draft → submission → review → voting → closed → published' })
  @ApiOkResponse({ type: RoundCommandResponse })
  @ApiConflictResponse({ description: 'phase-order: phases only move forward, voting must open before it closes' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The round version the move is based on' })
  changePhase(
    @Param('roundId', new ParseUUIDPipe()) roundId: string,
    @Body() dto: ChangePhaseDto,
    @CurrentCaller() caller: Caller | undefined,
    @CorrelationId() correlationId: string,
    @IfMatchVersion() expectedVersion: number | undefined,
  ) {
    return this.commands.execute(
      new DecideRoundCommand({ kind: 'ChangePhase', to: dto.to, actorId: subject(caller) }, { roundId, correlationId, now: this.clock() }, expectedVersion),
    );
  }

  private async visibleRound(roundId: string, caller: Caller | undefined): Promise<RoundState> {
    const state = await this.readModel.round(roundId);
    if (!state || (state.phase === 'draft' && !seesDrafts(caller))) throw new NotFound(`round ${roundId} does not exist`);
    return state;
  }
}

/** A round or unit name with a line break or control character: 400 naming the field, nothing written. */
function refuseMultiLineNames(config: Partial<RoundConfig>): void {
  const problems = roundTextProblems(config);
  if (problems.length > 0) throw validationFailed(problems.map((p) => ({ field: p.field, messages: [p.message] })));
}
