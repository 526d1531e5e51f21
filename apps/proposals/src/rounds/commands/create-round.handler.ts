import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EventStore } from '@plaza/event-store';
import { decideRound, roundStream } from '../round.decider';
import { AggregateLoader } from '../round.repository';
import { CreateRoundCommand } from './create-round.command';

@CommandHandler(CreateRoundCommand)
export class CreateRoundHandler implements ICommandHandler<CreateRoundCommand> {
  constructor(
    private readonly loader: AggregateLoader,
    private readonly store: EventStore,
  ) {}

  async execute({ data, ctx }: CreateRoundCommand) {
    const { state, version } = await this.loader.round(ctx.roundId);
    const events = decideRound({ kind: 'CreateRound', ...data }, state, ctx);
    const result = await this.store.append(roundStream(ctx.roundId), version, events);
    return { roundId: ctx.roundId, version: result.nextExpectedVersion };
  }
}
