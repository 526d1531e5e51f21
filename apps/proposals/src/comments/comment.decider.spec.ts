import { NotFound, Refusal, textCommitment, type Phase, type ProposalEvent, type RoundEvent } from '@plaza/contracts';
import { evolveProposal, proposalStream, type ProposalState } from '../proposals/proposal.decider';
import { evolveRound, roundStream, type RoundState } from '../rounds/round.decider';
import { ctxAt, sampleConfig, stored, T0 } from '../testing/given-when-then';
import { applyComment, decideComment, EDIT_WINDOW_MS, type CommentCommand, type CommentContext, type CommentState } from './comment.decider';

const P1 = '01900000-0000-7000-8000-0000000000a1';
const P2 = '01900000-0000-7000-8000-0000000000a2';
const C1 = '01900000-0000-7000-8000-0000000000c1';
const C2 = '01900000-0000-7000-8000-0000000000c2';
const ALICE = 'a'.repeat(64);
const BOB = 'b'.repeat(64);
const SALT = '5'.repeat(64);

function round(phase: Phase, comments?: boolean): RoundState {
  const order: Phase[] = ['draft', 'submission', 'review', 'voting', 'closed', 'published'];
  const config = { ...sampleConfig(), ...(comments === undefined ? {} : { comments: { enabled: comments } }) };
  const events: RoundEvent[] = [stored('RoundCreated', { config, phase: 'draft' }, roundStream('r'), 1)];
  for (let i = 1; i <= order.indexOf(phase); i++) events.push(stored('RoundPhaseChanged', { from: order[i - 1]!, to: order[i]!, trigger: 'admin' }, roundStream('r'), i + 1));
  return events.reduce<RoundState | null>((s, e) => evolveRound(s, e), null)!;
}

const proposal = (id = P1): ProposalState =>
  evolveProposal(null, stored('ProposalSubmitted', { proposalId: id, unitId: 'north', title: 'Trees', description: '', estimatedCost: 100, authorPseudonym: ALICE }, proposalStream(id), 1) as ProposalEvent)!;

const post = (body = 'Will they be watered?', authorPseudonym = BOB, commentId = C1): CommentCommand => ({
  kind: 'PostComment',
  commentId,
  body,
  salt: SALT,
  authorId: authorPseudonym === ALICE ? 'alice' : 'bob',
  authorPseudonym,
  authorPseudonyms: [authorPseudonym],
  staff: false,
});

const context = (over: Partial<CommentContext> = {}): CommentContext => ({ comment: null, parent: null, round: round('submission'), proposal: proposal(), proposalId: P1, replyTo: null, ...over });

function posted(command = post(), c = context()): CommentState {
  const events = decideComment(command, c, ctxAt());
  return applyComment(null, command, c, events, 1)!;
}

function refusal(command: CommentCommand, c: CommentContext, now: Date = T0): Refusal {
  try {
    decideComment(command, c, ctxAt(now));
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('comment decider', () => {
  it('posts a commitment to the body and the pseudonym, never the text or the identity', () => {
    const [event] = decideComment(post(), context(), ctxAt());
    expect(event).toMatchObject({
      type: 'CommentPosted',
      payload: { commentId: C1, proposalId: P1, replyTo: null, authorPseudonym: BOB, commitment: textCommitment({ salt: SALT, text: 'Will they be watered?' }), staff: false },
    });
    expect(JSON.stringify(event)).not.toContain('watered');
    expect(JSON.stringify(event)).not.toContain('bob');
  });

  it("marks the proposal's author by pseudonym", () => {
    expect(posted(post('Yes', ALICE)).proposalAuthor).toBe(true);
    expect(posted(post('Hm', BOB)).proposalAuthor).toBe(false);
  });

  it('is refused outside submission, review and voting, and when the round turned comments off', () => {
    for (const phase of ['draft', 'closed', 'published'] as const) expect(refusal(post(), context({ round: round(phase) })).code).toBe('phase');
    for (const phase of ['submission', 'review', 'voting'] as const) expect(decideComment(post(), context({ round: round(phase) }), ctxAt())).toHaveLength(1);
    expect(refusal(post(), context({ round: round('review', false) })).code).toBe('comments-off');
  });

  it('refuses blank or over-long bodies, and answers to a foreign, hidden or deleted comment, naming the field', () => {
    expect(refusal(post('   '), context())).toMatchObject({ code: 'invalid-body', field: 'body' });
    expect(refusal(post('x'.repeat(10_001)), context()).field).toBe('body');
    const other = posted(post('elsewhere'), context({ proposal: proposal(P2), proposalId: P2 }));
    expect(refusal(post('re', BOB, C2), context({ parent: other, replyTo: other.commentId }))).toMatchObject({ code: 'reply-foreign', field: 'replyTo' });
    expect(refusal(post('re', BOB, C2), context({ parent: null, replyTo: C1 })).code).toBe('reply-foreign');
    const parent = posted();
    for (const removed of [{ ...parent, hiddenReason: 'spam' }, { ...parent, deleted: true }, { ...parent, erased: true }])
      expect(refusal(post('re', BOB, C2), context({ parent: removed, replyTo: C1 }))).toMatchObject({ code: 'reply-to-removed', field: 'replyTo' });
    const reply = applyComment(null, post('re', ALICE, C2), context({ parent, replyTo: C1 }), decideComment(post('re', ALICE, C2), context({ parent, replyTo: C1 }), ctxAt()), 1)!;
    expect(reply).toMatchObject({ replyTo: C1, rootId: C1 });
  });

  it('lets only the author edit, within 15 minutes, and delete; edit and erase drop the old text', () => {
    const c = posted();
    const edit = (callerId: string): CommentCommand => ({ kind: 'EditComment', callerId, body: 'Better', salt: SALT });
    expect(refusal(edit('alice'), context({ comment: c })).code).toBe('not-author');
    expect(decideComment(edit('bob'), context({ comment: c }), ctxAt(new Date(T0.getTime() + EDIT_WINDOW_MS)))).toHaveLength(1);
    expect(refusal(edit('bob'), context({ comment: c }), new Date(T0.getTime() + EDIT_WINDOW_MS + 1)).code).toBe('edit-window-closed');
    expect(refusal({ kind: 'DeleteComment', callerId: 'alice' }, context({ comment: c })).code).toBe('not-author');
    const erase: CommentCommand = { kind: 'EraseComment', callerId: 'bob', staff: false };
    const events = decideComment(erase, context({ comment: c }), ctxAt());
    expect(events[0]).toMatchObject({ type: 'CommentErased', payload: { requestedBy: 'author' } });
    expect(applyComment(c, erase, context({ comment: c }), events, 2)).toMatchObject({ erased: true, body: null, salt: null, version: 2 });
  });

  it('hides with the public reason and the staff member, settling the open reports; staff may erase', () => {
    const c = posted();
    const hide: CommentCommand = { kind: 'HideComment', staffId: 'sam', reason: 'personal attack', openReports: [C2] };
    const [event] = decideComment(hide, context({ comment: c }), ctxAt());
    expect(event!.payload).toEqual({ commentId: C1, proposalId: P1, reason: 'personal attack', decidedBy: 'sam', reports: [C2] });
    const hidden = applyComment(c, hide, context({ comment: c }), [event!], 2)!;
    expect(refusal(hide, context({ comment: hidden })).code).toBe('comment-hidden');
    expect(decideComment({ kind: 'EraseComment', callerId: 'sam', staff: true }, context({ comment: hidden }), ctxAt())[0]!.payload).toMatchObject({ requestedBy: 'staff', decidedBy: 'sam' });
    expect(() => decideComment(hide, context({ comment: c, proposalId: P2, proposal: proposal(P2) }), ctxAt())).toThrow(NotFound);
  });
});
