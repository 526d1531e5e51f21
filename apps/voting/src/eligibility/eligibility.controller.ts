import { Body, Controller, Get, Header, HttpCode, Inject, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { CLOCK, CorrelationId, Public, Roles, type Clock } from '@plaza/nest-runtime';
import { GenerateCodesDto, ImportRollDto, SignInDto } from './dto/eligibility.dto';
import { EligibilityService } from './eligibility.service';

@ApiTags('eligibility')
@Controller('rounds/:roundId')
export class EligibilityController {
  constructor(
    private readonly eligibility: EligibilityService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('voters/roll')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Import the voter roll (CSV: resident_id, unit_id, optional birth_year); residents are registered as pseudonyms' })
  importRoll(@Param('roundId', new ParseUUIDPipe()) roundId: string, @Body() dto: ImportRollDto, @CorrelationId() correlationId: string) {
    return this.eligibility.importRoll(roundId, dto.csv, { correlationId, now: this.clock() });
  }

  @Get('voters/summary')
  @Roles('admin', 'staff', 'auditor')
  @ApiOperation({ summary: 'Registered voters per unit, source and age band' })
  summary(@Param('roundId', new ParseUUIDPipe()) roundId: string) {
    return this.eligibility.summary(roundId);
  }

  @Post('codes')
  @HttpCode(201)
  @Roles('admin')
  @Header('content-type', 'text/csv; charset=utf-8')
  @Header('content-disposition', 'attachment; filename="voting-codes.csv"')
  @ApiProduces('text/csv')
  @ApiOperation({ summary: 'Generate single-use voting codes for a unit; the CSV (code,round_id,unit_id) is the only copy of the codes' })
  codes(@Param('roundId', new ParseUUIDPipe()) roundId: string, @Body() dto: GenerateCodesDto, @CorrelationId() correlationId: string) {
    return this.eligibility.generateCodes(roundId, dto.unitId, dto.count, { correlationId, now: this.clock() });
  }

  @Post('codes/sign-in')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Sign in with a voting code (once per code, while voting is open) → a resident token for that code' })
  signIn(@Param('roundId', new ParseUUIDPipe()) roundId: string, @Body() dto: SignInDto, @CorrelationId() correlationId: string) {
    return this.eligibility.signIn(roundId, dto.code, { correlationId, now: this.clock() });
  }
}
