import {
  newEvent,
  NotFound,
  Refusal,
  type EventContext,
  type NewEvent,
  type ProposalAccepted,
  type ProposalSubmitted,
} from '@plaza/contracts';
import type { RoundState } from '../rounds/round.decider';

export const proposalStream = (proposalId: string) => `proposal-${proposalId}`;

export type ProposalStatus = 'submitted' | 'accepted';

export interface ProposalState {
  readonly proposalId: string;
  readonly roundId: string;
  readonly districtId: string;
  readonly title: string;
  readonly description: string;
  readonly estimatedCost: number;
  readonly authorId: string;
  readonly status: ProposalStatus;
  readonly cost: number | null;
  readonly reviewReason: string | null;
  readonly version: number;
}

export type ProposalEvent = ProposalSubmitted | ProposalAccepted;

export interface SubmitProposal {
  readonly kind: 'SubmitProposal';
  readonly proposalId: string;
  readonly districtId: string;
  readonly title: string;
  readonly description: string;
  readonly estimatedCost: number;
  readonly authorId: string;
}

export interface AcceptProposal {
  readonly kind: 'AcceptProposal';
  readonly cost: number;
  readonly reason: string;
}

export type ProposalCommand = SubmitProposal | AcceptProposal;

/** Pure: a proposal command against the proposal and the round it belongs to. */
export function decideProposal(
  command: ProposalCommand,
  state: ProposalState | null,
  round: RoundState | null,
  ctx: EventContext,
): NewEvent[] {
  if (!round) throw new NotFound(`round ${ctx.roundId} does not exist`);
  switch (command.kind) {
    case 'SubmitProposal': {
      if (state) throw new Refusal('proposal-exists', `proposal ${command.proposalId} already exists`);
      if (round.phase !== 'submission')
        throw new Refusal('phase', `proposals can be submitted only while submission is open (round is in phase ${round.phase})`);
      if (!round.districts.some((d) => d.id === command.districtId))
        throw new Refusal('unknown-district', `district ${command.districtId} is not part of this round`, 'districtId');
      return [
        newEvent(
          'ProposalSubmitted',
          {
            proposalId: command.proposalId,
            districtId: command.districtId,
            title: command.title,
            description: command.description,
            estimatedCost: command.estimatedCost,
            authorId: command.authorId,
          },
          ctx,
        ),
      ];
    }
    case 'AcceptProposal': {
      if (!state || state.roundId !== round.roundId) throw new NotFound('proposal does not exist in this round');
      if (state.status === 'accepted') throw new Refusal('already-accepted', 'proposal is already accepted');
      if (round.phase !== 'submission' && round.phase !== 'review')
        throw new Refusal('phase', `proposals can be reviewed only before voting opens (round is in phase ${round.phase})`);
      return [
        newEvent(
          'ProposalAccepted',
          { proposalId: state.proposalId, districtId: state.districtId, cost: command.cost, reason: command.reason },
          ctx,
        ),
      ];
    }
  }
}

export function evolveProposal(state: ProposalState | null, event: ProposalEvent): ProposalState | null {
  switch (event.type) {
    case 'ProposalSubmitted':
      return {
        proposalId: event.payload.proposalId,
        roundId: event.roundId,
        districtId: event.payload.districtId,
        title: event.payload.title,
        description: event.payload.description,
        estimatedCost: event.payload.estimatedCost,
        authorId: event.payload.authorId,
        status: 'submitted',
        cost: null,
        reviewReason: null,
        version: event.streamVersion,
      };
    case 'ProposalAccepted':
      return state && { ...state, status: 'accepted', cost: event.payload.cost, reviewReason: event.payload.reason, version: event.streamVersion };
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}
