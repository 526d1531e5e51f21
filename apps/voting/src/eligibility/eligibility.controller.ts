import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  PayloadTooLargeException,
  Post,
  Req,
  Res,
  UnsupportedMediaTypeException,
  UseGuards,
} from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { BodyLimits, BULK_BODY_MAX_BYTES, CLOCK, CorrelationId, CurrentCaller, Public, Roles, type Caller, type Clock } from '@plaza/nest-runtime';
import { GenerateCodesDto, ImportRollDto, RequestEligibilityChangeDto, SignInDto } from './dto/eligibility.dto';
import { EligibilityService } from './eligibility.service';
import { SignInThrottleGuard } from './sign-in-throttle';

const MAX_ROLL_BYTES = 50 * 1024 * 1024;

/** The raw body as UTF-8 (express parses JSON and forms only), refusing more than `limit` bytes. */
async function readText(req: Request, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new PayloadTooLargeException(`the roll is larger than ${limit} bytes; split it into several imports`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

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
  // A bulk route: a roll of ~300,000 lines in one JSON string; larger rolls stream as text/csv to roll.csv.
  @BodyLimits({ maxBytes: BULK_BODY_MAX_BYTES, maxDepth: 2, whenTooLarge: `send a larger roll as text/csv to POST /rounds/:roundId/voters/roll.csv (up to ${MAX_ROLL_BYTES / 1024 / 1024} MB)` })
  @ApiOperation({ summary: 'Import the voter roll (CSV: resident_id, unit_id, optional birth_year); residents are registered as pseudonyms' })
  importRoll(@Param('roundId', new ParseUUIDPipe()) roundId: string, @Body() dto: ImportRollDto, @CorrelationId() correlationId: string) {
    return this.eligibility.importRoll(roundId, dto.csv, { correlationId, now: this.clock() });
  }

  @Post('voters/roll.csv')
  @HttpCode(200)
  @Roles('admin')
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string', example: 'resident_id,unit_id,birth_year\nR-1,centre,1980\n' } })
  @ApiOperation({ summary: 'Import the voter roll as a raw text/csv body (for large rolls: up to 50 MB)' })
  async importRollCsv(@Param('roundId', new ParseUUIDPipe()) roundId: string, @Req() req: Request, @CorrelationId() correlationId: string) {
    if (!/^text\/csv\b/i.test(req.headers['content-type'] ?? '')) throw new UnsupportedMediaTypeException('send the roll with content-type text/csv');
    return this.eligibility.importRoll(roundId, await readText(req, MAX_ROLL_BYTES), { correlationId, now: this.clock() });
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
  @ApiProduces('text/csv')
  @ApiOperation({ summary: 'Generate single-use voting codes for a unit; the CSV (code,round_id,unit_id) is the only copy of the codes' })
  async codes(
    @Param('roundId', new ParseUUIDPipe()) roundId: string,
    @Body() dto: GenerateCodesDto,
    @CorrelationId() correlationId: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const csv = await this.eligibility.generateCodes(roundId, dto.unitId, dto.count, { correlationId, now: this.clock() });
    // Labelled CSV only once there is a CSV: a refusal stays a JSON error body with its JSON content type.
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', 'attachment; filename="voting-codes.csv"');
    return csv;
  }

  @Post('eligibility-changes')
  @HttpCode(201)
  @Roles('admin')
  @ApiOperation({
    summary: 'While voting is open: request a change of the roll or more voting codes; nothing changes until a second administrator confirms it',
    description: 'The roll and the code sheet freeze when voting opens. The request is a public, attributable event (EligibilityChangeRequested).',
  })
  requestChange(
    @Param('roundId', new ParseUUIDPipe()) roundId: string,
    @Body() dto: RequestEligibilityChangeDto,
    @CurrentCaller() caller: Caller,
    @CorrelationId() correlationId: string,
  ) {
    return this.eligibility.requestChange(roundId, caller, dto, { correlationId, now: this.clock() });
  }

  @Get('eligibility-changes')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'Eligibility changes requested while voting was open, with who requested and who confirmed each' })
  changes(@Param('roundId', new ParseUUIDPipe()) roundId: string) {
    return this.eligibility.changes(roundId);
  }

  @Post('eligibility-changes/:changeId/confirm')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: 'Confirm another administrator\'s eligibility change (four eyes): registers its voters, or creates its codes (returned once as `codesCsv`)',
  })
  confirmChange(
    @Param('roundId', new ParseUUIDPipe()) roundId: string,
    @Param('changeId', new ParseUUIDPipe()) changeId: string,
    @CurrentCaller() caller: Caller,
    @CorrelationId() correlationId: string,
  ) {
    return this.eligibility.confirmChange(roundId, changeId, caller, { correlationId, now: this.clock() });
  }

  @Post('codes/sign-in')
  @HttpCode(200)
  @Public()
  @UseGuards(SignInThrottleGuard)
  @ApiOperation({
    summary: 'Sign in with a voting code (once per code, while voting is open) → a resident token for that code',
    description: 'At most CODE_SIGNIN_PER_MINUTE attempts per client address a minute; over it, 429 `too-many-attempts` with Retry-After.',
  })
  signIn(@Param('roundId', new ParseUUIDPipe()) roundId: string, @Body() dto: SignInDto, @CorrelationId() correlationId: string) {
    return this.eligibility.signIn(roundId, dto.code, { correlationId, now: this.clock() });
  }
}
