import { newEvent, NotFound, Refusal, type EventContext, type NewEvent, type SupportEvent } from '@plaza/contracts';
import type { ProposalState } from '../proposals/proposal.decider';
import type { RoundState } from '../rounds/round.decider';

/** One resident's supports in one round, under their round pseudonym (never their identity). */
export const supportStream = (roundId: string, supporter: string) => `supports-${roundId}-${supporter}`;

export interface SupporterState {
  /** The proposals this pseudonym supports now, in the order given. */
  readonly proposals: readonly string[];
}

export interface SupportProposal {
  readonly kind: 'SupportProposal';
  readonly proposalId: string;
  readonly supporter: string;
}

export interface WithdrawSupport {
  readonly kind: 'WithdrawSupport';
  readonly proposalId: string;
  readonly supporter: string;
}

export type SupportCommand = SupportProposal | WithdrawSupport;

/** How many supports the pseudonym may still give (null: the round has no support phase). */
export function supportsLeft(round: RoundState, state: SupporterState | null): number | null {
  const allowed = round.config.support?.supportsPerResident;
  return allowed === undefined ? null : Math.max(0, allowed - (state?.proposals.length ?? 0));
}

/**
 * Pure: a resident supports a proposal or takes a support back. Only during the round's support phase, only open
 * proposals (submitted, not withdrawn or merged), once per proposal, and at most supportsPerResident at a time.
 */
export function decideSupport(command: SupportCommand, state: SupporterState | null, round: RoundState | null, proposal: ProposalState | null, ctx: EventContext): NewEvent[] {
  if (!round) throw new NotFound(`round ${ctx.roundId} does not exist`);
  if (!proposal || proposal.roundId !== round.roundId) throw new NotFound(`proposal ${command.proposalId} does not exist in round ${round.roundId}`);
  const support = round.config.support;
  if (!support) throw new Refusal('no-support-phase', 'this round has no support phase: its proposals go to review without supports');
  if (round.phase !== 'support')
    throw new Refusal('phase', `supports can be given or taken back only during the support phase (the round is in phase ${round.phase})`);
  const held = state?.proposals ?? [];
  const payload = { proposalId: proposal.proposalId, unitId: proposal.unitId, supporter: command.supporter };
  if (command.kind === 'SupportProposal') {
    if (proposal.status !== 'submitted') throw new Refusal(`proposal-${proposal.status}`, `proposal ${proposal.proposalId} is ${proposal.status}; it cannot be supported`);
    if (held.includes(proposal.proposalId)) throw new Refusal('already-supported', `you already support proposal ${proposal.proposalId}`);
    if (held.length >= support.supportsPerResident)
      throw new Refusal(
        'no-supports-left',
        `you have used all ${support.supportsPerResident} of your supports in this round; take one back to support another proposal`,
      );
    return [newEvent('ProposalSupported', payload, ctx)];
  }
  if (!held.includes(proposal.proposalId)) throw new Refusal('not-supported', `you do not support proposal ${proposal.proposalId}`);
  return [newEvent('ProposalSupportWithdrawn', payload, ctx)];
}

/** Pure: the supporter after one more of their events. */
export function evolveSupport(state: SupporterState | null, event: SupportEvent): SupporterState {
  const proposals = state?.proposals ?? [];
  switch (event.type) {
    case 'ProposalSupported':
      return { proposals: [...proposals, event.payload.proposalId] };
    case 'ProposalSupportWithdrawn':
      return { proposals: proposals.filter((id) => id !== event.payload.proposalId) };
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}
