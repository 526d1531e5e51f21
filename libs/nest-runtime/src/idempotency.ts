import {
  BadRequestException,
  ConflictException,
  Injectable,
  Logger,
  UnprocessableEntityException,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { Reflector } from '@nestjs/core';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, RETRY_CODES } from '@plaza/contracts';
import { IdempotencyClaimLostError, runUnderClaim, type IdempotencyStore } from '@plaza/event-store';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { from, lastValueFrom, type Observable } from 'rxjs';
import type { Caller } from './auth/roles';
import type { Clock } from './request-context';
import { RETRY_AFTER_SECONDS } from './transient';

const IDEMPOTENCY_HEADER = IDEMPOTENCY_KEY_HEADER;
/** A key: 1–255 visible ASCII characters (a UUID is the usual choice). */
const KEY = /^[\x21-\x7e]{1,255}$/;
const COMMAND_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface IdempotencySettings {
  /** How long the first answer is kept for replay (24 h). */
  readonly ttlMs: number;
  /** How long an unfinished claim blocks the key before a retry may take it over (30 s). */
  readonly leaseMs: number;
}

export const DEFAULT_IDEMPOTENCY: IdempotencySettings = { ttlMs: 24 * 60 * 60 * 1000, leaseMs: 30 * 1000 };

/** Expired keys are deleted by the first command at least this long after the last purge (no timer to stop). */
const PURGE_EVERY_MS = 10 * 60 * 1000;

/** Who a key belongs to: the token's subject, else (public routes) the client's address as Express trusts it. */
export function idempotencyCaller(req: Request & { caller?: Caller }): string {
  return req.caller ? `sub:${req.caller.sub}` : `ip:${req.ip ?? 'unknown'}`;
}

/** The request a key was first used for: method, target and body (its JSON, or its type and length when the route streams it). */
export function requestHash(req: Request): string {
  const body = req.body === undefined ? `${req.header('content-type') ?? ''};${req.header('content-length') ?? ''}` : JSON.stringify(req.body);
  return createHash('sha256').update(`${req.method} ${req.originalUrl}\n${body}`).digest('hex');
}

/**
 * `Idempotency-Key` on every command endpoint (POST/PUT/PATCH/DELETE): the first request with a key claims it,
 * runs, and stores its answer; a retry with the same key and body gets that answer back (status + body,
 * `Idempotent-Replayed: true`) and changes nothing; the same key with another body is 422; a retry while the
 * first is still running is 409 `idempotency-in-progress` with Retry-After. A command that fails gives the key
 * back (its transaction wrote nothing), so its retry runs again. Runs after InputInterceptor (the body is read).
 *
 * Exactly once: the command runs under its claim (`runUnderClaim`), and the transaction that appends its events
 * also moves the key to `applied` under the claim's id. So a claim taken over after its lease fences the first
 * attempt (its late append rolls back), and a key whose events committed is never run again, even when the
 * answer was lost on the way (then a retry gets 409 `idempotency-answer-lost` instead of a second write).
 * Expired keys are purged every ten minutes by the next command.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly log = new Logger('IdempotencyInterceptor');
  #lastPurge = 0;

  constructor(
    private readonly reflector: Reflector,
    private readonly store: IdempotencyStore,
    private readonly clock: Clock,
    private readonly settings: IdempotencySettings = DEFAULT_IDEMPOTENCY,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const key = req.header(IDEMPOTENCY_HEADER);
    if (key === undefined || !COMMAND_METHODS.has(req.method)) return next.handle();
    return from(this.run(context, next, req, key));
  }

  private async run(context: ExecutionContext, next: CallHandler, req: Request & { caller?: Caller }, key: string): Promise<unknown> {
    if (!KEY.test(key)) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: 'Validation failed',
        errors: [{ field: IDEMPOTENCY_HEADER, messages: [`${IDEMPOTENCY_HEADER} must be 1-255 visible ASCII characters`] }],
      });
    }
    const res = context.switchToHttp().getResponse<Response>();
    const caller = idempotencyCaller(req);
    const now = this.clock();
    if (now.getTime() - this.#lastPurge >= PURGE_EVERY_MS) {
      this.#lastPurge = now.getTime();
      this.store.purgeExpired(now).catch((e: unknown) => this.log.warn(`purging expired ${IDEMPOTENCY_HEADER}s: ${(e as Error).message}`));
    }
    const claim = await this.store.claim(caller, key, requestHash(req), { now, ...this.settings });
    if (claim.outcome === 'mismatch') {
      throw new UnprocessableEntityException({
        statusCode: 422,
        error: 'Unprocessable Entity',
        code: RETRY_CODES.keyReused,
        message: `this ${IDEMPOTENCY_HEADER} was used for a different request; use a new key for a new request`,
      });
    }
    if (claim.outcome === 'in-progress') {
      res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      throw new ConflictException({
        statusCode: 409,
        error: 'Conflict',
        code: RETRY_CODES.inProgress,
        message: `a request with this ${IDEMPOTENCY_HEADER} is still being processed; retry in ${RETRY_AFTER_SECONDS} s`,
      });
    }
    if (claim.outcome === 'applied') {
      throw new ConflictException({
        statusCode: 409,
        error: 'Conflict',
        code: RETRY_CODES.answerLost,
        message: `the request with this ${IDEMPOTENCY_HEADER} was carried out, but its answer was lost; nothing new was written (read the resource to see the result)`,
      });
    }
    if (claim.outcome === 'replay') {
      res.status(claim.status).setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
      return claim.body;
    }
    let result: unknown;
    try {
      result = await runUnderClaim(this.store.scope(caller, key, claim.claimId), () => lastValueFrom(next.handle(), { defaultValue: undefined }));
    } catch (error) {
      // The command failed: free the key for the retry unless its events were committed (the store keeps an
      // 'applied' key). A connection the pool had not yet noticed was cut fails the first try, so it is tried
      // again; if the database stays gone the claim lapses after the lease.
      await this.releaseSoon(caller, key, claim.claimId);
      if (error instanceof IdempotencyClaimLostError) {
        res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
        throw new ConflictException({ statusCode: 409, error: 'Conflict', code: RETRY_CODES.inProgress, message: error.message });
      }
      throw error;
    }
    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? (req.method === 'POST' ? 201 : 200);
    try {
      await this.store.complete(caller, key, claim.claimId, status, result === undefined ? null : JSON.parse(JSON.stringify(result)));
    } catch (error) {
      // The command is committed: its answer goes back to the client even when the key cannot be completed.
      this.log.warn(`${IDEMPOTENCY_HEADER} ${key} left unfinished (its lease lapses in ${this.settings.leaseMs} ms): ${(error as Error).message}`);
    }
    return result;
  }

  private async releaseSoon(caller: string, key: string, claimId: string): Promise<void> {
    for (const pauseMs of [0, 100, 400]) {
      if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      try {
        await this.store.release(caller, key, claimId);
        return;
      } catch {
        // tried again below, on another connection
      }
    }
  }
}
