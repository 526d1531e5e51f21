/**
 * The retry contract between the services and their clients (README "Retries and Idempotency-Key"): one
 * definition the services answer with and `plaza import` and the web app read.
 */

/** The request header carrying a client's key for one command, kept over all its attempts. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** Response header on an answer replayed from the first request with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/** Stable `code`s of the answers a client retries or reports. */
export const RETRY_CODES = {
  /** 503: the service lost its PostgreSQL connection; nothing was changed. */
  databaseUnavailable: 'database-unavailable',
  /** 503: the service lost its Kafka connection; nothing was changed. */
  brokerUnavailable: 'broker-unavailable',
  /** 409: a request with this key is still running. */
  inProgress: 'idempotency-in-progress',
  /** 422: the key was used for another request. */
  keyReused: 'idempotency-key-reused',
  /** 409: the command with this key was applied, but the service stopped before storing its answer; not retried. */
  answerLost: 'idempotency-answer-lost',
} as const;

/** Statuses that say the request was not processed, so sending it again is safe. */
export const NOT_PROCESSED_STATUSES: readonly number[] = [429, 502, 503, 504];

/** Whether a command's answer (or no answer at all: `status` undefined) is worth sending again with the same key. */
export function retryableAnswer(status: number | undefined, code?: string): boolean {
  return status === undefined || NOT_PROCESSED_STATUSES.includes(status) || (status === 409 && code === RETRY_CODES.inProgress);
}
