import type { ProposalEvent, RoundEvent } from '@plaza/contracts';
import { EventLogSource, type RebuildableProjection } from '@plaza/event-store';
import type { DataSource } from 'typeorm';
import { evolveProposal, proposalStream, type ProposalState } from '../proposals/proposal.decider';
import { evolveRound, roundStream, type RoundState } from '../rounds/round.decider';
import { ViewWriter } from './view-writer';

const ROUND = roundStream('');
const PROPOSAL = proposalStream('');

/**
 * The proposals read model (round_view, proposal_view) rebuilt by folding every stream of the service's own
 * event log with the deciders' evolve functions — the same fold a command loads an aggregate with. Each batch
 * reads the states it continues from the copy, folds, and writes one row per stream it touched.
 */
export function viewsRebuild(deps: { dataSource: DataSource; schema: string }): RebuildableProjection {
  const views = new ViewWriter();
  return {
    name: 'views',
    tables: ['round_view', 'proposal_view'],
    source: () => new EventLogSource(deps.dataSource, { schema: deps.schema }),
    applyBatch: async (events, manager, schema) => {
      const roundIds = new Set<string>();
      const proposalIds = new Set<string>();
      for (const e of events) {
        if (e.streamId.startsWith(ROUND)) roundIds.add(e.streamId.slice(ROUND.length));
        else if (e.streamId.startsWith(PROPOSAL)) proposalIds.add(e.streamId.slice(PROPOSAL.length));
      }
      const rounds: Map<string, RoundState | null> = await views.roundStates(manager, schema, [...roundIds]);
      const proposals: Map<string, ProposalState | null> = await views.proposalStates(manager, schema, [...proposalIds]);
      for (const e of events) {
        if (e.streamId.startsWith(ROUND)) {
          const id = e.streamId.slice(ROUND.length);
          rounds.set(id, evolveRound(rounds.get(id) ?? null, e as RoundEvent));
        } else if (e.streamId.startsWith(PROPOSAL)) {
          const id = e.streamId.slice(PROPOSAL.length);
          proposals.set(id, evolveProposal(proposals.get(id) ?? null, e as ProposalEvent));
        }
      }
      for (const state of rounds.values()) if (state) await views.upsertRound(manager, schema, state);
      for (const state of proposals.values()) if (state) await views.upsertProposal(manager, schema, state);
    },
  };
}
