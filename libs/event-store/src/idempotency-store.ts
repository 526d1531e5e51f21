import type { DataSource } from 'typeorm';
import { quoteIdent } from './sql';

/** What a claim found: the key is now ours to run, or the first answer to replay, or another request's. */
export type IdempotencyClaim =
  | { readonly outcome: 'claimed' }
  | { readonly outcome: 'replay'; readonly status: number; readonly body: unknown }
  | { readonly outcome: 'in-progress' }
  | { readonly outcome: 'mismatch' };

export interface IdempotencyTimes {
  readonly now: Date;
  /** How long a finished answer is kept (and the key refused for another body). */
  readonly ttlMs: number;
  /** After this long an unfinished claim is taken over (its holder died or lost the database before finishing). */
  readonly leaseMs: number;
}

/** The SQL behind `Idempotency-Key` (table `idempotency_keys` in the service's schema). */
export class IdempotencyStore {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    this.table = `${quoteIdent(schema)}.idempotency_keys`;
  }

  /**
   * Claims (caller, key) for a request whose method, target and body hash to `requestHash`. A row that expired
   * is reused; an unfinished claim older than the lease is taken over; anything else is answered from the row.
   */
  async claim(caller: string, key: string, requestHash: string, t: IdempotencyTimes): Promise<IdempotencyClaim> {
    const expires = new Date(t.now.getTime() + t.ttlMs);
    const staleBefore = new Date(t.now.getTime() - t.leaseMs);
    const claimed: unknown[] = await this.dataSource.query(
      `INSERT INTO ${this.table} AS k (caller, key, request_hash, state, claimed_at, expires_at)
       VALUES ($1, $2, $3, 'in-progress', $4, $5)
       ON CONFLICT (caller, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, state = 'in-progress', status = NULL, body = NULL,
             claimed_at = EXCLUDED.claimed_at, expires_at = EXCLUDED.expires_at
         WHERE k.expires_at <= $4 OR (k.state = 'in-progress' AND k.claimed_at <= $6 AND k.request_hash = EXCLUDED.request_hash)
       RETURNING 1`,
      [caller, key, requestHash, t.now, expires, staleBefore],
    );
    if (claimed.length > 0) return { outcome: 'claimed' };
    const rows: { request_hash: string; state: string; status: number | null; body: unknown }[] = await this.dataSource.query(
      `SELECT request_hash, state, status, body FROM ${this.table} WHERE caller = $1 AND key = $2`,
      [caller, key],
    );
    const row = rows[0];
    // Deleted between the two statements (its command failed): the client's retry will claim it.
    if (!row) return { outcome: 'in-progress' };
    if (row.request_hash !== requestHash) return { outcome: 'mismatch' };
    if (row.state === 'done') return { outcome: 'replay', status: row.status!, body: row.body };
    return { outcome: 'in-progress' };
  }

  /** Stores the first answer under the claim. */
  async complete(caller: string, key: string, status: number, body: unknown): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.table} SET state = 'done', status = $3, body = $4::jsonb WHERE caller = $1 AND key = $2 AND state = 'in-progress'`,
      [caller, key, status, JSON.stringify(body ?? null)],
    );
  }

  /** Gives the key back after a command that wrote nothing (it failed), so a retry runs it again. */
  async release(caller: string, key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM ${this.table} WHERE caller = $1 AND key = $2 AND state = 'in-progress'`, [caller, key]);
  }

  /** Deletes expired keys; returns how many. */
  async purgeExpired(now: Date): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(`DELETE FROM ${this.table} WHERE expires_at <= $1 RETURNING 1`, [now]);
    return rows.length;
  }
}
