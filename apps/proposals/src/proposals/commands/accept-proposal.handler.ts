import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EventStore } from '@plaza/event-store';
import { AggregateLoader } from '../../rounds/round.repository';
import { decideProposal, proposalStream } from '../proposal.decider';
import { AcceptProposalCommand } from './accept-proposal.command';

@CommandHandler(AcceptProposalCommand)
export class AcceptProposalHandler implements ICommandHandler<AcceptProposalCommand> {
  constructor(
    private readonly loader: AggregateLoader,
    private readonly store: EventStore,
  ) {}

  async execute({ proposalId, data, ctx }: AcceptProposalCommand) {
    const [round, proposal] = await Promise.all([this.loader.round(ctx.roundId), this.loader.proposal(proposalId)]);
    const events = decideProposal({ kind: 'AcceptProposal', ...data }, proposal.state, round.state, ctx);
    const result = await this.store.append(proposalStream(proposalId), proposal.version, events);
    return { proposalId, version: result.nextExpectedVersion };
  }
}
