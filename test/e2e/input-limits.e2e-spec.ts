import { sql } from '../support/db';
import { send } from '../support/fuzz';
import { openApprovalRound, openRound } from '../support/round';
import { http, Stack, type ServiceName } from '../support/stack';

/** Raw bytes over HTTP (fetch would re-encode what these tests need to send broken), with the body parsed when JSON. */
async function raw(url: string, method: string, body: Buffer | string | undefined, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const { origin } = new URL(url);
  const request = { service: 'proposals' as const, method, target: url.slice(origin.length), headers, body: body === undefined ? undefined : Buffer.from(body), mutation: '', operation: '' };
  const res = await send(origin, request, 30_000);
  let parsed: unknown = res.text;
  try {
    parsed = JSON.parse(res.text);
  } catch {
    // not JSON: the text as is
  }
  return { status: res.status, body: parsed };
}

const fields = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((e) => e.field);

/** Regression tests for each cause of a 500 found by fuzzing (issue "No input can break it"). */
describe('input limits at the HTTP edge', () => {
  const stack = new Stack();
  let roundId: string;
  let proposalIds: string[];

  // A second round that stays in review, for roll imports (made on first use).
  let inReview: Promise<string> | undefined;
  const reviewRound = () => (inReview ??= openRound(stack, { stayInReview: true, proposals: [{ unitId: 'centre', cost: 100_000_00 }] }).then((r) => r.roundId));

  beforeAll(async () => {
    await stack.start();
    ({ roundId, proposalIds } = await openApprovalRound(stack, 2));
  }, 120_000);
  afterAll(() => stack.destroy());

  const count = async (service: 'proposals' | 'voting', where = 'true', params: unknown[] = []) =>
    (await sql(`SELECT count(*)::int AS n FROM "${stack.schemas[service]}".events WHERE ${where}`, params))[0].n as number;
  const admin = () => ({ token: stack.token('admin') });
  const json = { 'content-type': 'application/json' };

  describe('JSON nested 5,000 deep on the public routes', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const deepObject = '{"a":'.repeat(2000) + '1' + '}'.repeat(2000);
    it.each([
      ['proposals', '/auth/dev/token'],
      ['voting', '/rounds/:roundId/codes/sign-in'],
      ['audit', '/receipts/check'],
    ] as const)('%s POST %s → 400, never a stack overflow', async (service, path) => {
      const url = stack.url(service) + path.replace(':roundId', roundId);
      for (const body of [deep, deepObject]) {
        const res = await raw(url, 'POST', body, json);
        expect(res.status).toBe(400);
        expect(res.body.errors[0]).toEqual({ field: 'body', messages: [expect.stringContaining('nested deeper')] });
      }
    });
  });

  describe('integers beyond ±(2^53 − 1) in paths and queries', () => {
    const big = ['9223372036854775808', '-9223372036854775808', '9223372036854775807', '9007199254740993', '1e3', ''];
    const R = () => roundId ?? '00000000-0000-7000-8000-000000000000';
    const routes: [ServiceName, (v: string) => string][] = [
      ['proposals', (v) => `/rounds?offset=${v}`],
      ['proposals', (v) => `/rounds?limit=${v}`],
      ['proposals', (v) => `/rounds/${R()}/proposals?offset=${v}`],
      ['proposals', (v) => `/rounds/${R()}/proposals?minCost=${v}`],
      ['audit', (v) => `/ledger?from=${v}`],
      ['audit', (v) => `/ledger?limit=${v}`],
      ['audit', (v) => `/ledger/entries/${v}`],
      ['audit', (v) => `/ledger/checkpoints/${v}`],
      ['audit', (v) => `/ledger/checkpoints?after=${v}`],
      ['audit', (v) => `/ledger/checkpoints?limit=${v}`],
      ['audit', (v) => `/ledger/entries/${v}/proof`],
      ['audit', (v) => `/ledger/entries/0/proof?size=${v}`],
      ['audit', (v) => `/ledger/events/${R()}/proof?size=${v}`],
      ['audit', (v) => `/ledger/consistency?from=${v}`],
      ['audit', (v) => `/ledger/consistency?from=1&to=${v}`],
      ['audit', (v) => `/rounds/${R()}/bundle?size=${v}`],
      ['audit', (v) => `/rounds/${R()}/bundle/ledger.jsonl?size=${v}`],
    ];
    it.each(routes.map(([service, path]) => [service, path('N').replace(/[0-9a-f-]{36}/, ':id'), path] as const))('%s GET %s → 400 for ±2^63, 2^53+1 and non-decimals', async (service, _, path) => {
      for (const value of big) {
        const target = path(value);
        if (value === '' && !target.includes('?')) continue; // an empty path segment is another route
        const res = await http('GET', stack.url(service) + target, undefined, admin());
        expect({ target, status: res.status }).toEqual({ target, status: 400 });
        expect(res.body.message).toBe('Validation failed');
      }
    });
  });

  describe('text PostgreSQL cannot store', () => {
    const round = (name: string) => ({
      name,
      currency: 'PLN',
      units: [{ id: 'north', name: 'North', kind: 'district', budget: 100 }],
      schedule: {},
      ballot: { type: 'approval', minPicks: 1 },
      outcome: { rule: 'greedy' },
      eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
    });
    it.each([
      ['a NUL', 'Round\u0000one'],
      ['a lone high surrogate', 'Round \ud800 one'],
      ['a lone low surrogate', 'Round \udc00'],
    ])('a round name with %s → 400 naming the field, no event', async (_, name) => {
      const before = await count('proposals');
      const res = await raw(`${stack.url('proposals')}/rounds`, 'POST', JSON.stringify(round(name)), { ...json, authorization: `Bearer ${stack.token('admin')}` });
      expect(res.status).toBe(400);
      expect(fields(res.body)).toEqual(['name']);
      const patch = await raw(`${stack.url('proposals')}/rounds/${roundId}`, 'PATCH', JSON.stringify({ name }), { ...json, authorization: `Bearer ${stack.token('admin')}` });
      expect(patch.status).toBe(400);
      expect(await count('proposals')).toBe(before);
    });

    it('invalid UTF-8 in a body → 400 naming the field, not stored as U+FFFD', async () => {
      const before = await count('proposals');
      const body = Buffer.concat([Buffer.from('{"name":"Round '), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
      const res = await raw(`${stack.url('proposals')}/rounds/${roundId}`, 'PATCH', body, { ...json, authorization: `Bearer ${stack.token('admin')}` });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'name', messages: ['name is not valid UTF-8'] }]);
      expect(await count('proposals')).toBe(before);
    });

    it.each([
      ['%00', 'q'],
      ['a%ff', 'q'],
      ['%ed%a0%80', 'q'],
    ])('GET /rounds/:id/proposals?q=%s → 400 naming q', async (value, field) => {
      const res = await http('GET', `${stack.url('proposals')}/rounds/${roundId}/proposals?q=${value}`);
      expect(res.status).toBe(400);
      expect(fields(res.body)).toEqual([field]);
    });

    it('a NUL in a path segment → 400', async () => {
      const res = await http('GET', `${stack.url('voting')}/rounds/${roundId}/results/nor%00th`);
      expect(res.status).toBe(400);
    });
  });

  describe('one form of a UUID', () => {
    it('an uppercase round id is the same round: the ballot lands in the lower-case stream, never a second one', async () => {
      const V = stack.url('voting');
      const upper = roundId.toUpperCase();
      const voter = { token: stack.token('resident', 'resident-7') };
      const cast = await http('POST', `${V}/rounds/${upper}/ballots`, { unitId: 'centre', choices: [proposalIds[0].toUpperCase()] }, voter);
      expect(cast.status).toBe(201);
      const revise = await http('POST', `${V}/rounds/${roundId}/ballots`, { unitId: 'centre', choices: [proposalIds[1]] }, voter);
      expect(revise.status).toBe(201);
      const streams = await sql(`SELECT DISTINCT stream_id, round_id FROM "${stack.schemas.voting}".events WHERE stream_id LIKE 'ballot-%'`);
      expect(streams).toHaveLength(1);
      expect(streams[0].stream_id).toBe(streams[0].stream_id.toLowerCase());
      const ballots = await sql(`SELECT payload FROM "${stack.schemas.voting}".events WHERE type = 'BallotCast' ORDER BY stream_version`);
      expect(ballots).toHaveLength(2);
      expect(await count('voting', `round_id <> lower(round_id) OR stream_id <> lower(stream_id)`)).toBe(0);
      const mine = await http('GET', `${V}/rounds/${upper}/ballots/mine`, undefined, voter);
      expect(mine.status).toBe(200);
    });

    it.each([
      ['braced', (id: string) => `{${id}}`],
      ['urn', (id: string) => `urn:uuid:${id}`],
      ['unhyphenated', (id: string) => id.replace(/-/g, '')],
    ])('a %s round id → 400 and nothing written', async (_, form) => {
      const before = await count('voting');
      const voter = { token: stack.token('resident', 'resident-8') };
      const res = await http('POST', `${stack.url('voting')}/rounds/${encodeURIComponent(form(roundId))}/ballots`, { unitId: 'centre', choices: [proposalIds[0]] }, voter);
      expect(res.status).toBe(400);
      const body = await http('POST', `${stack.url('voting')}/rounds/${roundId}/ballots`, { unitId: 'centre', choices: [form(proposalIds[0])] }, voter);
      expect(body.status).toBe(400);
      expect(await count('voting')).toBe(before);
    });

    it('uppercase ids in roll import, paper batches and the ledger filter are the canonical ones', async () => {
      const V = stack.url('voting');
      const upper = roundId.toUpperCase();
      // The roll freezes when voting opens (four eyes after that): import into a round still in review.
      const roll = await http('POST', `${V}/rounds/${(await reviewRound()).toUpperCase()}/voters/roll`, { csv: 'resident_id,unit_id\nR-upper,centre\n' }, admin());
      expect(roll.status).toBe(200);
      const batch = await http('POST', `${V}/rounds/${upper}/paper-batches`, { unitId: 'centre', label: 'Upper' }, { token: stack.token(['staff']) });
      expect([201, 400, 409]).toContain(batch.status);
      if (batch.status === 201) {
        const batchId: string = batch.body.batchId;
        const got = await http('GET', `${V}/rounds/${roundId}/paper-batches/${batchId.toUpperCase()}`, undefined, { token: stack.token('staff') });
        expect(got.status).toBe(200);
      }
      expect(await count('voting', `round_id <> lower(round_id) OR stream_id <> lower(stream_id)`)).toBe(0);
      const ledger = await http('GET', `${stack.url('audit')}/ledger?roundId=${upper}`);
      expect(ledger.status).toBe(200);
    });
  });

  describe('one rule for unknown keys', () => {
    it.each(['__proto__', 'constructor', 'prototype'])('a %s key in a body → 400 naming it, like any unknown field', async (key) => {
      const before = await count('proposals');
      const body = `{"name":"Renamed","${key}":{"polluted":true}}`;
      const res = await raw(`${stack.url('proposals')}/rounds/${roundId}`, 'PATCH', body, { ...json, authorization: `Bearer ${stack.token('admin')}` });
      expect(res.status).toBe(400);
      expect(fields(res.body)).toEqual([key]);
      expect(res.body.errors[0].messages).toEqual([`property ${key} should not exist`]);
      const nested = `{"eventId":"${proposalIds[0]}","leafHash":"${'0'.repeat(64)}","x":{"${key}":1}}`;
      const deep = await raw(`${stack.url('audit')}/receipts/check`, 'POST', nested, json);
      expect(deep.status).toBe(400);
      expect(fields(deep.body)).toEqual([`x.${key}`]);
      expect(await count('proposals')).toBe(before);
    });
  });

  describe('content types and sizes', () => {
    it('a JSON body sent as text/plain to PATCH /rounds/:id → 415, nothing changed', async () => {
      const before = await count('proposals');
      const res = await raw(`${stack.url('proposals')}/rounds/${roundId}`, 'PATCH', JSON.stringify({ name: 'Plain' }), {
        'content-type': 'text/plain',
        authorization: `Bearer ${stack.token('admin')}`,
      });
      expect(res.status).toBe(415);
      expect(res.body.message).toContain('application/json');
      expect(await count('proposals')).toBe(before);
    });

    it.each(['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1'])(
      'POST /rounds as %s → 415',
      async (type) => {
        const res = await raw(`${stack.url('proposals')}/rounds`, 'POST', 'name=x', { 'content-type': type, authorization: `Bearer ${stack.token('admin')}` });
        expect(res.status).toBe(415);
      },
    );

    it('a body without a content type → 415; a CSV roll still goes to roll.csv as text/csv', async () => {
      const none = await raw(`${stack.url('proposals')}/rounds`, 'POST', '{}', { authorization: `Bearer ${stack.token('admin')}` });
      expect(none.status).toBe(415);
      const csv = await raw(`${stack.url('voting')}/rounds/${await reviewRound()}/voters/roll.csv`, 'POST', 'resident_id,unit_id\nR-csv,centre\n', {
        'content-type': 'text/csv',
        authorization: `Bearer ${stack.token('admin')}`,
      });
      expect(csv.status).toBe(200);
      const jsonToCsv = await raw(`${stack.url('voting')}/rounds/${roundId}/voters/roll.csv`, 'POST', '{}', { ...json, authorization: `Bearer ${stack.token('admin')}` });
      expect(jsonToCsv.status).toBe(415);
    });

    it('limits are per route: 20 KB is too much for the development token route, not for a round', async () => {
      const padded = JSON.stringify({ sub: 'resident-1', roles: ['resident'], pad: 'x'.repeat(20 * 1024) });
      const token = await raw(`${stack.url('proposals')}/auth/dev/token`, 'POST', padded, json);
      expect(token.status).toBe(413);
      expect(token.body.message).toBe('the request body is larger than 16384 bytes, the limit of POST /auth/dev/token');
      const patch = await raw(`${stack.url('proposals')}/rounds/${roundId}`, 'PATCH', JSON.stringify({ name: 'x', pad: 'x'.repeat(20 * 1024) }), {
        ...json,
        authorization: `Bearer ${stack.token('admin')}`,
      });
      expect(patch.status).toBe(400);
      expect(fields(patch.body)).toEqual(['pad']);
    });

    it.each([
      ['invalid UTF-8', Buffer.concat([Buffer.from('resident_id,unit_id\nR-'), Buffer.from([0xff, 0xfe]), Buffer.from(',centre\n')]), /not valid UTF-8/],
      ['a NUL', Buffer.from('resident_id,unit_id\nR-\u0000x,centre\n'), /NUL/],
      ['a cut character at the end', Buffer.concat([Buffer.from('resident_id,unit_id\nR-9,centre\n'), Buffer.from([0xc5])]), /ends inside a character/],
    ])('a text/csv roll with %s → 400, nobody registered', async (_, body, message) => {
      const before = await count('voting');
      const res = await raw(`${stack.url('voting')}/rounds/${roundId}/voters/roll.csv`, 'POST', body, {
        'content-type': 'text/csv',
        authorization: `Bearer ${stack.token('admin')}`,
      });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'body', messages: [expect.stringMatching(message)] }]);
      expect(await count('voting')).toBe(before);
    });

    it('the JSON roll is a bulk route: 1 MB (ten times the default) is imported, over 10 MiB is 413 pointing at roll.csv', async () => {
      const V = stack.url('voting');
      const review = await reviewRound();
      const lines = Array.from({ length: 50_000 }, (_, i) => `R-bulk-${String(i).padStart(6, '0')},centre`).join('\n');
      const body = JSON.stringify({ csv: `resident_id,unit_id\n${lines}\n` });
      expect(body.length).toBeGreaterThan(10 * 100 * 1024);
      const ok = await raw(`${V}/rounds/${review}/voters/roll`, 'POST', body, { ...json, authorization: `Bearer ${stack.token('admin')}` });
      expect(ok.status).toBe(200);
      const before = await count('voting');
      const huge = JSON.stringify({ csv: `resident_id,unit_id\n${'R-x,centre\n'.repeat(1_000_000)}` });
      expect(huge.length).toBeGreaterThan(10 * 1024 * 1024);
      const refused = await raw(`${V}/rounds/${review}/voters/roll`, 'POST', huge, { ...json, authorization: `Bearer ${stack.token('admin')}` });
      expect(refused.status).toBe(413);
      expect(refused.body).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        message:
          'the request body is larger than 10485760 bytes, the limit of POST /rounds/:roundId/voters/roll; send a larger roll as text/csv to POST /rounds/:roundId/voters/roll.csv (up to 50 MB)',
      });
      expect(await count('voting')).toBe(before);
    });

    it('any other command route keeps the 100 KiB default: 413 naming the route, not 500, nothing written', async () => {
      const before = await count('proposals');
      const res = await raw(`${stack.url('proposals')}/rounds/${roundId}/proposals`, 'POST', JSON.stringify({ unitId: 'centre', title: 'Big', description: 'x'.repeat(200 * 1024), estimatedCost: 1 }), {
        ...json,
        authorization: `Bearer ${stack.token('resident')}`,
      });
      expect(res.status).toBe(413);
      expect(res.body.message).toBe('the request body is larger than 102400 bytes, the limit of POST /rounds/:roundId/proposals');
      expect(await count('proposals')).toBe(before);
    });

    it('a 1 MB body → 413 with a message', async () => {
      const res = await raw(`${stack.url('audit')}/receipts/check`, 'POST', JSON.stringify({ eventId: 'x'.repeat(1024 * 1024) }), json);
      expect(res.status).toBe(413);
      expect(res.body.message).toContain('larger than');
    });

    it.each([
      [20 * 1024, [414, 431]],
      [100 * 1024, [431]],
      [10 * 1024, [414]],
    ])('a %d-byte query string → %j with a JSON body, not a connection reset', async (size, statuses) => {
      const res = await raw(`${stack.url('proposals')}/rounds?q=${'a'.repeat(size)}`, 'GET', undefined);
      expect(statuses).toContain(res.status);
      expect(res.body).toMatchObject({ statusCode: res.status, message: expect.any(String) });
    });
  });
});
