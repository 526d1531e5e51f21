import { sql } from '../support/db';
import { openApprovalRound } from '../support/round';
import { http, Stack } from '../support/stack';

/** Bad input gets 400 with field-level messages, never a 500, and writes nothing. */
describe('REST input validation', () => {
  const stack = new Stack();
  let roundId: string;
  let proposalIds: string[];

  beforeAll(async () => {
    await stack.start();
    ({ roundId, proposalIds } = await openApprovalRound(stack, 2));
  });
  afterAll(() => stack.destroy());

  const countEvents = async (service: 'proposals' | 'voting') =>
    (await sql(`SELECT count(*)::int AS n FROM "${stack.schemas[service]}".events`))[0].n as number;

  const admin = () => ({ token: stack.token('admin') });
  const staff = () => ({ token: stack.token('staff') });
  const resident = (id: string) => ({ token: stack.token('resident', id) });

  const validRound = {
    name: 'Round',
    currency: 'PLN',
    units: [{ id: 'north', name: 'North', kind: 'district', budget: 100 }],
    schedule: {},
    ballot: { type: 'approval', minPicks: 1 },
    outcome: { rule: 'greedy' },
    eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
  };

  const cases: [string, unknown, string[]][] = [
    ['missing fields', {}, ['name', 'currency', 'units', 'ballot', 'outcome', 'eligibility']],
    ['wrong types', { ...validRound, name: 42, units: 'north' }, ['name', 'units']],
    ['negative budget', { ...validRound, units: [{ id: 'north', name: 'North', kind: 'district', budget: -5 }] }, ['units.0.budget']],
    ['fractional money', { ...validRound, units: [{ id: 'north', name: 'North', kind: 'district', budget: 10.5 }] }, ['units.0.budget']],
    ['unknown field', { ...validRound, admin: true }, ['admin']],
    ['unknown nested field', { ...validRound, ballot: { type: 'approval', minPicks: 1, secret: 1 } }, ['ballot.secret']],
    ['bad enum', { ...validRound, outcome: { rule: 'coin-toss' } }, ['outcome.rule']],
    // Names go into one-line places (.pb fields, CSV, headings): a line break or a control character is refused.
    ['a name with a line break', { ...validRound, name: 'Green\nBudget' }, ['name']],
    ['a unit name with a control character', { ...validRound, units: [{ id: 'north', name: 'No\u0007rth', kind: 'district', budget: 100 }] }, ['units.0.name']],
  ];

  it.each(cases)('POST /rounds with %s → 400 naming the fields, nothing written', async (_, body, fields) => {
    const before = await countEvents('proposals');
    const res = await http('POST', `${stack.url('proposals')}/rounds`, body, admin());
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('Validation failed');
    const named = res.body.errors.map((e: { field: string }) => e.field);
    for (const field of fields) expect(named).toContain(field);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
    expect(await countEvents('proposals')).toBe(before);
  });

  it('rejects a negative or missing cost on accept, and malformed JSON', async () => {
    const P = stack.url('proposals');
    const before = await countEvents('proposals');
    const neg = await http('POST', `${P}/rounds/${roundId}/proposals/${proposalIds[0]}/accept`, { cost: -1, reason: 'x' }, staff());
    expect(neg.status).toBe(400);
    expect(neg.body.errors.map((e: { field: string }) => e.field)).toEqual(['cost']);
    const missing = await http('POST', `${P}/rounds/${roundId}/proposals`, { title: 'x' }, resident('r1'));
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['unitId', 'description', 'estimatedCost']));
    const malformed = await http('POST', `${P}/rounds`, '{"name": ', admin());
    expect(malformed.status).toBe(400);
    const badId = await http('GET', `${P}/rounds/not-a-uuid`);
    expect(badId.status).toBe(400);
    expect(await countEvents('proposals')).toBe(before);
  });

  it('refuses a title, location or reason with a line break or control character: 400 naming the field, nothing written', async () => {
    const P = stack.url('proposals');
    const round = await http('POST', `${P}/rounds`, { ...validRound, units: [{ id: 'centre', name: 'Centre', kind: 'district', budget: 1000 }] }, admin());
    expect((await http('POST', `${P}/rounds/${round.body.roundId}/phase`, { to: 'submission' }, admin())).status).toBe(200);
    const before = await countEvents('proposals');
    const submit = (extra: object) =>
      http('POST', `${P}/rounds/${round.body.roundId}/proposals`, { unitId: 'centre', title: 'Trees', description: 'Two\nlines are fine here.', estimatedCost: 100, ...extra }, resident('r1'));
    for (const [extra, field] of [
      [{ title: 'Trees\nand benches' }, 'title'],
      [{ title: 'Trees\r' }, 'title'],
      [{ title: 'Trees\u2028more' }, 'title'],
      [{ title: 'Tab\tbed' }, 'title'],
      [{ location: 'Market\nStreet' }, 'location'],
    ] as const) {
      const res = await submit(extra);
      expect({ extra, status: res.status }).toEqual({ extra, status: 400 });
      expect(res.body.errors).toEqual([{ field, messages: [`${field} must be one line, without line breaks, tabs or other control characters`] }]);
    }
    const reject = await http('POST', `${P}/rounds/${roundId}/proposals/${proposalIds[0]}/reject`, { reason: 'No.\nReally.' }, staff());
    expect(reject.status).toBe(400);
    expect(reject.body.errors.map((e: { field: string }) => e.field)).toEqual(['reason']);
    expect(await countEvents('proposals')).toBe(before);
    // A description may have paragraphs: it is not written into one-line places.
    expect((await submit({})).status).toBe(201);
  });

  it('rejects ballots that break the round rules with field-level reasons, writing nothing', async () => {
    const V = stack.url('voting');
    const before = await countEvents('voting');
    const voter = resident('resident-1');
    const empty = await http('POST', `${V}/rounds/${roundId}/ballots`, { unitId: 'centre', choices: [] }, voter);
    expect(empty.status).toBe(400);
    expect(empty.body.errors).toEqual([{ field: 'choices', messages: [expect.stringContaining('at least 1')] }]);
    const foreign = await http('POST', `${V}/rounds/${roundId}/ballots`, { unitId: 'centre', choices: ['01a213b9-e160-74c6-922f-0c4fc84cb309'] }, voter);
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors[0].field).toBe('choices');
    const dup = await http('POST', `${V}/rounds/${roundId}/ballots`, { unitId: 'centre', choices: [proposalIds[0], proposalIds[0]] }, voter);
    expect(dup.status).toBe(400);
    const unit = await http('POST', `${V}/rounds/${roundId}/ballots`, { unitId: 'south', choices: [proposalIds[0]] }, voter);
    expect(unit.status).toBe(400);
    expect(unit.body.errors[0].field).toBe('unitId');
    const extra = await http('POST', `${V}/rounds/${roundId}/ballots`, { unitId: 'centre', choices: [proposalIds[0]], weight: 2 }, voter);
    expect(extra.status).toBe(400);
    expect(extra.body.errors[0].field).toBe('weight');
    expect(await countEvents('voting')).toBe(before);
  });

  it('answers a refused command with 409 and its reason, and an unknown round with 404', async () => {
    const P = stack.url('proposals');
    const back = await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'submission' }, admin());
    expect(back.status).toBe(409);
    expect(back.body).toMatchObject({ code: 'phase-order', message: expect.stringContaining('forward') });
    const late = await http('POST', `${P}/rounds/${roundId}/proposals`, { unitId: 'centre', title: 'Too late', description: '', estimatedCost: 1 }, resident('a'));
    expect(late.status).toBe(409);
    const none = await http('GET', `${P}/rounds/01a213b9-e160-74c6-922f-0c4fc84cb309`);
    expect(none.status).toBe(404);
  });
});

describe('concurrent commands on one stream', () => {
  const stack = new Stack();
  beforeAll(() => stack.start('proposals'));
  afterAll(() => stack.destroy());

  it('lets exactly one of many concurrent phase changes win; the others get 409', async () => {
    const P = stack.url('proposals');
    const admin = { token: stack.token('admin') };
    for (let attempt = 0; attempt < 5; attempt++) {
      const round = await http(
        'POST',
        `${P}/rounds`,
        {
          name: 'R',
          currency: 'EUR',
          units: [{ id: 'a', name: 'A', kind: 'district', budget: 1 }],
          schedule: {},
          ballot: { type: 'approval', minPicks: 1 },
          outcome: { rule: 'greedy' },
          eligibility: { mode: 'codes', paperPolicy: 'refuse-if-voted-online' },
        },
        admin,
      );
      const results = await Promise.all(Array.from({ length: 10 }, () => http('POST', `${P}/rounds/${round.body.roundId}/phase`, { to: 'review' }, admin)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(results.filter((r) => r.status === 409)).toHaveLength(9);
      const events = await sql(`SELECT stream_version FROM "${stack.schemas.proposals}".events WHERE stream_id = $1 ORDER BY stream_version`, [
        `round-${round.body.roundId}`,
      ]);
      expect(events.map((e) => e.stream_version)).toEqual([1, 2]);
      // At least once over the attempts the losers lost the race in the database (optimistic concurrency),
      // not only by reading the new phase: their 409 carries the stream versions.
      if (results.some((r) => r.status === 409 && r.body.expectedVersion !== undefined)) return;
    }
    throw new Error('no attempt produced a version conflict; the race was never exercised');
  });
});
