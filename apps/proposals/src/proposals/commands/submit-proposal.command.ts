import { Command } from '@nestjs/cqrs';
import type { EventContext } from '@plaza/contracts';
import type { SubmitProposal } from '../proposal.decider';

export class SubmitProposalCommand extends Command<{ proposalId: string; version: number }> {
  constructor(
    readonly data: Omit<SubmitProposal, 'kind'>,
    readonly ctx: EventContext,
  ) {
    super();
  }
}
