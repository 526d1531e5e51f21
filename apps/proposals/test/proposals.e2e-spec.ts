import { ProposalsStack, roundConfig } from './support';

jest.setTimeout(60_000);

describe('proposals service: proposals (e2e)', () => {
  const stack = new ProposalsStack();
  const admin = () => stack.api('admin');
  const staff = () => stack.api({ role: 'staff', sub: 'staff-sam' });
  const alice = () => stack.api({ role: 'resident', sub: 'alice' });
  const bob = () => stack.api({ role: 'resident', sub: 'bob' });
  let roundId: string;
  const base = () => `/rounds/${roundId}/proposals`;

  beforeAll(async () => {
    await stack.start('proposals');
    roundId = (await admin().post('/rounds', roundConfig())).body.roundId;
  });
  afterAll(() => stack.destroy());

  const proposal = (overrides = {}) => ({ unitId: 'north', title: 'Trees on Market Street', description: 'Plant 40 trees.', estimatedCost: 50_000_00, ...overrides });

  it('accepts no proposals while the round is a draft', async () => {
    const res = await alice().post(base(), proposal());
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('phase');
    expect((await admin().post(`/rounds/${roundId}/phase`, { to: 'submission' })).status).toBe(200);
  });

  it('lets residents submit, with the token subject as author; others are refused', async () => {
    const res = await alice().post(base(), proposal({ location: 'Market Street' }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: 1, status: 'submitted', events: ['ProposalSubmitted'] });
    const detail = await stack.api().get(`${base()}/${res.body.proposalId}`);
    expect(detail.body).toMatchObject({ authorPseudonym: expect.stringMatching(/^[0-9a-f]{64}$/), mine: false, unitId: 'north', location: 'Market Street', status: 'submitted', estimatedCost: 50_000_00 });

    expect((await stack.api().post(base(), proposal())).status).toBe(401);
    expect((await staff().post(base(), proposal())).status).toBe(403);
    const spoof = await bob().post(base(), { ...proposal(), authorId: 'alice' });
    expect(spoof.status).toBe(400);
    expect(spoof.body.errors.map((e: any) => e.field)).toEqual(['authorId']);
  });

  it('answers bad input with 400 and field messages, and writes nothing', async () => {
    const before = await stack.eventCount();
    const res = await alice().post(base(), { unitId: 'North!', title: 'x', description: 7, estimatedCost: -1 });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: any) => e.field).sort()).toEqual(['description', 'estimatedCost', 'title', 'unitId']);
    expect(res.body.errors.every((e: any) => e.messages.length > 0)).toBe(true);
    const unknownUnit = await alice().post(base(), proposal({ unitId: 'south' }));
    expect(unknownUnit.status).toBe(409);
    expect(unknownUnit.body).toMatchObject({ code: 'unknown-unit', field: 'unitId' });
    const overBudget = await alice().post(base(), proposal({ unitId: 'greenery', estimatedCost: 1_000_000_01 }));
    expect(overBudget.body.code).toBe('over-budget');
    expect((await stack.api().get(`${base()}/not-a-uuid`)).status).toBe(400);
    expect(await stack.eventCount()).toBe(before);
  });

  it('lets only the author edit and withdraw, while submission is open', async () => {
    const { proposalId } = (await alice().post(base(), proposal({ title: 'Bike racks' }))).body;
    const edit = await alice().patch(`${base()}/${proposalId}`, { title: 'Bike racks at the station', estimatedCost: 20_000_00 });
    expect(edit.status).toBe(200);
    expect(edit.body).toMatchObject({ version: 2, events: ['ProposalEdited'] });

    const before = await stack.eventCount();
    const notMine = await bob().patch(`${base()}/${proposalId}`, { title: 'Mine now' });
    expect(notMine.status).toBe(403);
    expect(notMine.body.code).toBe('not-author');
    expect((await bob().post(`${base()}/${proposalId}/withdraw`, {})).status).toBe(403);
    expect(await stack.eventCount()).toBe(before);

    const read = await stack.api().get(`${base()}/${proposalId}`);
    expect(read.headers.etag).toBe('"2"');
    const stale = await stack.api({ role: 'resident', sub: 'alice' }, { 'If-Match': '"1"' }).post(`${base()}/${proposalId}/withdraw`, {});
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ expectedVersion: 1, actualVersion: 2 });

    const withdrawn = await stack.api({ role: 'resident', sub: 'alice' }, { 'If-Match': read.headers.etag! }).post(`${base()}/${proposalId}/withdraw`, {
      reason: 'Duplicate of the station plan',
    });
    expect(withdrawn.body).toMatchObject({ status: 'withdrawn', version: 3 });
    const again = await alice().patch(`${base()}/${proposalId}`, { title: 'Back again' });
    expect(again.body.code).toBe('proposal-withdrawn');

    const detail = await stack.api().get(`${base()}/${proposalId}`);
    expect(detail.body).toMatchObject({ title: 'Bike racks at the station', estimatedCost: 20_000_00, status: 'withdrawn', decisionReason: 'Duplicate of the station plan' });
    expect(detail.body.history.map((e: any) => e.type)).toEqual(['ProposalSubmitted', 'ProposalEdited', 'ProposalWithdrawn']);
  });

  it('lets staff review, accept, reject and merge, with the whole history on the detail page', async () => {
    const submit = async (who: ReturnType<typeof alice>, overrides: object) => (await who.post(base(), proposal(overrides))).body.proposalId as string;
    const park = await submit(alice(), { title: 'Pocket park on Elm Street', estimatedCost: 80_000_00 });
    const parkDup = await submit(bob(), { title: 'Small park, Elm St', estimatedCost: 70_000_00 });
    const fountain = await submit(bob(), { title: 'Fountain', unitId: 'greenery', estimatedCost: 30_000_00 });
    const mural = await submit(alice(), { title: 'Mural on the school wall', estimatedCost: 5_000_00 });
    expect((await admin().post(`/rounds/${roundId}/phase`, { to: 'review' })).status).toBe(200);

    expect((await alice().post(`${base()}/${park}/reviews`, { feasibilityNotes: 'Looks fine' })).status).toBe(403);
    const review = await staff().post(`${base()}/${park}/reviews`, { feasibilityNotes: 'City land; needs a permit.', costEstimate: 75_000_00 });
    expect(review.body).toMatchObject({ status: 'submitted', events: ['ProposalReviewed'] });

    const crossUnit = await staff().post(`${base()}/${park}/merge`, { sources: [fountain] });
    expect(crossUnit.status).toBe(409);
    expect(crossUnit.body.code).toBe('merge-units');
    const merge = await staff().post(`${base()}/${park}/merge`, { sources: [parkDup] });
    expect(merge.status).toBe(200);
    expect(merge.body).toMatchObject({ proposalId: park, merged: [parkDup], events: ['ProposalsMerged', 'ProposalMergedInto'] });

    const accept = await staff().post(`${base()}/${park}/accept`, { cost: 75_000_00, reason: 'Feasible at the reviewed cost.' });
    expect(accept.body).toMatchObject({ status: 'accepted' });
    const reject = await staff().post(`${base()}/${mural}/reject`, { reason: 'The school wall is a listed monument.' });
    expect(reject.body).toMatchObject({ status: 'rejected' });
    expect((await staff().post(`${base()}/${mural}/accept`, { cost: 1, reason: 'changed my mind' })).body.code).toBe('proposal-rejected');
    expect((await staff().post(`${base()}/${mural}/reject`, { reason: '' })).status).toBe(400);

    const target = (await stack.api().get(`${base()}/${park}`)).body;
    expect(target).toMatchObject({
      status: 'accepted',
      cost: 75_000_00,
      decisionReason: 'Feasible at the reviewed cost.',
      decidedBy: 'staff-sam',
      mergedFrom: [parkDup],
      mergedFromProposals: [{ proposalId: parkDup, title: 'Small park, Elm St', status: 'merged' }],
      mergedIntoProposal: null,
    });
    expect(target.reviews).toEqual([{ feasibilityNotes: 'City land; needs a permit.', costEstimate: 75_000_00, reviewerId: 'staff-sam', reviewedAt: expect.any(String) }]);
    expect(target.history.map((e: any) => e.type)).toEqual(['ProposalSubmitted', 'ProposalReviewed', 'ProposalsMerged', 'ProposalAccepted']);
    const source = (await stack.api().get(`${base()}/${parkDup}`)).body;
    expect(source).toMatchObject({ status: 'merged', mergedInto: park, mergedIntoProposal: { proposalId: park, title: 'Pocket park on Elm Street', status: 'accepted' } });
    expect((await staff().post(`${base()}/${parkDup}/accept`, { cost: 1, reason: 'x' })).body.code).toBe('proposal-merged');
  });

  it('lists proposals with filters, search, cost range and paging, from the read model', async () => {
    const all = await stack.api().get(`${base()}?limit=200`);
    expect(all.body.total).toBe(all.body.items.length);
    const accepted = await stack.api().get(`${base()}?status=accepted`);
    expect(accepted.body.items.map((p: any) => p.title)).toEqual(['Pocket park on Elm Street']);
    const greenery = await stack.api().get(`${base()}?unitId=greenery`);
    expect(greenery.body.items.map((p: any) => p.title)).toEqual(['Fountain']);
    const search = await stack.api().get(`${base()}?q=${encodeURIComponent('ELM park')}`);
    expect(search.body.items.map((p: any) => p.title).sort()).toEqual(['Pocket park on Elm Street', 'Small park, Elm St']);
    const literal = await stack.api().get(`${base()}?q=${encodeURIComponent('100%')}`);
    expect(literal.body).toEqual({ total: 0, items: [], next: null });
    const cheap = await stack.api().get(`${base()}?maxCost=${20_000_00}`);
    expect(cheap.body.items.map((p: any) => p.title).sort()).toEqual(['Bike racks at the station', 'Mural on the school wall']);
    const range = await stack.api().get(`${base()}?minCost=${70_000_00}&maxCost=${75_000_00}`);
    expect(range.body.items.map((p: any) => [p.title, p.cost ?? p.estimatedCost])).toEqual([
      ['Pocket park on Elm Street', 75_000_00],
      ['Small park, Elm St', 70_000_00],
    ]);
    const mine = await bob().get(`${base()}?mine=true&limit=200`);
    expect(mine.body.items.map((p: any) => p.title).sort()).toEqual(['Fountain', 'Small park, Elm St']);
    expect((await stack.api().get(`${base()}?mine=true`)).status).toBe(401);
    const page = await stack.api().get(`${base()}?limit=2&offset=1`);
    expect(page.body.total).toBe(all.body.total);
    expect(page.body.items.map((p: any) => p.proposalId)).toEqual(all.body.items.slice(1, 3).map((p: any) => p.proposalId));
    const bad = await stack.api().get(`${base()}?status=lost&minCost=-1&limit=1000`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.field).sort()).toEqual(['limit', 'minCost', 'status']);
  });

  it('refuses review decisions once voting opens, writing nothing', async () => {
    const { items } = (await stack.api().get(`${base()}?status=submitted`)).body;
    expect(items.length).toBeGreaterThan(0);
    expect((await admin().post(`/rounds/${roundId}/phase`, { to: 'voting' })).status).toBe(200);
    const before = await stack.eventCount();
    for (const [path, body] of [
      ['accept', { cost: 1, reason: 'late' }],
      ['reject', { reason: 'late' }],
      ['reviews', { feasibilityNotes: 'late' }],
    ] as const) {
      const res = await staff().post(`${base()}/${items[0].proposalId}/${path}`, body);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('phase');
      expect(res.body.message).toMatch(/before voting opens \(the round is in phase voting\)/);
    }
    expect((await alice().post(base(), proposal())).body.code).toBe('phase');
    expect(await stack.eventCount()).toBe(before);
  });

  it('answers 404 for unknown rounds and proposals', async () => {
    expect((await stack.api().get('/rounds/01900000-0000-7000-8000-000000000000/proposals')).status).toBe(404);
    expect((await stack.api().get(`${base()}/01900000-0000-7000-8000-000000000000`)).status).toBe(404);
    expect((await staff().post(`${base()}/01900000-0000-7000-8000-000000000000/accept`, { cost: 1, reason: 'x' })).status).toBe(404);
  });
});
