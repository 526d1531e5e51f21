import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CLOCK, CorrelationId, CurrentCaller, Roles, type Caller, type Clock } from '@plaza/nest-runtime';
import { PaperBallotDto } from '../ballots/dto/cast-ballot.dto';
import { OpenBatchDto, RefuseSheetDto } from './dto/paper.dto';
import { PaperService } from './paper.service';

@ApiTags('paper ballots')
@Controller('rounds/:roundId/paper-batches')
export class PaperController {
  constructor(
    private readonly paper: PaperService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('staff')
  @ApiOperation({ summary: 'Open a batch of paper ballots for a unit with the number of sheets counted' })
  open(@Param('roundId', new ParseUUIDPipe()) roundId: string, @Body() dto: OpenBatchDto, @CurrentCaller() caller: Caller, @CorrelationId() correlationId: string) {
    return this.paper.open(roundId, caller, dto.unitId, dto.sheetsCounted, { correlationId, now: this.clock() });
  }

  @Get()
  @Roles('staff', 'admin', 'auditor')
  @ApiOperation({ summary: 'Every batch of the round with its reconciliation' })
  list(@Param('roundId', new ParseUUIDPipe()) roundId: string) {
    return this.paper.list(roundId);
  }

  @Get(':batchId')
  @Roles('staff', 'admin', 'auditor')
  @ApiOperation({ summary: 'One batch: sheets counted, entered, refused, discrepancy' })
  get(@Param('roundId', new ParseUUIDPipe()) roundId: string, @Param('batchId', new ParseUUIDPipe()) batchId: string) {
    return this.paper.get(roundId, batchId);
  }

  @Post(':batchId/ballots')
  @HttpCode(201)
  @Roles('staff')
  @ApiOperation({ summary: 'Enter one paper ballot (voter = roll resident id or voting code) → receipt' })
  enter(
    @Param('roundId', new ParseUUIDPipe()) roundId: string,
    @Param('batchId', new ParseUUIDPipe()) batchId: string,
    @Body() dto: PaperBallotDto,
    @CurrentCaller() caller: Caller,
    @CorrelationId() correlationId: string,
  ) {
    return this.paper.enter(roundId, batchId, caller, dto, { correlationId, now: this.clock() });
  }

  @Post(':batchId/refusals')
  @HttpCode(201)
  @Roles('staff')
  @ApiOperation({ summary: 'Set one counted sheet aside as refused (reason only, never the voter) → the batch report' })
  refuse(
    @Param('roundId', new ParseUUIDPipe()) roundId: string,
    @Param('batchId', new ParseUUIDPipe()) batchId: string,
    @Body() dto: RefuseSheetDto,
    @CurrentCaller() caller: Caller,
    @CorrelationId() correlationId: string,
  ) {
    return this.paper.refuse(roundId, batchId, caller, dto.reason, { correlationId, now: this.clock() });
  }

  @Post(':batchId/confirm')
  @HttpCode(200)
  @Roles('staff')
  @ApiOperation({ summary: 'Confirm a closed batch (four eyes): only a staff member who neither opened it nor entered or refused any of its sheets' })
  confirm(
    @Param('roundId', new ParseUUIDPipe()) roundId: string,
    @Param('batchId', new ParseUUIDPipe()) batchId: string,
    @CurrentCaller() caller: Caller,
    @CorrelationId() correlationId: string,
  ) {
    return this.paper.confirm(roundId, batchId, caller, { correlationId, now: this.clock() });
  }

  @Post(':batchId/close')
  @HttpCode(200)
  @Roles('staff')
  @ApiOperation({ summary: 'Close a batch → its report reconciling sheets counted against sheets entered and refused' })
  close(
    @Param('roundId', new ParseUUIDPipe()) roundId: string,
    @Param('batchId', new ParseUUIDPipe()) batchId: string,
    @CorrelationId() correlationId: string,
  ) {
    return this.paper.close(roundId, batchId, { correlationId, now: this.clock() });
  }
}
