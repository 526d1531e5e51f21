import { Injectable } from '@nestjs/common';
import { quoteIdent } from '@plaza/event-store';
import { InjectSchema } from '@plaza/nest-runtime';
import { DataSource } from 'typeorm';
import type { ProposalState, ProposalStatus } from '../proposals/proposal.decider';
import type { ProposalRef, RoundState } from '../rounds/round.decider';

export interface ProposalFilter {
  readonly unitId?: string;
  readonly status?: ProposalStatus;
  /** Only proposals written under one of these author pseudonyms. */
  readonly authorPseudonyms?: readonly string[];
  /** Words to find in the title or description (case-insensitive, all must occur). */
  readonly q?: string;
  /** Bounds on the cost that counts: the accepted cost once accepted, else the estimate (minor units). */
  readonly minCost?: number;
  readonly maxCost?: number;
  readonly limit: number;
  readonly offset: number;
}

export interface Page<T> {
  readonly total: number;
  readonly items: T[];
}

/** A proposal answer's public support count. */
export interface Supported {
  readonly supports: number;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Reads of the proposals read model (round_view, proposal_view): indexed lookups, never a scan of the log. */
@Injectable()
export class ReadModel {
  private readonly s: string;

  constructor(
    private readonly dataSource: DataSource,
    @InjectSchema() schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  async rounds(filter: { phase?: string; withDrafts: boolean; limit: number; offset: number }): Promise<Page<RoundState>> {
    const params: unknown[] = filter.phase ? [filter.phase] : [];
    const conditions = [...(filter.phase ? ['phase = $1'] : []), ...(filter.withDrafts ? [] : ["phase <> 'draft'"])];
    const clause = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows: { state: RoundState; total: string }[] = await this.dataSource.query(
      `SELECT state, count(*) OVER () AS total FROM ${this.s}.round_view ${clause}
        ORDER BY created_at DESC, round_id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, filter.limit, filter.offset],
    );
    return { total: rows.length ? Number(rows[0]!.total) : await this.count('round_view', clause, params), items: rows.map((r) => r.state) };
  }

  async round(roundId: string): Promise<RoundState | null> {
    const rows: { state: RoundState }[] = await this.dataSource.query(`SELECT state FROM ${this.s}.round_view WHERE round_id = $1`, [roundId]);
    return rows[0]?.state ?? null;
  }

  /** Rounds whose next scheduled phase change is due at `now`. */
  async dueRounds(now: Date, limit = 100): Promise<string[]> {
    const rows: { round_id: string }[] = await this.dataSource.query(
      `SELECT round_id FROM ${this.s}.round_view WHERE next_scheduled_at <= $1 ORDER BY next_scheduled_at LIMIT $2`,
      [now.toISOString(), limit],
    );
    return rows.map((r) => r.round_id);
  }

  async proposalRefs(roundId: string): Promise<ProposalRef[]> {
    const rows: { proposal_id: string; unit_id: string }[] = await this.dataSource.query(
      `SELECT proposal_id, unit_id FROM ${this.s}.proposal_view WHERE round_id = $1`,
      [roundId],
    );
    return rows.map((r) => ({ proposalId: r.proposal_id, unitId: r.unit_id }));
  }

  async proposals(roundId: string, f: ProposalFilter): Promise<Page<ProposalState & Supported>> {
    const params: unknown[] = [roundId];
    const where = ['round_id = $1'];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (f.unitId) add((p) => `unit_id = ${p}`, f.unitId);
    if (f.status) add((p) => `status = ${p}`, f.status);
    if (f.authorPseudonyms !== undefined) add((p) => `state->>'authorPseudonym' = ANY(${p}::text[])`, f.authorPseudonyms);
    for (const word of (f.q ?? '').split(/\s+/).filter(Boolean).slice(0, 10))
      add((p) => `(title ILIKE ${p} ESCAPE '\\' OR description ILIKE ${p} ESCAPE '\\')`, `%${likeEscape(word)}%`);
    if (f.minCost !== undefined) add((p) => `coalesce(cost, estimated_cost) >= ${p}`, f.minCost);
    if (f.maxCost !== undefined) add((p) => `coalesce(cost, estimated_cost) <= ${p}`, f.maxCost);
    const clause = `WHERE ${where.join(' AND ')}`;
    const rows: { state: ProposalState; total: string }[] = await this.dataSource.query(
      `SELECT state, count(*) OVER () AS total FROM ${this.s}.proposal_view ${clause}
        ORDER BY submitted_at, proposal_id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, f.limit, f.offset],
    );
    return {
      total: rows.length ? Number(rows[0]!.total) : await this.count('proposal_view', clause, params),
      items: await this.withSupports(rows.map((r) => r.state)),
    };
  }

  async proposal(proposalId: string): Promise<(ProposalState & Supported) | null> {
    const rows: { state: ProposalState }[] = await this.dataSource.query(`SELECT state FROM ${this.s}.proposal_view WHERE proposal_id = $1`, [proposalId]);
    return rows[0] ? (await this.withSupports([rows[0].state]))[0]! : null;
  }

  /** Adds each proposal's public support count (the supports held now; frozen once the support phase ends). */
  private async withSupports(states: ProposalState[]): Promise<(ProposalState & Supported)[]> {
    if (states.length === 0) return [];
    const rows: { proposal_id: string; n: string }[] = await this.dataSource.query(
      `SELECT proposal_id, count(*) AS n FROM ${this.s}.supports WHERE proposal_id = ANY($1::uuid[]) GROUP BY proposal_id`,
      [states.map((p) => p.proposalId)],
    );
    const counts = new Map(rows.map((r) => [r.proposal_id, Number(r.n)]));
    return states.map((p) => ({ ...p, supports: counts.get(p.proposalId) ?? 0 }));
  }

  /** Titles and states of some proposals (to show what a merge links to). */
  async summaries(ids: readonly string[]): Promise<{ proposalId: string; title: string; status: ProposalStatus }[]> {
    if (ids.length === 0) return [];
    const rows: { proposal_id: string; title: string; status: ProposalStatus }[] = await this.dataSource.query(
      `SELECT proposal_id, title, status FROM ${this.s}.proposal_view WHERE proposal_id = ANY($1::uuid[])`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.proposal_id, r]));
    return ids.flatMap((id) => {
      const r = byId.get(id);
      return r ? [{ proposalId: id, title: r.title, status: r.status }] : [];
    });
  }

  private async count(table: string, clause: string, params: unknown[]): Promise<number> {
    // Only reached when the page is empty (offset past the end, or nothing matches).
    const rows: { n: string }[] = await this.dataSource.query(`SELECT count(*) AS n FROM ${this.s}.${table} ${clause}`, params);
    return Number(rows[0]?.n ?? 0);
  }
}
