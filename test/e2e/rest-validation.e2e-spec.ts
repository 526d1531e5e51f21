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

  const validRound = {
    name: 'Round',
    currency: 'PLN',
    districts: [{ id: 'north', name: 'North', budget: 100 }],
    ballot: { type: 'approval', minPicks: 1 },
    rule: 'greedy',
  };

  const cases: [string, unknown, string[]][] = [
    ['missing fields', {}, ['name', 'currency', 'districts', 'ballot', 'rule']],
    ['wrong types', { ...validRound, name: 42, districts: 'north' }, ['name', 'districts']],
    ['negative budget', { ...validRound, districts: [{ id: 'north', name: 'North', budget: -5 }] }, ['districts.0.budget']],
    ['fractional money', { ...validRound, districts: [{ id: 'north', name: 'North', budget: 10.5 }] }, ['districts.0.budget']],
    ['unknown field', { ...validRound, admin: true }, ['admin']],
    ['unknown nested field', { ...validRound, ballot: { type: 'approval', minPicks: 1, secret: 1 } }, ['ballot.secret']],
    ['bad enum', { ...validRound, rule: 'coin-toss' }, ['rule']],
  ];

  it.each(cases)('POST /rounds with %s → 400 naming the fields, nothing written', async (_, body, fields) => {
    const before = await countEvents('proposals');
    const res = await http('POST', `${stack.url('proposals')}/rounds`, body);
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
    const neg = await http('POST', `${P}/rounds/${roundId}/proposals/${proposalIds[0]}/accept`, { cost: -1, reason: 'x' });
    expect(neg.status).toBe(400);
    expect(neg.body.errors.map((e: { field: string }) => e.field)).toEqual(['cost']);
    const missing = await http('POST', `${P}/rounds/${roundId}/proposals`, { title: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['districtId', 'title', 'description', 'estimatedCost', 'authorId']),
    );
    const malformed = await http('POST', `${P}/rounds`, '{"name": ');
    expect(malformed.status).toBe(400);
    const badId = await http('GET', `${P}/rounds/not-a-uuid`);
    expect(badId.status).toBe(400);
    expect(await countEvents('proposals')).toBe(before);
  });

  it('rejects ballots that break the round rules with field-level reasons, writing nothing', async () => {
    const V = stack.url('voting');
    const before = await countEvents('voting');
    const empty = await http('POST', `${V}/rounds/${roundId}/ballots`, { residentId: 'r1', districtId: 'centre', approvals: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.errors).toEqual([{ field: 'approvals', messages: [expect.stringContaining('at least 1')] }]);
    const foreign = await http('POST', `${V}/rounds/${roundId}/ballots`, {
      residentId: 'r1',
      districtId: 'centre',
      approvals: ['01a213b9-e160-74c6-922f-0c4fc84cb309'],
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors[0].field).toBe('approvals');
    const dup = await http('POST', `${V}/rounds/${roundId}/ballots`, { residentId: 'r1', districtId: 'centre', approvals: [proposalIds[0], proposalIds[0]] });
    expect(dup.status).toBe(400);
    const district = await http('POST', `${V}/rounds/${roundId}/ballots`, { residentId: 'r1', districtId: 'south', approvals: [proposalIds[0]] });
    expect(district.status).toBe(400);
    expect(district.body.errors[0].field).toBe('districtId');
    const extra = await http('POST', `${V}/rounds/${roundId}/ballots`, { residentId: 'r1', districtId: 'centre', approvals: [proposalIds[0]], weight: 2 });
    expect(extra.status).toBe(400);
    expect(extra.body.errors[0].field).toBe('weight');
    expect(await countEvents('voting')).toBe(before);
  });

  it('answers a refused command with 409 and its reason, and an unknown round with 404', async () => {
    const P = stack.url('proposals');
    const back = await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'submission' });
    expect(back.status).toBe(409);
    expect(back.body).toMatchObject({ code: 'phase-order', message: expect.stringContaining('forward') });
    const late = await http('POST', `${P}/rounds/${roundId}/proposals`, {
      districtId: 'centre',
      title: 'Too late',
      description: '',
      estimatedCost: 1,
      authorId: 'a',
    });
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
    for (let attempt = 0; attempt < 5; attempt++) {
      const round = await http('POST', `${P}/rounds`, {
        name: 'R',
        currency: 'EUR',
        districts: [{ id: 'a', name: 'A', budget: 1 }],
        ballot: { type: 'approval', minPicks: 1 },
        rule: 'greedy',
      });
      const results = await Promise.all(Array.from({ length: 10 }, () => http('POST', `${P}/rounds/${round.body.roundId}/phase`, { to: 'review' })));
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
