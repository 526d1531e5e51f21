import { Command } from '@nestjs/cqrs';
import type { EventContext } from '@plaza/contracts';
import type { CreateRound } from '../round.decider';

export class CreateRoundCommand extends Command<{ roundId: string; version: number }> {
  constructor(
    readonly data: Omit<CreateRound, 'kind'>,
    readonly ctx: EventContext,
  ) {
    super();
  }
}
