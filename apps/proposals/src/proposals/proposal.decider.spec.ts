import { createHash } from 'node:crypto';
import { legacyAuthorPseudonym, NotFound, Refusal, type Phase, type ProposalEvent, type RoundEvent } from '@plaza/contracts';
import { ctxAt, decided, sampleConfig, stored } from '../testing/given-when-then';
import { evolveRound, roundStream, type RoundState } from '../rounds/round.decider';
import {
  decideMerge,
  decideProposal,
  evolveProposal,
  proposalStream,
  type MergeProposals,
  type ProposalCommand,
  type ProposalState,
} from './proposal.decider';

const P1 = '01900000-0000-7000-8000-0000000000a1';
const P2 = '01900000-0000-7000-8000-0000000000a2';
const P3 = '01900000-0000-7000-8000-0000000000a3';
/** Per-round author pseudonyms (what the controller derives from the token subject). */
const pseudonym = (name: string) => createHash('sha256').update(name).digest('hex');
const ALICE = pseudonym('alice');

function round(phase: Phase): RoundState {
  const order: Phase[] = ['draft', 'submission', 'review', 'voting', 'closed', 'published'];
  const events: RoundEvent[] = [stored('RoundCreated', { config: sampleConfig(), phase: 'draft' }, roundStream('r'), 1)];
  for (let i = 1; i <= order.indexOf(phase); i++)
    events.push(stored('RoundPhaseChanged', { from: order[i - 1]!, to: order[i]!, trigger: 'admin' }, roundStream('r'), i + 1));
  return events.reduce<RoundState | null>((s, e) => evolveRound(s, e), null)!;
}

const submitted = (id = P1, unitId = 'north', author = 'alice') =>
  stored('ProposalSubmitted', { proposalId: id, unitId, title: 'Trees', description: 'Plant trees', estimatedCost: 100_000, authorPseudonym: pseudonym(author) }, proposalStream(id), 1);

function given(...events: ProposalEvent[]): ProposalState | null {
  return events.reduce<ProposalState | null>((s, e) => evolveProposal(s, e), null);
}

function refusal(command: ProposalCommand, state: ProposalState | null, phase: Phase): Refusal {
  try {
    decideProposal(command, state, round(phase), ctxAt());
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const submit: ProposalCommand = { kind: 'SubmitProposal', proposalId: P1, unitId: 'north', title: 'Trees', description: 'Plant trees', estimatedCost: 100_000, authorPseudonym: ALICE };
const accept = (cost = 90_000): ProposalCommand => ({ kind: 'AcceptProposal', reviewerId: 'sam', cost, reason: 'Feasible' });

describe('proposal decider', () => {
  describe('ProposalSubmitted schemaVersion 1 (author in the clear, stored before v2)', () => {
    const v1 = { ...submitted(), schemaVersion: 1, payload: { proposalId: P1, unitId: 'north', title: 'Trees', description: 'Plant trees', estimatedCost: 100_000, authorId: 'alice' } } as unknown as ProposalEvent;

    it('reads the clear author id as its legacy pseudonym, and the author can still edit', () => {
      const state = given(v1);
      expect(state?.authorPseudonym).toBe(legacyAuthorPseudonym('alice'));
      expect(decideProposal({ kind: 'EditProposal', callerPseudonyms: [ALICE, legacyAuthorPseudonym('alice')], title: 'More trees' }, state, round('submission'), ctxAt())).toHaveLength(1);
      expect(refusal({ kind: 'EditProposal', callerPseudonyms: [pseudonym('bob'), legacyAuthorPseudonym('bob')], title: 'Mine' }, state, 'submission').code).toBe('not-author');
    });
  });

  describe('SubmitProposal', () => {
    it('submits while submission is open, the caller as author', () => {
      expect(decided(decideProposal({ ...submit, location: 'Market St' }, null, round('submission'), ctxAt()))).toEqual([
        {
          type: 'ProposalSubmitted',
          payload: { proposalId: P1, unitId: 'north', title: 'Trees', description: 'Plant trees', estimatedCost: 100_000, location: 'Market St', authorPseudonym: ALICE },
        },
      ]);
    });

    it.each<[Phase]>([['draft'], ['review'], ['voting']])('refuses in phase %s', (phase) => {
      const error = refusal(submit, null, phase);
      expect(error.code).toBe('phase');
      expect(error.message).toMatch(`only while submission is open (the round is in phase ${phase})`);
    });

    it('refuses an unknown unit, naming the units', () => {
      const error = refusal({ ...submit, unitId: 'east' } as ProposalCommand, null, 'submission');
      expect([error.code, error.field]).toEqual(['unknown-unit', 'unitId']);
      expect(error.message).toMatch(/north, south/);
    });

    it('refuses an estimate above the whole unit budget', () => {
      expect(refusal({ ...submit, unitId: 'south', estimatedCost: 500_001 } as ProposalCommand, null, 'submission').code).toBe('over-budget');
    });

    it('refuses to submit the same id twice', () => {
      expect(refusal(submit, given(submitted()), 'submission').code).toBe('proposal-exists');
    });

    it('needs the round to exist', () => {
      expect(() => decideProposal(submit, null, null, ctxAt())).toThrow(NotFound);
    });
  });

  describe('EditProposal', () => {
    it('lets the author change some fields; the event carries the full new content', () => {
      const events = decideProposal({ kind: 'EditProposal', callerPseudonyms: [pseudonym('alice')], title: 'More trees', unitId: 'south' }, given(submitted()), round('submission'), ctxAt());
      expect(decided(events)).toEqual([
        { type: 'ProposalEdited', payload: { proposalId: P1, unitId: 'south', title: 'More trees', description: 'Plant trees', estimatedCost: 100_000 } },
      ]);
    });

    it('writes nothing when nothing changes, and an empty location removes it', () => {
      const withLocation = given(submitted(), stored('ProposalEdited', { proposalId: P1, unitId: 'north', title: 'Trees', description: 'Plant trees', estimatedCost: 100_000, location: 'Elm St' }, proposalStream(P1), 2))!;
      expect(decideProposal({ kind: 'EditProposal', callerPseudonyms: [pseudonym('alice')], title: 'Trees' }, withLocation, round('submission'), ctxAt())).toEqual([]);
      const cleared = decideProposal({ kind: 'EditProposal', callerPseudonyms: [pseudonym('alice')], location: '' }, withLocation, round('submission'), ctxAt());
      expect(cleared[0]!.payload).not.toHaveProperty('location');
    });

    it('refuses anyone but the author', () => {
      const error = refusal({ kind: 'EditProposal', callerPseudonyms: [pseudonym('mallory')], title: 'Mine now' }, given(submitted()), 'submission');
      expect(error.code).toBe('not-author');
    });

    it('refuses after submission closes', () => {
      expect(refusal({ kind: 'EditProposal', callerPseudonyms: [pseudonym('alice')], title: 'Late' }, given(submitted()), 'review').code).toBe('phase');
    });

    it('refuses a withdrawn proposal', () => {
      const state = given(submitted(), stored('ProposalWithdrawn', { proposalId: P1 }, proposalStream(P1), 2));
      expect(refusal({ kind: 'EditProposal', callerPseudonyms: [pseudonym('alice')], title: 'Back' }, state, 'submission').code).toBe('proposal-withdrawn');
    });

    it('refuses a proposal of another round', () => {
      const other = { ...given(submitted())!, roundId: '01900000-0000-7000-8000-0000000000ff' };
      expect(() => decideProposal({ kind: 'EditProposal', callerPseudonyms: [pseudonym('alice')] }, other, round('submission'), ctxAt())).toThrow(NotFound);
    });
  });

  describe('WithdrawProposal', () => {
    it('lets the author withdraw while submission is open', () => {
      expect(decided(decideProposal({ kind: 'WithdrawProposal', callerPseudonyms: [pseudonym('alice')], reason: 'Duplicate' }, given(submitted()), round('submission'), ctxAt()))).toEqual([
        { type: 'ProposalWithdrawn', payload: { proposalId: P1, reason: 'Duplicate' } },
      ]);
    });

    it('refuses others, later phases and decided proposals', () => {
      expect(refusal({ kind: 'WithdrawProposal', callerPseudonyms: [pseudonym('bob')] }, given(submitted()), 'submission').code).toBe('not-author');
      expect(refusal({ kind: 'WithdrawProposal', callerPseudonyms: [pseudonym('alice')] }, given(submitted()), 'review').code).toBe('phase');
      const acceptedState = given(submitted(), stored('ProposalAccepted', { proposalId: P1, unitId: 'north', cost: 1, reason: 'ok', reviewerId: 'sam' }, proposalStream(P1), 2));
      expect(refusal({ kind: 'WithdrawProposal', callerPseudonyms: [pseudonym('alice')] }, acceptedState, 'submission').code).toBe('proposal-accepted');
    });
  });

  describe('review decisions', () => {
    it('records feasibility notes and a cost estimate, in submission or review', () => {
      for (const phase of ['submission', 'review'] as const) {
        expect(decided(decideProposal({ kind: 'ReviewProposal', reviewerId: 'sam', feasibilityNotes: 'Needs a permit', costEstimate: 95_000 }, given(submitted()), round(phase), ctxAt()))).toEqual([
          { type: 'ProposalReviewed', payload: { proposalId: P1, feasibilityNotes: 'Needs a permit', costEstimate: 95_000, reviewerId: 'sam' } },
        ]);
      }
    });

    it('accepts with the reviewed cost and the unit', () => {
      expect(decided(decideProposal(accept(), given(submitted()), round('review'), ctxAt()))).toEqual([
        { type: 'ProposalAccepted', payload: { proposalId: P1, unitId: 'north', cost: 90_000, reason: 'Feasible', reviewerId: 'sam' } },
      ]);
    });

    it('rejects with a public reason', () => {
      expect(decided(decideProposal({ kind: 'RejectProposal', reviewerId: 'sam', reason: 'Not city land' }, given(submitted()), round('review'), ctxAt()))).toEqual([
        { type: 'ProposalRejected', payload: { proposalId: P1, unitId: 'north', reason: 'Not city land', reviewerId: 'sam' } },
      ]);
    });

    it.each<[Phase]>([['draft'], ['voting'], ['closed']])('refuses review, accept and reject in phase %s', (phase) => {
      for (const command of [accept(), { kind: 'RejectProposal', reviewerId: 'sam', reason: 'x' }, { kind: 'ReviewProposal', reviewerId: 'sam', feasibilityNotes: 'x' }] as ProposalCommand[]) {
        const error = refusal(command, given(submitted()), phase);
        expect(error.code).toBe('phase');
        expect(error.message).toMatch(/before voting opens/);
      }
    });

    it('refuses a cost above the whole unit budget', () => {
      expect(refusal(accept(1_000_001), given(submitted()), 'review').field).toBe('cost');
    });

    it('decides once: no accepting a rejected proposal or rejecting an accepted one', () => {
      const rejected = given(submitted(), stored('ProposalRejected', { proposalId: P1, unitId: 'north', reason: 'no', reviewerId: 'sam' }, proposalStream(P1), 2));
      expect(refusal(accept(), rejected, 'review').code).toBe('proposal-rejected');
      const acceptedState = given(submitted(), stored('ProposalAccepted', { proposalId: P1, unitId: 'north', cost: 1, reason: 'ok', reviewerId: 'sam' }, proposalStream(P1), 2));
      expect(refusal({ kind: 'RejectProposal', reviewerId: 'sam', reason: 'x' }, acceptedState, 'review').code).toBe('proposal-accepted');
    });
  });

  describe('MergeProposals', () => {
    const merge = (sourceIds: string[], targetId = P1): MergeProposals => ({ kind: 'MergeProposals', reviewerId: 'sam', targetId, sourceIds });
    const mergeRefusal = (command: MergeProposals, target: ProposalState | null, sources: (ProposalState | null)[], phase: Phase = 'review') => {
      try {
        decideMerge(command, target, sources, round(phase), ctxAt());
      } catch (error) {
        if (error instanceof Refusal || error instanceof NotFound) return error;
        throw error;
      }
      throw new Error('expected a refusal');
    };

    it('links the target to its sources and closes each source with a link back', () => {
      const result = decideMerge(merge([P2, P3]), given(submitted(P1)), [given(submitted(P2, 'north', 'bob')), given(submitted(P3, 'north', 'carol'))], round('review'), ctxAt());
      expect(result.map((r) => ({ streamId: r.streamId, events: decided(r.events) }))).toEqual([
        { streamId: proposalStream(P1), events: [{ type: 'ProposalsMerged', payload: { proposalId: P1, sources: [P2, P3], reviewerId: 'sam' } }] },
        { streamId: proposalStream(P2), events: [{ type: 'ProposalMergedInto', payload: { proposalId: P2, into: P1 } }] },
        { streamId: proposalStream(P3), events: [{ type: 'ProposalMergedInto', payload: { proposalId: P3, into: P1 } }] },
      ]);
    });

    it('merges into an accepted proposal', () => {
      const target = given(submitted(P1), stored('ProposalAccepted', { proposalId: P1, unitId: 'north', cost: 1, reason: 'ok', reviewerId: 'sam' }, proposalStream(P1), 2));
      expect(decideMerge(merge([P2]), target, [given(submitted(P2))], round('review'), ctxAt())).toHaveLength(2);
    });

    it('refuses merging across units, into itself, twice, or after voting opens', () => {
      expect((mergeRefusal(merge([P2]), given(submitted(P1)), [given(submitted(P2, 'south'))]) as Refusal).code).toBe('merge-units');
      expect((mergeRefusal(merge([P1]), given(submitted(P1)), [given(submitted(P1))]) as Refusal).code).toBe('merge-into-self');
      expect((mergeRefusal(merge([P2, P2]), given(submitted(P1)), [given(submitted(P2)), given(submitted(P2))]) as Refusal).code).toBe('merge-sources');
      expect((mergeRefusal(merge([P2]), given(submitted(P1)), [given(submitted(P2))], 'voting') as Refusal).code).toBe('phase');
    });

    it('refuses sources that are no longer open, and a closed target', () => {
      const mergedAway = given(submitted(P2), stored('ProposalMergedInto', { proposalId: P2, into: P3 }, proposalStream(P2), 2));
      const error = mergeRefusal(merge([P2]), given(submitted(P1)), [mergedAway]) as Refusal;
      expect(error.code).toBe('proposal-merged');
      expect(error.message).toMatch(`merged into ${P3}`);
      const withdrawn = given(submitted(P1), stored('ProposalWithdrawn', { proposalId: P1 }, proposalStream(P1), 2));
      expect((mergeRefusal(merge([P2]), withdrawn, [given(submitted(P2))]) as Refusal).code).toBe('proposal-withdrawn');
    });

    it('names a source that does not exist', () => {
      expect(mergeRefusal(merge([P2]), given(submitted(P1)), [null])).toBeInstanceOf(NotFound);
    });
  });

  describe('evolve', () => {
    it('keeps reviews in order, the decision, and merge links both ways', () => {
      const target = given(
        submitted(P1),
        stored('ProposalReviewed', { proposalId: P1, feasibilityNotes: 'first', reviewerId: 'sam' }, proposalStream(P1), 2, '2027-01-11T00:00:00.000Z'),
        stored('ProposalReviewed', { proposalId: P1, feasibilityNotes: 'second', costEstimate: 80_000, reviewerId: 'sue' }, proposalStream(P1), 3),
        stored('ProposalsMerged', { proposalId: P1, sources: [P2], reviewerId: 'sam' }, proposalStream(P1), 4),
        stored('ProposalAccepted', { proposalId: P1, unitId: 'north', cost: 80_000, reason: 'ok', reviewerId: 'sue' }, proposalStream(P1), 5),
      )!;
      expect(target.reviews.map((r) => [r.feasibilityNotes, r.costEstimate, r.reviewerId])).toEqual([
        ['first', null, 'sam'],
        ['second', 80_000, 'sue'],
      ]);
      expect([target.status, target.cost, target.decidedBy, target.mergedFrom, target.version]).toEqual(['accepted', 80_000, 'sue', [P2], 5]);
      const source = given(submitted(P2), stored('ProposalMergedInto', { proposalId: P2, into: P1 }, proposalStream(P2), 2))!;
      expect([source.status, source.mergedInto]).toEqual(['merged', P1]);
    });
  });
});
