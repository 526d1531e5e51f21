import { Injectable } from '@nestjs/common';
import type { EventEnvelope, NewEvent, ProposalEvent, RoundEvent } from '@plaza/contracts';
import { ConcurrencyError, EventStore, quoteIdent } from '@plaza/event-store';
import { InjectSchema } from '@plaza/nest-runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { evolveProposal, proposalStream, type ProposalState } from '../proposals/proposal.decider';
import { ViewWriter } from './view-writer';
import { evolveRound, roundStream, type RoundState } from '../rounds/round.decider';

export interface Loaded<S> {
  readonly state: S | null;
  readonly version: number;
}

/** A proposal write: its stream position before, its state before, what was decided. */
export interface ProposalWrite {
  readonly proposalId: string;
  readonly loaded: Loaded<ProposalState>;
  readonly events: readonly NewEvent[];
}

/** The envelope an appended event has in the store (the store assigns stream and version). */
function stored(streamId: string, version: number, events: readonly NewEvent[]): EventEnvelope[] {
  return events.map((event, i) => ({ ...event, streamId, streamVersion: version + i + 1 }));
}

/**
 * Loads aggregates by folding their streams (the events are the truth) and saves decisions: the events and
 * the read-model rows they change commit in one transaction, so a list never shows a state the log lacks.
 */
@Injectable()
export class Aggregates {
  private readonly s: string;
  private readonly views = new ViewWriter();

  constructor(
    private readonly store: EventStore,
    private readonly dataSource: DataSource,
    @InjectSchema() private readonly schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  async round(roundId: string): Promise<Loaded<RoundState>> {
    const events = await this.store.readStream(roundStream(roundId));
    return { state: events.reduce<RoundState | null>((s, e) => evolveRound(s, e as RoundEvent), null), version: events.length };
  }

  async proposal(proposalId: string): Promise<Loaded<ProposalState>> {
    const events = await this.store.readStream(proposalStream(proposalId));
    return { state: events.reduce<ProposalState | null>((s, e) => evolveProposal(s, e as ProposalEvent), null), version: events.length };
  }

  history(streamId: string): Promise<EventEnvelope[]> {
    return this.store.readStream(streamId);
  }

  /**
   * Appends a round's new events and updates its row; returns the round after them. `complete`, when given, runs
   * under the round's row lock before the append and returns the events as they are to be written (the support
   * selection reads the supports there: no support decided on the old phase can commit after it, see saveSupport).
   */
  async saveRound(
    roundId: string,
    loaded: Loaded<RoundState>,
    decided: readonly NewEvent[],
    complete?: (m: EntityManager) => Promise<readonly NewEvent[]>,
  ): Promise<Loaded<RoundState> & { events: readonly NewEvent[] }> {
    if (decided.length === 0) return { ...loaded, events: decided };
    const streamId = roundStream(roundId);
    let events = decided;
    let state: RoundState | null = null;
    await this.dataSource.transaction(async (m) => {
      // Lock the round's row before the append gives this transaction its id: proposal decisions that read
      // the round earlier (FOR SHARE, see saveProposals) then commit with smaller transaction ids, so the
      // relay, which publishes in transaction-id order, never shows one after the phase change they preceded.
      if (loaded.version > 0) await m.query(`SELECT 1 FROM ${this.s}.round_view WHERE round_id = $1 FOR UPDATE`, [roundId]);
      if (complete) events = await complete(m);
      state = stored(streamId, loaded.version, events).reduce((s, e) => evolveRound(s, e as RoundEvent), loaded.state);
      if (!state) throw new Error(`round ${roundId}: events left no state`);
      await this.store.appendInTransaction(m, streamId, loaded.version, events);
      await this.upsertRound(m, state);
    });
    return { state, version: loaded.version + events.length, events };
  }

  /**
   * Appends to one or more proposal streams atomically. `round` is the round version the decision was based
   * on: the round's row is read FOR SHARE, so a phase change that commits meanwhile (e.g. voting opened)
   * turns this into a 409 instead of a review slipping in after the lock.
   */
  async saveProposals(round: { roundId: string; version: number }, writes: readonly ProposalWrite[]): Promise<ProposalState[]> {
    const results: ProposalState[] = [];
    const pending = writes.filter((w) => w.events.length > 0);
    if (pending.length === 0) return writes.flatMap((w) => (w.loaded.state ? [w.loaded.state] : []));
    await this.dataSource.transaction(async (m) => {
      const rows: { version: number }[] = await m.query(`SELECT version FROM ${this.s}.round_view WHERE round_id = $1 FOR SHARE`, [round.roundId]);
      const current = rows[0]?.version;
      if (current !== round.version) throw new ConcurrencyError(roundStream(round.roundId), round.version, current);
      for (const write of writes) {
        const streamId = proposalStream(write.proposalId);
        let state = write.loaded.state;
        if (write.events.length > 0) {
          await this.store.appendInTransaction(m, streamId, write.loaded.version, write.events);
          state = stored(streamId, write.loaded.version, write.events).reduce((s, e) => evolveProposal(s, e as ProposalEvent), state);
          if (!state) throw new Error(`proposal ${write.proposalId}: events left no state`);
          await this.upsertProposal(m, state);
        }
        if (state) results.push(state);
      }
    });
    return results;
  }

  private upsertRound(m: EntityManager, state: RoundState): Promise<void> {
    return this.views.upsertRound(m, this.schema, state);
  }

  private upsertProposal(m: EntityManager, p: ProposalState): Promise<void> {
    return this.views.upsertProposal(m, this.schema, p);
  }
}
