import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EventStore } from '@plaza/event-store';
import { AggregateLoader } from '../../rounds/round.repository';
import { decideProposal, proposalStream } from '../proposal.decider';
import { SubmitProposalCommand } from './submit-proposal.command';

@CommandHandler(SubmitProposalCommand)
export class SubmitProposalHandler implements ICommandHandler<SubmitProposalCommand> {
  constructor(
    private readonly loader: AggregateLoader,
    private readonly store: EventStore,
  ) {}

  async execute({ data, ctx }: SubmitProposalCommand) {
    const [round, proposal] = await Promise.all([this.loader.round(ctx.roundId), this.loader.proposal(data.proposalId)]);
    const events = decideProposal({ kind: 'SubmitProposal', ...data }, proposal.state, round.state, ctx);
    const result = await this.store.append(proposalStream(data.proposalId), proposal.version, events);
    return { proposalId: data.proposalId, version: result.nextExpectedVersion };
  }
}
