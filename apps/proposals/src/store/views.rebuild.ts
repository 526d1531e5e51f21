import type { ProposalEvent, RoundEvent, SupportEvent } from '@plaza/contracts';
import { EventLogSource, quoteIdent, type RebuildableProjection } from '@plaza/event-store';
import type { DataSource } from 'typeorm';
import { evolveProposal, proposalStream, type ProposalState } from '../proposals/proposal.decider';
import { evolveRound, roundStream, type RoundState } from '../rounds/round.decider';
import { supportStream } from '../support/support.decider';
import { ViewWriter } from './view-writer';

const ROUND = roundStream('');
const PROPOSAL = proposalStream('');
const SUPPORTS = supportStream('', '').slice(0, -1);

/**
 * The proposals read model (round_view, proposal_view) rebuilt by folding every stream of the service's own
 * event log with the deciders' evolve functions — the same fold a command loads an aggregate with. Each batch
 * reads the states it continues from the copy, folds, and writes one row per stream it touched. Support
 * events add or remove their row of `supports`.
 */
export function viewsRebuild(deps: { dataSource: DataSource; schema: string }): RebuildableProjection {
  const views = new ViewWriter();
  return {
    name: 'views',
    tables: ['round_view', 'proposal_view', 'supports'],
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
      for (const e of events) {
        if (!e.streamId.startsWith(SUPPORTS)) continue;
        const support = e as SupportEvent;
        const p = support.payload;
        if (support.type === 'ProposalSupported')
          await manager.query(`INSERT INTO ${quoteIdent(schema)}.supports (round_id, proposal_id, supporter) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [e.roundId, p.proposalId, p.supporter]);
        else await manager.query(`DELETE FROM ${quoteIdent(schema)}.supports WHERE round_id = $1 AND proposal_id = $2 AND supporter = $3`, [e.roundId, p.proposalId, p.supporter]);
      }
      for (const state of rounds.values()) if (state) await views.upsertRound(manager, schema, state);
      for (const state of proposals.values()) if (state) await views.upsertProposal(manager, schema, state);
    },
  };
}
