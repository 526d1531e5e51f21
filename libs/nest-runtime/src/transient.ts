import { ArgumentsHost, Catch, HttpStatus, Logger, type ExceptionFilter, type HttpServer } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { RETRY_CODES } from '@plaza/contracts';
import type { Response } from 'express';

/** Seconds a client is asked to wait before retrying after a 503 (README "Retries and Idempotency-Key"). */
export const RETRY_AFTER_SECONDS = 2;

export type TransientKind = 'database' | 'broker';

/** Stable `code`s of a 503 body, by what was lost. */
export const UNAVAILABLE_CODES: Record<TransientKind, string> = { database: RETRY_CODES.databaseUnavailable, broker: RETRY_CODES.brokerUnavailable };

/** Socket-level failures: the peer went away or never answered. */
const NETWORK_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** PostgreSQL SQLSTATEs that mean "this connection or server is going away / not ready": class 08 and these. */
const PG_TRANSIENT_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** node-postgres and its pool say so only in words. */
const PG_TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error and is not queryable/i,
  /terminating connection due to administrator command/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];
/**
 * TypeORM releases a query runner when its connection reports an error (a backend terminated, the server
 * restarted): the transaction that was using it then fails with one of these. Nothing of it committed.
 */
const TYPEORM_RELEASED_NAMES = new Set(['QueryRunnerAlreadyReleasedError', 'QueryRunnerProviderAlreadyReleasedError']);
/** kafkajs error classes that mean the broker (or the path to it) is away for now. */
const KAFKA_TRANSIENT_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
]);

/**
 * Thrown by an instance that cannot take a write another instance of the same service takes (e.g. an audit
 * standby asked to rotate the ledger key): 503 with Retry-After and `code`, so a client's retry reaches another
 * instance behind the same origin.
 */
export class ServiceStandbyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Whether an error is a lost database or broker connection (worth answering 503 and retrying), looking through
 * TypeORM's `driverError` and `cause` chains. Pure: the classification the one HTTP error mapping uses.
 */
export function transientKind(error: unknown, depth = 0): TransientKind | undefined {
  if (error === null || typeof error !== 'object' || depth > 5) return undefined;
  const e = error as { name?: unknown; code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown; originalError?: unknown };
  const name = typeof e.name === 'string' ? e.name : '';
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (name.startsWith('KafkaJS')) {
    if (KAFKA_TRANSIENT_NAMES.has(name)) return 'broker';
    const inner = transientKind(e.cause, depth + 1) ?? transientKind(e.originalError, depth + 1);
    return inner ? 'broker' : undefined;
  }
  if (/^08[0-9A-Z]{3}$/.test(code) || PG_TRANSIENT_STATES.has(code)) return 'database';
  if (TYPEORM_RELEASED_NAMES.has(name)) return 'database';
  if (NETWORK_ERRNOS.has(code)) return 'database';
  if (PG_TRANSIENT_MESSAGES.some((re) => re.test(message))) return 'database';
  return transientKind(e.driverError, depth + 1) ?? transientKind(e.cause, depth + 1);
}

/**
 * The catch-all of the one HTTP error mapping: a lost database or broker connection is 503 with Retry-After
 * and a stable `code` (never 500); everything else goes on to Nest's own mapping. Registered first, so the
 * specific filters (409, 404) are tried before it.
 */
@Catch()
export class TransientErrorFilter extends BaseExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('TransientErrorFilter');

  constructor(adapter: HttpServer) {
    super(adapter);
  }

  override catch(error: unknown, host: ArgumentsHost): void {
    if (error instanceof ServiceStandbyError && host.getType() === 'http') {
      const res = host.switchToHttp().getResponse<Response>();
      if (res.headersSent) return;
      res.status(HttpStatus.SERVICE_UNAVAILABLE).setHeader('Retry-After', '1').json({ statusCode: 503, error: 'Service Unavailable', code: error.code, message: error.message });
      return;
    }
    const kind = host.getType() === 'http' ? transientKind(error) : undefined;
    if (!kind) {
      super.catch(error, host);
      return;
    }
    this.log.warn(`${UNAVAILABLE_CODES[kind]}: ${(error as Error).message}`);
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    res
      .status(HttpStatus.SERVICE_UNAVAILABLE)
      .setHeader('Retry-After', String(RETRY_AFTER_SECONDS))
      .json({
        statusCode: 503,
        error: 'Service Unavailable',
        code: UNAVAILABLE_CODES[kind],
        message: `the ${kind === 'database' ? 'database' : 'message broker'} connection was lost; nothing was changed, retry in ${RETRY_AFTER_SECONDS} s (with the same Idempotency-Key)`,
      });
  }
}
