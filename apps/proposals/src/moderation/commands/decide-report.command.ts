import { Command } from '@nestjs/cqrs';
import type { EventContext } from '@plaza/contracts';
import type { ReportCommand, ReportStatus } from '../report.decider';

export interface ReportCommandResult {
  readonly reportId: string;
  readonly status: ReportStatus;
  readonly events: string[];
}

/** File a report on a comment or a proposal, or dismiss one. */
export class DecideReportCommand extends Command<ReportCommandResult> {
  constructor(
    readonly reportId: string,
    readonly command: ReportCommand,
    readonly ctx: EventContext,
  ) {
    super();
  }
}
