import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ConcurrencyError } from '@plaza/event-store';
import { Aggregates } from '../../store/aggregates';
import { decideMerge, decideProposal, proposalStream } from '../proposal.decider';
import { DecideProposalCommand, MergeProposalsCommand, type ProposalCommandResult } from './decide-proposal.command';

@CommandHandler(DecideProposalCommand)
export class DecideProposalHandler implements ICommandHandler<DecideProposalCommand> {
  constructor(private readonly aggregates: Aggregates) {}

  async execute({ proposalId, command, ctx, expectedVersion }: DecideProposalCommand): Promise<ProposalCommandResult> {
    const [round, proposal] = await Promise.all([this.aggregates.round(ctx.roundId), this.aggregates.proposal(proposalId)]);
    if (proposal.state && expectedVersion !== undefined && expectedVersion !== proposal.version)
      throw new ConcurrencyError(proposalStream(proposalId), expectedVersion, proposal.version);
    const events = decideProposal(command, proposal.state, round.state, ctx);
    const [state] = await this.aggregates.saveProposals({ roundId: ctx.roundId, version: round.version }, [{ proposalId, loaded: proposal, events }]);
    return { proposalId, version: state!.version, status: state!.status, events: events.map((e) => e.type) };
  }
}

@CommandHandler(MergeProposalsCommand)
export class MergeProposalsHandler implements ICommandHandler<MergeProposalsCommand> {
  constructor(private readonly aggregates: Aggregates) {}

  async execute({ command, ctx }: MergeProposalsCommand) {
    const ids = [command.targetId, ...command.sourceIds];
    const [round, ...loaded] = await Promise.all([this.aggregates.round(ctx.roundId), ...ids.map((id) => this.aggregates.proposal(id))]);
    const decided = decideMerge(command, loaded[0]!.state, loaded.slice(1).map((l) => l.state), round.state, ctx);
    const writes = ids.map((proposalId, i) => ({
      proposalId,
      loaded: loaded[i]!,
      events: decided.find((d) => d.streamId === proposalStream(proposalId))?.events ?? [],
    }));
    const [target] = await this.aggregates.saveProposals({ roundId: ctx.roundId, version: round.version }, writes);
    return {
      proposalId: command.targetId,
      version: target!.version,
      status: target!.status,
      merged: [...command.sourceIds],
      events: decided.flatMap((d) => d.events.map((e) => e.type)),
    };
  }
}
