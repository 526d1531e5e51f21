import { newEvent, NotFound, Refusal, textCommitment, type EventContext, type NewEvent } from '@plaza/contracts';
import type { CommentState } from '../comments/comment.decider';
import type { ProposalState } from '../proposals/proposal.decider';

export const reportStream = (reportId: string) => `report-${reportId}`;

export const REPORT_STATUSES = ['open', 'dismissed', 'actioned'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** A report as the proposals service keeps it (the reason and the reporter stay here; the event commits to them). */
export interface ReportState {
  readonly reportId: string;
  readonly roundId: string;
  readonly proposalId: string;
  readonly commentId: string | null;
  readonly reporterId: string;
  readonly reporterPseudonym: string;
  readonly reason: string | null;
  readonly salt: string | null;
  readonly status: ReportStatus;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly filedAt: string;
  readonly version: number;
}

export interface FileReport {
  readonly kind: 'FileReport';
  readonly reportId: string;
  readonly proposalId: string;
  readonly commentId: string | null;
  readonly reporterId: string;
  readonly reporterPseudonym: string;
  readonly reason: string;
  readonly salt: string;
}

export interface DismissReport {
  readonly kind: 'DismissReport';
  readonly staffId: string;
}

export type ReportCommand = FileReport | DismissReport;

export interface ReportContext {
  readonly report: ReportState | null;
  readonly proposal: ProposalState | null;
  readonly comment: CommentState | null;
  /** The reporter already has an open report on the same target. */
  readonly alreadyReported: boolean;
}

/** Pure: a command on one report. */
export function decideReport(command: ReportCommand, c: ReportContext, ctx: EventContext): NewEvent[] {
  if (command.kind === 'FileReport') {
    if (c.report) throw new Refusal('report-exists', `report ${command.reportId} already exists`);
    if (!c.proposal || c.proposal.roundId !== ctx.roundId) throw new NotFound(`proposal ${command.proposalId} does not exist in round ${ctx.roundId}`);
    if (command.commentId !== null) {
      if (!c.comment || c.comment.proposalId !== command.proposalId) throw new NotFound(`comment ${command.commentId} does not exist on proposal ${command.proposalId}`);
      if (c.comment.erased || c.comment.deleted) throw new Refusal('comment-removed', `comment ${command.commentId} is deleted or erased: there is nothing left to report`);
      if (c.comment.hiddenReason !== null) throw new Refusal('comment-hidden', `comment ${command.commentId} is already hidden by moderation`);
    }
    if (c.alreadyReported) throw new Refusal('already-reported', 'you already reported this and staff have not decided yet');
    return [
      newEvent(
        'ReportFiled',
        {
          reportId: command.reportId,
          proposalId: command.proposalId,
          ...(command.commentId !== null ? { commentId: command.commentId } : {}),
          reporterPseudonym: command.reporterPseudonym,
          reasonCommitment: textCommitment({ salt: command.salt, text: command.reason }),
        },
        ctx,
      ),
    ];
  }
  const report = c.report;
  if (!report || report.roundId !== ctx.roundId) throw new NotFound('report does not exist');
  if (report.status !== 'open') throw new Refusal(`report-${report.status}`, `report ${report.reportId} is already ${report.status}`);
  return [newEvent('ReportDismissed', { reportId: report.reportId, decidedBy: command.staffId }, ctx)];
}

/** Pure: the report row after its events. */
export function applyReport(state: ReportState | null, command: ReportCommand, events: readonly NewEvent[]): ReportState | null {
  let next = state;
  for (const event of events) {
    if (event.type === 'ReportFiled') {
      const f = command as FileReport;
      next = {
        reportId: f.reportId,
        roundId: event.roundId,
        proposalId: f.proposalId,
        commentId: f.commentId,
        reporterId: f.reporterId,
        reporterPseudonym: f.reporterPseudonym,
        reason: f.reason,
        salt: f.salt,
        status: 'open',
        decidedBy: null,
        decidedAt: null,
        filedAt: event.occurredAt,
        version: 1,
      };
    } else if (event.type === 'ReportDismissed' && next) {
      next = { ...next, status: 'dismissed', decidedBy: (command as DismissReport).staffId, decidedAt: event.occurredAt, version: next.version + 1 };
    }
  }
  return next;
}
