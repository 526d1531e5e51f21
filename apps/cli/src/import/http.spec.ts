import { HttpClient, HttpError, mapPool, retryReporter, type Transport } from './http';

const noWait = () => Promise.resolve();
const policy = { retries: 3, baseDelayMs: 1, maxDelayMs: 1 };

function scripted(answers: ({ status: number; text?: string } | Error)[]) {
  const calls: { method: string; url: string; headers: Record<string, string>; body?: string }[] = [];
  const transport: Transport = (method, url, headers, body) => {
    calls.push({ method, url, headers, body });
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    return next instanceof Error ? Promise.reject(next) : Promise.resolve({ status: next.status, text: next.text ?? '' });
  };
  return { transport, calls };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

describe('HttpClient', () => {
  test('sends JSON with the bearer token and parses the answer', async () => {
    const { transport, calls } = scripted([{ status: 201, text: '{"roundId":"r1"}' }]);
    const client = new HttpClient('http://h:1/', transport, policy, noWait);
    const res = await client.post<{ roundId: string }>('/rounds', { a: 1 }, { token: 'T' });
    expect(res).toEqual({ status: 201, body: { roundId: 'r1' } });
    expect(calls[0]).toMatchObject({ method: 'POST', url: 'http://h:1/rounds', body: '{"a":1}' });
    expect(calls[0].headers).toMatchObject({ authorization: 'Bearer T', 'content-type': 'application/json' });
  });

  test('retries answers that were not processed and refused connections, then succeeds', async () => {
    const { transport, calls } = scripted([{ status: 503 }, refused(), { status: 429 }, { status: 200, text: '[]' }]);
    const client = new HttpClient('http://h', transport, policy, noWait);
    await expect(client.post('/x', {})).resolves.toEqual({ status: 200, body: [] });
    expect(calls).toHaveLength(4);
  });

  test('gives up after the retries with the last answer', async () => {
    const { transport, calls } = scripted([{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503, text: '{"m":"busy"}' }]);
    const client = new HttpClient('http://h', transport, policy, noWait);
    await expect(client.get('/x')).rejects.toThrow(HttpError);
    expect(calls).toHaveLength(4);
  });

  test('a command carries one Idempotency-Key over all its attempts, so a broken connection is retried too', async () => {
    const notices: string[] = [];
    const { transport, calls } = scripted([
      reset(),
      { status: 503, text: '{"code":"database-unavailable"}' },
      { status: 409, text: '{"code":"idempotency-in-progress"}' },
      { status: 201, text: '{"eventId":"e1"}' },
    ]);
    const client = new HttpClient('http://h', transport, policy, noWait, (n) => notices.push(`${n.reason} ${n.attempt}/${n.of}`));
    await expect(client.post('/x', {})).resolves.toEqual({ status: 201, body: { eventId: 'e1' } });
    const keys = calls.map((c) => c.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys)).toEqual(new Set([keys[0]]));
    expect(notices).toEqual(['ECONNRESET 1/3', '503 database-unavailable 2/3', '409 idempotency-in-progress 3/3']);
    // Each command its own key; a GET none.
    const next = scripted([{ status: 201, text: '{}' }, { status: 200, text: '{}' }]);
    const other = new HttpClient('http://h', next.transport, policy, noWait);
    await other.post('/x', {});
    await other.get('/y');
    expect(next.calls[0].headers['idempotency-key']).not.toBe(keys[0]);
    expect(next.calls[1].headers['idempotency-key']).toBeUndefined();
  });

  test('a Retry-After longer than the backoff is waited for (up to the ceiling)', async () => {
    const waits: number[] = [];
    const transport: Transport = async () => (waits.length === 0 ? { status: 503, text: '', retryAfter: '2' } : { status: 200, text: '{}' });
    const client = new HttpClient('http://h', transport, { retries: 2, baseDelayMs: 1, maxDelayMs: 5_000 }, async (ms) => {
      waits.push(ms);
    });
    await client.get('/x');
    expect(waits).toEqual([2000]);
  });

  test('4xx is thrown with the body unless accepted', async () => {
    const { transport } = scripted([{ status: 409, text: '{"code":"closed"}' }, { status: 404, text: '{"message":"no"}' }]);
    const client = new HttpClient('http://h', transport, policy, noWait);
    await expect(client.post('/x', {})).rejects.toMatchObject({ status: 409, body: { code: 'closed' } });
    await expect(client.get('/y', { accept: [404] })).resolves.toEqual({ status: 404, body: { message: 'no' } });
  });
});

describe('retryReporter', () => {
  test('prints one line per burst of retries, with how many were waiting', () => {
    const lines: string[] = [];
    let t = 0;
    const report = retryReporter((l) => lines.push(l), 2_000, () => t);
    const n = { method: 'POST', url: 'http://h/rounds/r/ballots', reason: '503 database-unavailable', attempt: 1, of: 10, delayMs: 1500 };
    report(n);
    report(n);
    report(n);
    t = 2_500;
    report({ ...n, attempt: 2 });
    expect(lines).toEqual([
      'POST /rounds/r/ballots: 503 database-unavailable; the service is busy, retrying in 1.5 s with the same Idempotency-Key (attempt 1 of 10)',
      'POST /rounds/r/ballots: 503 database-unavailable; the service is busy, retrying in 1.5 s with the same Idempotency-Key (attempt 2 of 10, 3 requests retrying)',
    ]);
  });
});

describe('mapPool', () => {
  test('keeps at most `concurrency` calls in flight and returns results in order', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapPool([5, 1, 4, 2, 3, 0, 6], 3, async (x) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, x));
      inFlight--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(most).toBe(3);
  });

  test('stops starting calls after the first failure and throws it', async () => {
    const started: number[] = [];
    await expect(
      mapPool([0, 1, 2, 3, 4, 5], 2, async (x) => {
        started.push(x);
        await new Promise((r) => setTimeout(r, 1));
        if (x === 1) throw new Error('boom');
        return x;
      }),
    ).rejects.toThrow('boom');
    expect(started.length).toBeLessThan(6);
  });
});
