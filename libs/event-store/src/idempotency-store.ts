import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { IdempotencyClaimLostError } from './errors';
import { quoteIdent, runQuery } from './sql';

/** What a claim found: the key is now ours to run, or the first answer to replay, or another request's. */
export type IdempotencyClaim =
  | { readonly outcome: 'claimed'; readonly claimId: string }
  | { readonly outcome: 'replay'; readonly status: number; readonly body: unknown }
  | { readonly outcome: 'in-progress' }
  /** The command's events are committed but its answer was never stored (the instance stopped in between). */
  | { readonly outcome: 'applied' }
  | { readonly outcome: 'mismatch' };

/** The claim a command runs under: recorded by every event append the command makes (see `idempotencyScope`). */
export interface ClaimScope {
  readonly table: string;
  readonly caller: string;
  readonly key: string;
  readonly claimId: string;
}

const scope = new AsyncLocalStorage<ClaimScope>();

/**
 * Runs a command under an Idempotency-Key claim: every `EventStore.appendInTransaction` inside `run` (in the same
 * async flow) records the key as `applied` in its own transaction, and rolls back with IdempotencyClaimLostError
 * when the claim is no longer this one's (taken over after its lease, or applied by another attempt). An append
 * made outside the request's async flow (a queue drained by another task) is not covered.
 */
export function runUnderClaim<T>(claim: ClaimScope, run: () => Promise<T>): Promise<T> {
  return scope.run(claim, run);
}

/** The claim the current async flow runs under, if any: what a command hands to work done outside its flow. */
export function currentClaim(): ClaimScope | undefined {
  return scope.getStore();
}

/** Runs `run` outside any claim (work for several requests at once, e.g. a group commit, started from one of them). */
export function outsideClaim<T>(run: () => T): T {
  return scope.exit(run);
}

/**
 * For work that appends for several commands in one transaction (a group commit): locks each command's key row
 * while its claim is still the live one, so no retry can take it over before this transaction ends. Returns, per
 * claim, whether it holds (an undefined claim always does). Then `markClaimsApplied` for those whose events went in.
 */
export async function lockClaims(manager: EntityManager, claims: readonly (ClaimScope | undefined)[]): Promise<boolean[]> {
  const held = new Set<string>();
  for (const [table, list] of byTable(claims)) {
    const { rows } = await runQuery<{ caller: string; key: string }>(
      manager,
      `SELECT k.caller, k.key FROM ${table} k
         JOIN unnest($1::text[], $2::text[], $3::uuid[]) AS c(caller, key, claim_id)
           ON k.caller = c.caller AND k.key = c.key AND k.claim_id = c.claim_id
        WHERE k.state IN ('in-progress', 'applied')
        ORDER BY k.caller, k.key
          FOR UPDATE OF k`,
      [list.map((c) => c.caller), list.map((c) => c.key), list.map((c) => c.claimId)],
    );
    for (const r of rows) held.add(`${table}\u0000${r.caller}\u0000${r.key}`);
  }
  return claims.map((c) => c === undefined || held.has(`${c.table}\u0000${c.caller}\u0000${c.key}`));
}

/**
 * Records, in the caller's transaction, that these claims' commands appended their events (claims locked by
 * lockClaims). Where the command's answer is already known (`answers[i]`), it is stored in the same transaction
 * (the key is then `done`), so a retry after an instance died between the commit and the answer gets that answer
 * back instead of 409 `idempotency-answer-lost`.
 */
export async function markClaimsApplied(
  manager: EntityManager,
  claims: readonly (ClaimScope | undefined)[],
  answers?: readonly ({ readonly status: number; readonly body: unknown } | undefined)[],
): Promise<void> {
  const indexed = claims.map((claim, i) => ({ claim, answer: answers?.[i] }));
  for (const [table, list] of byTable(claims)) {
    const rows = indexed.filter((x) => x.claim !== undefined && x.claim.table === table);
    await runQuery(
      manager,
      `UPDATE ${table} k
          SET state = CASE WHEN c.status IS NULL THEN 'applied' ELSE 'done' END,
              status = COALESCE(c.status, k.status), body = COALESCE(c.body, k.body)
         FROM unnest($1::text[], $2::text[], $3::uuid[], $4::integer[], $5::jsonb[]) AS c(caller, key, claim_id, status, body)
        WHERE k.caller = c.caller AND k.key = c.key AND k.claim_id = c.claim_id AND k.state IN ('in-progress', 'applied')`,
      [
        list.map((c) => c.caller),
        list.map((c) => c.key),
        list.map((c) => c.claimId),
        rows.map((x) => x.answer?.status ?? null),
        rows.map((x) => (x.answer ? JSON.stringify(x.answer.body ?? null) : null)),
      ],
    );
  }
}

function byTable(claims: readonly (ClaimScope | undefined)[]): Map<string, ClaimScope[]> {
  const out = new Map<string, ClaimScope[]>();
  for (const c of claims) if (c) out.set(c.table, [...(out.get(c.table) ?? []), c]);
  return out;
}

/** Called by the event store inside an append's transaction. */
export async function recordClaimInTransaction(manager: EntityManager): Promise<void> {
  const claim = scope.getStore();
  if (!claim) return;
  const { rows } = await runQuery(
    manager,
    `UPDATE ${claim.table} SET state = 'applied' WHERE caller = $1 AND key = $2 AND claim_id = $3 AND state IN ('in-progress', 'applied') RETURNING 1`,
    [claim.caller, claim.key, claim.claimId],
  );
  if (rows.length === 0) throw new IdempotencyClaimLostError(claim.key);
}

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
    const claimId = randomUUID();
    // Taken over after the lease only while 'in-progress' (nothing committed); a new claim id fences the old holder.
    const claimed: unknown[] = await this.dataSource.query(
      `INSERT INTO ${this.table} AS k (caller, key, request_hash, state, claimed_at, expires_at, claim_id)
       VALUES ($1, $2, $3, 'in-progress', $4, $5, $7)
       ON CONFLICT (caller, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, state = 'in-progress', status = NULL, body = NULL,
             claimed_at = EXCLUDED.claimed_at, expires_at = EXCLUDED.expires_at, claim_id = EXCLUDED.claim_id
         WHERE k.expires_at <= $4 OR (k.state = 'in-progress' AND k.claimed_at <= $6 AND k.request_hash = EXCLUDED.request_hash)
       RETURNING 1`,
      [caller, key, requestHash, t.now, expires, staleBefore, claimId],
    );
    if (claimed.length > 0) return { outcome: 'claimed', claimId };
    const rows: { request_hash: string; state: string; status: number | null; body: unknown; claimed_at: Date }[] = await this.dataSource.query(
      `SELECT request_hash, state, status, body, claimed_at FROM ${this.table} WHERE caller = $1 AND key = $2`,
      [caller, key],
    );
    const row = rows[0];
    // Deleted between the two statements (its command failed): the client's retry will claim it.
    if (!row) return { outcome: 'in-progress' };
    if (row.request_hash !== requestHash) return { outcome: 'mismatch' };
    if (row.state === 'done') return { outcome: 'replay', status: row.status!, body: row.body };
    if (row.state === 'applied' && row.claimed_at <= staleBefore) return { outcome: 'applied' };
    return { outcome: 'in-progress' };
  }

  /** The scope a command runs in under this claim (for `runUnderClaim`). */
  scope(caller: string, key: string, claimId: string): ClaimScope {
    return { table: this.table, caller, key, claimId };
  }

  /** Stores the first answer under the claim. */
  async complete(caller: string, key: string, claimId: string, status: number, body: unknown): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.table} SET state = 'done', status = $4, body = $5::jsonb WHERE caller = $1 AND key = $2 AND claim_id = $3 AND state IN ('in-progress', 'applied')`,
      [caller, key, claimId, status, JSON.stringify(body ?? null)],
    );
  }

  /**
   * Gives the key back after a command that failed, so a retry runs it again — unless the command's events were
   * committed (`applied`: the failure came after the commit, e.g. a lost commit acknowledgement); then the key
   * stays, and a retry never writes again.
   */
  async release(caller: string, key: string, claimId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM ${this.table} WHERE caller = $1 AND key = $2 AND claim_id = $3 AND state = 'in-progress'`, [caller, key, claimId]);
  }

  /** Deletes expired keys; returns how many. */
  async purgeExpired(now: Date): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(`DELETE FROM ${this.table} WHERE expires_at <= $1 RETURNING 1`, [now]);
    return rows.length;
  }
}
