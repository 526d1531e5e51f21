import { ProposalsStack, roundConfig } from './support';

jest.setTimeout(60_000);

describe('proposals service: rounds (e2e)', () => {
  const stack = new ProposalsStack();
  const admin = () => stack.api('admin');

  beforeAll(() => stack.start('proposals'));
  afterAll(() => stack.destroy());

  async function createRound(overrides = {}): Promise<string> {
    const res = await admin().post('/rounds', roundConfig(overrides));
    expect(res.status).toBe(201);
    return res.body.roundId;
  }

  it('creates a fully configured round as a draft that only administrators and staff see', async () => {
    const config = roundConfig({
      schedule: { submissionOpensAt: '2028-02-01T08:00:00Z', votingOpensAt: '2028-04-01T08:00:00Z', votingClosesAt: '2028-04-15T20:00:00Z' },
      ballot: { type: 'ranked', minPicks: 1, maxPicks: 3, rankPoints: [5, 3, 1] },
      outcome: { rule: 'equalshares/add1', reserveFraction: '0.9', reportTies: true },
      eligibility: { mode: 'codes', paperPolicy: 'paper-overrides-online' },
    });
    const created = await admin().post('/rounds', config);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ version: 1, phase: 'draft', events: ['RoundCreated'] });
    const roundId = created.body.roundId;

    const round = await admin().get(`/rounds/${roundId}`);
    expect(round.status).toBe(200);
    expect(round.body).toMatchObject({ roundId, config, phase: 'draft', nextScheduledAt: '2028-02-01T08:00:00Z', version: 1 });
    expect(round.body.editable).toEqual(['name', 'description', 'currency', 'units', 'schedule', 'ballot', 'outcome', 'eligibility', 'comments', 'support']);

    expect((await stack.api().get(`/rounds/${roundId}`)).status).toBe(404);
    expect((await stack.api('resident').get(`/rounds/${roundId}`)).status).toBe(404);
    expect((await stack.api('staff').get(`/rounds/${roundId}`)).status).toBe(200);
    const publicList = await stack.api().get('/rounds');
    expect(publicList.body.items.map((r: any) => r.roundId)).not.toContain(roundId);
    const adminList = await admin().get('/rounds?phase=draft');
    expect(adminList.body.items.map((r: any) => r.roundId)).toContain(roundId);
  });

  it('lets only administrators configure rounds', async () => {
    expect((await stack.api().post('/rounds', roundConfig())).status).toBe(401);
    expect((await stack.api('resident').post('/rounds', roundConfig())).status).toBe(403);
    expect((await stack.api('staff').post('/rounds', roundConfig())).status).toBe(403);
    const roundId = await createRound();
    expect((await stack.api('staff').patch(`/rounds/${roundId}`, { name: 'x' })).status).toBe(403);
    expect((await stack.api('staff').post(`/rounds/${roundId}/phase`, { to: 'submission' })).status).toBe(403);
  });

  it('answers bad input with 400 and the fields, and writes nothing', async () => {
    const before = await stack.eventCount();
    const res = await admin().post('/rounds', {
      ...roundConfig(),
      currency: 'zloty',
      units: [{ id: 'North', name: 'North', kind: 'ward', budget: 10.5 }],
      ballot: { type: 'borda' },
      outcome: { rule: 'greedy', reserveFraction: 0.8 },
      eligibility: { mode: 'roll' },
      schedule: { votingOpensAt: 'tomorrow' },
      colour: 'green',
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('Validation failed');
    const fields = res.body.errors.map((e: any) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'currency',
        'units.0.id',
        'units.0.kind',
        'units.0.budget',
        'ballot.type',
        'outcome.reserveFraction',
        'eligibility.paperPolicy',
        'schedule.votingOpensAt',
        'colour',
      ]),
    );
    expect(res.body.errors.find((e: any) => e.field === 'units.0.budget').messages[0]).toMatch(/minor units/);
    const patch = await admin().patch(`/rounds/${await createRound()}`, { ballot: { type: 'approval', minPicks: 0 } });
    expect(patch.status).toBe(400);
    expect(patch.body.errors.map((e: any) => e.field)).toEqual(['ballot.minPicks']);
    expect(await stack.eventCount()).toBe(before + 1);
  });

  it('refuses incoherent settings with 409, the field and the reason, and writes nothing', async () => {
    const before = await stack.eventCount();
    const cases: [object, string, RegExp][] = [
      [{ ballot: { type: 'approval', minPicks: 3, maxPicks: 2 } }, 'ballot.maxPicks', /at least minPicks/],
      [{ ballot: { type: 'ranked', maxPicks: 3, rankPoints: [2, 1] } }, 'ballot.rankPoints', /one value per place/],
      [{ outcome: { rule: 'phragmen', threshold: 10 } }, 'outcome.threshold', /greedy-threshold rule only/],
      [{ units: [{ id: 'a', name: 'A', kind: 'district', budget: 1 }, { id: 'a', name: 'B', kind: 'category', budget: 1 }] }, 'units.1.id', /unique/],
    ];
    for (const [overrides, field, reason] of cases) {
      const res = await admin().post('/rounds', roundConfig(overrides));
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'invalid-config', field });
      expect(res.body.message).toMatch(reason);
    }
    expect(await stack.eventCount()).toBe(before);
  });

  it('edits anything in draft; each change is a RoundConfigured event that says what changed', async () => {
    const roundId = await createRound();
    const units = [{ id: 'north', name: 'North', kind: 'district', budget: 3_000_000_00 }];
    const res = await admin().patch(`/rounds/${roundId}`, { units, ballot: { type: 'knapsack', maxSumCost: 1_000_000_00 }, eligibility: undefined });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 2, events: ['RoundConfigured'] });
    const again = await admin().patch(`/rounds/${roundId}`, { units });
    expect(again.body).toMatchObject({ version: 2, events: [] });

    const round = await admin().get(`/rounds/${roundId}`);
    expect(round.headers.etag).toBe('"2"');
    expect(round.body.config.units).toEqual(units);
    expect(round.body.config.ballot).toEqual({ type: 'knapsack', maxSumCost: 1_000_000_00 });
    expect(round.body.config.eligibility).toEqual(roundConfig().eligibility);
    // Optimistic concurrency for editors: the version as ETag, If-Match honoured.
    const stale = await stack.api('admin', { 'If-Match': '"1"' }).patch(`/rounds/${roundId}`, { name: 'Based on an old read' });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
    expect((await stack.api('admin', { 'If-Match': 'v2' }).patch(`/rounds/${roundId}`, { name: 'x' })).status).toBe(400);
    const history = await admin().get(`/rounds/${roundId}/history`);
    expect(history.body.map((e: any) => e.type)).toEqual(['RoundCreated', 'RoundConfigured']);
    expect(history.body[1].payload.changed).toEqual(['units', 'ballot']);
    expect(history.body.map((e: any) => e.payload.actorId)).toEqual(['test-admin', 'test-admin']);
    expect(history.body[1].payload.config.units).toEqual(units);
  });

  it('locks units in submission and the ballot and outcome rules once voting opens, refusing with the reason and writing nothing', async () => {
    const roundId = await createRound();
    expect((await admin().post(`/rounds/${roundId}/phase`, { to: 'submission' })).body).toMatchObject({ phase: 'submission', events: ['RoundPhaseChanged'] });

    let before = await stack.eventCount();
    const units = await admin().patch(`/rounds/${roundId}`, { units: [{ id: 'north', name: 'North', kind: 'district', budget: 1 }] });
    expect(units.status).toBe(409);
    expect(units.body).toMatchObject({ code: 'locked', field: 'units' });
    expect(units.body.message).toMatch(/^units cannot be changed in phase submission: .*only while the round is a draft/);
    expect(await stack.eventCount()).toBe(before);

    const ballot = await admin().patch(`/rounds/${roundId}`, { ballot: { type: 'approval', minPicks: 1, maxPicks: 5 }, outcome: { rule: 'equalshares' } });
    expect(ballot.status).toBe(200);
    expect((await admin().post(`/rounds/${roundId}/phase`, { to: 'voting' })).status).toBe(200);

    before = await stack.eventCount();
    for (const [changes, key] of [
      [{ ballot: { type: 'approval', minPicks: 1, maxPicks: 2 } }, 'ballot'],
      [{ outcome: { rule: 'phragmen' } }, 'outcome'],
      [{ eligibility: { mode: 'codes', paperPolicy: 'paper-overrides-online' } }, 'eligibility'],
    ] as const) {
      const res = await admin().patch(`/rounds/${roundId}`, changes);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'locked', field: key });
      expect(res.body.message).toMatch(new RegExp(`^${key} cannot be changed in phase voting: .*locked once voting opens`));
    }
    const back = await admin().post(`/rounds/${roundId}/phase`, { to: 'review' });
    expect(back.status).toBe(409);
    expect(back.body.code).toBe('phase-order');
    expect(await stack.eventCount()).toBe(before);

    const round = await stack.api().get(`/rounds/${roundId}`);
    expect(round.body.config.ballot).toEqual({ type: 'approval', minPicks: 1, maxPicks: 5 });
    expect(round.body.editable).toEqual(['name', 'description', 'schedule', 'comments']);
  });

  it('moves rounds along their schedule when the clock passes each time, and only forward', async () => {
    stack.clock.set('2027-01-10T09:00:00.000Z');
    const roundId = await createRound({
      schedule: {
        submissionOpensAt: '2027-02-01T08:00:00Z',
        reviewStartsAt: '2027-03-01T08:00:00Z',
        votingOpensAt: '2027-04-01T08:00:00Z',
        votingClosesAt: '2027-04-15T20:00:00Z',
      },
    });
    expect((await stack.tick()).changed).toBe(0);

    stack.clock.set('2027-02-01T07:59:59.999Z');
    await stack.tick();
    expect((await admin().get(`/rounds/${roundId}`)).body.phase).toBe('draft');

    stack.clock.set('2027-02-01T08:00:00.000Z');
    expect(await stack.tick()).toMatchObject({ due: 1, changed: 1 });
    const opened = await stack.api().get(`/rounds/${roundId}`);
    expect(opened.body).toMatchObject({ phase: 'submission', nextScheduledAt: '2027-03-01T08:00:00Z' });
    expect(opened.body.phaseStartedAt.submission).toBe('2027-02-01T08:00:00.000Z');

    // A scheduled time that has passed is locked; a future one can still move.
    const late = await admin().patch(`/rounds/${roundId}`, { schedule: { submissionOpensAt: '2027-02-02T08:00:00Z', reviewStartsAt: '2027-03-01T08:00:00Z' } });
    expect(late.body).toMatchObject({ code: 'locked', field: 'schedule.submissionOpensAt' });

    // Two scheduled times passed between ticks: one event per phase, in order.
    stack.clock.set('2027-04-02T00:00:00.000Z');
    expect((await stack.tick()).changed).toBe(2);
    expect((await stack.tick()).changed).toBe(0);
    const history = await stack.api().get(`/rounds/${roundId}/history`);
    expect(history.body.filter((e: any) => e.type === 'RoundPhaseChanged').map((e: any) => [e.payload.from, e.payload.to, e.payload.trigger, e.occurredAt])).toEqual([
      ['draft', 'submission', 'schedule', '2027-02-01T08:00:00.000Z'],
      ['submission', 'review', 'schedule', '2027-04-02T00:00:00.000Z'],
      ['review', 'voting', 'schedule', '2027-04-02T00:00:00.000Z'],
    ]);
    expect(history.body.filter((e: any) => e.payload.trigger === 'schedule').every((e: any) => !('actorId' in e.payload))).toBe(true);

    // An administrator may act before the schedule; the schedule never moves the round back.
    expect((await admin().post(`/rounds/${roundId}/phase`, { to: 'closed' })).status).toBe(200);
    stack.clock.set('2027-05-01T00:00:00.000Z');
    await stack.tick();
    expect((await stack.api().get(`/rounds/${roundId}`)).body.phase).toBe('closed');
  });

  it('publishes OpenAPI for every round endpoint and the config schema', async () => {
    const doc = await stack.api().get('/docs/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/rounds', '/rounds/{roundId}', '/rounds/{roundId}/phase', '/rounds/{roundId}/history', '/rounds/{roundId}/proposals/{proposalId}/merge']),
    );
    const schemas = doc.body.components.schemas;
    expect(Object.keys(schemas.RoundConfig.properties)).toEqual(['name', 'description', 'currency', 'units', 'schedule', 'ballot', 'outcome', 'eligibility', 'support']);
    expect(schemas.BallotRules.properties.type.enum).toEqual(['approval', 'knapsack', 'cumulative', 'ranked', 'choose-one']);
    expect(schemas.OutcomeRule.properties.rule.enum).toContain('equalshares/add1-comparison');
    expect(doc.body.paths['/rounds'].post.security).toBeDefined();
    expect(Object.keys(schemas.ConfigureRoundDto.properties)).toEqual(Object.keys(schemas.RoundConfig.properties));
    expect(schemas.ConfigureRoundDto.required ?? []).toEqual([]);
    const listParams = doc.body.paths['/rounds/{roundId}/proposals'].get.parameters.map((p: any) => p.name);
    expect(listParams).toEqual(expect.arrayContaining(['roundId', 'unitId', 'status', 'q', 'minCost', 'maxCost', 'limit', 'offset']));
    for (const [path, methods] of Object.entries<any>(doc.body.paths)) {
      if (!path.startsWith('/rounds')) continue;
      for (const op of Object.values<any>(methods)) expect([path, op.summary]).toEqual([path, expect.any(String)]);
    }
  });
});
