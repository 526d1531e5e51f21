import { Controller, DefaultValuePipe, Get, Param, ParseIntPipe, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { NotFound } from '@plaza/contracts';
import { capPageBytes, Public, validationFailed } from '@plaza/nest-runtime';
import { LedgerQuery } from './ledger-query';

export function pageProblems(from: number, limit: number, max = 1000) {
  const problems = [
    ...(from < 0 ? [{ field: 'from', messages: ['from must not be negative'] }] : []),
    ...(limit < 1 || limit > max ? [{ field: 'limit', messages: [`limit must be between 1 and ${max}`] }] : []),
  ];
  if (problems.length > 0) throw validationFailed(problems);
}

@ApiTags('ledger')
@Controller('ledger')
export class LedgerController {
  constructor(private readonly query: LedgerQuery) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'The ledger page by page, in index order', description: 'A page holds at most `limit` entries and about 1 MiB of them; `next` is where the following page starts.' })
  @ApiQuery({ name: 'from', required: false, description: 'First index of the page (default 0)' })
  @ApiQuery({ name: 'limit', required: false, description: 'Entries per page, 1-1000 (default 100)' })
  @ApiQuery({ name: 'roundId', required: false, description: 'Only entries of this round' })
  async page(
    @Query('from', new DefaultValuePipe(0), ParseIntPipe) from: number,
    @Query('limit', new DefaultValuePipe(100), ParseIntPipe) limit: number,
    @Query('roundId', new ParseUUIDPipe({ optional: true })) roundId?: string,
  ) {
    pageProblems(from, limit);
    const fetched = await this.query.entries(from, limit, roundId);
    const size = await this.query.size();
    // At most `limit` rows and PUBLIC_PAGE_MAX_BYTES of them: `next` continues after the last row given.
    const { rows: entries, cut } = capPageBytes(fetched);
    const last = entries.at(-1);
    return { size, entries, next: (cut || fetched.length === limit) && last ? last.index + 1 : null };
  }

  @Get('entries/:index')
  @Public()
  @ApiOperation({ summary: 'One ledger entry by index' })
  async byIndex(@Param('index', ParseIntPipe) index: number) {
    const entry = await this.query.entryByIndex(index);
    if (!entry) throw new NotFound(`no ledger entry at index ${index}`);
    return entry;
  }

  @Get('events/:eventId')
  @Public()
  @ApiOperation({ summary: 'The ledger entry of an event, by event id' })
  async byEvent(@Param('eventId', new ParseUUIDPipe()) eventId: string) {
    const entry = await this.query.entryByEvent(eventId);
    if (!entry) throw new NotFound(`event ${eventId} is not in the ledger (yet)`);
    return entry;
  }
}
