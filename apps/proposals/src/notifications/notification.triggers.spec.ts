import type { EventEnvelope } from '@plaza/contracts';
import { renderMail } from './notification.mail';
import { intentsFor, type Directory, type ProposalFacts } from './notification.triggers';

const ROUND = '0190f5c2-1111-7000-8000-000000000001';
const P1 = '0190f5c2-2222-7000-8000-000000000001';
const P2 = '0190f5c2-2222-7000-8000-000000000002';

const C1 = '0190f5c2-5555-7000-8000-000000000001';
const C2 = '0190f5c2-5555-7000-8000-000000000002';
const C3 = '0190f5c2-5555-7000-8000-000000000003';

function directory(follows: Record<string, string[]> = {}, proposals: ProposalFacts[] = [], commentAuthors: Record<string, string> = {}): Directory {
  return {
    commentAuthor: async (id) => commentAuthors[id] ?? null,
    proposal: async (id) => proposals.find((p) => p.proposalId === id) ?? null,
    roundName: async () => 'Green Budget',
    followers: async (roundId, proposalId) => follows[proposalId ?? roundId] ?? [],
    proposalsWithStatus: async (roundId, status) => proposals.filter((p) => p.roundId === roundId && p.status === status),
  };
}

let seq = 0;
function event(type: string, payload: object): EventEnvelope {
  return {
    id: `0190f5c2-4444-7000-8000-${String(++seq).padStart(12, '0')}`,
    type,
    schemaVersion: 1,
    streamId: `x-${ROUND}`,
    streamVersion: seq,
    roundId: ROUND,
    occurredAt: '2027-01-01T00:00:00.000Z',
    producer: 'proposals',
    correlationId: '0190f5c2-3333-7000-8000-000000000001',
    causationId: null,
    payload,
  };
}

const alicesProposal: ProposalFacts = { proposalId: P1, roundId: ROUND, authorId: 'alice', title: 'Benches', status: 'accepted' };
const bobsProposal: ProposalFacts = { proposalId: P2, roundId: ROUND, authorId: 'bob', title: 'Trees', status: 'rejected' };

describe('notification triggers', () => {
  it('tells the author and followers of a decision once each, never the staff member who made it', async () => {
    const d = directory({ [P1]: ['carol', 'alice', 'staff-1'] }, [alicesProposal]);
    const intents = await intentsFor(event('ProposalRejected', { proposalId: P1, unitId: 'north', reason: 'Too costly', reviewerId: 'staff-1' }), d);
    expect(intents.map((i) => [i.residentId, i.kind, i.data.role])).toEqual([
      ['alice', 'proposal-rejected', 'author'],
      ['carol', 'proposal-rejected', 'follower'],
    ]);
    expect(intents[0]!.data).toMatchObject({ reason: 'Too costly', proposalTitle: 'Benches', roundName: 'Green Budget' });
  });

  it('tells round followers of a phase change, and the authors of accepted proposals when voting opens', async () => {
    const d = directory({ [ROUND]: ['carol'] }, [alicesProposal, bobsProposal]);
    const review = await intentsFor(event('RoundPhaseChanged', { from: 'submission', to: 'review', trigger: 'admin' }), d);
    expect(review.map((i) => [i.residentId, i.kind])).toEqual([['carol', 'round-phase-changed']]);
    const voting = await intentsFor(event('RoundPhaseChanged', { from: 'review', to: 'voting', trigger: 'schedule' }), d);
    expect(voting.map((i) => [i.residentId, i.kind, i.proposalId])).toEqual([
      ['carol', 'round-phase-changed', null],
      ['alice', 'proposal-on-ballot', P1],
    ]);
  });

  it('tells a comment\'s author of a reply, not of a new thread, not of answering themselves, nor about a proposal of an author unknown here', async () => {
    const d = directory({}, [alicesProposal, { ...bobsProposal, authorId: null }], { [C1]: 'carol', [C2]: 'dave', [C3]: 'carol' });
    const reply = await intentsFor(event('CommentPosted', { commentId: C2, proposalId: P1, replyTo: C1 }), d);
    expect(reply.map((i) => [i.residentId, i.kind, i.proposalId])).toEqual([['carol', 'comment-reply', P1]]);
    expect(reply[0]!.data).toMatchObject({ proposalTitle: 'Benches', roundName: 'Green Budget' });
    expect(await intentsFor(event('CommentPosted', { commentId: C1, proposalId: P1, replyTo: null }), d)).toEqual([]);
    expect(await intentsFor(event('CommentPosted', { commentId: C3, proposalId: P1, replyTo: C1 }), d)).toEqual([]);
    // A proposal whose author the service does not know (no pseudonym record): only followers would be told.
    expect(await intentsFor(event('ProposalRejected', { proposalId: P2, unitId: 'north', reason: 'No', reviewerId: 'staff-1' }), d)).toEqual([]);
  });

  it('makes nothing for events without a trigger or about proposals it never saw', async () => {
    expect(await intentsFor(event('ProposalEdited', { proposalId: P1 }), directory({}, [alicesProposal]))).toEqual([]);
    expect(await intentsFor(event('ProposalAccepted', { proposalId: P2, unitId: 'north', cost: 1, reason: '', reviewerId: 's' }), directory())).toEqual([]);
  });

  it('renders a one-line subject and a link to the proposal', () => {
    const mail = renderMail(
      { residentId: 'alice', kind: 'proposal-accepted', roundId: ROUND, proposalId: P1, data: { proposalTitle: 'Evil\r\nBcc: x@y', roundName: 'R', role: 'author', reason: 'ok' } },
      'https://plaza.example/',
    );
    expect(mail.subject).toBe('Your proposal was accepted: Evil Bcc: x@y');
    expect(mail.body).toContain(`https://plaza.example/rounds/${ROUND}/proposals/${P1}`);
  });
});
