import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { Forbidden, Gone, InvalidInput, NotFound, Refusal } from '@plaza/contracts';
import { ConcurrencyError } from '@plaza/event-store';
import type { Response } from 'express';

/** The domain errors deciders, handlers and stores throw; each has one HTTP answer (domainErrorResponse). */
export type DomainError = Refusal | NotFound | InvalidInput | Forbidden | Gone | ConcurrencyError;

export interface DomainErrorResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * The one mapping from domain refusals to HTTP, for every service: InvalidInput 400 with its fields, Forbidden 403
 * with its code, Gone 410 with its code, NotFound 404, any other Refusal 409 with its code (and field),
 * ConcurrencyError 409 with the stream's versions. A lost database or broker is TransientErrorFilter's (503 + Retry-After).
 * `undefined` for anything else.
 */
export function domainErrorResponse(error: unknown): DomainErrorResponse | undefined {
  if (error instanceof InvalidInput) return { status: HttpStatus.BAD_REQUEST, body: { statusCode: 400, error: 'Bad Request', message: 'Validation failed', errors: error.errors } };
  if (error instanceof Forbidden) return { status: HttpStatus.FORBIDDEN, body: { statusCode: 403, error: 'Forbidden', code: error.code, message: error.message } };
  if (error instanceof Gone) return { status: HttpStatus.GONE, body: { statusCode: 410, error: 'Gone', code: error.code, message: error.message } };
  if (error instanceof NotFound) return { status: HttpStatus.NOT_FOUND, body: { statusCode: 404, error: 'Not Found', message: error.message } };
  if (error instanceof Refusal) {
    return { status: HttpStatus.CONFLICT, body: { statusCode: 409, error: 'Conflict', code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } };
  }
  if (error instanceof ConcurrencyError) {
    return {
      status: HttpStatus.CONFLICT,
      body: {
        statusCode: 409,
        error: 'Conflict',
        message: 'the resource was changed concurrently; reload and retry',
        streamId: error.streamId,
        expectedVersion: error.expectedVersion,
        actualVersion: error.actualVersion ?? null,
      },
    };
  }
  return undefined;
}

/** Answers every domain error with domainErrorResponse; registered globally by configureHttp. */
@Catch(InvalidInput, NotFound, Refusal, ConcurrencyError)
export class DomainErrorFilter implements ExceptionFilter {
  catch(error: DomainError, host: ArgumentsHost): void {
    const answer = domainErrorResponse(error)!;
    host.switchToHttp().getResponse<Response>().status(answer.status).json(answer.body);
  }
}
