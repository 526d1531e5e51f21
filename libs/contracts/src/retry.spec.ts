import { retryableAnswer, RETRY_CODES } from './retry';

describe('retryableAnswer', () => {
  it('retries what says nothing was done, and nothing else', () => {
    expect(retryableAnswer(undefined)).toBe(true); // no answer: offline, proxy down, connection reset
    for (const status of [429, 502, 503, 504]) expect(retryableAnswer(status)).toBe(true);
    expect(retryableAnswer(409, RETRY_CODES.inProgress)).toBe(true);
    for (const status of [200, 201, 400, 401, 403, 404, 413, 422, 500]) expect(retryableAnswer(status)).toBe(false);
    expect(retryableAnswer(409, 'phase')).toBe(false);
  });
});
