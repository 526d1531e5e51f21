import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ReadModel } from '../../store/queries';
import { applyComment, decideComment } from '../comment.decider';
import { CommentsStore } from '../comments.store';
import { DecideCommentCommand, type CommentCommandResult } from './decide-comment.command';

@CommandHandler(DecideCommentCommand)
export class DecideCommentHandler implements ICommandHandler<DecideCommentCommand> {
  constructor(
    private readonly comments: CommentsStore,
    private readonly readModel: ReadModel,
  ) {}

  async execute({ proposalId, commentId, command, ctx, replyTo }: DecideCommentCommand): Promise<CommentCommandResult> {
    const [round, proposal, comment, parent] = await Promise.all([
      this.readModel.round(ctx.roundId),
      this.readModel.proposal(proposalId),
      this.comments.comment(commentId),
      replyTo ? this.comments.comment(replyTo) : Promise.resolve(null),
    ]);
    const context = { comment, parent, round, proposal, proposalId, replyTo };
    const events = decideComment(command, context, ctx);
    const version = (comment?.version ?? 0) + events.length;
    const next = applyComment(comment, command, context, events, version);
    if (next) await this.comments.save(comment?.version ?? 0, next, events);
    return { commentId, version: next?.version ?? 0, events: events.map((e) => e.type) };
  }
}
