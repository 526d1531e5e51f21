import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@plaza/contracts';
import { EventStore } from '@plaza/event-store';
import { evolveProposal, proposalStream, type ProposalEvent, type ProposalState } from '../proposals/proposal.decider';
import { evolveRound, roundStream, type RoundEvent, type RoundState } from './round.decider';

/** Loads aggregates by folding their streams (the events are the only state the proposals service keeps). */
@Injectable()
export class AggregateLoader {
  constructor(private readonly store: EventStore) {}

  async round(roundId: string): Promise<{ state: RoundState | null; version: number }> {
    const events = await this.store.readStream(roundStream(roundId));
    return { state: events.reduce<RoundState | null>((s, e) => evolveRound(s, e as RoundEvent), null), version: events.length };
  }

  async proposal(proposalId: string): Promise<{ state: ProposalState | null; version: number }> {
    const events = await this.store.readStream(proposalStream(proposalId));
    return {
      state: events.reduce<ProposalState | null>((s, e) => evolveProposal(s, e as ProposalEvent), null),
      version: events.length,
    };
  }

  async history(streamId: string): Promise<EventEnvelope[]> {
    return this.store.readStream(streamId);
  }
}
