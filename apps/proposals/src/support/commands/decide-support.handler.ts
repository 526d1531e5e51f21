import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Aggregates } from '../../store/aggregates';
import { Pseudonyms } from '../../store/pseudonyms';
import { SupportStore } from '../../store/supports';
import { decideSupport, supportsLeft } from '../support.decider';
import { DecideSupportCommand, type SupportCommandResult } from './decide-support.command';

@CommandHandler(DecideSupportCommand)
export class DecideSupportHandler implements ICommandHandler<DecideSupportCommand> {
  constructor(
    private readonly aggregates: Aggregates,
    private readonly supports: SupportStore,
    private readonly pseudonyms: Pseudonyms,
  ) {}

  async execute({ proposalId, support, identity, ctx }: DecideSupportCommand): Promise<SupportCommandResult> {
    const [round, proposal] = await Promise.all([this.aggregates.round(ctx.roundId), this.aggregates.proposal(proposalId)]);
    // The events carry the round pseudonym only; the identity never leaves this process.
    const supporter = round.state?.config.support ? await this.pseudonyms.of(ctx.roundId, identity) : '';
    const loaded = supporter ? await this.supports.supporter(ctx.roundId, supporter) : { state: null, version: 0 };
    const command = support ? ({ kind: 'SupportProposal', proposalId, supporter } as const) : ({ kind: 'WithdrawSupport', proposalId, supporter } as const);
    const events = decideSupport(command, loaded.state, round.state, proposal.state, ctx);
    const state = await this.supports.save({ roundId: ctx.roundId, version: round.version }, supporter, loaded, events);
    const counts = await this.supports.counts([proposalId]);
    return {
      proposalId,
      supported: state.proposals.includes(proposalId),
      supports: counts.get(proposalId) ?? 0,
      remaining: supportsLeft(round.state!, state) ?? 0,
      events: events.map((e) => e.type),
    };
  }
}
