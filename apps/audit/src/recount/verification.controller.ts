import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { quoteIdent } from '@plaza/event-store';
import { InjectSchema, Public } from '@plaza/nest-runtime';
import { DataSource } from 'typeorm';

interface Row {
  declared_event_id: string;
  declared_index: string;
  unit_id: string;
  status: 'verified' | 'disputed';
  differences: string[];
  declared: unknown;
  recomputed: unknown;
  ledger_size: string;
  event_id: string;
  verified_at: Date;
}

interface SupportRow {
  declared_event_id: string;
  declared_index: string;
  status: 'verified' | 'disputed';
  differences: string[];
  declared: unknown;
  recomputed: unknown;
  ledger_size: string;
  verified_at: Date;
}

@ApiTags('verification')
@Controller('rounds/:roundId/verification')
export class VerificationController {
  constructor(
    private readonly dataSource: DataSource,
    @InjectSchema() private readonly schema: string,
  ) {}

  @Get()
  @Public()
  @ApiOperation({
    summary: "The audit service's independent recount of a round's declared results",
    description:
      'status: no-results (nothing declared yet), pending (declared, recount not done), verified (every declaration reproduced), disputed (at least one differs; see differences).',
  })
  async verification(@Param('roundId', new ParseUUIDPipe()) roundId: string) {
    const s = quoteIdent(this.schema);
    const rows: Row[] = await this.dataSource.query(`SELECT * FROM ${s}.verifications WHERE round_id = $1 ORDER BY declared_index`, [roundId]);
    const pending: { index: string; event_id: string }[] = await this.dataSource.query(
      `SELECT e.index, e.event_id FROM ${s}.ledger_entries e LEFT JOIN ${s}.verifications v ON v.declared_event_id = e.event_id
        WHERE e.round_id = $1 AND e.event_type = 'ResultsDeclared' AND v.declared_event_id IS NULL ORDER BY e.index`,
      [roundId],
    );
    const status =
      rows.length === 0 && pending.length === 0
        ? 'no-results'
        : rows.some((r) => r.status === 'disputed')
          ? 'disputed'
          : pending.length > 0
            ? 'pending'
            : 'verified';
    const support: SupportRow[] = await this.dataSource.query(`SELECT * FROM ${s}.support_verifications WHERE round_id = $1 ORDER BY declared_index`, [roundId]);
    return {
      roundId,
      status,
      // The support phase's selection (rounds with one, once declared): null until the audit service recounted it.
      supportSelection:
        support.length === 0
          ? null
          : support.map((r) => ({
              status: r.status,
              declaredEventId: r.declared_event_id,
              declaredIndex: Number(r.declared_index),
              differences: r.differences,
              declared: r.declared,
              recomputed: r.recomputed,
              ledgerSize: Number(r.ledger_size),
              verifiedAt: r.verified_at.toISOString(),
            })),
      units: rows.map((r) => ({
        unitId: r.unit_id,
        status: r.status,
        declaredEventId: r.declared_event_id,
        declaredIndex: Number(r.declared_index),
        differences: r.differences,
        declared: r.declared,
        recomputed: r.recomputed,
        ledgerSize: Number(r.ledger_size),
        eventId: r.event_id,
        verifiedAt: r.verified_at.toISOString(),
      })),
      pending: pending.map((p) => ({ declaredEventId: p.event_id, declaredIndex: Number(p.index) })),
    };
  }
}
