import { Injectable } from '@nestjs/common';
import { quoteIdent } from '@plaza/event-store';
import { MerkleTree } from '@plaza/ledger';
import { InjectSchema, ServiceStandbyError } from '@plaza/nest-runtime';
import { DataSource } from 'typeorm';

/** A ledger entry the tree just took in whose type matters to the checkpointer or the recount. */
export interface NotableEntry {
  readonly index: number;
  readonly eventId: string;
  readonly type: string;
  readonly roundId: string;
}

/** Entry types after which a checkpoint is signed at once (DESIGN: every phase change and every declared result; and the support selection). */
export const CHECKPOINT_TRIGGERS: ReadonlySet<string> = new Set(['RoundPhaseChanged', 'SupportSelectionDeclared', 'VotingClosed', 'ResultsDeclared']);

const BATCH = 50_000;

/**
 * The ledger's Merkle tree in memory (about 64 bytes per leaf), rebuilt from `ledger_entries` at start and then
 * caught up after every append. It follows the committed rows, never the projection's open transaction: appends
 * hold the head row lock, so index i+1 can only commit after index i and reading "from tree.size on" never skips.
 */
@Injectable()
export class LedgerTree {
  readonly tree = new MerkleTree(1 << 16);
  #syncing: Promise<NotableEntry[]> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    @InjectSchema() private readonly schema: string,
  ) {}

  get size(): number {
    return this.tree.size;
  }

  /**
   * Makes sure the tree holds at least `size` entries before a proof is made from it: it follows the committed rows
   * and can be a moment behind the checkpoints table (on a standby, or just after a checkpoint). Catches up once;
   * still behind → 503 `ledger-catching-up` with Retry-After, never a wrong proof.
   */
  async covers(size: number): Promise<void> {
    if (this.tree.size >= size) return;
    await this.sync();
    if (this.tree.size < size) throw new ServiceStandbyError('ledger-catching-up', `this instance's ledger tree holds ${this.tree.size} entries, not yet ${size}: retry shortly`);
  }

  /** Appends every committed entry the tree does not hold yet; returns the notable ones among them. */
  sync(): Promise<NotableEntry[]> {
    // One catch-up at a time: two would append the same rows twice.
    const running = this.#syncing ?? this.#catchUp().finally(() => (this.#syncing = undefined));
    this.#syncing = running;
    return running;
  }

  async #catchUp(): Promise<NotableEntry[]> {
    const s = quoteIdent(this.schema);
    const notable: NotableEntry[] = [];
    for (;;) {
      const from = this.tree.size;
      const rows: { index: string; leaf_hash: Buffer; event_type: string; event_id: string; round_id: string }[] = await this.dataSource.query(
        `SELECT index, leaf_hash, event_type, event_id, round_id FROM ${s}.ledger_entries WHERE index >= $1 ORDER BY index LIMIT ${BATCH}`,
        [from],
      );
      for (const row of rows) {
        const index = Number(row.index);
        // A gap would mean an uncommitted lower index (impossible under the head lock): stop and retry later.
        if (index !== this.tree.size) return notable;
        this.tree.append(row.leaf_hash);
        if (CHECKPOINT_TRIGGERS.has(row.event_type)) notable.push({ index, eventId: row.event_id, type: row.event_type, roundId: row.round_id });
      }
      if (rows.length < BATCH) return notable;
    }
  }
}
