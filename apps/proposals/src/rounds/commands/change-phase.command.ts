import { Command } from '@nestjs/cqrs';
import type { EventContext, Phase } from '@plaza/contracts';

export class ChangePhaseCommand extends Command<{ phase: Phase; version: number }> {
  constructor(
    readonly to: Phase,
    readonly ctx: EventContext,
  ) {
    super();
  }
}
