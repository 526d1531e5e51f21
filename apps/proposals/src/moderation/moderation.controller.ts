import { randomBytes } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { NotFound } from '@plaza/contracts';
import { CLOCK, CorrelationId, CurrentCaller, Roles, type Caller, type Clock } from '@plaza/nest-runtime';
import { v7 as uuidv7 } from 'uuid';
import { subject } from '../caller';
import { ResidentThrottleGuard } from '../comments/resident-throttle';
import { seesDrafts } from '../rounds/rounds.controller';
import { Pseudonyms } from '../store/pseudonyms';
import { ReadModel } from '../store/queries';
import { DecideReportCommand } from './commands/decide-report.command';
import { FileReportDto, ReportCommandResponse, ReportQueueQuery, ReportQueueResponse } from './dto/report.dto';
import { ReportsStore } from './reports.store';

const RoundId = () => Param('roundId', new ParseUUIDPipe());
const ProposalId = () => Param('proposalId', new ParseUUIDPipe());
const CommentId = () => Param('commentId', new ParseUUIDPipe());

@ApiTags('moderation')
@Controller()
export class ModerationController {
  constructor(
    private readonly commands: CommandBus,
    private readonly reports: ReportsStore,
    private readonly pseudonyms: Pseudonyms,
    private readonly readModel: ReadModel,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('rounds/:roundId/proposals/:proposalId/reports')
  @Roles('resident')
  @UseGuards(ResidentThrottleGuard)
  @ApiOperation({ summary: 'Report a proposal to staff, with a reason (resident)' })
  @ApiCreatedResponse({ type: ReportCommandResponse })
  @ApiConflictResponse({ description: 'already-reported' })
  reportProposal(@RoundId() roundId: string, @ProposalId() proposalId: string, @Body() dto: FileReportDto, @CurrentCaller() caller: Caller | undefined, @CorrelationId() correlationId: string) {
    return this.file(roundId, proposalId, null, dto, caller, correlationId);
  }

  @Post('rounds/:roundId/proposals/:proposalId/comments/:commentId/reports')
  @Roles('resident')
  @UseGuards(ResidentThrottleGuard)
  @ApiOperation({ summary: 'Report a comment to staff, with a reason (resident)' })
  @ApiCreatedResponse({ type: ReportCommandResponse })
  @ApiConflictResponse({ description: 'already-reported, comment-hidden, comment-removed' })
  reportComment(
    @RoundId() roundId: string,
    @ProposalId() proposalId: string,
    @CommentId() commentId: string,
    @Body() dto: FileReportDto,
    @CurrentCaller() caller: Caller | undefined,
    @CorrelationId() correlationId: string,
  ) {
    return this.file(roundId, proposalId, commentId, dto, caller, correlationId);
  }

  @Get('moderation/reports')
  @Roles('staff')
  @ApiOperation({ summary: 'The moderation queue (staff): reports oldest first, open ones unless asked otherwise, of every round or one' })
  @ApiOkResponse({ type: ReportQueueResponse })
  async queue(@Query() query: ReportQueueQuery): Promise<ReportQueueResponse> {
    const page = await this.reports.queue({ roundId: query.roundId?.toLowerCase(), status: query.status ?? 'open', limit: query.limit ?? 50, offset: query.offset ?? 0 });
    return {
      total: page.total,
      items: page.items.map(({ report: r, proposalTitle, comment }) => ({
        reportId: r.reportId,
        roundId: r.roundId,
        proposalId: r.proposalId,
        proposalTitle,
        target: r.commentId ? 'comment' : 'proposal',
        comment: r.commentId && comment ? { commentId: r.commentId, ...comment } : null,
        reason: r.reason,
        reporterPseudonym: r.reporterPseudonym,
        status: r.status,
        decidedBy: r.decidedBy,
        decidedAt: r.decidedAt,
        filedAt: r.filedAt,
      })),
    };
  }

  @Post('moderation/reports/:reportId/dismiss')
  @HttpCode(200)
  @Roles('staff')
  @ApiOperation({ summary: 'Dismiss a report (staff): the comment or proposal stays as it is; the decision is an event naming who decided' })
  @ApiOkResponse({ type: ReportCommandResponse })
  @ApiConflictResponse({ description: 'report-dismissed, report-actioned' })
  async dismiss(@Param('reportId', new ParseUUIDPipe()) reportId: string, @CurrentCaller() caller: Caller | undefined, @CorrelationId() correlationId: string) {
    const report = await this.reports.report(reportId);
    if (!report) throw new NotFound(`report ${reportId} does not exist`);
    return this.commands.execute(new DecideReportCommand(reportId, { kind: 'DismissReport', staffId: subject(caller) }, { roundId: report.roundId, correlationId, now: this.clock() }));
  }

  private async file(roundId: string, proposalId: string, commentId: string | null, dto: FileReportDto, caller: Caller | undefined, correlationId: string) {
    const sub = subject(caller);
    const round = await this.readModel.round(roundId);
    if (!round || (round.phase === 'draft' && !seesDrafts(caller))) throw new NotFound(`round ${roundId} does not exist`);
    const reportId = uuidv7();
    const reporterPseudonym = await this.pseudonyms.of(roundId, sub);
    return this.commands.execute(
      new DecideReportCommand(
        reportId,
        { kind: 'FileReport', reportId, proposalId, commentId, reporterId: sub, reporterPseudonym, reason: dto.reason, salt: randomBytes(32).toString('hex') },
        { roundId, correlationId, now: this.clock() },
      ),
    );
  }
}
