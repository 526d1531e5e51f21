import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EventStore } from '@plaza/event-store';
import { decideRound, roundStream } from '../round.decider';
import { AggregateLoader } from '../round.repository';
import { ChangePhaseCommand } from './change-phase.command';

@CommandHandler(ChangePhaseCommand)
export class ChangePhaseHandler implements ICommandHandler<ChangePhaseCommand> {
  constructor(
    private readonly loader: AggregateLoader,
    private readonly store: EventStore,
  ) {}

  async execute({ to, ctx }: ChangePhaseCommand) {
    const { state, version } = await this.loader.round(ctx.roundId);
    const events = decideRound({ kind: 'ChangePhase', to }, state, ctx);
    const result = await this.store.append(roundStream(ctx.roundId), version, events);
    return { phase: to, version: result.nextExpectedVersion };
  }
}
