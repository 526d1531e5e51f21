import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import { sample } from 'openapi-sampler';
import type { ServiceName } from './stack';

/**
 * The OpenAPI-driven fuzzer behind `npm run fuzz` and its seeded subset in `npm test`: each case is one
 * malformed (or, now and then, well-formed) request built from an operation of a service's OpenAPI document.
 * A valid body comes from openapi-sampler; fast-check (seeded, so a run is reproducible from its seed) picks
 * the operation, the token and how to break the path, the query, the body and its content type.
 */

type Schema = Record<string, any>;

export interface Operation {
  readonly service: ServiceName;
  readonly method: string;
  /** OpenAPI path template, e.g. `/rounds/{roundId}/ballots`. */
  readonly path: string;
  readonly params: readonly { name: string; in: 'path' | 'query'; required: boolean; schema: Schema }[];
  readonly body?: { readonly schema: Schema; readonly types: readonly string[] };
  readonly secured: boolean;
  readonly document: object;
}

/** The operations of one OpenAPI document, in a stable order (so a seed means the same cases every time). */
export function operationsOf(service: ServiceName, document: any): Operation[] {
  const out: Operation[] = [];
  for (const path of Object.keys(document.paths ?? {}).sort()) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = document.paths[path][method];
      if (!op) continue;
      const content = op.requestBody?.content ?? {};
      const types = Object.keys(content);
      out.push({
        service,
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? [])
          .filter((p: any) => p.in === 'path' || p.in === 'query')
          .map((p: any) => ({ name: p.name, in: p.in, required: Boolean(p.required), schema: p.schema ?? { type: 'string' } })),
        body: types.length ? { schema: content[types[0]].schema ?? {}, types } : undefined,
        secured: Boolean(op.security?.length),
        document,
      });
    }
  }
  return out;
}

/** Known-good values to put in paths and bodies, so that some requests get past the first check. */
export interface FuzzFixtures {
  readonly ids: Readonly<Record<string, readonly string[]>>;
  readonly units: readonly string[];
  /** Residents on the fixture round's roll (for paper ballots). */
  readonly voters: readonly string[];
  readonly files: readonly string[];
  /** Tokens by kind: `right` holds every role (so every route's role), `resident` a voter on the roll. */
  readonly tokens: { readonly right: string; readonly resident: string; readonly wrong: string; readonly forged: string };
}

export interface FuzzRequest {
  readonly service: ServiceName;
  readonly method: string;
  /** Path and query, as sent (already encoded). */
  readonly target: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
  /** What was broken, for the report. */
  readonly mutation: string;
  readonly operation: string;
}

const NASTY_NUMBERS = ['9223372036854775808', '-9223372036854775808', '9223372036854775807', '9007199254740993', '-1', '0', '1e3', '0x10', 'NaN', 'Infinity', '1.5', ' 1', '', '٣'];
const NASTY_STRINGS = ['', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udc00', '%', '../../etc/passwd', "' OR 1=1 --", '<script>alert(1)</script>', '💥'.repeat(50), 'null', 'true', '{}', '[]'];
const enc = encodeURIComponent;

/** A string percent-encoded as its raw bytes, so broken UTF-8 and NUL reach the server as sent. */
const pct = (bytes: number[]) => bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

function goodPathValue(name: string, fixtures: FuzzFixtures): fc.Arbitrary<string> {
  const known = fixtures.ids[name] ?? (name === 'unitId' ? fixtures.units : name === 'file' ? fixtures.files : []);
  return known.length ? fc.constantFrom(...known) : fc.constantFrom('1', '0', '2');
}

function pathValue(name: string, fixtures: FuzzFixtures, wellFormed = false): fc.Arbitrary<string> {
  const good = goodPathValue(name, fixtures);
  // A well-formed request still sends an id in upper case now and then: the same resource, never another one.
  if (wellFormed) return fc.oneof({ weight: 3, arbitrary: good.map(enc) }, { weight: 1, arbitrary: good.map((v) => enc(v.toUpperCase())) });
  return fc.oneof(
    { weight: 6, arbitrary: good.map(enc) },
    { weight: 2, arbitrary: good.map((v) => enc(v.toUpperCase())) },
    { weight: 1, arbitrary: good.map((v) => enc(`{${v}}`)) },
    { weight: 1, arbitrary: fc.uuid().map(enc) },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_NUMBERS).filter((v) => v !== '').map(enc) },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_STRINGS).filter((v) => v !== '' && !v.includes('\ud800') && !v.includes('\udc00')).map(enc) },
    { weight: 1, arbitrary: fc.constantFrom(pct([0xff]), pct([0xed, 0xa0, 0x80]), pct([0xc3]), '%00', '%zz') },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).filter((v) => v.length > 0).map((v) => enc(v.replace(/[\ud800-\udfff]/g, 'x'))) },
  );
}

function queryValue(schema: Schema, fixtures: FuzzFixtures, name: string, wellFormed: boolean): fc.Arbitrary<string> {
  const sampled = String(sample(schema as never, { quiet: true }) ?? '1');
  if (wellFormed) return fixtures.ids[name] ? goodPathValue(name, fixtures).map(enc) : fc.constant(enc(sampled));
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(enc(sampled)) },
    { weight: 2, arbitrary: fc.integer({ min: -5, max: 200 }).map(String) },
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_NUMBERS).map(enc) },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_STRINGS).filter((v) => !/[\ud800-\udfff]/.test(v)).map(enc) },
    { weight: 1, arbitrary: fc.constantFrom(pct([0xff]), pct([0xed, 0xa0, 0x80]), '%00', '%') },
    { weight: 1, arbitrary: pathValue(name, fixtures) },
  );
}

/** Replaces what the sampler invents with known ids and units, so a well-formed body can be accepted. */
function withFixtures(value: unknown, fixtures: FuzzFixtures, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => withFixtures(v, fixtures, key));
  if (value !== null && typeof value === 'object') {
    // Optional fields the sampler fills that the fixture round would refuse (points are for cumulative ballots).
    const entries = Object.entries(value).filter(([k]) => k !== 'points');
    return Object.fromEntries(entries.map(([k, v]) => [k, withFixtures(v, fixtures, k)]));
  }
  if (key === 'voter') return fixtures.voters[0];
  if (typeof value !== 'string') return value;
  if (key === 'unitId') return fixtures.units[0];
  if (key === 'choices') return fixtures.ids.proposalId?.[0] ?? value;
  const ids = fixtures.ids[key];
  return ids?.length ? ids[0] : value;
}

function deep(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** The choices inside one mutation, drawn from numbers fast-check generated for the case (so the seed decides them too). */
type Rng = () => number;
function fromDraws(draws: readonly number[]): Rng {
  let i = 0;
  return () => (draws[i++ % draws.length] % 1_000_003) / 1_000_003;
}

type BodyMutation = { name: string; apply: (base: unknown, rng: Rng) => Buffer | undefined };

const topKeys = (v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : []);
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)];
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const set = (base: unknown, rng: Rng, value: unknown): unknown => {
  const keys = topKeys(base);
  if (keys.length === 0) return value;
  return { ...(base as object), [pick(rng, keys)]: value };
};

const BODY_MUTATIONS: BodyMutation[] = [
  { name: 'valid', apply: (b) => json(b) },
  { name: 'valid', apply: (b) => json(b) },
  { name: 'valid', apply: (b) => json(b) },
  { name: 'valid', apply: (b) => json(b) },
  { name: 'missing-field', apply: (b, r) => json(Object.fromEntries(Object.entries((b ?? {}) as object).filter(([k]) => k !== pick(r, topKeys(b))))) },
  { name: 'wrong-type', apply: (b, r) => json(set(b, r, pick(r, [42, -1, true, null, [], {}, 'x', 1.5, [1, 2, 3]]))) },
  { name: 'unsafe-number', apply: (b, r) => Buffer.from(JSON.stringify(set(b, r, '__N__')).replace('"__N__"', pick(r, ['9223372036854775808', '-9223372036854775808', '9007199254740993', '1e400', '-0', '1e-400']))) },
  { name: 'nul', apply: (b, r) => json(set(b, r, 'nul\u0000inside')) },
  { name: 'lone-surrogate', apply: (b, r) => json(set(b, r, pick(r, ['\ud800', 'a\udfff', '\udc00\ud800']))) },
  {
    name: 'invalid-utf8',
    apply: (b, r) => {
      const [before, after = ''] = JSON.stringify(set(b, r, '__U__')).split('"__U__"');
      const bad = pick(r, [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]);
      return Buffer.concat([Buffer.from(`${before}"`), Buffer.from(bad), Buffer.from(`"${after}`)]);
    },
  },
  { name: 'proto-key', apply: (b, r) => Buffer.from(JSON.stringify(b ?? {}).replace(/^\{/, `{"${pick(r, ['__proto__', 'constructor', 'prototype'])}":{"isAdmin":true},`).replace(/,\}$/, '}')) },
  { name: 'unknown-field', apply: (b) => json({ ...((b ?? {}) as object), zzUnknown: 1 }) },
  { name: 'deep-json', apply: (_, r) => Buffer.from(deep(pick(r, [20, 100, 3000, 5000]), pick(r, ['array', 'object'] as const))) },
  { name: 'big-string', apply: (b, r) => json(set(b, r, 'x'.repeat(pick(r, [5_000, 99_000, 200_000])))) },
  { name: 'malformed-json', apply: (_, r) => Buffer.from(pick(r, ['{', '{"a":', '[1,', '{"a" 1}', 'nul', "{'a':1}", '{"a":1}}', '\u0000', ''])) },
  { name: 'not-an-object', apply: (_, r) => Buffer.from(pick(r, ['[]', '1', '"x"', 'null', 'true', '[{}]'])) },
  { name: 'huge-array', apply: (b, r) => json(set(b, r, Array.from({ length: 20_000 }, (_, i) => i))) },
];

const CONTENT_TYPES = ['application/json', 'application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'text/csv', 'application/xml', ''];

/** The arbitrary of one request against `ops` (every operation of every service). */
export function requestArbitrary(ops: readonly Operation[], fixtures: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  // Writes are where a malformed request can do harm: they are drawn three times as often as reads.
  const weighted = ops.flatMap((op) => (op.method === 'GET' ? [op] : [op, op, op]));
  return fc.integer({ min: 0, max: weighted.length - 1 }).chain((i) => {
    const op = weighted[i];
    return fc.boolean().chain((wellFormed) => operationRequest(op, fixtures, wellFormed));
  });
}

/**
 * One request for `op`: mostly broken in some way; `wellFormed` (half the cases) keeps the path ids known,
 * the body valid, the content type JSON and the token of the right role, so that writes are accepted too and
 * the invariants behind them (one stream per id, every accepted ballot in the ledger) get exercised.
 */
function operationRequest(op: Operation, fixtures: FuzzFixtures, wellFormed: boolean): fc.Arbitrary<FuzzRequest> {
  {
    const pathParams = op.params.filter((p) => p.in === 'path');
    const queryParams = op.params.filter((p) => p.in === 'query');
    const path = fc.tuple(...pathParams.map((p) => pathValue(p.name, fixtures, wellFormed)));
    const query = fc.tuple(
      ...queryParams.map((p) => fc.option(queryValue(p.schema, fixtures, p.name, wellFormed), { nil: undefined, freq: p.required ? 6 : 2 })),
    );
    const extraQuery = wellFormed ? fc.constant('') : fc.oneof(
      { weight: 40, arbitrary: fc.constant('') },
      { weight: 2, arbitrary: fc.constantFrom('zzUnknown=1', '__proto__=1', 'constructor[x]=1', 'a=%00', 'a=%ff') },
      { weight: 1, arbitrary: fc.constantFrom(9_000, 20_000, 100_000).map((n) => `pad=${'a'.repeat(n)}`) },
    );
    const auth = wellFormed
      ? fc.constantFrom<'right' | 'resident'>('right', 'resident')
      : fc.constantFrom<'none' | 'right' | 'resident' | 'wrong' | 'forged'>('right', 'right', 'resident', 'none', 'wrong', 'forged');
    const mutation = wellFormed ? fc.constant(0) : fc.integer({ min: 0, max: BODY_MUTATIONS.length - 1 });
    const contentType = wellFormed ? fc.constant('application/json') : fc.constantFrom(...CONTENT_TYPES);
    return fc.tuple(path, query, extraQuery, auth, mutation, contentType, fc.array(fc.nat(), { minLength: 4, maxLength: 4 })).map(([pv, qv, extra, who, m, type, draws]) => {
      let target = op.path;
      pathParams.forEach((p, k) => (target = target.replace(`{${p.name}}`, pv[k])));
      const q = queryParams.flatMap((p, k) => (qv[k] === undefined ? [] : [`${enc(p.name)}=${qv[k]}`]));
      if (extra) q.push(extra);
      if (q.length) target += `?${q.join('&')}`;
      const headers: Record<string, string> = {};
      const token = who === 'none' ? undefined : fixtures.tokens[who];
      if (token) headers.authorization = `Bearer ${token}`;
      let body: Buffer | undefined;
      let described = 'no body';
      const takesBody = op.body !== undefined || ['POST', 'PATCH', 'PUT'].includes(op.method);
      if (takesBody) {
        const rng = fromDraws(draws);
        const mut = BODY_MUTATIONS[m];
        const base = op.body && op.body.types.includes('application/json') ? withFixtures(sample(op.body.schema as never, { quiet: true, skipReadOnly: true }, op.document), fixtures) : {};
        if (op.body && !op.body.types.includes('application/json')) {
          body = Buffer.from(mut.name === 'valid' ? `resident_id,unit_id\nfuzz-${draws[0]},${fixtures.units[0]}\n` : `\u0000,${'x'.repeat(10)}\n\xff`);
          headers['content-type'] = mut.name === 'valid' ? op.body.types[0] : type;
          described = `${op.body.types[0]} ${mut.name}`;
        } else {
          body = mut.apply(base, rng);
          if (type) headers['content-type'] = type;
          described = `${mut.name} as ${type || 'no content-type'}`;
        }
      }
      return {
        service: op.service,
        method: op.method,
        target,
        headers,
        body,
        mutation: `${wellFormed ? 'well-formed, ' : ''}${who} token, ${described}`,
        operation: `${op.method} ${op.path}`,
      };
    });
  }
}

export function generateRequests(ops: readonly Operation[], fixtures: FuzzFixtures, seed: number, count: number): FuzzRequest[] {
  return fc.sample(requestArbitrary(ops, fixtures), { seed, numRuns: count });
}

export interface FuzzResponse {
  readonly status: number;
  readonly text: string;
  readonly timedOut: boolean;
  readonly ms: number;
}

/** Sends one request as raw bytes (fetch would re-encode a broken body or refuse a long URL). */
export function send(baseUrl: string, req: FuzzRequest, timeoutMs: number): Promise<FuzzResponse> {
  const started = Date.now();
  return new Promise((resolve) => {
    const headers = { ...req.headers, ...(req.body === undefined ? {} : { 'content-length': String(req.body.length) }) };
    const out = httpRequest(`${baseUrl}${req.target}`, { method: req.method, headers, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), timedOut: false, ms: Date.now() - started }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, text: '', timedOut: false, ms: Date.now() - started }));
    });
    out.on('timeout', () => {
      out.destroy();
      resolve({ status: 0, text: '', timedOut: true, ms: Date.now() - started });
    });
    out.on('error', (error) => resolve({ status: 0, text: `connection error: ${error.message}`, timedOut: false, ms: Date.now() - started }));
    if (req.body !== undefined) out.write(req.body);
    out.end();
  });
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A curl command that sends the same bytes (the body from `bodyFile`, written next to the report). */
export function curlFor(baseUrl: string, req: FuzzRequest, bodyFile?: string): string {
  const parts = ['curl', '-sS', '-i', '-X', req.method, shellQuote(`${baseUrl}${req.target}`)];
  for (const [k, v] of Object.entries(req.headers)) parts.push('-H', shellQuote(`${k}: ${v}`));
  if (bodyFile) parts.push('--data-binary', shellQuote(`@${bodyFile}`));
  return parts.join(' ');
}
