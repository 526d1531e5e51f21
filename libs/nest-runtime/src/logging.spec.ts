import { httpLogLevel } from './logging';

describe('request log levels', () => {
  it('logs client errors at info like any answered request, server errors at error', () => {
    for (const status of [400, 401, 403, 404, 409, 413, 414, 415, 429, 431]) expect(httpLogLevel(status)).toBe('info');
    // pino-http hands over the error a body parser or filter raised with a 4xx: still the client's.
    expect(httpLogLevel(413, new Error('request entity too large'))).toBe('info');
    for (const status of [500, 502, 503]) expect(httpLogLevel(status)).toBe('error');
    expect(httpLogLevel(200)).toBe('info');
    expect(httpLogLevel(201)).toBe('info');
    expect(httpLogLevel(200, new Error('aborted'))).toBe('error');
  });
});
