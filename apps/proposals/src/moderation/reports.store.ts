import { Injectable } from '@nestjs/common';
import type { NewEvent } from '@plaza/contracts';
import { EventStore, quoteIdent } from '@plaza/event-store';
import { InjectSchema } from '@plaza/nest-runtime';
import { DataSource } from 'typeorm';
import { reportStream, type ReportState, type ReportStatus } from './report.decider';

interface ReportRow {
  report_id: string;
  round_id: string;
  proposal_id: string;
  comment_id: string | null;
  reporter_id: string;
  reporter_pseudonym: string;
  reason: string | null;
  salt: string | null;
  status: ReportStatus;
  decided_by: string | null;
  decided_at: Date | null;
  filed_at: Date;
  version: number;
}

const toState = (r: ReportRow): ReportState => ({
  reportId: r.report_id,
  roundId: r.round_id,
  proposalId: r.proposal_id,
  commentId: r.comment_id,
  reporterId: r.reporter_id,
  reporterPseudonym: r.reporter_pseudonym,
  reason: r.reason,
  salt: r.salt,
  status: r.status,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at?.toISOString() ?? null,
  filedAt: r.filed_at.toISOString(),
  version: r.version,
});

/** One line of the staff queue: the report, with what it is about (the comment's text as staff see it, the proposal's title). */
export interface QueueItem {
  readonly report: ReportState;
  readonly proposalTitle: string;
  readonly comment: { readonly body: string | null; readonly hiddenReason: string | null; readonly deleted: boolean; readonly erased: boolean } | null;
}

/** The reports table: each report's reason and reporter, which its events only commit to. */
@Injectable()
export class ReportsStore {
  private readonly s: string;

  constructor(
    private readonly store: EventStore,
    private readonly dataSource: DataSource,
    @InjectSchema() schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  async report(reportId: string): Promise<ReportState | null> {
    const rows: ReportRow[] = await this.dataSource.query(`SELECT * FROM ${this.s}.reports WHERE report_id = $1`, [reportId]);
    return rows[0] ? toState(rows[0]) : null;
  }

  async hasOpenReport(reporterId: string, proposalId: string, commentId: string | null): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM ${this.s}.reports WHERE reporter_id = $1 AND proposal_id = $2 AND comment_id IS NOT DISTINCT FROM $3 AND status = 'open' LIMIT 1`,
      [reporterId, proposalId, commentId],
    );
    return rows.length > 0;
  }

  async save(expectedVersion: number, state: ReportState, events: readonly NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.dataSource.transaction(async (m) => {
      await this.store.appendInTransaction(m, reportStream(state.reportId), expectedVersion, events);
      await m.query(
        `INSERT INTO ${this.s}.reports (report_id, round_id, proposal_id, comment_id, reporter_id, reporter_pseudonym, reason, salt, status,
           decided_by, decided_at, filed_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (report_id) DO UPDATE SET status = EXCLUDED.status, decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at,
           version = EXCLUDED.version`,
        [
          state.reportId, state.roundId, state.proposalId, state.commentId, state.reporterId, state.reporterPseudonym, state.reason, state.salt,
          state.status, state.decidedBy, state.decidedAt, state.filedAt, state.version,
        ],
      );
    });
  }

  /** The staff queue: reports by status (open by default), oldest first, optionally of one round. */
  async queue(f: { roundId?: string; status: ReportStatus; limit: number; offset: number }): Promise<{ total: number; items: QueueItem[] }> {
    const params: unknown[] = [f.status];
    if (f.roundId) params.push(f.roundId);
    const rows: (ReportRow & { title: string; c_body: string | null; c_hidden: string | null; c_deleted: boolean | null; c_erased: boolean | null; total: string })[] =
      await this.dataSource.query(
        `SELECT r.*, p.title, c.body AS c_body, c.hidden_reason AS c_hidden, c.deleted AS c_deleted, c.erased AS c_erased, count(*) OVER () AS total
           FROM ${this.s}.reports r
           JOIN ${this.s}.proposal_view p ON p.proposal_id = r.proposal_id
           LEFT JOIN ${this.s}.comments c ON c.comment_id = r.comment_id
          WHERE r.status = $1 ${f.roundId ? 'AND r.round_id = $2' : ''}
          ORDER BY r.filed_at, r.report_id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, f.limit, f.offset],
      );
    return {
      total: rows.length ? Number(rows[0]!.total) : 0,
      items: rows.map((r) => ({
        report: toState(r),
        proposalTitle: r.title,
        comment: r.comment_id ? { body: r.c_body, hiddenReason: r.c_hidden, deleted: !!r.c_deleted, erased: !!r.c_erased } : null,
      })),
    };
  }
}
