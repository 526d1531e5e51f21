import { Command } from '@nestjs/cqrs';
import type { EventContext } from '@plaza/contracts';
import type { MergeProposals, ProposalCommand, ProposalStatus } from '../proposal.decider';

export interface ProposalCommandResult {
  readonly proposalId: string;
  readonly version: number;
  readonly status: ProposalStatus;
  /** Types of the events written (empty when the command changed nothing). */
  readonly events: string[];
}

/** One command on one proposal (submit, edit, withdraw, review, accept, reject). */
export class DecideProposalCommand extends Command<ProposalCommandResult> {
  constructor(
    readonly proposalId: string,
    readonly command: ProposalCommand,
    readonly ctx: EventContext,
    /** From If-Match: refuse (409) unless the proposal is still at this version. */
    readonly expectedVersion?: number,
  ) {
    super();
  }
}

export class MergeProposalsCommand extends Command<ProposalCommandResult & { merged: string[] }> {
  constructor(
    readonly command: MergeProposals,
    readonly ctx: EventContext,
  ) {
    super();
  }
}
