import { randomUUID } from 'node:crypto';
import { IDEMPOTENCY_KEY_HEADER, retryableAnswer } from '@plaza/contracts';
import * as http from 'node:http';
import * as https from 'node:https';

/** An answer the caller did not expect (after retries), with what the service said. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${method} ${url} → ${status} ${typeof body === 'string' ? body : JSON.stringify(body)}`.slice(0, 2000));
  }
}

export interface HttpResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
}

/** One raw exchange; swapped out in unit tests. */
export type Transport = (
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
) => Promise<{ status: number; text: string; retryAfter?: string }>;

export interface RetryPolicy {
  /** Extra attempts after the first. */
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Sixteen retries, backing off to 5 s: about a minute. Enough for a database restart or a broker election, and
 * longer than the 30 s lease an `Idempotency-Key` keeps when the service instance running its command was killed
 * (a retry meets 409 idempotency-in-progress until the lease lapses; the fault suite saw clients give up first
 * with ten retries).
 */
export const DEFAULT_RETRY: RetryPolicy = { retries: 16, baseDelayMs: 100, maxDelayMs: 5_000 };

/** What a retry is about to do, for the one line `plaza import` prints. */
export interface RetryNotice {
  readonly method: string;
  readonly url: string;
  /** The status that was answered (503, …) or the network error's code. */
  readonly reason: string;
  readonly attempt: number;
  readonly of: number;
  readonly delayMs: number;
}

export interface RequestOptions {
  readonly token?: string;
  /**
   * Safe to send again after a connection broke mid-request (the first attempt may have taken effect). Answers
   * that say the request was not processed (429, 502, 503, 504) and refused connections are retried anyway, and
   * so is every command: it carries one `Idempotency-Key` over all its attempts, so the service answers a retry
   * of a command it already ran with the first answer instead of running it twice.
   */
  readonly idempotent?: boolean;
  /** Statuses returned to the caller instead of thrown (2xx always are). */
  readonly accept?: readonly number[];
}

const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

function errorCode(error: unknown): string | undefined {
  const e = error as { code?: string; cause?: { code?: string } };
  return e?.code ?? e?.cause?.code;
}

/**
 * node:http with keep-alive sockets: far less CPU per request than fetch, which matters when the client shares
 * two cores with the services it is measuring.
 */
export function nodeTransport(maxSockets = 256, timeoutMs = 60_000): Transport {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets }),
    'https:': new https.Agent({ keepAlive: true, maxSockets }),
  };
  return (method, url, headers, body) =>
    new Promise((resolve, reject) => {
      const u = new URL(url);
      const lib = u.protocol === 'https:' ? https : http;
      const req = lib.request(
        u,
        { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: agents[u.protocol as 'http:' | 'https:'] },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          const retryAfter = res.headers['retry-after'];
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ...(retryAfter ? { retryAfter } : {}) }));
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`timeout after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(body);
    });
}

/**
 * The one line `plaza import` prints while requests are being retried: at most one per `everyMs`, saying what
 * failed, when the next attempt goes and how many requests are waiting (each resends its own Idempotency-Key).
 */
export function retryReporter(log: (line: string) => void, everyMs = 2_000, now: () => number = Date.now): (notice: RetryNotice) => void {
  let lastAt = -Infinity;
  let waiting = 0;
  return (n) => {
    waiting++;
    if (now() - lastAt < everyMs) return;
    lastAt = now();
    const others = waiting > 1 ? `, ${waiting} requests retrying` : '';
    log(
      `${n.method} ${new URL(n.url).pathname}: ${n.reason}; the service is busy, retrying in ${(n.delayMs / 1000).toFixed(1)} s with the same Idempotency-Key (attempt ${n.attempt} of ${n.of}${others})`,
    );
    waiting = 0;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** JSON over HTTP to one service, with bounded retries and exponential backoff with jitter. */
export class HttpClient {
  constructor(
    readonly baseUrl: string,
    private readonly transport: Transport = nodeTransport(),
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly wait: (ms: number) => Promise<void> = sleep,
    private readonly onRetry?: (notice: RetryNotice) => void,
  ) {}

  async request<T = unknown>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    const url = this.baseUrl.replace(/\/+$/, '') + path;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    const command = method !== 'GET' && method !== 'HEAD';
    if (command) headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()] = randomUUID();
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const retryAfter = async (attempt: number, reason: string, seconds?: string) => {
      const asked = seconds !== undefined && /^\d{1,4}$/.test(seconds) ? Math.min(Number(seconds) * 1000, this.retry.maxDelayMs) : 0;
      const delayMs = Math.round(Math.max(asked, this.backoff(attempt)));
      this.onRetry?.({ method, url, reason, attempt: attempt + 1, of: this.retry.retries, delayMs });
      await this.wait(delayMs);
    };
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= this.retry.retries;
      let res: { status: number; text: string; retryAfter?: string };
      try {
        res = await this.transport(method, url, headers, payload);
      } catch (error) {
        const refused = REFUSED.has(errorCode(error) ?? '');
        if (last || !(refused || command || options.idempotent || method === 'GET')) {
          throw new Error(`${method} ${url}: ${(error as Error).message}${errorCode(error) ? ` (${errorCode(error)})` : ''}`);
        }
        await retryAfter(attempt, errorCode(error) ?? (error as Error).message);
        continue;
      }
      let parsed: unknown = res.text;
      try {
        parsed = res.text ? JSON.parse(res.text) : null;
      } catch {
        // not JSON: keep the text for the error message
      }
      const code = (parsed as { code?: unknown } | null)?.code;
      if (retryableAnswer(res.status, typeof code === 'string' ? code : undefined) && !last) {
        await retryAfter(attempt, `${res.status}${typeof code === 'string' ? ` ${code}` : ''}`, res.retryAfter);
        continue;
      }
      if ((res.status >= 200 && res.status < 300) || options.accept?.includes(res.status)) return { status: res.status, body: parsed as T };
      throw new HttpError(method, url, res.status, parsed);
    }
  }

  get<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, undefined, options);
  }

  post<T = unknown>(path: string, body: unknown, options?: RequestOptions) {
    return this.request<T>('POST', path, body, options);
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }
}

/**
 * Runs `fn` over `items` with at most `concurrency` calls in flight and returns the results in item order.
 * The first failure stops new calls; it is thrown once the calls in flight have settled.
 */
export async function mapPool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
  onDone?: (done: number) => void,
): Promise<R[]> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
        done++;
        onDone?.(done);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}

/** Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}
