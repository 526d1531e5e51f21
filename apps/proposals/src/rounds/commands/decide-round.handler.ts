import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ConcurrencyError } from '@plaza/event-store';
import { Aggregates } from '../../store/aggregates';
import { ReadModel } from '../../store/queries';
import { decideRound, roundStream, type RoundCommand } from '../round.decider';
import { DecideRoundCommand, type RoundCommandResult } from './decide-round.command';

@CommandHandler(DecideRoundCommand)
export class DecideRoundHandler implements ICommandHandler<DecideRoundCommand> {
  constructor(
    private readonly aggregates: Aggregates,
    private readonly readModel: ReadModel,
  ) {}

  async execute({ command, ctx, expectedVersion }: DecideRoundCommand): Promise<RoundCommandResult> {
    const loaded = await this.aggregates.round(ctx.roundId);
    if (loaded.state && expectedVersion !== undefined && expectedVersion !== loaded.version)
      throw new ConcurrencyError(roundStream(ctx.roundId), expectedVersion, loaded.version);
    const full: RoundCommand =
      command.kind === 'ConfigureRound' ? { ...command, proposals: loaded.state ? await this.readModel.proposalRefs(ctx.roundId) : [] } : command;
    const events = decideRound(full, loaded.state, ctx);
    const saved = await this.aggregates.saveRound(ctx.roundId, loaded, events);
    return { roundId: ctx.roundId, version: saved.version, phase: saved.state!.phase, events: events.map((e) => e.type) };
  }
}
