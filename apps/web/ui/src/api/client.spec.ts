import { COMMAND_RETRY, retryDelayMs } from './client';

describe('command retries', () => {
  it('backs off exponentially up to the ceiling, waiting at least Retry-After', () => {
    expect(retryDelayMs(0, null, () => 0)).toBe(COMMAND_RETRY.baseDelayMs / 2);
    expect(retryDelayMs(0, null, () => 1)).toBe(COMMAND_RETRY.baseDelayMs);
    expect(retryDelayMs(20, null, () => 1)).toBe(COMMAND_RETRY.maxDelayMs);
    expect(retryDelayMs(0, '2', () => 0)).toBe(2000);
    expect(retryDelayMs(0, '3600', () => 0)).toBe(COMMAND_RETRY.maxDelayMs);
    expect(retryDelayMs(0, 'Wed, 21 Oct 2015 07:28:00 GMT', () => 0)).toBe(COMMAND_RETRY.baseDelayMs / 2);
  });
});
