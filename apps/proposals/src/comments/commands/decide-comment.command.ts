import { Command } from '@nestjs/cqrs';
import type { EventContext } from '@plaza/contracts';
import type { CommentCommand } from '../comment.decider';

export interface CommentCommandResult {
  readonly commentId: string;
  readonly version: number;
  /** Types of the events written (empty when the command changed nothing). */
  readonly events: string[];
}

/** One command on one comment of a proposal (post, edit, delete, hide, erase). */
export class DecideCommentCommand extends Command<CommentCommandResult> {
  constructor(
    readonly proposalId: string,
    readonly commentId: string,
    readonly command: CommentCommand,
    readonly ctx: EventContext,
    /** For a post: the comment it answers. */
    readonly replyTo: string | null = null,
  ) {
    super();
  }
}
