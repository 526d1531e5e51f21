import { randomBytes } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, ParseUUIDPipe, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { NotFound, type EventContext } from '@plaza/contracts';
import { CLOCK, CorrelationId, CurrentCaller, Public, Roles, type Caller, type Clock } from '@plaza/nest-runtime';
import { v7 as uuidv7 } from 'uuid';
import { subject } from '../caller';
import { seesDrafts } from '../rounds/rounds.controller';
import { Pseudonyms } from '../store/pseudonyms';
import { ReadModel } from '../store/queries';
import { EDIT_WINDOW_MS, type CommentCommand, type CommentState } from './comment.decider';
import { CommentsStore } from './comments.store';
import { DecideCommentCommand } from './commands/decide-comment.command';
import { CommentCommandResponse, CommentPageResponse, CommentResponse, EditCommentDto, HideCommentDto, ListCommentsQuery, PostCommentDto } from './dto/comment.dto';
import { ResidentThrottleGuard } from './resident-throttle';

const RoundId = () => Param('roundId', new ParseUUIDPipe());
const ProposalId = () => Param('proposalId', new ParseUUIDPipe());
const CommentId = () => Param('commentId', new ParseUUIDPipe());

/** 32 random bytes (hex) per text version: without it a short comment could be found by guessing against its commitment. */
const newSalt = () => randomBytes(32).toString('hex');

export const isStaff = (caller: Caller | undefined) => !!caller?.roles.includes('staff');

/** A comment as everyone sees it: no text once hidden, deleted or erased; the public moderation reason when hidden. */
export function commentView(c: CommentState, callerId: string | undefined): CommentResponse {
  const hidden = c.hiddenReason !== null;
  return {
    commentId: c.commentId,
    proposalId: c.proposalId,
    replyTo: c.replyTo,
    authorPseudonym: c.authorPseudonym,
    staff: c.staff,
    proposalAuthor: c.proposalAuthor,
    mine: callerId !== undefined && c.authorId === callerId,
    status: c.erased ? 'erased' : c.deleted ? 'deleted' : hidden ? 'hidden' : 'visible',
    body: hidden ? null : c.body,
    moderation: hidden ? `hidden by moderation: ${c.hiddenReason}` : null,
    hiddenReason: c.hiddenReason,
    postedAt: c.postedAt,
    editedAt: c.editedAt,
    editableUntil: new Date(Date.parse(c.postedAt) + EDIT_WINDOW_MS).toISOString(),
  };
}

@ApiTags('comments')
@Controller('rounds/:roundId/proposals/:proposalId/comments')
export class CommentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly comments: CommentsStore,
    private readonly readModel: ReadModel,
    private readonly pseudonyms: Pseudonyms,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Roles('resident', 'staff')
  @UseGuards(ResidentThrottleGuard)
  @ApiOperation({ summary: 'Comment on a proposal, or answer a comment (resident or staff) while the round is in submission, review or voting' })
  @ApiCreatedResponse({ type: CommentCommandResponse })
  @ApiConflictResponse({ description: 'phase, comments-off, reply-foreign, reply-to-removed' })
  @ApiTooManyRequestsResponse({ description: 'too-many-comments: COMMENTS_PER_MINUTE per resident' })
  async post(@RoundId() roundId: string, @ProposalId() proposalId: string, @Body() dto: PostCommentDto, @CurrentCaller() caller: Caller | undefined, @CorrelationId() correlationId: string) {
    const sub = subject(caller);
    await this.visibleRound(roundId, caller);
    const commentId = uuidv7();
    const [authorPseudonym, authorPseudonyms] = await Promise.all([this.pseudonyms.of(roundId, sub), this.pseudonyms.authorPseudonyms(roundId, sub)]);
    const command: CommentCommand = { kind: 'PostComment', commentId, body: dto.body, salt: newSalt(), authorId: sub, authorPseudonym, authorPseudonyms, staff: isStaff(caller) };
    return this.commands.execute(new DecideCommentCommand(proposalId, commentId, command, this.ctx(roundId, correlationId), dto.replyTo?.toLowerCase() ?? null));
  }

  @Get()
  @Public()
  @ApiOperation({ summary: "A proposal's comments in threads (newest or oldest thread first), each with its answers oldest first" })
  @ApiOkResponse({ type: CommentPageResponse })
  @ApiNotFoundResponse()
  async list(@RoundId() roundId: string, @ProposalId() proposalId: string, @Query() query: ListCommentsQuery, @CurrentCaller() caller: Caller | undefined): Promise<CommentPageResponse> {
    await this.visibleRound(roundId, caller);
    const proposal = await this.readModel.proposal(proposalId);
    if (!proposal || proposal.roundId !== roundId) throw new NotFound(`proposal ${proposalId} does not exist in round ${roundId}`);
    const page = await this.comments.threads(proposalId, { order: query.order ?? 'newest', limit: query.limit ?? 50, offset: query.offset ?? 0 });
    return {
      total: page.total,
      items: page.threads.map((t) => ({ ...commentView(t.root, caller?.sub), replies: t.replies.map((r) => commentView(r, caller?.sub)) })),
    };
  }

  @Patch(':commentId')
  @Roles('resident', 'staff')
  @ApiOperation({ summary: 'Change the text of your own comment, within 15 minutes of posting it' })
  @ApiOkResponse({ type: CommentCommandResponse })
  @ApiForbiddenResponse({ description: 'not-author' })
  @ApiConflictResponse({ description: 'edit-window-closed, comment-hidden, comment-deleted, comment-erased, phase, comments-off' })
  edit(@RoundId() roundId: string, @ProposalId() proposalId: string, @CommentId() commentId: string, @Body() dto: EditCommentDto, @CurrentCaller() caller: Caller | undefined, @CorrelationId() correlationId: string) {
    return this.decide(roundId, proposalId, commentId, { kind: 'EditComment', callerId: subject(caller), body: dto.body, salt: newSalt() }, correlationId);
  }

  @Delete(':commentId')
  @Roles('resident', 'staff')
  @ApiOperation({ summary: 'Delete your own comment: its text is deleted, the thread shows that a comment was deleted' })
  @ApiOkResponse({ type: CommentCommandResponse })
  @ApiForbiddenResponse({ description: 'not-author' })
  remove(@RoundId() roundId: string, @ProposalId() proposalId: string, @CommentId() commentId: string, @CurrentCaller() caller: Caller | undefined, @CorrelationId() correlationId: string) {
    return this.decide(roundId, proposalId, commentId, { kind: 'DeleteComment', callerId: subject(caller) }, correlationId);
  }

  @Post(':commentId/hide')
  @HttpCode(200)
  @Roles('staff')
  @ApiOperation({ summary: 'Hide a comment with a public reason (staff); settles the open reports on it' })
  @ApiOkResponse({ type: CommentCommandResponse })
  @ApiConflictResponse({ description: 'comment-hidden, comment-deleted, comment-erased' })
  async hide(@RoundId() roundId: string, @ProposalId() proposalId: string, @CommentId() commentId: string, @Body() dto: HideCommentDto, @CurrentCaller() caller: Caller | undefined, @CorrelationId() correlationId: string) {
    const openReports = await this.comments.openReports(commentId);
    return this.decide(roundId, proposalId, commentId, { kind: 'HideComment', staffId: subject(caller), reason: dto.reason, openReports }, correlationId);
  }

  @Post(':commentId/erase')
  @HttpCode(200)
  @Roles('resident', 'staff')
  @ApiOperation({ summary: 'Erasure request (the author, or staff): the text and its salt are deleted for good; the ledger keeps the commitment and still verifies' })
  @ApiOkResponse({ type: CommentCommandResponse })
  @ApiForbiddenResponse({ description: 'not-author' })
  @ApiConflictResponse({ description: 'comment-erased' })
  erase(@RoundId() roundId: string, @ProposalId() proposalId: string, @CommentId() commentId: string, @CurrentCaller() caller: Caller | undefined, @CorrelationId() correlationId: string) {
    return this.decide(roundId, proposalId, commentId, { kind: 'EraseComment', callerId: subject(caller), staff: isStaff(caller) }, correlationId);
  }

  private decide(roundId: string, proposalId: string, commentId: string, command: CommentCommand, correlationId: string) {
    return this.commands.execute(new DecideCommentCommand(proposalId, commentId, command, this.ctx(roundId, correlationId)));
  }

  private ctx(roundId: string, correlationId: string): EventContext {
    return { roundId, correlationId, now: this.clock() };
  }

  private async visibleRound(roundId: string, caller: Caller | undefined): Promise<void> {
    const round = await this.readModel.round(roundId);
    if (!round || (round.phase === 'draft' && !seesDrafts(caller))) throw new NotFound(`round ${roundId} does not exist`);
  }
}
