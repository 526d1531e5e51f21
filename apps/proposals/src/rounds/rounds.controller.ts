import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { NotFound } from '@plaza/contracts';
import { CLOCK, CorrelationId, type Clock } from '@plaza/nest-runtime';
import { v7 as uuidv7 } from 'uuid';
import { ChangePhaseCommand } from './commands/change-phase.command';
import { CreateRoundCommand } from './commands/create-round.command';
import { ChangePhaseDto, CreateRoundDto } from './dto/create-round.dto';
import { AggregateLoader } from './round.repository';

@ApiTags('rounds')
@Controller('rounds')
export class RoundsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly loader: AggregateLoader,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a budget round (administrator); it opens in the submission phase' })
  create(@Body() dto: CreateRoundDto, @CorrelationId() correlationId: string) {
    const roundId = uuidv7();
    return this.commands.execute(new CreateRoundCommand(dto, { roundId, correlationId, now: this.clock() }));
  }

  @Get(':roundId')
  @ApiOperation({ summary: 'A round: districts, budgets, ballot rules, outcome rule and phase' })
  async get(@Param('roundId', new ParseUUIDPipe()) roundId: string) {
    const { state } = await this.loader.round(roundId);
    if (!state) throw new NotFound(`round ${roundId} does not exist`);
    return state;
  }

  @Post(':roundId/phase')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move the round to a later phase (administrator): submission → review → voting → closed → published' })
  changePhase(@Param('roundId', new ParseUUIDPipe()) roundId: string, @Body() dto: ChangePhaseDto, @CorrelationId() correlationId: string) {
    return this.commands.execute(new ChangePhaseCommand(dto.to, { roundId, correlationId, now: this.clock() }));
  }
}
