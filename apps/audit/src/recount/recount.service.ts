import { Inject, Injectable, Logger } from '@nestjs/common';
import { newEvent, recountStream, type EventEnvelope, type ResultsDeclaredPayload } from '@plaza/contracts';
import { EventStore, quoteIdent } from '@plaza/event-store';
import { CLOCK, InjectSchema, type Clock } from '@plaza/nest-runtime';
import { RoundReplay } from '@plaza/recount';
import { DataSource } from 'typeorm';
import { resultDifferences } from '@plaza/bundle';
import { Checkpointer } from '../ledger/checkpoints';
import { LedgerFence, LedgerLease } from '../ledger/ledger-lease';
import { LedgerTree, type NotableEntry } from '../ledger/ledger-tree';
import { AUDIT_CONFIG } from '../ledger/signing-key';
import type { LoadedAuditConfig } from '../config/audit.config';

interface Pending {
  index: string;
  event_id: string;
  round_id: string;
  canonical: Buffer;
  appended_at: Date;
}

const BATCH = 10_000;

/**
 * The independent recount: for every ResultsDeclared in the ledger, replays the round from the audit service's
 * own ledger (libs/recount RoundReplay), recomputes the unit's result with the declared configuration and
 * compares it field by field. Records ResultsVerified or ResultsDisputed (stream `recount-<roundId>`, published
 * on the audit topic) together with a `verifications` row, once per declaration.
 *
 * Waits for the round's closing phase change: proposals and voting events travel on different topics, so the
 * voting service's declaration can reach the ledger before the last proposals events; the closing phase change
 * comes after them on the proposals topic. After twice the checkpoint interval (at least 2 s) without it, it
 * recounts with what the ledger holds.
 */
@Injectable()
export class RecountService {
  private readonly logger = new Logger(RecountService.name);
  #checkedBacklog = false;
  /** A declaration is waiting for its round's closing phase change. */
  #waiting = false;
  readonly #waitMs: number;

  constructor(
    checkpointer: Checkpointer,
    private readonly tree: LedgerTree,
    private readonly dataSource: DataSource,
    @InjectSchema() private readonly schema: string,
    private readonly store: EventStore,
    @Inject(AUDIT_CONFIG) config: LoadedAuditConfig,
    lease: LedgerLease,
    private readonly fence: LedgerFence,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.#waitMs = Math.max(2000, config.CHECKPOINT_INTERVAL_MS * 2);
    checkpointer.onAfterSync((notable) => this.#afterSync(notable));
    // A standby sees no notable entries: on taking over, look at the whole backlog again.
    lease.onChange(async () => {
      this.#checkedBacklog = false;
    });
  }

  async #afterSync(notable: readonly NotableEntry[]): Promise<void> {
    if (!this.#checkedBacklog || notable.some((n) => n.type === 'ResultsDeclared' || n.type === 'RoundPhaseChanged') || this.#waiting) {
      this.#checkedBacklog = true;
      await this.runPending();
    }
  }

  /** Recounts every declaration not recounted yet (ready ones only). */
  async runPending(): Promise<void> {
    const s = quoteIdent(this.schema);
    const pending: Pending[] = await this.dataSource.query(
      `SELECT e.index, e.event_id, e.round_id, e.canonical, e.appended_at FROM ${s}.ledger_entries e
         LEFT JOIN ${s}.verifications v ON v.declared_event_id = e.event_id
        WHERE e.event_type = 'ResultsDeclared' AND v.declared_event_id IS NULL AND e.index < $1
        ORDER BY e.index`,
      [this.tree.size],
    );
    this.#waiting = false;
    for (const p of pending) {
      const closed: unknown[] = await this.dataSource.query(
        `SELECT 1 FROM ${s}.ledger_entries WHERE round_id = $1 AND event_type = 'RoundPhaseChanged' AND index < $2
            AND convert_from(canonical, 'UTF8')::jsonb #>> '{payload,to}' IN ('closed', 'published') LIMIT 1`,
        [p.round_id, this.tree.size],
      );
      if (closed.length === 0 && this.clock().getTime() - p.appended_at.getTime() < this.#waitMs) {
        this.#waiting = true;
        continue;
      }
      await this.#recount(p);
    }
  }

  async #recount(p: Pending): Promise<void> {
    const s = quoteIdent(this.schema);
    const size = this.tree.size;
    const declared = JSON.parse(p.canonical.toString('utf8')) as EventEnvelope<'ResultsDeclared', ResultsDeclaredPayload>;
    const replay = new RoundReplay(p.round_id);
    for (let from = 0; ; ) {
      const rows: { index: string; canonical: Buffer }[] = await this.dataSource.query(
        `SELECT index, canonical FROM ${s}.ledger_entries WHERE round_id = $1 AND index >= $2 AND index < $3 ORDER BY index LIMIT ${BATCH}`,
        [p.round_id, from, size],
      );
      for (const r of rows) replay.apply(JSON.parse(r.canonical.toString('utf8')) as EventEnvelope);
      if (rows.length < BATCH) break;
      from = Number(rows[rows.length - 1].index) + 1;
    }
    const unitId = declared.payload.unitId;
    let recomputed: ResultsDeclaredPayload | undefined;
    let differences: string[];
    try {
      recomputed = replay.results().find((r) => r.unitId === unitId);
      differences = recomputed ? resultDifferences(declared.payload, recomputed) : [`unit ${unitId} is not part of the round's configuration`];
    } catch (e) {
      differences = [`the recount failed: ${(e as Error).message}`];
    }
    const summary = { selected: recomputed?.selected ?? [], spent: recomputed?.spent ?? 0, inputDigest: recomputed?.inputDigest ?? '0'.repeat(64) };
    const ctx = { roundId: p.round_id, correlationId: declared.correlationId, causationId: declared.id, now: this.clock() };
    const event =
      differences.length === 0
        ? newEvent('ResultsVerified', { unitId, declaredEventId: declared.id, inputDigest: declared.payload.inputDigest, selected: declared.payload.selected }, ctx)
        : newEvent('ResultsDisputed', { unitId, declaredEventId: declared.id, differences, recomputed: summary }, ctx);
    await this.dataSource.transaction(async (manager) => {
      await this.fence.check(manager);
      const [{ count }]: { count: string }[] = await manager.query(`SELECT count(*) AS count FROM ${s}.verifications WHERE round_id = $1`, [p.round_id]);
      await manager.query(
        `INSERT INTO ${s}.verifications (declared_event_id, declared_index, round_id, unit_id, status, differences, declared, recomputed, ledger_size, event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          declared.id,
          p.index,
          p.round_id,
          unitId,
          differences.length === 0 ? 'verified' : 'disputed',
          JSON.stringify(differences),
          JSON.stringify({ selected: declared.payload.selected, spent: declared.payload.spent, inputDigest: declared.payload.inputDigest }),
          JSON.stringify({ ...summary, ballotsCounted: recomputed?.ballotsCounted ?? 0 }),
          size,
          event.id,
        ],
      );
      await this.store.appendInTransaction(manager, recountStream(p.round_id), Number(count), [event]);
      // Once per round: which ballots this recount counted, for receipt checks ("counted at the close").
      const recorded: unknown[] = await manager.query(`INSERT INTO ${s}.round_counts (round_id, counted) VALUES ($1, 0) ON CONFLICT DO NOTHING RETURNING round_id`, [p.round_id]);
      if (recorded.length > 0) {
        const ids = [...replay.counted().values()].flat().map((b) => b.eventId);
        for (let i = 0; i < ids.length; i += BATCH) {
          await manager.query(`INSERT INTO ${s}.counted_ballots (event_id, round_id) SELECT unnest($1::uuid[]), $2 ON CONFLICT DO NOTHING`, [ids.slice(i, i + BATCH), p.round_id]);
        }
        await manager.query(`UPDATE ${s}.round_counts SET counted = $2 WHERE round_id = $1`, [p.round_id, ids.length]);
      }
    });
    if (differences.length > 0) this.logger.warn(`recount DISPUTES the result of ${unitId} in round ${p.round_id}: ${differences.join('; ')}`);
  }
}
