import { COMMENT_PHASES, Forbidden, MAX_COMMENT_LENGTH, newEvent, NotFound, Refusal, textCommitment, type EventContext, type NewEvent } from '@plaza/contracts';
import type { ProposalState } from '../proposals/proposal.decider';
import type { RoundState } from '../rounds/round.decider';

export const commentStream = (commentId: string) => `comment-${commentId}`;

/** An author can change the text this long after posting. */
export const EDIT_WINDOW_MS = 15 * 60_000;

/** A comment as the proposals service keeps it (the row in `comments`: text and identity are not in the events). */
export interface CommentState {
  readonly commentId: string;
  readonly roundId: string;
  readonly proposalId: string;
  readonly replyTo: string | null;
  readonly rootId: string;
  readonly authorId: string;
  readonly authorPseudonym: string;
  readonly staff: boolean;
  readonly proposalAuthor: boolean;
  /** null once deleted or erased. */
  readonly body: string | null;
  readonly salt: string | null;
  readonly deleted: boolean;
  readonly hiddenReason: string | null;
  readonly hiddenBy: string | null;
  readonly erased: boolean;
  readonly postedAt: string;
  readonly editedAt: string | null;
  readonly version: number;
}

export interface PostComment {
  readonly kind: 'PostComment';
  readonly commentId: string;
  readonly body: string;
  readonly salt: string;
  readonly authorId: string;
  readonly authorPseudonym: string;
  /** The pseudonyms the proposal's author could have (to mark the author's comments). */
  readonly authorPseudonyms: readonly string[];
  readonly staff: boolean;
}

export interface EditComment {
  readonly kind: 'EditComment';
  readonly callerId: string;
  readonly body: string;
  readonly salt: string;
}

export interface DeleteComment {
  readonly kind: 'DeleteComment';
  readonly callerId: string;
}

export interface HideComment {
  readonly kind: 'HideComment';
  readonly staffId: string;
  readonly reason: string;
  /** The open reports on the comment, settled by the decision. */
  readonly openReports: readonly string[];
}

export interface EraseComment {
  readonly kind: 'EraseComment';
  readonly callerId: string;
  readonly staff: boolean;
}

export type CommentCommand = PostComment | EditComment | DeleteComment | HideComment | EraseComment;

/** What a decision on a comment is taken against: the comment (null for a new one), the one it answers, the round, the proposal. */
export interface CommentContext {
  readonly comment: CommentState | null;
  readonly parent: CommentState | null;
  readonly round: RoundState | null;
  readonly proposal: ProposalState | null;
  readonly proposalId: string;
  readonly replyTo: string | null;
}

function requireCommentsOpen(round: RoundState): void {
  if (round.config.comments?.enabled === false) throw new Refusal('comments-off', 'comments are turned off for this round');
  if (!COMMENT_PHASES.includes(round.phase))
    throw new Refusal('phase', `comments can be written only in the submission, review or voting phase (the round is in phase ${round.phase})`);
}

function requireBody(body: string): void {
  // The HTTP edge refuses these with 400 already; commands from elsewhere get the same rule.
  if (body.trim().length === 0 || body.length > MAX_COMMENT_LENGTH) throw new Refusal('invalid-body', `body must be 1 to ${MAX_COMMENT_LENGTH} characters, not blank`, 'body');
}

function requireOwn(comment: CommentState, callerId: string, action: string): void {
  if (comment.authorId !== callerId) throw new Forbidden('not-author', `only the author of a comment can ${action} it`);
}

function requireLive(comment: CommentState, action: string): void {
  if (comment.erased) throw new Refusal('comment-erased', `comment ${comment.commentId} was erased; it can no longer be ${action}`);
  if (comment.deleted) throw new Refusal('comment-deleted', `comment ${comment.commentId} was deleted; it can no longer be ${action}`);
  if (comment.hiddenReason !== null) throw new Refusal('comment-hidden', `comment ${comment.commentId} is hidden by moderation; it can no longer be ${action}`);
}

/** Pure: a command on one comment. Time and ids (the comment id, the salt) come with the command and the context. */
export function decideComment(command: CommentCommand, c: CommentContext, ctx: EventContext): NewEvent[] {
  if (!c.round) throw new NotFound(`round ${ctx.roundId} does not exist`);
  if (!c.proposal || c.proposal.roundId !== ctx.roundId) throw new NotFound(`proposal ${c.proposalId} does not exist in round ${ctx.roundId}`);
  if (command.kind === 'PostComment') {
    if (c.comment) throw new Refusal('comment-exists', `comment ${command.commentId} already exists`);
    requireCommentsOpen(c.round);
    requireBody(command.body);
    if (c.replyTo !== null) {
      if (!c.parent || c.parent.proposalId !== c.proposalId)
        throw new Refusal('reply-foreign', `comment ${c.replyTo} is not a comment on proposal ${c.proposalId}`, 'replyTo');
      if (c.parent.hiddenReason !== null || c.parent.deleted || c.parent.erased)
        throw new Refusal('reply-to-removed', `comment ${c.replyTo} is hidden, deleted or erased: it cannot be answered`, 'replyTo');
    }
    return [
      newEvent(
        'CommentPosted',
        {
          commentId: command.commentId,
          proposalId: c.proposalId,
          replyTo: c.replyTo,
          authorPseudonym: command.authorPseudonym,
          commitment: textCommitment({ salt: command.salt, text: command.body }),
          staff: command.staff,
        },
        ctx,
      ),
    ];
  }
  const comment = c.comment;
  if (!comment || comment.proposalId !== c.proposalId) throw new NotFound(`comment does not exist on proposal ${c.proposalId}`);
  const ids = { commentId: comment.commentId, proposalId: comment.proposalId };
  switch (command.kind) {
    case 'EditComment': {
      requireOwn(comment, command.callerId, 'edit');
      requireLive(comment, 'edited');
      requireCommentsOpen(c.round);
      requireBody(command.body);
      const until = Date.parse(comment.postedAt) + EDIT_WINDOW_MS;
      if (ctx.now.getTime() > until)
        throw new Refusal('edit-window-closed', `a comment can be edited for ${EDIT_WINDOW_MS / 60_000} minutes after posting (until ${new Date(until).toISOString()})`);
      if (command.body === comment.body) return [];
      return [newEvent('CommentEdited', { ...ids, commitment: textCommitment({ salt: command.salt, text: command.body }) }, ctx)];
    }
    case 'DeleteComment':
      requireOwn(comment, command.callerId, 'delete');
      if (comment.erased) throw new Refusal('comment-erased', `comment ${comment.commentId} was erased`);
      if (comment.deleted) throw new Refusal('comment-deleted', `comment ${comment.commentId} is already deleted`);
      return [newEvent('CommentDeleted', ids, ctx)];
    case 'HideComment':
      requireLive(comment, 'hidden');
      return [newEvent('CommentHidden', { ...ids, reason: command.reason, decidedBy: command.staffId, reports: [...command.openReports] }, ctx)];
    case 'EraseComment':
      if (!command.staff) requireOwn(comment, command.callerId, 'erase');
      if (comment.erased) throw new Refusal('comment-erased', `comment ${comment.commentId} is already erased`);
      return [
        newEvent('CommentErased', { ...ids, requestedBy: command.staff ? 'staff' : 'author', ...(command.staff ? { decidedBy: command.callerId } : {}) }, ctx),
      ];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

/** Pure: the comment row after its events (the text and salt come with the command, never from the events). */
export function applyComment(state: CommentState | null, command: CommentCommand, c: CommentContext, events: readonly NewEvent[], version: number): CommentState | null {
  let next = state;
  for (const event of events) {
    const at = event.occurredAt;
    switch (event.type) {
      case 'CommentPosted': {
        const post = command as PostComment;
        next = {
          commentId: post.commentId,
          roundId: event.roundId,
          proposalId: c.proposalId,
          replyTo: c.replyTo,
          rootId: c.parent ? c.parent.rootId : post.commentId,
          authorId: post.authorId,
          authorPseudonym: post.authorPseudonym,
          staff: post.staff,
          proposalAuthor: !!c.proposal && post.authorPseudonyms.includes(c.proposal.authorPseudonym),
          body: post.body,
          salt: post.salt,
          deleted: false,
          hiddenReason: null,
          hiddenBy: null,
          erased: false,
          postedAt: at,
          editedAt: null,
          version,
        };
        break;
      }
      case 'CommentEdited':
        next = next && { ...next, body: (command as EditComment).body, salt: (command as EditComment).salt, editedAt: at };
        break;
      case 'CommentDeleted':
        next = next && { ...next, deleted: true, body: null, salt: null };
        break;
      case 'CommentHidden':
        next = next && { ...next, hiddenReason: (command as HideComment).reason, hiddenBy: (command as HideComment).staffId };
        break;
      case 'CommentErased':
        next = next && { ...next, erased: true, body: null, salt: null };
        break;
      default:
        break;
    }
  }
  return next && { ...next, version };
}
