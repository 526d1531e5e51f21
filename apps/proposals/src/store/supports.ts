import { Injectable } from '@nestjs/common';
import type { NewEvent, SupportEvent } from '@plaza/contracts';
import { ConcurrencyError, EventStore, quoteIdent } from '@plaza/event-store';
import { InjectSchema } from '@plaza/nest-runtime';
import type { SupportCandidate } from '@plaza/recount';
import { DataSource, type EntityManager } from 'typeorm';
import { roundStream } from '../rounds/round.decider';
import { evolveSupport, supportStream, type SupporterState } from '../support/support.decider';
import type { Loaded } from './aggregates';

/**
 * The support phase's storage (supporter pseudonyms come from the service's one round secret, store/pseudonyms):
 * the supporters' streams, and the `supports` read model (one row per
 * support held now) that counts and the selection read.
 */
@Injectable()
export class SupportStore {
  private readonly s: string;

  constructor(
    private readonly store: EventStore,
    private readonly dataSource: DataSource,
    @InjectSchema() schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  async supporter(roundId: string, supporter: string): Promise<Loaded<SupporterState>> {
    const events = await this.store.readStream(supportStream(roundId, supporter));
    return { state: events.reduce<SupporterState | null>((s, e) => evolveSupport(s, e as SupportEvent), null), version: events.length };
  }

  /**
   * Appends a supporter's events and updates the `supports` rows. The round's row is read FOR SHARE at the
   * version the decision saw, so a phase change that ends the support phase meanwhile (it takes the row FOR
   * UPDATE) turns this into a 409, and the selection it declares has seen every support that committed.
   */
  async save(round: { roundId: string; version: number }, supporter: string, loaded: Loaded<SupporterState>, events: readonly NewEvent[]): Promise<SupporterState> {
    let state = loaded.state;
    await this.dataSource.transaction(async (m) => {
      const rows: { version: number }[] = await m.query(`SELECT version FROM ${this.s}.round_view WHERE round_id = $1 FOR SHARE`, [round.roundId]);
      const current = rows[0]?.version;
      if (current !== round.version) throw new ConcurrencyError(roundStream(round.roundId), round.version, current);
      await this.store.appendInTransaction(m, supportStream(round.roundId, supporter), loaded.version, events);
      for (const e of events) {
        state = evolveSupport(state, e as SupportEvent);
        await this.applyRow(m, round.roundId, e as SupportEvent);
      }
    });
    return state ?? { proposals: [] };
  }

  /** The `supports` row change of one support event (views.rebuild.ts makes the same change on its copy). */
  private async applyRow(m: EntityManager, roundId: string, e: SupportEvent): Promise<void> {
    const p = e.payload;
    if (e.type === 'ProposalSupported')
      await m.query(`INSERT INTO ${this.s}.supports (round_id, proposal_id, supporter) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [roundId, p.proposalId, p.supporter]);
    else await m.query(`DELETE FROM ${this.s}.supports WHERE round_id = $1 AND proposal_id = $2 AND supporter = $3`, [roundId, p.proposalId, p.supporter]);
  }

  /** Supports each proposal holds now (0 when absent from the map). */
  async counts(proposalIds: readonly string[]): Promise<Map<string, number>> {
    if (proposalIds.length === 0) return new Map();
    const rows: { proposal_id: string; n: string }[] = await this.dataSource.query(
      `SELECT proposal_id, count(*) AS n FROM ${this.s}.supports WHERE proposal_id = ANY($1::uuid[]) GROUP BY proposal_id`,
      [proposalIds],
    );
    return new Map(rows.map((r) => [r.proposal_id, Number(r.n)]));
  }

  /** What the selection is computed from, read under the round's lock: the open proposals with their supports. */
  async selectionInput(m: EntityManager, roundId: string): Promise<{ candidates: SupportCandidate[]; supporters: number }> {
    const candidates: { proposal_id: string; unit_id: string; n: string }[] = await m.query(
      `SELECT p.proposal_id, p.unit_id, count(s.supporter) AS n FROM ${this.s}.proposal_view p
         LEFT JOIN ${this.s}.supports s ON s.proposal_id = p.proposal_id
        WHERE p.round_id = $1 AND p.status = 'submitted' GROUP BY p.proposal_id, p.unit_id`,
      [roundId],
    );
    const [{ n }]: { n: string }[] = await m.query(
      `SELECT count(DISTINCT s.supporter) AS n FROM ${this.s}.supports s JOIN ${this.s}.proposal_view p USING (proposal_id)
        WHERE s.round_id = $1 AND p.status = 'submitted'`,
      [roundId],
    );
    return { candidates: candidates.map((c) => ({ proposalId: c.proposal_id, unitId: c.unit_id, supports: Number(c.n) })), supporters: Number(n) };
  }
}
