import { Command } from '@nestjs/cqrs';
import type { EventContext, Phase } from '@plaza/contracts';
import type { AdvanceBySchedule, ChangePhase, ConfigureRound, CreateRound } from '../round.decider';

/** A round command as callers give it; the handler adds what the decider needs from the read model. */
export type RoundCommandInput = CreateRound | Omit<ConfigureRound, 'proposals'> | ChangePhase | AdvanceBySchedule;

export interface RoundCommandResult {
  readonly roundId: string;
  readonly version: number;
  readonly phase: Phase;
  /** Types of the events written (empty when the command changed nothing). */
  readonly events: string[];
}

export class DecideRoundCommand extends Command<RoundCommandResult> {
  constructor(
    readonly command: RoundCommandInput,
    readonly ctx: EventContext,
    /** From If-Match: refuse (409) unless the round is still at this version. */
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
