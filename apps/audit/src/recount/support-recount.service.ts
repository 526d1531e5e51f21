import { Injectable, Logger } from '@nestjs/common';
import type { EventEnvelope } from '@plaza/contracts';
import { quoteIdent } from '@plaza/event-store';
import { InjectSchema } from '@plaza/nest-runtime';
import { SupportReplay } from '@plaza/recount';
import { DataSource } from 'typeorm';
import { Checkpointer } from '../ledger/checkpoints';
import { LedgerFence, LedgerLease } from '../ledger/ledger-lease';
import { LedgerTree, type NotableEntry } from '../ledger/ledger-tree';

const BATCH = 10_000;

/**
 * The independent recount of the support phase: for every SupportSelectionDeclared in the ledger, replays the
 * round's entries before it (libs/recount SupportReplay: the same rule as the proposals service, and as
 * `plaza verify`) and records in `support_verifications` whether the declaration is reproduced (`verified`) or
 * not (`disputed`, with the differences and any support event that broke the rules). Proposals and their supports
 * travel on the proposals topic only, so the entries before the declaration are all the recount needs.
 */
@Injectable()
export class SupportRecountService {
  private readonly logger = new Logger(SupportRecountService.name);
  #checkedBacklog = false;

  constructor(
    checkpointer: Checkpointer,
    private readonly tree: LedgerTree,
    private readonly dataSource: DataSource,
    @InjectSchema() private readonly schema: string,
    lease: LedgerLease,
    private readonly fence: LedgerFence,
  ) {
    checkpointer.onAfterSync((notable) => this.#afterSync(notable));
    lease.onChange(async () => {
      this.#checkedBacklog = false;
    });
  }

  async #afterSync(notable: readonly NotableEntry[]): Promise<void> {
    if (!this.#checkedBacklog || notable.some((n) => n.type === 'SupportSelectionDeclared')) {
      this.#checkedBacklog = true;
      await this.runPending();
    }
  }

  /** Recounts every support selection not recounted yet. */
  async runPending(): Promise<void> {
    const s = quoteIdent(this.schema);
    const pending: { index: string; event_id: string; round_id: string }[] = await this.dataSource.query(
      `SELECT e.index, e.event_id, e.round_id FROM ${s}.ledger_entries e
         LEFT JOIN ${s}.support_verifications v ON v.declared_event_id = e.event_id
        WHERE e.event_type = 'SupportSelectionDeclared' AND v.declared_event_id IS NULL AND e.index < $1
        ORDER BY e.index`,
      [this.tree.size],
    );
    for (const p of pending) await this.#recount(p.round_id, p.event_id, Number(p.index));
  }

  async #recount(roundId: string, declaredEventId: string, declaredIndex: number): Promise<void> {
    const s = quoteIdent(this.schema);
    const size = this.tree.size;
    const replay = new SupportReplay(roundId);
    for (let from = 0; ; ) {
      const rows: { index: string; canonical: Buffer }[] = await this.dataSource.query(
        `SELECT index, canonical FROM ${s}.ledger_entries WHERE round_id = $1 AND index >= $2 AND index <= $3 ORDER BY index LIMIT ${BATCH}`,
        [roundId, from, declaredIndex],
      );
      for (const r of rows) replay.apply(JSON.parse(r.canonical.toString('utf8')) as EventEnvelope, Number(r.index));
      if (rows.length < BATCH) break;
      from = Number(rows[rows.length - 1]!.index) + 1;
    }
    const comparison = replay.comparisons.find((c) => c.declaredEventId === declaredEventId);
    if (!comparison) return;
    const differences = [...comparison.differences, ...replay.anomalies.map((a) => `support event ${a.eventId}: ${a.reason}`)];
    await this.dataSource.transaction(async (manager) => {
      await this.fence.check(manager);
      await manager.query(
        `INSERT INTO ${s}.support_verifications (declared_event_id, declared_index, round_id, status, differences, declared, recomputed, ledger_size)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (declared_event_id) DO NOTHING`,
        [
          declaredEventId,
          declaredIndex,
          roundId,
          differences.length === 0 ? 'verified' : 'disputed',
          JSON.stringify(differences),
          JSON.stringify(comparison.declared),
          JSON.stringify(comparison.recomputed),
          size,
        ],
      );
    });
    if (differences.length > 0) this.logger.warn(`support recount DISPUTES the selection of round ${roundId}: ${differences.join('; ')}`);
  }
}
