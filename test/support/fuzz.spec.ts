import { createHash } from 'node:crypto';
import { generateRequests, operationsOf, type FuzzFixtures } from './fuzz';

const document = {
  openapi: '3.0.0',
  paths: {
    '/rounds/{roundId}/ballots': {
      post: {
        parameters: [{ name: 'roundId', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['unitId', 'choices'],
                properties: { unitId: { type: 'string', example: 'north' }, choices: { type: 'array', items: { type: 'string', format: 'uuid' } } },
              },
            },
          },
        },
        security: [{ bearer: [] }],
      },
    },
    '/ledger': { get: { parameters: [{ name: 'from', in: 'query', required: false, schema: { type: 'number' } }] } },
  },
};
const ROUND = '01900000-0000-7000-8000-000000000001';
const PROPOSAL = '01900000-0000-7000-8000-000000000002';
const fixtures: FuzzFixtures = {
  ids: { roundId: [ROUND], proposalId: [PROPOSAL] },
  units: ['centre'],
  voters: ['resident-1'],
  files: [],
  tokens: { right: 'right', resident: 'resident', wrong: 'wrong', forged: 'forged' },
};

describe('the OpenAPI fuzz generator', () => {
  const ops = operationsOf('voting', document);

  it('reads the operations, their parameters and body schema in a stable order', () => {
    expect(ops.map((o) => `${o.method} ${o.path}`)).toEqual(['GET /ledger', 'POST /rounds/{roundId}/ballots']);
    expect(ops[1]).toMatchObject({ secured: true, body: { types: ['application/json'] }, params: [{ name: 'roundId', in: 'path', required: true }] });
  });

  it('is reproducible from its seed, and another seed gives other requests', () => {
    const digest = (seed: number) =>
      generateRequests(ops, fixtures, seed, 200).map((r) => `${r.method} ${r.target} ${JSON.stringify(r.headers)} ${r.body ? createHash('sha256').update(r.body).digest('hex') : '-'}`);
    const a = digest(42);
    expect(digest(42)).toEqual(a);
    expect(digest(43)).not.toEqual(a);
  });

  it('covers well-formed requests (with the fixtures in place) and every kind of breakage', () => {
    const requests = generateRequests(ops, fixtures, 7, 3000);
    const kinds = new Set(requests.map((r) => r.mutation.replace(/^(well-formed, )?\w+ token, /, '').replace(/ as .*$/, '')));
    for (const kind of ['valid', 'missing-field', 'wrong-type', 'unsafe-number', 'nul', 'lone-surrogate', 'invalid-utf8', 'proto-key', 'deep-json', 'big-string', 'malformed-json']) {
      expect(kinds).toContain(kind);
    }
    const good = requests.find((r) => r.mutation.startsWith('well-formed') && r.method === 'POST' && r.target === `/rounds/${ROUND}/ballots`);
    expect(JSON.parse(good!.body!.toString())).toEqual({ unitId: 'centre', choices: [PROPOSAL] });
    expect(requests.some((r) => r.target === `/rounds/${ROUND.toUpperCase()}/ballots`)).toBe(true);
    expect(requests.some((r) => r.target.length > 16 * 1024)).toBe(true);
    expect(requests.some((r) => r.headers.authorization === undefined)).toBe(true);
    expect(requests.some((r) => /from=(9223372036854775808|9007199254740993)/.test(r.target))).toBe(true);
  });
});
