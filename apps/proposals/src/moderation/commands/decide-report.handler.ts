import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommentsStore } from '../../comments/comments.store';
import { ReadModel } from '../../store/queries';
import { applyReport, decideReport } from '../report.decider';
import { ReportsStore } from '../reports.store';
import { DecideReportCommand, type ReportCommandResult } from './decide-report.command';

@CommandHandler(DecideReportCommand)
export class DecideReportHandler implements ICommandHandler<DecideReportCommand> {
  constructor(
    private readonly reports: ReportsStore,
    private readonly comments: CommentsStore,
    private readonly readModel: ReadModel,
  ) {}

  async execute({ reportId, command, ctx }: DecideReportCommand): Promise<ReportCommandResult> {
    const report = await this.reports.report(reportId);
    const filing = command.kind === 'FileReport' ? command : null;
    const [proposal, comment, alreadyReported] = await Promise.all([
      filing ? this.readModel.proposal(filing.proposalId) : Promise.resolve(null),
      filing?.commentId ? this.comments.comment(filing.commentId) : Promise.resolve(null),
      filing ? this.reports.hasOpenReport(filing.reporterId, filing.proposalId, filing.commentId) : Promise.resolve(false),
    ]);
    const events = decideReport(command, { report, proposal, comment, alreadyReported }, ctx);
    const next = applyReport(report, command, events);
    if (next) await this.reports.save(report?.version ?? 0, next, events);
    return { reportId, status: next?.status ?? 'open', events: events.map((e) => e.type) };
  }
}
