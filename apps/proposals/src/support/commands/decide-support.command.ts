import { Command } from '@nestjs/cqrs';
import type { EventContext } from '@plaza/contracts';

export interface SupportCommandResult {
  readonly proposalId: string;
  /** Whether the caller supports the proposal after the command. */
  readonly supported: boolean;
  /** Supports the proposal holds now. */
  readonly supports: number;
  /** Supports the caller may still give in this round. */
  readonly remaining: number;
  readonly events: string[];
}

/** A resident supports a proposal (`support: true`) or takes the support back; `identity` is the token subject. */
export class DecideSupportCommand extends Command<SupportCommandResult> {
  constructor(
    readonly proposalId: string,
    readonly support: boolean,
    readonly identity: string,
    readonly ctx: EventContext,
  ) {
    super();
  }
}
