import { HttpClient, HttpError, mapPool, type Transport } from './http';

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

  test('a broken connection is retried only for idempotent requests', async () => {
    const once = scripted([reset(), { status: 200, text: '{}' }]);
    await expect(new HttpClient('http://h', once.transport, policy, noWait).post('/x', {})).rejects.toThrow(/socket hang up \(ECONNRESET\)/);
    expect(once.calls).toHaveLength(1);
    const again = scripted([reset(), { status: 200, text: '{}' }]);
    await expect(new HttpClient('http://h', again.transport, policy, noWait).post('/x', {}, { idempotent: true })).resolves.toEqual({ status: 200, body: {} });
  });

  test('4xx is thrown with the body unless accepted', async () => {
    const { transport } = scripted([{ status: 409, text: '{"code":"closed"}' }, { status: 404, text: '{"message":"no"}' }]);
    const client = new HttpClient('http://h', transport, policy, noWait);
    await expect(client.post('/x', {})).rejects.toMatchObject({ status: 409, body: { code: 'closed' } });
    await expect(client.get('/y', { accept: [404] })).resolves.toEqual({ status: 404, body: { message: 'no' } });
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
