import { Controller, DefaultValuePipe, Get, Param, ParseIntPipe, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { NotFound } from '@plaza/contracts';
import { quoteIdent } from '@plaza/event-store';
import { InjectSchema, validationFailed } from '@plaza/nest-runtime';
import { DataSource } from 'typeorm';

interface EntryRow {
  index: string;
  event_id: string;
  leaf_hash: Buffer;
  canonical: Buffer;
  event_type: string;
  round_id: string;
  producer: string;
  appended_at: Date;
}

const COLUMNS = 'index, event_id, leaf_hash, canonical, event_type, round_id, producer, appended_at';

function toEntry(row: EntryRow) {
  return {
    index: Number(row.index),
    eventId: row.event_id,
    type: row.event_type,
    roundId: row.round_id,
    producer: row.producer,
    leafHash: row.leaf_hash.toString('hex'),
    appendedAt: row.appended_at.toISOString(),
    /** The event exactly as hashed: RFC 8785 canonical JSON. */
    canonical: row.canonical.toString('utf8'),
  };
}

@ApiTags('ledger')
@Controller('ledger')
export class LedgerController {
  constructor(
    private readonly dataSource: DataSource,
    @InjectSchema() private readonly schema: string,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The ledger page by page, in index order' })
  @ApiQuery({ name: 'from', required: false, description: 'First index of the page (default 0)' })
  @ApiQuery({ name: 'limit', required: false, description: 'Entries per page, 1-1000 (default 100)' })
  @ApiQuery({ name: 'roundId', required: false, description: 'Only entries of this round' })
  async page(
    @Query('from', new DefaultValuePipe(0), ParseIntPipe) from: number,
    @Query('limit', new DefaultValuePipe(100), ParseIntPipe) limit: number,
    @Query('roundId', new ParseUUIDPipe({ optional: true })) roundId?: string,
  ) {
    const problems = [
      ...(from < 0 ? [{ field: 'from', messages: ['from must not be negative'] }] : []),
      ...(limit < 1 || limit > 1000 ? [{ field: 'limit', messages: ['limit must be between 1 and 1000'] }] : []),
    ];
    if (problems.length > 0) throw validationFailed(problems);
    const s = quoteIdent(this.schema);
    const rows: EntryRow[] = roundId
      ? await this.dataSource.query(
          `SELECT ${COLUMNS} FROM ${s}.ledger_entries WHERE round_id = $3 AND index >= $1 ORDER BY index LIMIT $2`,
          [from, limit, roundId],
        )
      : await this.dataSource.query(`SELECT ${COLUMNS} FROM ${s}.ledger_entries WHERE index >= $1 ORDER BY index LIMIT $2`, [from, limit]);
    const [{ size }]: { size: string }[] = await this.dataSource.query(`SELECT size FROM ${s}.ledger_head`);
    const entries = rows.map(toEntry);
    const last = entries.at(-1);
    return { size: Number(size), entries, next: entries.length === limit && last ? last.index + 1 : null };
  }

  @Get('entries/:index')
  @ApiOperation({ summary: 'One ledger entry by index' })
  async byIndex(@Param('index', ParseIntPipe) index: number) {
    const rows: EntryRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM ${quoteIdent(this.schema)}.ledger_entries WHERE index = $1`, [index]);
    if (rows.length === 0) throw new NotFound(`no ledger entry at index ${index}`);
    return toEntry(rows[0]);
  }

  @Get('events/:eventId')
  @ApiOperation({ summary: 'The ledger entry of an event, by event id' })
  async byEvent(@Param('eventId', new ParseUUIDPipe()) eventId: string) {
    const rows: EntryRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM ${quoteIdent(this.schema)}.ledger_entries WHERE event_id = $1`, [eventId]);
    if (rows.length === 0) throw new NotFound(`event ${eventId} is not in the ledger (yet)`);
    return toEntry(rows[0]);
  }
}
