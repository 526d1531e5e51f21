import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { quoteIdent } from '@plaza/event-store';
import type { DataSource } from 'typeorm';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** How often lapsed rows are deleted (by the attempt that finds the last purge this old; no timer to stop). */
const PURGE_EVERY_MS = 10 * 60_000;

/**
 * The sign-in throttler's storage (@nestjs/throttler's ThrottlerStorage) in PostgreSQL: every voting instance counts
 * into the same row per client address, so N instances behind one origin still grant CODE_SIGNIN_PER_MINUTE in
 * all. Time is the database's clock (one clock for every instance). A fixed window of `ttl` per key; the attempt
 * that goes over the limit blocks the key for `blockDuration`, and blocked attempts are not counted.
 */
export class SignInLimitsStore implements ThrottlerStorage {
  private readonly logger = new Logger(SignInLimitsStore.name);
  private readonly table: string;
  #lastPurge = 0;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    this.table = `${quoteIdent(schema)}.sign_in_limits`;
  }

  /** `ttl` and `blockDuration` in milliseconds; the record's times in seconds, as the throttler guard reads them. */
  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    if (Date.now() - this.#lastPurge >= PURGE_EVERY_MS) {
      this.#lastPurge = Date.now();
      this.purge().catch((e: unknown) => this.logger.warn(`purging sign-in limits: ${(e as Error).message}`));
    }
    const [row]: { hits: number; window_ms: number; blocked_ms: number | null }[] = await this.dataSource.query(
      // One statement under the row lock: a blocked key stays as it is; a lapsed window starts again at 1; the hit
      // that goes over the limit sets the block.
      `WITH now AS (SELECT clock_timestamp() AS t)
       INSERT INTO ${this.table} AS l (key, throttler, hits, window_ends, blocked_until)
       SELECT $1, $2, 1, t + $3 * interval '1 millisecond', CASE WHEN 1 > $4 THEN t + $5 * interval '1 millisecond' END FROM now
       ON CONFLICT (key, throttler) DO UPDATE SET
         hits = CASE WHEN l.blocked_until > clock_timestamp() THEN l.hits
                     WHEN l.window_ends <= clock_timestamp() THEN 1 ELSE l.hits + 1 END,
         window_ends = CASE WHEN l.blocked_until > clock_timestamp() THEN l.window_ends
                            WHEN l.window_ends <= clock_timestamp() THEN EXCLUDED.window_ends ELSE l.window_ends END,
         blocked_until = CASE WHEN l.blocked_until > clock_timestamp() THEN l.blocked_until
                              WHEN (CASE WHEN l.window_ends <= clock_timestamp() THEN 1 ELSE l.hits + 1 END) > $4
                                THEN clock_timestamp() + $5 * interval '1 millisecond'
                              ELSE NULL END
       RETURNING hits,
                 greatest(0, extract(epoch FROM window_ends - clock_timestamp()) * 1000)::float8 AS window_ms,
                 CASE WHEN blocked_until > clock_timestamp() THEN extract(epoch FROM blocked_until - clock_timestamp()) * 1000 END::float8 AS blocked_ms`,
      [key, throttlerName, ttl, limit, blockDuration],
    );
    const blocked = row.blocked_ms !== null;
    return {
      totalHits: row.hits,
      timeToExpire: Math.ceil(row.window_ms / 1000),
      isBlocked: blocked,
      timeToBlockExpire: blocked ? Math.ceil(row.blocked_ms! / 1000) : 0,
    };
  }

  /** Deletes rows whose window and block both lapsed; returns how many. */
  async purge(): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `DELETE FROM ${this.table} WHERE window_ends <= clock_timestamp() AND (blocked_until IS NULL OR blocked_until <= clock_timestamp()) RETURNING 1`,
    );
    return rows.length;
  }
}
