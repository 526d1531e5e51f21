import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { quoteIdent } from '@plaza/event-store';
import { EventPipeline, InjectSchema, ServiceStandbyError } from '@plaza/nest-runtime';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DataSource, type EntityManager } from 'typeorm';
import type { LoadedAuditConfig } from '../config/audit.config';
import { AUDIT_CONFIG } from './signing-key';

/** The projection that appends consumed events to the ledger; only the lease holder runs it. */
export const LEDGER_PROJECTION = 'ledger';

/** Thrown inside a ledger write by an instance that does not hold the lease (any more): the write rolls back. */
export class NotLeaderError extends ServiceStandbyError {
  constructor(detail: string) {
    super('ledger-standby', `this audit instance does not hold the ledger lease (${detail}); another instance writes the ledger`);
  }
}

/**
 * This instance's claim on the ledger: its holder name and, while it leads, the fencing token of its term. Shared
 * by the lease loop (which sets the token) and every ledger write (which checks it in its own transaction).
 */
export class LedgerFence {
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  /** The fencing token of this instance's current term; undefined while it is a standby. */
  token: string | undefined;
  /** Transactions that checked already (they hold the row lock until they end): one check per transaction. */
  readonly #checked = new WeakMap<EntityManager, string>();

  constructor(
    private readonly schema: string,
    private readonly ttlMs: number,
  ) {}

  /**
   * Proves, inside `manager`'s transaction, that this instance still holds the lease under its token, and keeps
   * the lease row share-locked until the transaction ends, so no takeover can commit before this write does.
   * A transaction left idle (a paused process) is ended by PostgreSQL after `ttlMs`, which frees the lock: a
   * paused old leader can never append or sign after another instance took the lease over.
   */
  async check(manager: EntityManager): Promise<string> {
    const token = this.token;
    if (token === undefined) throw new NotLeaderError('standby');
    if (this.#checked.get(manager) === token) return token;
    await manager.query(`SET LOCAL idle_in_transaction_session_timeout = ${Math.max(1000, Math.floor(this.ttlMs))}`);
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM ${quoteIdent(this.schema)}.ledger_lease WHERE token = $1 AND holder = $2 AND expires_at > clock_timestamp() FOR SHARE`,
      [token, this.holder],
    );
    if (rows.length === 0) throw new NotLeaderError(`lease token ${token} lapsed or was taken over`);
    this.#checked.set(manager, token);
    return token;
  }
}

export interface LeaseState {
  readonly holder: string | null;
  readonly token: string;
  readonly expiresAt: Date;
}

/**
 * Exactly one audit instance appends to the ledger and signs checkpoints: the holder of a lease kept in
 * PostgreSQL (`ledger_lease`, database clock). Every instance tries every LEDGER_LEASE_TTL_MS / 3 to take the lease
 * when it lapsed or to renew its own; a takeover increments the fencing token. The holder runs the ledger
 * consumer and the checkpointer; a standby keeps its Merkle tree in step with the committed entries and serves
 * reads, and takes over within one TTL of the holder's death (at once when the holder stops cleanly).
 */
@Injectable()
export class LedgerLease implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LedgerLease.name);
  readonly #ttlMs: number;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #loop: Promise<void> | undefined;
  /** performance.now() until which this instance may act as leader without a successful renewal. */
  #validUntil = 0;
  readonly #listeners: ((leading: boolean) => Promise<void>)[] = [];
  #leading = false;

  constructor(
    @Inject(AUDIT_CONFIG) config: LoadedAuditConfig,
    private readonly dataSource: DataSource,
    @InjectSchema() private readonly schema: string,
    private readonly fence: LedgerFence,
    private readonly pipeline: EventPipeline,
  ) {
    this.#ttlMs = config.LEDGER_LEASE_TTL_MS;
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** Whether this instance leads now (its last renewal is younger than the TTL). */
  get leading(): boolean {
    return this.#leading && this.fence.token !== undefined && performance.now() < this.#validUntil;
  }

  get holder(): string {
    return this.fence.holder;
  }

  /** Called with true when this instance became leader, false when it stepped down (after the consumer stopped). */
  onChange(listener: (leading: boolean) => Promise<void>): void {
    this.#listeners.push(listener);
  }

  async state(): Promise<LeaseState> {
    const [row]: { holder: string | null; token: string; expires_at: Date }[] = await this.dataSource.query(
      `SELECT holder, token, expires_at FROM ${quoteIdent(this.schema)}.ledger_lease`,
    );
    return { holder: row.holder, token: String(row.token), expiresAt: row.expires_at };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.#round();
    this.#schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#loop;
    if (this.#leading) await this.#stepDown('shutting down');
    const token = this.fence.token;
    this.fence.token = undefined;
    if (token === undefined) return;
    // Hand over at once: the standby need not wait for the lease to lapse.
    await this.dataSource
      .query(`UPDATE ${quoteIdent(this.schema)}.ledger_lease SET expires_at = '-infinity' WHERE holder = $1 AND token = $2`, [this.fence.holder, token])
      .catch((e: unknown) => this.logger.warn(`could not release the ledger lease: ${(e as Error).message}`));
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#loop = this.#round().finally(() => {
        this.#loop = undefined;
        this.#schedule();
      });
    }, Math.max(100, Math.floor(this.#ttlMs / 3)));
  }

  /** One attempt to take or renew the lease, then start or stop leading accordingly. */
  async #round(): Promise<void> {
    const startedAt = performance.now();
    let token: string | undefined;
    try {
      token = await this.#acquire();
    } catch (e) {
      this.logger.warn(`ledger lease: ${(e as Error).message}`);
    }
    if (token !== undefined) {
      const takeover = this.fence.token !== token;
      this.fence.token = token;
      // Measured from before the statement: the database's expiry is at least this late.
      this.#validUntil = startedAt + this.#ttlMs;
      if (takeover || !this.#leading) await this.#becomeLeader(token);
    } else if (this.#leading && performance.now() >= this.#validUntil) {
      await this.#stepDown('the lease lapsed or was taken over');
    } else if (!this.#leading) {
      this.fence.token = undefined;
    }
  }

  /** The token of this instance's term when it holds the lease after this statement; undefined otherwise. */
  async #acquire(): Promise<string | undefined> {
    const s = quoteIdent(this.schema);
    return this.dataSource.transaction(async (manager) => {
      // A leader's open write holds the row share-locked; wait at most one renewal period behind it.
      await manager.query(`SET LOCAL lock_timeout = ${Math.max(100, Math.floor(this.#ttlMs / 3))}`);
      const rows: { token: string }[] = await manager.query(
        `WITH taken AS (
           UPDATE ${s}.ledger_lease
              SET token = CASE WHEN holder = $1 AND token = $2 THEN token ELSE token + 1 END,
                  acquired_at = CASE WHEN holder = $1 AND token = $2 THEN acquired_at ELSE clock_timestamp() END,
                  holder = $1,
                  expires_at = clock_timestamp() + $3 * interval '1 millisecond'
            WHERE (holder = $1 AND token = $2) OR expires_at <= clock_timestamp()
           RETURNING token)
         SELECT token FROM taken`,
        [this.fence.holder, this.fence.token ?? '-1', this.#ttlMs],
      );
      return rows[0] ? String(rows[0].token) : undefined;
    });
  }

  async #becomeLeader(token: string): Promise<void> {
    try {
      await this.pipeline.startProjection(LEDGER_PROJECTION);
    } catch (e) {
      // Still holding the lease: the next round renews it and tries again.
      this.logger.warn(`holding the ledger lease but the ledger consumer did not start: ${(e as Error).message}`);
      return;
    }
    this.logger.log(`${this.fence.holder} holds the ledger lease (fencing token ${token}): appending and signing`);
    this.#leading = true;
    for (const listener of this.#listeners) await listener(true);
  }

  async #stepDown(why: string): Promise<void> {
    const line = `${this.fence.holder} stops writing the ledger: ${why}`;
    if (this.#stopped) this.logger.log(line);
    else this.logger.warn(line);
    this.#leading = false;
    // The consumer first, so a batch in flight finishes (or, the lease being lost, meets the fence in the database).
    await this.pipeline.stopProjection(LEDGER_PROJECTION).catch((e: unknown) => this.logger.warn(`stopping the ledger consumer: ${(e as Error).message}`));
    this.fence.token = undefined;
    for (const listener of this.#listeners) await listener(false);
  }
}
