import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ConcurrencyError } from '@plaza/event-store';
import { Aggregates } from '../../store/aggregates';
import { ReadModel } from '../../store/queries';
import { SupportStore } from '../../store/supports';
import type { EntityManager } from 'typeorm';
import { declareSupportSelection, decideRound, endsSupportPhase, roundStream, withSelection, type RoundCommand } from '../round.decider';
import { DecideRoundCommand, type RoundCommandResult } from './decide-round.command';

@CommandHandler(DecideRoundCommand)
export class DecideRoundHandler implements ICommandHandler<DecideRoundCommand> {
  constructor(
    private readonly aggregates: Aggregates,
    private readonly readModel: ReadModel,
    private readonly supports: SupportStore,
  ) {}

  async execute({ command, ctx, expectedVersion }: DecideRoundCommand): Promise<RoundCommandResult> {
    const loaded = await this.aggregates.round(ctx.roundId);
    if (loaded.state && expectedVersion !== undefined && expectedVersion !== loaded.version)
      throw new ConcurrencyError(roundStream(ctx.roundId), expectedVersion, loaded.version);
    const full: RoundCommand =
      command.kind === 'ConfigureRound' ? { ...command, proposals: loaded.state ? await this.readModel.proposalRefs(ctx.roundId) : [] } : command;
    const decided = decideRound(full, loaded.state, ctx);
    const before = loaded.state;
    // Leaving the support phase declares its selection in the same transaction, from the supports as they stand
    // under the round's lock.
    const complete =
      before && endsSupportPhase(decided)
        ? async (m: EntityManager) => {
            const { candidates, supporters } = await this.supports.selectionInput(m, ctx.roundId);
            return withSelection(decided, declareSupportSelection(before, candidates, supporters, ctx));
          }
        : undefined;
    const saved = await this.aggregates.saveRound(ctx.roundId, loaded, decided, complete);
    return { roundId: ctx.roundId, version: saved.version, phase: saved.state!.phase, events: saved.events.map((e) => e.type) };
  }
}
