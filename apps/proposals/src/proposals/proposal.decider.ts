import { Forbidden, newEvent, NotFound, Refusal, upcast, type EventContext, type NewEvent, type Phase, type ProposalEvent } from '@plaza/contracts';
import type { RoundState } from '../rounds/round.decider';

export const proposalStream = (proposalId: string) => `proposal-${proposalId}`;

export const PROPOSAL_STATUSES = ['submitted', 'withdrawn', 'accepted', 'rejected', 'merged'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

export interface Review {
  readonly feasibilityNotes: string;
  readonly costEstimate: number | null;
  readonly reviewerId: string;
  readonly reviewedAt: string;
}

export interface ProposalState {
  readonly proposalId: string;
  readonly roundId: string;
  readonly unitId: string;
  readonly title: string;
  readonly description: string;
  readonly estimatedCost: number;
  readonly location: string | null;
  /** The author's per-round pseudonym (legacyAuthorPseudonym of the clear id for proposals submitted before v2). */
  readonly authorPseudonym: string;
  readonly status: ProposalStatus;
  /** Staff reviews in order; the last one is the current assessment. */
  readonly reviews: readonly Review[];
  /** The reviewed cost the tally uses (accepted proposals only). */
  readonly cost: number | null;
  /** The public reason of the accept or reject decision, or of the withdrawal. */
  readonly decisionReason: string | null;
  readonly decidedBy: string | null;
  readonly mergedInto: string | null;
  readonly mergedFrom: readonly string[];
  readonly submittedAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export interface ProposalContent {
  readonly unitId: string;
  readonly title: string;
  readonly description: string;
  readonly estimatedCost: number;
  readonly location?: string;
}

export interface SubmitProposal extends ProposalContent {
  readonly kind: 'SubmitProposal';
  readonly proposalId: string;
  readonly authorPseudonym: string;
}

/** Only the given fields change; an empty location removes it. */
export interface EditProposal extends Partial<ProposalContent> {
  readonly kind: 'EditProposal';
  /** The pseudonyms the caller may be the author under (this round's, and the legacy one of older proposals). */
  readonly callerPseudonyms: readonly string[];
}

export interface WithdrawProposal {
  readonly kind: 'WithdrawProposal';
  readonly callerPseudonyms: readonly string[];
  readonly reason?: string;
}

export interface ReviewProposal {
  readonly kind: 'ReviewProposal';
  readonly reviewerId: string;
  readonly feasibilityNotes: string;
  readonly costEstimate?: number;
}

export interface AcceptProposal {
  readonly kind: 'AcceptProposal';
  readonly reviewerId: string;
  readonly cost: number;
  readonly reason: string;
}

export interface RejectProposal {
  readonly kind: 'RejectProposal';
  readonly reviewerId: string;
  readonly reason: string;
}

export type ProposalCommand = SubmitProposal | EditProposal | WithdrawProposal | ReviewProposal | AcceptProposal | RejectProposal;

/** Merges duplicates into one target; each source stream gets its own event. */
export interface MergeProposals {
  readonly kind: 'MergeProposals';
  readonly reviewerId: string;
  readonly targetId: string;
  readonly sourceIds: readonly string[];
}

const REVIEW_PHASES: readonly Phase[] = ['submission', 'review'];

function requireRound(round: RoundState | null, ctx: EventContext): RoundState {
  if (!round) throw new NotFound(`round ${ctx.roundId} does not exist`);
  return round;
}

function requireProposal(state: ProposalState | null, round: RoundState, id?: string): ProposalState {
  if (!state || state.roundId !== round.roundId) throw new NotFound(`${id ? `proposal ${id}` : 'the proposal'} does not exist in round ${round.roundId}`);
  return state;
}

function requireSubmissionOpen(round: RoundState, action: string): void {
  if (round.phase !== 'submission')
    throw new Refusal('phase', `proposals can be ${action} only while submission is open (the round is in phase ${round.phase})`);
}

function requireReviewPhase(round: RoundState, action: string): void {
  if (round.config.support) {
    if (round.phase !== 'review')
      throw new Refusal('phase', `proposals can be ${action} only in the review phase, after the support phase selected them (the round is in phase ${round.phase})`);
    return;
  }
  if (!REVIEW_PHASES.includes(round.phase))
    throw new Refusal('phase', `proposals can be ${action} only in the submission or review phase, before voting opens (the round is in phase ${round.phase})`);
}

/** In a round with a support phase, only the proposals its selection sent to review go further. */
function requireSelected(round: RoundState, proposalId: string): void {
  if (!round.config.support) return;
  if (!round.supportSelected) throw new Refusal('selection-pending', 'the support selection of this round is not declared yet');
  if (!round.supportSelected.includes(proposalId))
    throw new Refusal('not-selected', `proposal ${proposalId} did not reach the support threshold; it does not go to review or onto the ballot`);
}

function requireAuthor(state: ProposalState, callerPseudonyms: readonly string[], action: string): void {
  if (!callerPseudonyms.includes(state.authorPseudonym)) throw new Forbidden('not-author', `only the author of a proposal can ${action} it`);
}

function requireStatus(state: ProposalState, allowed: readonly ProposalStatus[], action: string): void {
  if (allowed.includes(state.status)) return;
  const detail = state.status === 'merged' && state.mergedInto ? ` into ${state.mergedInto}` : '';
  throw new Refusal(`proposal-${state.status}`, `proposal ${state.proposalId} is ${state.status}${detail}; it can no longer be ${action}`);
}

function requireUnit(round: RoundState, unitId: string, estimatedCost: number, field = 'unitId'): void {
  const unit = round.config.units.find((u) => u.id === unitId);
  if (!unit) throw new Refusal('unknown-unit', `unit ${unitId} is not part of this round (units: ${round.config.units.map((u) => u.id).join(', ')})`, field);
  if (estimatedCost > unit.budget)
    throw new Refusal('over-budget', `the estimated cost ${estimatedCost} exceeds the whole budget of unit ${unitId} (${unit.budget})`, 'estimatedCost');
}

function content(c: ProposalContent) {
  return {
    unitId: c.unitId,
    title: c.title,
    description: c.description,
    estimatedCost: c.estimatedCost,
    ...(c.location !== undefined ? { location: c.location } : {}),
  };
}

/** Pure: a command on one proposal against the proposal and the round it belongs to. */
export function decideProposal(command: ProposalCommand, state: ProposalState | null, roundState: RoundState | null, ctx: EventContext): NewEvent[] {
  const round = requireRound(roundState, ctx);
  if (command.kind === 'SubmitProposal') {
    if (state) throw new Refusal('proposal-exists', `proposal ${command.proposalId} already exists`);
    requireSubmissionOpen(round, 'submitted');
    requireUnit(round, command.unitId, command.estimatedCost);
    return [newEvent('ProposalSubmitted', { proposalId: command.proposalId, ...content(command), authorPseudonym: command.authorPseudonym }, ctx)];
  }
  const proposal = requireProposal(state, round);
  switch (command.kind) {
    case 'EditProposal': {
      requireAuthor(proposal, command.callerPseudonyms, 'edit');
      requireStatus(proposal, ['submitted'], 'edited');
      requireSubmissionOpen(round, 'edited');
      const location = command.location === undefined ? (proposal.location ?? undefined) : command.location || undefined;
      const next = content({
        unitId: command.unitId ?? proposal.unitId,
        title: command.title ?? proposal.title,
        description: command.description ?? proposal.description,
        estimatedCost: command.estimatedCost ?? proposal.estimatedCost,
        location,
      });
      requireUnit(round, next.unitId, next.estimatedCost);
      const unchanged =
        next.unitId === proposal.unitId &&
        next.title === proposal.title &&
        next.description === proposal.description &&
        next.estimatedCost === proposal.estimatedCost &&
        (next.location ?? null) === proposal.location;
      // Saving the same text twice is not a change worth an event in the public record.
      if (unchanged) return [];
      return [newEvent('ProposalEdited', { proposalId: proposal.proposalId, ...next }, ctx)];
    }
    case 'WithdrawProposal': {
      requireAuthor(proposal, command.callerPseudonyms, 'withdraw');
      requireStatus(proposal, ['submitted'], 'withdrawn');
      requireSubmissionOpen(round, 'withdrawn');
      return [
        newEvent('ProposalWithdrawn', { proposalId: proposal.proposalId, ...(command.reason !== undefined ? { reason: command.reason } : {}) }, ctx),
      ];
    }
    case 'ReviewProposal': {
      requireStatus(proposal, ['submitted'], 'reviewed');
      requireReviewPhase(round, 'reviewed');
      requireSelected(round, proposal.proposalId);
      return [
        newEvent(
          'ProposalReviewed',
          {
            proposalId: proposal.proposalId,
            feasibilityNotes: command.feasibilityNotes,
            ...(command.costEstimate !== undefined ? { costEstimate: command.costEstimate } : {}),
            reviewerId: command.reviewerId,
          },
          ctx,
        ),
      ];
    }
    case 'AcceptProposal': {
      requireStatus(proposal, ['submitted'], 'accepted');
      requireReviewPhase(round, 'accepted');
      requireSelected(round, proposal.proposalId);
      const unit = round.config.units.find((u) => u.id === proposal.unitId);
      if (unit && command.cost > unit.budget)
        throw new Refusal('over-budget', `the cost ${command.cost} exceeds the whole budget of unit ${unit.id} (${unit.budget}); it could never be funded`, 'cost');
      return [
        newEvent(
          'ProposalAccepted',
          { proposalId: proposal.proposalId, unitId: proposal.unitId, cost: command.cost, reason: command.reason, reviewerId: command.reviewerId },
          ctx,
        ),
      ];
    }
    case 'RejectProposal': {
      requireStatus(proposal, ['submitted'], 'rejected');
      requireReviewPhase(round, 'rejected');
      requireSelected(round, proposal.proposalId);
      return [
        newEvent('ProposalRejected', { proposalId: proposal.proposalId, unitId: proposal.unitId, reason: command.reason, reviewerId: command.reviewerId }, ctx),
      ];
    }
  }
}

export interface StreamEvents {
  readonly streamId: string;
  readonly events: NewEvent[];
}

/**
 * Pure: merging duplicates. The target keeps its content and gains links to its sources; every source is
 * closed with a link to the target. Only open proposals of the same unit merge; an accepted target is fine
 * (a duplicate of a project already on the ballot).
 */
export function decideMerge(
  command: MergeProposals,
  target: ProposalState | null,
  sources: readonly (ProposalState | null)[],
  roundState: RoundState | null,
  ctx: EventContext,
): StreamEvents[] {
  const round = requireRound(roundState, ctx);
  if (command.sourceIds.length === 0) throw new Refusal('merge-sources', 'name at least one proposal to merge', 'sources');
  if (new Set(command.sourceIds).size !== command.sourceIds.length) throw new Refusal('merge-sources', 'a proposal is named twice in sources', 'sources');
  if (command.sourceIds.includes(command.targetId)) throw new Refusal('merge-into-self', 'a proposal cannot be merged into itself', 'sources');
  const into = requireProposal(target, round, command.targetId);
  requireReviewPhase(round, 'merged');
  requireStatus(into, ['submitted', 'accepted'], 'merged into');
  requireSelected(round, into.proposalId);
  const merged = command.sourceIds.map((id, i) => {
    const source = requireProposal(sources[i] ?? null, round, id);
    requireStatus(source, ['submitted'], 'merged');
    requireSelected(round, source.proposalId);
    if (source.unitId !== into.unitId)
      throw new Refusal('merge-units', `proposal ${id} is in unit ${source.unitId} but the target is in unit ${into.unitId}; only proposals of one unit merge`, 'sources');
    return source;
  });
  return [
    {
      streamId: proposalStream(into.proposalId),
      events: [newEvent('ProposalsMerged', { proposalId: into.proposalId, sources: [...command.sourceIds], reviewerId: command.reviewerId }, ctx)],
    },
    ...merged.map((source) => ({
      streamId: proposalStream(source.proposalId),
      events: [newEvent('ProposalMergedInto', { proposalId: source.proposalId, into: into.proposalId }, ctx)],
    })),
  ];
}

/** Pure: the proposal after one more of its events. */
export function evolveProposal(state: ProposalState | null, event: ProposalEvent): ProposalState | null {
  const at = { updatedAt: event.occurredAt, version: event.streamVersion };
  switch (event.type) {
    case 'ProposalSubmitted': {
      const p = upcast(event).payload;
      return {
        proposalId: p.proposalId,
        roundId: event.roundId,
        unitId: p.unitId,
        title: p.title,
        description: p.description,
        estimatedCost: p.estimatedCost,
        location: p.location ?? null,
        authorPseudonym: p.authorPseudonym,
        status: 'submitted',
        reviews: [],
        cost: null,
        decisionReason: null,
        decidedBy: null,
        mergedInto: null,
        mergedFrom: [],
        submittedAt: event.occurredAt,
        ...at,
      };
    }
    case 'ProposalEdited': {
      const p = event.payload;
      return state && { ...state, unitId: p.unitId, title: p.title, description: p.description, estimatedCost: p.estimatedCost, location: p.location ?? null, ...at };
    }
    case 'ProposalWithdrawn':
      return state && { ...state, status: 'withdrawn', decisionReason: event.payload.reason ?? null, ...at };
    case 'ProposalReviewed': {
      const p = event.payload;
      const review: Review = { feasibilityNotes: p.feasibilityNotes, costEstimate: p.costEstimate ?? null, reviewerId: p.reviewerId, reviewedAt: event.occurredAt };
      return state && { ...state, reviews: [...state.reviews, review], ...at };
    }
    case 'ProposalAccepted':
      return state && { ...state, status: 'accepted', cost: event.payload.cost, decisionReason: event.payload.reason, decidedBy: event.payload.reviewerId, ...at };
    case 'ProposalRejected':
      return state && { ...state, status: 'rejected', decisionReason: event.payload.reason, decidedBy: event.payload.reviewerId, ...at };
    case 'ProposalsMerged':
      return state && { ...state, mergedFrom: [...state.mergedFrom, ...event.payload.sources], ...at };
    case 'ProposalMergedInto':
      return state && { ...state, status: 'merged', mergedInto: event.payload.into, ...at };
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}
