import { quoteIdent } from '@plaza/event-store';
import type { EntityManager } from 'typeorm';
import type { ProposalState } from '../proposals/proposal.decider';
import { nextScheduledAt, type RoundState } from '../rounds/round.decider';

/**
 * Writes the read model's rows (round_view, proposal_view) from an aggregate's state: in the command's
 * transaction for the live tables, and into the copies a rebuild folds from the log.
 */
export class ViewWriter {
  async upsertRound(m: EntityManager, schema: string, state: RoundState): Promise<void> {
    await m.query(
      `INSERT INTO ${quoteIdent(schema)}.round_view (round_id, name, phase, state, next_scheduled_at, version, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (round_id) DO UPDATE SET name = EXCLUDED.name, phase = EXCLUDED.phase, state = EXCLUDED.state,
         next_scheduled_at = EXCLUDED.next_scheduled_at, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at`,
      [state.roundId, state.config.name, state.phase, JSON.stringify(state), nextScheduledAt(state), state.version, state.createdAt, state.updatedAt],
    );
  }

  async upsertProposal(m: EntityManager, schema: string, p: ProposalState): Promise<void> {
    await m.query(
      `INSERT INTO ${quoteIdent(schema)}.proposal_view (proposal_id, round_id, unit_id, status, title, description, estimated_cost, cost, state, version, submitted_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (proposal_id) DO UPDATE SET unit_id = EXCLUDED.unit_id, status = EXCLUDED.status, title = EXCLUDED.title,
         description = EXCLUDED.description, estimated_cost = EXCLUDED.estimated_cost, cost = EXCLUDED.cost, state = EXCLUDED.state,
         version = EXCLUDED.version, updated_at = EXCLUDED.updated_at`,
      [p.proposalId, p.roundId, p.unitId, p.status, p.title, p.description, p.estimatedCost, p.cost, JSON.stringify(p), p.version, p.submittedAt, p.updatedAt],
    );
  }

  async roundStates(m: EntityManager, schema: string, ids: readonly string[]): Promise<Map<string, RoundState>> {
    const rows: { state: RoundState }[] = await m.query(`SELECT state FROM ${quoteIdent(schema)}.round_view WHERE round_id = ANY($1::uuid[])`, [ids]);
    return new Map(rows.map((r) => [r.state.roundId, r.state]));
  }

  async proposalStates(m: EntityManager, schema: string, ids: readonly string[]): Promise<Map<string, ProposalState>> {
    const rows: { state: ProposalState }[] = await m.query(`SELECT state FROM ${quoteIdent(schema)}.proposal_view WHERE proposal_id = ANY($1::uuid[])`, [ids]);
    return new Map(rows.map((r) => [r.state.proposalId, r.state]));
  }
}
