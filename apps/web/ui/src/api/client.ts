import { IDEMPOTENCY_KEY_HEADER, retryableAnswer } from '@plaza/contracts';

/**
 * The browser's only way to the services: same-origin /api/<service>/… (apps/web forwards them). Adds the
 * session's bearer token, sends and parses JSON, and turns every non-2xx answer into an ApiError that keeps
 * the API's own message, refusal code and field-level validation messages, so pages can show them inline.
 */
export type ServiceName = 'proposals' | 'voting' | 'audit';

export interface FieldError {
  readonly field: string;
  readonly messages: readonly string[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
    /** `errors` of a 400 Validation failed answer. */
    readonly fieldErrors: readonly FieldError[] = [],
    /** `code` of a 409 refusal (e.g. `locked`, `phase`) when the API gave one. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Messages for one field (exact name, or any nested field under it: `units` matches `units.0.budget`). */
  messagesFor(field: string): string[] {
    return this.fieldErrors
      .filter((e) => e.field === field || e.field.startsWith(`${field}.`))
      .flatMap((e) => e.messages);
  }
}

/** A failure to reach the server at all (offline, proxy down). */
export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

/**
 * Commands (every method but GET) are retried when the answer says nothing was done: 502/503/504 (not 429, which
 * the person is shown), a 409 `idempotency-in-progress`, or no answer at all. Each command sends one
 * `Idempotency-Key` over all its attempts, so a retry of a command the service did run gets the first answer back instead of a second effect.
 */
export const COMMAND_RETRY = { attempts: 8, baseDelayMs: 500, maxDelayMs: 5_000 } as const;

/** How long to wait before attempt `attempt + 1`: exponential with jitter, at least `Retry-After`, at most the ceiling. */
export function retryDelayMs(attempt: number, retryAfter: string | null, random: () => number = Math.random): number {
  const ceiling = Math.min(COMMAND_RETRY.maxDelayMs, COMMAND_RETRY.baseDelayMs * 2 ** attempt);
  const asked = retryAfter && /^\d{1,4}$/.test(retryAfter) ? Math.min(Number(retryAfter) * 1000, COMMAND_RETRY.maxDelayMs) : 0;
  return Math.max(asked, ceiling / 2 + random() * (ceiling / 2));
}

/** How many commands are waiting to be sent again right now; the Layout tells the person while it is not 0. */
let retrying = 0;
const retryListeners = new Set<() => void>();
function setRetrying(delta: number): void {
  retrying += delta;
  for (const listener of retryListeners) listener();
}
export function subscribeRetrying(listener: () => void): () => void {
  retryListeners.add(listener);
  return () => retryListeners.delete(listener);
}
export const retryingCommands = (): number => retrying;

function newIdempotencyKey(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new DOMException('aborted', 'AbortError'));
    });
  });

/** The bearer token for a call to this service (none: anonymous). */
type TokenSource = (service: ServiceName) => string | undefined;
let tokenSource: TokenSource = () => undefined;
let onUnauthorized: (() => void) | undefined;

/** The session registers where the token comes from and what to do when the server says it is no good. */
export function configureApi(source: TokenSource, unauthorized?: () => void): void {
  tokenSource = source;
  onUnauthorized = unauthorized;
}

export type Query = Record<string, string | number | boolean | undefined | null | readonly string[]>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  /** Send the body as is with this content type (e.g. text/csv) instead of JSON. */
  readonly contentType?: string;
  readonly ifMatch?: string;
  /** Send no token even if signed in (public reads stay cacheable and anonymous). */
  readonly anonymous?: boolean;
  /** A token to use instead of the session's (e.g. right after sign-in). */
  readonly token?: string;
  readonly signal?: AbortSignal;
}

export interface ApiResponse<T> {
  readonly data: T;
  readonly status: number;
  readonly headers: Headers;
  /** The ETag header, for If-Match on the next command. */
  readonly etag?: string;
}

export function apiUrl(service: ServiceName, path: string, query?: Query): string {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) for (const v of value) qs.append(key, v);
    else qs.append(key, String(value));
  }
  const search = qs.toString();
  return `/api/${service}${path.startsWith('/') ? path : `/${path}`}${search ? `?${search}` : ''}`;
}

export async function request<T>(service: ServiceName, method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = options.anonymous ? undefined : (options.token ?? tokenSource(service));
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.ifMatch) headers['if-match'] = options.ifMatch;
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    if (options.contentType) {
      headers['content-type'] = options.contentType;
      body = options.body as BodyInit;
    } else {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
  }
  const command = method !== 'GET' && method !== 'HEAD';
  if (command) headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()] = newIdempotencyKey();
  let res: Response | undefined;
  let waiting = false;
  try {
    for (let attempt = 0; ; attempt++) {
      const last = !command || attempt >= COMMAND_RETRY.attempts - 1;
      try {
        res = await fetch(apiUrl(service, path, options.query), { method, headers, body, signal: options.signal });
      } catch (error) {
        if ((error as Error).name === 'AbortError') throw error;
        if (last) throw new NetworkError((error as Error).message);
        res = undefined;
      }
      // 429 is not retried here: a rate limit (code sign-in) is meant for the person, who is told at once to wait.
      if (res && (last || res.status === 429 || !retryableAnswer(res.status, res.status === 409 ? await codeOf(res.clone()) : undefined))) break;
      if (!waiting) setRetrying(+1);
      waiting = true;
      await sleep(retryDelayMs(attempt, res?.headers.get('retry-after') ?? null), options.signal);
    }
  } finally {
    if (waiting) setRetrying(-1);
  }
  const text = await res!.text();
  const type = res!.headers.get('content-type') ?? '';
  let data: unknown = text;
  if (type.includes('json') && text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const b = (data && typeof data === 'object' ? data : {}) as { message?: unknown; errors?: unknown; code?: unknown };
    const message = typeof b.message === 'string' ? b.message : typeof data === 'string' && data ? data : `${res.status} ${res.statusText}`;
    const fieldErrors = Array.isArray(b.errors)
      ? (b.errors as FieldError[]).filter((e) => e && typeof e.field === 'string' && Array.isArray(e.messages))
      : [];
    if (res.status === 401 && token && onUnauthorized) onUnauthorized();
    throw new ApiError(res.status, message, data, fieldErrors, typeof b.code === 'string' ? b.code : undefined);
  }
  return { data: data as T, status: res.status, headers: res.headers, etag: res.headers.get('etag') ?? undefined };
}

async function codeOf(res: Response): Promise<string | undefined> {
  try {
    const b = (await res.json()) as { code?: unknown };
    return typeof b.code === 'string' ? b.code : undefined;
  } catch {
    return undefined;
  }
}

function client(service: ServiceName) {
  return {
    get: async <T>(path: string, options?: RequestOptions) => (await request<T>(service, 'GET', path, options)).data,
    post: async <T>(path: string, body?: unknown, options?: RequestOptions) =>
      (await request<T>(service, 'POST', path, { ...options, body: body ?? {} })).data,
    patch: async <T>(path: string, body: unknown, options?: RequestOptions) =>
      (await request<T>(service, 'PATCH', path, { ...options, body })).data,
    /** The full answer (ETag, headers) when a page needs more than the body. */
    request: <T>(method: string, path: string, options?: RequestOptions) => request<T>(service, method, path, options),
    url: (path: string, query?: Query) => apiUrl(service, path, query),
  };
}

export const api = {
  proposals: client('proposals'),
  voting: client('voting'),
  audit: client('audit'),
};
