import { Forbidden, Gone, InvalidInput, NotFound, Refusal } from '@plaza/contracts';
import { ConcurrencyError } from '@plaza/event-store';
import { domainErrorResponse } from './domain-errors';

describe('one mapping from domain errors to HTTP', () => {
  it('answers each kind with its status and body', () => {
    expect(domainErrorResponse(InvalidInput.of([{ field: 'unitId', message: 'a' }, { field: 'unitId', message: 'b' }, { field: 'count', message: 'c' }]))).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: 'Validation failed', errors: [{ field: 'unitId', messages: ['a', 'b'] }, { field: 'count', messages: ['c'] }] },
    });
    expect(domainErrorResponse(new Forbidden('not-author', 'only the author'))).toEqual({
      status: 403,
      body: { statusCode: 403, error: 'Forbidden', code: 'not-author', message: 'only the author' },
    });
    expect(domainErrorResponse(new NotFound('no such round'))).toEqual({ status: 404, body: { statusCode: 404, error: 'Not Found', message: 'no such round' } });
    expect(domainErrorResponse(new Refusal('phase', 'not now', 'unitId'))).toEqual({
      status: 409,
      body: { statusCode: 409, error: 'Conflict', code: 'phase', message: 'not now', field: 'unitId' },
    });
    expect(domainErrorResponse(new Gone('link-destroyed', 'gone'))).toEqual({ status: 410, body: { statusCode: 410, error: 'Gone', code: 'link-destroyed', message: 'gone' } });
  });

  it('gives a concurrency conflict the stream and its versions', () => {
    const error = new ConcurrencyError('round-1', 3, 4);
    expect(domainErrorResponse(error)).toEqual({
      status: 409,
      body: { statusCode: 409, error: 'Conflict', message: 'the resource was changed concurrently; reload and retry', streamId: 'round-1', expectedVersion: 3, actualVersion: 4 },
    });
  });

  it('leaves everything else to the other filters', () => {
    expect(domainErrorResponse(new Error('connection terminated'))).toBeUndefined();
  });
});
