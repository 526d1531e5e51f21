import { Command } from '@nestjs/cqrs';
import type { EventContext } from '@plaza/contracts';
import type { AcceptProposal } from '../proposal.decider';

export class AcceptProposalCommand extends Command<{ proposalId: string; version: number }> {
  constructor(
    readonly proposalId: string,
    readonly data: Omit<AcceptProposal, 'kind'>,
    readonly ctx: EventContext,
  ) {
    super();
  }
}
