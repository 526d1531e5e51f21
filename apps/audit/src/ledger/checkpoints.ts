import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LEDGER_ROUND_ID, LEDGER_STREAM, newEvent } from '@plaza/contracts';
import { ConcurrencyError, EventStore, quoteIdent } from '@plaza/event-store';
import { CheckpointSigner, checkpointTimeMillis, type Checkpoint, type SignedCheckpoint } from '@plaza/ledger';
import { CLOCK, InjectSchema, type Clock } from '@plaza/nest-runtime';
import { DataSource } from 'typeorm';
import type { LoadedAuditConfig } from '../config/audit.config';
import { LedgerFence, LedgerLease, NotLeaderError } from './ledger-lease';
import { LedgerTree, type NotableEntry } from './ledger-tree';
import { AUDIT_CONFIG, SigningKey } from './signing-key';

/** A stored checkpoint as the API and bundles serve it. */
export interface CheckpointView {
  readonly size: number;
  /** Root, standard base64 (the note's third line). */
  readonly rootHash: string;
  readonly rootHex: string;
  readonly time: string;
  readonly origin: string;
  readonly keyName: string;
  readonly keyId: string;
  /** Ed25519 signature over `body`, base64. */
  readonly signature: string;
  readonly body: string;
  readonly note: string;
  /** The CheckpointSigned event that published it. */
  readonly eventId: string;
  /** Witness cosignatures received for it (C2SP tlog-cosignature), oldest first; each was checked before it was stored. */
  readonly cosignatures: readonly CosignatureView[];
  /** `note` with every cosignature line appended: the checkpoint with all its signatures. */
  readonly cosignedNote: string;
}

/** One stored witness cosignature. */
export interface CosignatureView {
  readonly keyName: string;
  readonly keyId: string;
  /** The witness's C2SP verifier key (as configured in LEDGER_WITNESSES). */
  readonly verifierKey: string;
  /** POSIX seconds the witness put in its cosignature. */
  readonly timestamp: number;
  /** The signature line, `— <name> <base64(key ID ‖ timestamp ‖ signature)>` and a newline. */
  readonly line: string;
}

export interface CosignatureRow {
  size: string;
  key_name: string;
  key_id: string;
  verifier_key: string;
  cosigned_at: string;
  line: string;
}

export function toCosignatureView(row: CosignatureRow): CosignatureView {
  return { keyName: row.key_name, keyId: row.key_id, verifierKey: row.verifier_key, timestamp: Number(row.cosigned_at), line: row.line };
}

export interface CheckpointRow {
  size: string;
  root_hash: Buffer;
  time: string;
  origin: string;
  key_name: string;
  key_id: string;
  signature: string;
  body: string;
  note: string;
  event_id: string;
}

export const CHECKPOINT_COLUMNS = 'size, root_hash, time, origin, key_name, key_id, signature, body, note, event_id';
const INSERT_COLUMNS = `${CHECKPOINT_COLUMNS}, lease_token`;

export function toCheckpointView(row: CheckpointRow, cosignatures: readonly CosignatureView[] = []): CheckpointView {
  return {
    size: Number(row.size),
    rootHash: row.root_hash.toString('base64'),
    rootHex: row.root_hash.toString('hex'),
    time: row.time,
    origin: row.origin,
    keyName: row.key_name,
    keyId: row.key_id,
    signature: row.signature,
    body: row.body,
    note: row.note,
    eventId: row.event_id,
    cosignatures,
    cosignedNote: row.note + cosignatures.map((c) => c.line).join(''),
  };
}

/** Listeners run after each catch-up of the tree (the recount hooks in here), once checkpoints are signed. */
export type AfterSync = (notable: readonly NotableEntry[]) => Promise<void>;

/**
 * Signs checkpoints of the ledger: when CHECKPOINT_INTERVAL_MS has passed since the last one and the ledger
 * grew, as soon as CHECKPOINT_MAX_ENTRIES entries were added, and right after a phase change, VotingClosed or
 * ResultsDeclared entry. Each checkpoint is stored and appended as a CheckpointSigned event (stream `ledger`)
 * in one transaction; the outbox relay publishes it on the audit topic. The CheckpointSigner starts from the
 * last stored checkpoint, so a restart can never sign a smaller, older or inconsistent one.
 *
 * Only the holder of the ledger lease signs (LedgerLease); a standby keeps its tree in step so it serves proofs,
 * and on taking over reloads the last stored checkpoint and the current key before it signs. Each checkpoint's
 * transaction checks the fencing token first and records it (`lease_token`).
 */
@Injectable()
export class Checkpointer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Checkpointer.name);
  #signer: CheckpointSigner | undefined;
  #count = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #triggered = false;
  #stopped = false;
  /** The signer must be reloaded from the database before signing (after a takeover). */
  #stale = false;
  readonly #afterSync: AfterSync[] = [];

  constructor(
    @Inject(AUDIT_CONFIG) private readonly config: LoadedAuditConfig,
    private readonly dataSource: DataSource,
    @InjectSchema() private readonly schema: string,
    private readonly tree: LedgerTree,
    private readonly key: SigningKey,
    private readonly store: EventStore,
    private readonly lease: LedgerLease,
    private readonly fence: LedgerFence,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    lease.onChange(async (leading) => {
      if (!leading) return;
      this.#stale = true;
      this.#triggered = true;
    });
  }

  onAfterSync(listener: AfterSync): void {
    this.#afterSync.push(listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.key.load();
    await this.tree.sync();
    await this.#loadSigner();
    this.#schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  /** The last checkpoint signed, if any. */
  get last(): Checkpoint | undefined {
    return this.#signer?.last;
  }

  /**
   * Runs `change` while no checkpoint is being signed (waiting for one in progress), then starts signing again
   * with the key it leaves in SigningKey: a key rotation can never race a checkpoint signed with the old key.
   */
  async exclusive<T>(change: () => Promise<T>): Promise<T> {
    while (this.#running) await this.#running.catch(() => undefined);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    this.#running = held;
    try {
      const result = await change();
      await this.#loadSigner();
      return result;
    } finally {
      this.#running = undefined;
      release();
    }
  }

  /** Runs one round of catch-up and signing now (tests and the scheduler). */
  tick(): Promise<void> {
    const run = this.#running ?? this.#tick().finally(() => (this.#running = undefined));
    this.#running = run;
    return run;
  }

  #schedule(): void {
    if (this.#stopped) return;
    const every = Math.min(200, this.config.CHECKPOINT_INTERVAL_MS);
    this.#timer = setTimeout(() => {
      this.tick()
        .catch((e: unknown) => this.logger.error(`checkpointing failed: ${(e as Error).message}`))
        .finally(() => this.#schedule());
    }, every);
  }

  async #tick(): Promise<void> {
    const notable = await this.tree.sync();
    if (notable.length > 0) this.#triggered = true;
    if (!this.lease.leading) return;
    if (this.#stale) {
      await this.key.refresh();
      await this.#loadSigner();
      this.#stale = false;
    }
    await this.#maybeSign();
    for (const listener of this.#afterSync) await listener(notable);
  }

  async #maybeSign(): Promise<void> {
    const signer = this.#signer;
    if (!signer) return;
    const size = this.tree.size;
    const last = signer.last;
    const grown = size - (last?.size ?? 0);
    if (grown <= 0) return;
    const now = this.clock().getTime();
    const due =
      this.#triggered ||
      grown >= this.config.CHECKPOINT_MAX_ENTRIES ||
      last === undefined ||
      now - checkpointTimeMillis(last.time) >= this.config.CHECKPOINT_INTERVAL_MS;
    if (!due) return;
    // The signer wants strictly increasing times; a checkpoint in the same millisecond waits for the next tick.
    if (last && now <= checkpointTimeMillis(last.time)) return;
    const proof = last ? this.tree.tree.consistencyProof(last.size, size) : undefined;
    const signed = signer.sign({ size, root: this.tree.tree.root(size), time: new Date(now) }, proof);
    try {
      await this.#persist(size, signed);
      this.#triggered = false;
    } catch (e) {
      // Another instance signed first, or the write failed: start again from what the database holds.
      this.#stale = true;
      if (e instanceof NotLeaderError) {
        this.logger.warn(`checkpoint of size ${size} not stored: ${e.message}`);
        return;
      }
      if (!(e instanceof ConcurrencyError)) throw e;
    }
  }

  async #persist(size: number, signed: SignedCheckpoint): Promise<void> {
    const s = quoteIdent(this.schema);
    const root = this.tree.tree.root(size);
    const cp = { origin: this.config.LEDGER_ORIGIN, time: signed.body.split('\n')[3].slice('time '.length) };
    const event = newEvent(
      'CheckpointSigned',
      { origin: cp.origin, size, rootHash: root.toString('base64'), time: cp.time, keyId: signed.keyId, note: signed.note },
      { roundId: LEDGER_ROUND_ID, correlationId: `checkpoint-${size}`, now: new Date(cp.time) },
    );
    await this.dataSource.transaction(async (manager) => {
      const token = await this.fence.check(manager);
      await manager.query(
        `INSERT INTO ${s}.checkpoints (${INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [size, root, cp.time, cp.origin, signed.keyName, signed.keyId, signed.signature, signed.body, signed.note, event.id, token],
      );
      await this.store.appendInTransaction(manager, LEDGER_STREAM, this.#count, [event]);
    });
    this.#count++;
  }

  async #loadSigner(): Promise<void> {
    const s = quoteIdent(this.schema);
    const rows: CheckpointRow[] = await this.dataSource.query(`SELECT ${CHECKPOINT_COLUMNS} FROM ${s}.checkpoints ORDER BY size DESC LIMIT 1`);
    const [{ count }]: { count: string }[] = await this.dataSource.query(`SELECT count(*) AS count FROM ${s}.checkpoints`);
    this.#count = Number(count);
    const previous: Checkpoint | undefined = rows[0]
      ? { origin: rows[0].origin, size: Number(rows[0].size), root: rows[0].root_hash, time: rows[0].time }
      : undefined;
    // Another instance may have signed beyond what this one's tree holds yet.
    if (previous && previous.size > this.tree.size) await this.tree.sync();
    if (previous && previous.size > this.tree.size) {
      throw new Error(`the last checkpoint covers ${previous.size} entries but the ledger holds ${this.tree.size}`);
    }
    if (previous && !this.tree.tree.root(previous.size).equals(previous.root)) {
      throw new Error(`the ledger no longer matches its checkpoint at size ${previous.size}`);
    }
    this.#signer = new CheckpointSigner({
      origin: this.config.LEDGER_ORIGIN,
      privateKey: this.key.privateKey,
      keyName: this.key.keyName,
      previous: previous && previous.origin === this.config.LEDGER_ORIGIN ? previous : undefined,
    });
  }
}
