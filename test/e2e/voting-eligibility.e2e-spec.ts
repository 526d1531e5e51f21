import { expectEventually } from '@plaza/testing';
import { sql } from '../support/db';
import { closeVoting, openRound, openVoting } from '../support/round';
import { http, Stack } from '../support/stack';

const units = [
  { id: 'centre', name: 'Centre', kind: 'district' as const, budget: 100_00 },
  { id: 'north', name: 'North', kind: 'district' as const, budget: 100_00 },
];
const proposals = [
  { unitId: 'centre', cost: 40_00 },
  { unitId: 'centre', cost: 30_00 },
  { unitId: 'north', cost: 20_00 },
];

describe('voting: phases, eligibility, voting codes, paper ballots, input validation', () => {
  const stack = new Stack();
  beforeAll(() => stack.start());
  afterAll(() => stack.destroy());

  const V = () => stack.url('voting');
  const as = (role: 'admin' | 'staff' | 'auditor', sub?: string) => ({ token: stack.token(role, sub) });
  const resident = (id: string) => ({ token: stack.token('resident', id) });
  const votingEvents = async () => (await sql(`SELECT count(*)::int AS n FROM "${stack.schemas.voting}".events`))[0].n as number;
  const eventsOf = (roundId: string, type: string) =>
    sql<{ payload: any; stream_id: string }>(`SELECT payload, stream_id FROM "${stack.schemas.voting}".events WHERE round_id = $1 AND type = $2 ORDER BY position`, [
      roundId,
      type,
    ]);

  it('accepts ballots only while voting is open, and declares once', async () => {
    const round = await openRound(stack, { units, proposals, roll: ['r1,centre,', 'r2,north,'], stayInReview: true });
    const ballot = { unitId: 'centre', choices: [round.proposalIds[0]] };
    const early = await http('POST', `${V()}/rounds/${round.roundId}/ballots`, ballot, resident('r1'));
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'voting-not-open', message: expect.stringContaining('phase review') });
    const notYet = await http('GET', `${V()}/rounds/${round.roundId}/results`);
    expect(notYet.status).toBe(404);

    await openVoting(stack, round.roundId);
    expect((await http('POST', `${V()}/rounds/${round.roundId}/ballots`, ballot, resident('r1'))).status).toBe(201);
    await closeVoting(stack, round.roundId);
    const late = await http('POST', `${V()}/rounds/${round.roundId}/ballots`, ballot, resident('r1'));
    expect(late.status).toBe(409);
    expect(late.body.message).toContain('phase closed');

    // Publishing after the close (a second trigger for the close) declares nothing again.
    expect((await http('POST', `${stack.url('proposals')}/rounds/${round.roundId}/phase`, { to: 'published' }, as('admin'))).status).toBe(200);
    await expectEventually(async () => {
      const box = await http('GET', `${V()}/rounds/${round.roundId}/ballot-box`, undefined, as('admin'));
      expect(box.body.phase).toBe('published');
    });
    const tally = await sql(`SELECT type FROM "${stack.schemas.voting}".events WHERE stream_id = $1 ORDER BY stream_version`, [`tally-${round.roundId}`]);
    // The close opens the one ballot that counts (sealed until now), then declares.
    expect(tally.map((t) => t.type)).toEqual(['VotingClosed', 'BallotsOpened', 'ResultsDeclared', 'ResultsDeclared']);
    const results = await http('GET', `${V()}/rounds/${round.roundId}/results/centre`);
    expect(results.status).toBe(200);
    expect(results.body).toMatchObject({ unitId: 'centre', ballotsCounted: 1, budget: 100_00 });
    expect(results.body.winners[0]).toEqual({ rank: 1, proposalId: round.proposalIds[0], title: 'Proposal 1', cost: 40_00 });
    expect((await http('GET', `${V()}/rounds/${round.roundId}/results/south`)).status).toBe(404);
  });

  it('a voter moved to another district by a roll re-import during voting, who voted in both, counts once, and the recount agrees', async () => {
    const round = await openRound(stack, { units, proposals, roll: ['r1,centre,', 'r2,centre,', 'r3,north,'] });
    const R = `${V()}/rounds/${round.roundId}`;
    const [p1, , p3] = round.proposalIds;
    expect((await http('POST', `${R}/ballots`, { unitId: 'centre', choices: [p1] }, resident('r1'))).status).toBe(201);
    expect((await http('POST', `${R}/ballots`, { unitId: 'centre', choices: [p1] }, resident('r2'))).status).toBe(201);
    expect((await http('POST', `${R}/ballots`, { unitId: 'north', choices: [p3] }, resident('r3'))).status).toBe(201);
    // r1 moves to north (a roll re-import while voting is open, so under four eyes) and votes there too.
    expect((await http('POST', `${R}/voters/roll`, { csv: 'resident_id,unit_id\nr1,north' }, as('admin'))).body).toMatchObject({ code: 'roll-frozen' });
    const change = await http('POST', `${R}/eligibility-changes`, { kind: 'roll', csv: 'resident_id,unit_id\nr1,north' }, as('admin', 'admin-a'));
    expect(change.status).toBe(201);
    expect((await http('POST', `${R}/eligibility-changes/${change.body.changeId}/confirm`, undefined, as('admin', 'admin-b'))).status).toBe(200);
    expect((await http('POST', `${R}/ballots`, { unitId: 'centre', choices: [p1] }, resident('r1'))).status).toBe(403);
    expect((await http('POST', `${R}/ballots`, { unitId: 'north', choices: [p3] }, resident('r1'))).status).toBe(201);

    const results = await closeVoting(stack, round.roundId);
    const counted = Object.fromEntries(results.units.map((u: any) => [u.unitId, u.ballotsCounted]));
    expect(counted).toEqual({ centre: 1, north: 2 });
    const [closed] = await eventsOf(round.roundId, 'VotingClosed');
    expect(closed.payload).toMatchObject({ ballotsCounted: 3, perUnit: { centre: 1, north: 2 } });
    // r1's centre ballot no longer counts: it is never opened.
    const opened = (await eventsOf(round.roundId, 'BallotsOpened')).flatMap((e) => e.payload.openings);
    expect(opened).toHaveLength(3);
    // The audit service's recount applies the same rule: the round ends ResultsVerified.
    await expectEventually(
      async () => {
        const v = await http('GET', `${stack.url('audit')}/rounds/${round.roundId}/verification`);
        expect(v.body.status).toBe('verified');
      },
      { timeoutMs: 30_000 },
    );
    const audit = await sql<{ type: string }>(`SELECT type FROM "${stack.schemas.audit}".events WHERE round_id = $1 AND type LIKE 'Results%'`, [round.roundId]);
    expect(audit.map((e) => e.type)).toEqual(['ResultsVerified', 'ResultsVerified']);
  });

  it('roll with a minimum age: under-age residents are left out; events carry sorted pseudonyms, no age bands', async () => {
    const year = new Date().getUTCFullYear();
    const round = await openRound(stack, {
      units,
      proposals,
      eligibility: { mode: 'roll', minAge: 16, paperPolicy: 'refuse-if-voted-online' },
      stayInReview: true,
    });
    const R = `${V()}/rounds/${round.roundId}`;
    const missingYear = await http('POST', `${R}/voters/roll`, { csv: 'resident_id,unit_id,birth_year\nadult,centre,' }, as('admin'));
    expect(missingYear.status).toBe(400);
    expect(missingYear.body.errors).toEqual([{ field: 'csv.2', messages: ['birth_year is needed: the round has a minimum age of 16'] }]);
    const csv = ['resident_id,unit_id,birth_year', `kid,centre,${year - 14}`, `teen,centre,${year - 17}`, `adult,centre,${year - 40}`, `elder,north,${year - 70}`].join('\n');
    const imported = await http('POST', `${R}/voters/roll`, { csv }, as('admin'));
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ registered: 3, unchanged: 0, belowMinAge: 1, onRoll: { centre: 2, north: 1 } });
    const again = await http('POST', `${R}/voters/roll`, { csv }, as('admin'));
    expect(again.body).toMatchObject({ registered: 0, unchanged: 3 });

    // Nothing is public before voting opens: then every registration appears at once, in one sorted batch.
    expect(await eventsOf(round.roundId, 'VotersRegistered')).toEqual([]);
    await openVoting(stack, round.roundId);
    const registered = await eventsOf(round.roundId, 'VotersRegistered');
    expect(registered).toHaveLength(1);
    expect(registered[0].stream_id).toBe(`voters-${round.roundId}`);
    expect(registered[0].payload.source).toBe('roll');
    const text = JSON.stringify(registered[0].payload);
    for (const name of ['kid', 'teen', 'adult', 'elder']) expect(text).not.toContain(name);
    // No age band in any per-voter event (only in aggregates with small cells suppressed), pseudonyms sorted.
    for (const v of registered[0].payload.voters) expect(Object.keys(v).sort()).toEqual(['pseudonym', 'unitId']);
    const pseudonyms = registered[0].payload.voters.map((v: any) => v.pseudonym);
    expect(pseudonyms).toEqual([...pseudonyms].sort());

    const choose = { unitId: 'centre', choices: [round.proposalIds[0]] };
    const kid = await http('POST', `${R}/ballots`, choose, resident('kid'));
    expect(kid.status).toBe(403);
    expect(kid.body).toMatchObject({ code: 'not-registered' });
    expect((await http('POST', `${R}/ballots`, choose, resident('stranger'))).status).toBe(403);
    const elsewhere = await http('POST', `${R}/ballots`, choose, resident('elder'));
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body).toMatchObject({ code: 'other-unit' });
    expect((await http('POST', `${R}/ballots`, choose, resident('teen'))).status).toBe(201);
    expect((await http('POST', `${R}/ballots`, { unitId: 'north', choices: [round.proposalIds[2]] }, resident('elder'))).status).toBe(201);

    const results = await closeVoting(stack, round.roundId);
    // Age bands only for the whole round, and cells under 10 people (AGE_BAND_MIN_CELL) suppressed: here, all.
    expect(results.participation).toEqual({
      registered: 3,
      voted: 2,
      turnout: 0.6667,
      byChannel: { online: 2, paper: 0 },
      byAgeBand: {
        '16-17': { registered: null, voted: null, turnout: null },
        '30-44': { registered: null, voted: null, turnout: null },
        '65+': { registered: null, voted: null, turnout: null },
      },
      ageBandMinCell: 10,
    });
    expect(results.units.find((u: any) => u.unitId === 'centre').participation).toEqual({ registered: 2, voted: 1, turnout: 0.5, byChannel: { online: 1, paper: 0 } });
    // The bundle carries the same aggregate (and no per-voter age band): ParticipationDeclared at the close.
    const declared = await eventsOf(round.roundId, 'ParticipationDeclared');
    expect(declared.map((e) => e.payload)).toEqual([
      {
        minCell: 10,
        bands: [
          { band: '16-17', registered: null, voted: null },
          { band: '30-44', registered: null, voted: null },
          { band: '65+', registered: null, voted: null },
        ],
      },
    ]);
    const summary = await http('GET', `${R}/voters/summary`, undefined, as('auditor'));
    expect(summary.body).toMatchObject({ byAgeBand: { '16-17': null, '30-44': null, '65+': null }, groups: [{ unitId: 'centre', source: 'roll', voters: 2 }, { unitId: 'north', source: 'roll', voters: 1 }] });
  });

  it('voting codes: generated per district, single-use sign-in, the token votes and revises, never stored in clear', async () => {
    const round = await openRound(stack, { units, proposals, eligibility: { mode: 'codes', paperPolicy: 'refuse-if-voted-online' }, stayInReview: true });
    const R = `${V()}/rounds/${round.roundId}`;
    expect((await http('POST', `${R}/voters/roll`, { csv: 'resident_id,unit_id\nr1,centre' }, as('admin'))).status).toBe(409);
    const res = await fetch(`${R}/codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.token('admin')}` },
      body: JSON.stringify({ unitId: 'centre', count: 3 }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = (await res.text()).trim().split('\n');
    expect(lines[0]).toBe('code,round_id,unit_id');
    const codes = lines.slice(1).map((l) => l.split(',')[0]);
    expect(codes).toHaveLength(3);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    // A refusal is a JSON error, labelled as one (not as the CSV the route answers on success).
    const refused = await fetch(`${R}/codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.token('admin')}` },
      body: JSON.stringify({ unitId: 'nowhere', count: 3 }),
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    expect(refused.headers.get('content-type')).toContain('application/json');
    expect(refused.headers.get('content-disposition')).toBeNull();
    expect(await refused.json()).toMatchObject({ message: expect.anything() });

    const early = await http('POST', `${R}/codes/sign-in`, { code: codes[0] });
    expect(early.status).toBe(409);
    await openVoting(stack, round.roundId);
    const signIn = await http('POST', `${R}/codes/sign-in`, { code: codes[0].toLowerCase() });
    expect(signIn.status).toBe(200);
    expect(signIn.body).toMatchObject({ roundId: round.roundId, unitId: 'centre', token: expect.any(String) });
    const token = { token: signIn.body.token };
    expect((await http('POST', `${R}/codes/sign-in`, { code: codes[0] })).body).toMatchObject({ code: 'code-used' });
    expect((await http('POST', `${R}/codes/sign-in`, { code: 'AAAAA-AAAAA' })).status).toBe(403);

    expect((await http('POST', `${R}/ballots`, { unitId: 'centre', choices: [round.proposalIds[0]] }, token)).status).toBe(201);
    const revised = await http('POST', `${R}/ballots`, { unitId: 'centre', choices: [round.proposalIds[1]] }, token);
    expect(revised.status).toBe(201);
    expect(revised.body.ballotVersion).toBe(2);
    const north = await http('POST', `${R}/ballots`, { unitId: 'north', choices: [round.proposalIds[2]] }, token);
    expect(north.status).toBe(403);

    // A printed code can also be handed in on paper.
    const batch = await http('POST', `${R}/paper-batches`, { unitId: 'centre', sheetsCounted: 1 }, as('staff', 'clerk-1'));
    expect(batch.status).toBe(201);
    const paper = await http('POST', `${R}/paper-batches/${batch.body.batchId}/ballots`, { voter: codes[1], choices: [round.proposalIds[0]] }, as('staff', 'clerk-1'));
    expect(paper.status).toBe(201);
    expect(paper.body.channel).toBe('paper');
    // …and a code used on paper no longer signs in to vote online over it.
    const paperCode = await http('POST', `${R}/codes/sign-in`, { code: codes[1] });
    expect(paperCode.status).toBe(200);
    expect((await http('POST', `${R}/ballots`, { unitId: 'centre', choices: [round.proposalIds[1]] }, { token: paperCode.body.token })).body).toMatchObject({
      code: 'voted-on-paper',
    });

    const dump = JSON.stringify(await sql(`SELECT * FROM "${stack.schemas.voting}".events WHERE round_id = $1`, [round.roundId]));
    const tables = JSON.stringify(await sql(`SELECT * FROM "${stack.schemas.voting}".voters WHERE round_id = $1`, [round.roundId]));
    for (const code of codes) {
      expect(dump).not.toContain(code.replace('-', ''));
      expect(tables).not.toContain(code.replace('-', ''));
    }
    const results = await closeVoting(stack, round.roundId);
    expect(results.units.find((u: any) => u.unitId === 'centre')).toMatchObject({ ballotsCounted: 2 });
    expect(results.participation).toMatchObject({ registered: 3, voted: 2, byChannel: { online: 1, paper: 1 } });
  });

  it('paper ballots in batches: channel rules, refused sheets set aside, batch reconciliation, events', async () => {
    const round = await openRound(stack, { units, proposals, roll: ['r1,centre,', 'r2,centre,', 'r3,centre,', 'r4,north,'] });
    const R = `${V()}/rounds/${round.roundId}`;
    const clerk = as('staff', 'clerk-7');
    const [p1, p2, p3] = round.proposalIds;
    expect((await http('POST', `${R}/ballots`, { unitId: 'centre', choices: [p1] }, resident('r2'))).status).toBe(201);

    const opened = await http('POST', `${R}/paper-batches`, { unitId: 'centre', sheetsCounted: 4 }, clerk);
    expect(opened.status).toBe(201);
    const B = `${R}/paper-batches/${opened.body.batchId}`;
    const first = await http('POST', `${B}/ballots`, { voter: 'r1', choices: [p2] }, clerk);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ channel: 'paper', unitId: 'centre', ballotVersion: 1, leafHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await http('POST', `${B}/ballots`, { voter: 'r1', choices: [p1] }, clerk)).body).toMatchObject({ code: 'voted-on-paper' });
    expect((await http('POST', `${B}/ballots`, { voter: 'r2', choices: [p2] }, clerk)).body).toMatchObject({ code: 'voted-online' });
    expect((await http('POST', `${R}/ballots`, { unitId: 'centre', choices: [p1] }, resident('r1'))).body).toMatchObject({ code: 'voted-on-paper' });
    expect((await http('POST', `${B}/ballots`, { voter: 'r4', choices: [p3] }, clerk)).status).toBe(400); // north's proposal on a centre batch
    expect((await http('POST', `${B}/ballots`, { voter: 'nobody', choices: [p1] }, clerk)).status).toBe(403);
    expect((await http('POST', `${B}/ballots`, { voter: 'r3', choices: [p1, p2] }, clerk)).status).toBe(201);

    // r2's sheet (already voted online) is set aside as refused: the reason only, never whose sheet it was.
    const badReason = await http('POST', `${B}/refusals`, { reason: 'not-registered', voter: 'r2' }, clerk);
    expect(badReason.status).toBe(400);
    expect(badReason.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'reason', messages: ['reason must be one of: not-eligible, already-voted, spoiled'] },
        { field: 'voter', messages: ['property voter should not exist'] },
      ]),
    );
    expect((await http('POST', `${B}/refusals`, { reason: 'already-voted' }, resident('r1'))).status).toBe(403);
    const setAside = await http('POST', `${B}/refusals`, { reason: 'already-voted' }, clerk);
    expect(setAside.status).toBe(201);
    expect(setAside.body).toMatchObject({ status: 'open', sheetsCounted: 4, entered: 2, refused: 1, discrepancy: -1, reconciled: false, reason: 'already-voted' });

    const closed = await http('POST', `${B}/close`, undefined, clerk);
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', sheetsCounted: 4, entered: 2, refused: 1, discrepancy: -1, reconciled: false, operatorId: 'clerk-7' });
    expect((await http('POST', `${B}/ballots`, { voter: 'r3', choices: [p1] }, clerk)).body).toMatchObject({ code: 'batch-closed' });
    expect((await http('POST', `${B}/refusals`, { reason: 'spoiled' }, clerk)).body).toMatchObject({ code: 'batch-closed' });
    expect((await http('POST', `${B}/close`, undefined, clerk)).status).toBe(409);
    expect((await http('GET', B, undefined, as('auditor'))).body).toMatchObject({ entered: 2, refused: 1, discrepancy: -1 });

    const batchEvents = await sql(`SELECT type, payload FROM "${stack.schemas.voting}".events WHERE stream_id = $1 ORDER BY stream_version`, [
      `paper-${round.roundId}-${opened.body.batchId}`,
    ]);
    expect(batchEvents.map((e) => e.type)).toEqual(['PaperBatchOpened', 'PaperSheetRefused', 'PaperBatchClosed']);
    expect(batchEvents[0].payload).toEqual({ batchId: opened.body.batchId, unitId: 'centre', operatorId: 'clerk-7', sheetsCounted: 4 });
    expect(batchEvents[1].payload).toEqual({ batchId: opened.body.batchId, reason: 'already-voted' });
    expect(batchEvents[2].payload).toEqual({ batchId: opened.body.batchId, entered: 2, refused: 1, sheetsCounted: 4, discrepancy: -1 });

    // A second batch: one sheet entered, one spoiled sheet set aside: it reconciles.
    const second = await http('POST', `${R}/paper-batches`, { unitId: 'north', sheetsCounted: 2 }, clerk);
    const B2 = `${R}/paper-batches/${second.body.batchId}`;
    expect((await http('POST', `${B2}/ballots`, { voter: 'r4', choices: [p3] }, clerk)).status).toBe(201);
    expect((await http('POST', `${B2}/refusals`, { reason: 'spoiled' }, clerk)).status).toBe(201);
    expect((await http('POST', `${B2}/close`, undefined, clerk)).body).toMatchObject({ entered: 1, refused: 1, discrepancy: 0, reconciled: true });
    const paperCasts = (await eventsOf(round.roundId, 'BallotCast')).filter((e) => e.payload.channel === 'paper');
    expect(paperCasts.map((e) => e.payload.paper)).toEqual([
      { batchId: opened.body.batchId, operatorId: 'clerk-7' },
      { batchId: opened.body.batchId, operatorId: 'clerk-7' },
      { batchId: second.body.batchId, operatorId: 'clerk-7' },
    ]);

    const results = await closeVoting(stack, round.roundId);
    expect(results.units.find((u: any) => u.unitId === 'centre').participation).toMatchObject({ registered: 3, voted: 3, byChannel: { online: 1, paper: 2 } });
    expect(results.paperBatches).toEqual({
      batches: 2,
      open: 0,
      sheetsCounted: 6,
      entered: 3,
      refused: 2,
      overrides: 0,
      unconfirmed: 2,
      perBatch: [
        { batchId: opened.body.batchId, unitId: 'centre', status: 'closed', entered: 2, refused: 1, overrides: 0, confirmedBy: null },
        { batchId: second.body.batchId, unitId: 'north', status: 'closed', entered: 1, refused: 1, overrides: 0, confirmedBy: null },
      ],
      needingAttention: [{ batchId: opened.body.batchId, unitId: 'centre', status: 'closed', discrepancy: -1 }],
    });
  });

  it('paper-overrides-online: the paper sheet replaces the online ballot', async () => {
    const round = await openRound(stack, { units, proposals, roll: ['r1,centre,'], eligibility: { mode: 'roll', paperPolicy: 'paper-overrides-online' } });
    const R = `${V()}/rounds/${round.roundId}`;
    const clerk = as('staff', 'clerk-2');
    expect((await http('POST', `${R}/ballots`, { unitId: 'centre', choices: [round.proposalIds[0]] }, resident('r1'))).status).toBe(201);
    const batch = await http('POST', `${R}/paper-batches`, { unitId: 'centre', sheetsCounted: 1 }, clerk);
    const paper = await http('POST', `${R}/paper-batches/${batch.body.batchId}/ballots`, { voter: 'r1', choices: [round.proposalIds[1]] }, clerk);
    expect(paper.status).toBe(201);
    expect(paper.body.ballotVersion).toBe(2);
    expect((await http('POST', `${R}/paper-batches/${batch.body.batchId}/close`, undefined, clerk)).body).toMatchObject({ reconciled: true });
    const results = await closeVoting(stack, round.roundId);
    const centre = results.units.find((u: any) => u.unitId === 'centre');
    expect(centre).toMatchObject({ ballotsCounted: 1 });
    const votes = Object.fromEntries(centre.explanation.projects.map((p: any) => [p.id, p.votes]));
    expect(votes).toEqual({ [round.proposalIds[0]]: '0', [round.proposalIds[1]]: '1' });
  });

  it('refuses bad input on every voting endpoint with 400 and field messages, writing nothing; checks roles', async () => {
    const round = await openRound(stack, { units, proposals, roll: ['r1,centre,'] });
    const R = `${V()}/rounds/${round.roundId}`;
    const batch = await http('POST', `${R}/paper-batches`, { unitId: 'centre', sheetsCounted: 1 }, as('staff'));
    const B = `${R}/paper-batches/${batch.body.batchId}`;
    const before = await votingEvents();
    const cases: [string, string, unknown, { token: string }, string[]][] = [
      ['cast: missing fields', `${R}/ballots`, {}, resident('r1'), ['unitId', 'choices']],
      ['cast: wrong types', `${R}/ballots`, { unitId: 'Centre!', choices: 'x', points: [1.5] }, resident('r1'), ['unitId', 'choices', 'points']],
      ['cast: unknown field', `${R}/ballots`, { unitId: 'centre', choices: [round.proposalIds[0]], residentId: 'r9' }, resident('r1'), ['residentId']],
      ['cast: not a proposal id', `${R}/ballots`, { unitId: 'centre', choices: ['x'] }, resident('r1'), ['choices']],
      ['cast: rules', `${R}/ballots`, { unitId: 'centre', choices: [] }, resident('r1'), ['choices']],
      ['cast: foreign proposal', `${R}/ballots`, { unitId: 'centre', choices: [round.proposalIds[2]] }, resident('r1'), ['choices']],
      ['cast: points on approval', `${R}/ballots`, { unitId: 'centre', choices: [round.proposalIds[0]], points: [1] }, resident('r1'), ['points']],
      ['cast: unknown unit', `${R}/ballots`, { unitId: 'south', choices: [round.proposalIds[0]] }, resident('r1'), ['unitId']],
      ['roll: missing csv', `${R}/voters/roll`, {}, as('admin'), ['csv']],
      // Voting is open: the roll changes only through a four-eyes request, whose lines are checked the same way.
      ['roll change: bad lines', `${R}/eligibility-changes`, { kind: 'roll', csv: 'resident_id,unit_id\nx,south\n' }, as('admin'), ['csv.2']],
      ['roll change: no kind', `${R}/eligibility-changes`, { csv: 'resident_id,unit_id\nx,centre\n' }, as('admin'), ['kind']],
      ['codes: bad count and unit', `${R}/codes`, { unitId: 'No', count: 0 }, as('admin'), ['unitId', 'count']],
      ['sign-in: bad code', `${R}/codes/sign-in`, { code: '<script>' }, as('admin'), ['code']],
      ['batch: bad sheets', `${R}/paper-batches`, { unitId: 'centre', sheetsCounted: -1 }, as('staff'), ['sheetsCounted']],
      ['batch: unknown unit', `${R}/paper-batches`, { unitId: 'south', sheetsCounted: 1 }, as('staff'), ['unitId']],
      ['paper: missing voter', `${B}/ballots`, { choices: [round.proposalIds[0]] }, as('staff'), ['voter']],
      ['paper: rules', `${B}/ballots`, { voter: 'r1', choices: [round.proposalIds[0], round.proposalIds[0]] }, as('staff'), ['choices']],
    ];
    for (const [what, url, body, auth, fields] of cases) {
      const res = await http('POST', url, body, auth);
      expect({ what, status: res.status }).toEqual({ what, status: 400 });
      expect(res.body.message).toBe('Validation failed');
      const named = res.body.errors.map((e: { field: string }) => e.field);
      for (const field of fields) expect({ what, named }).toEqual({ what, named: expect.arrayContaining([field]) });
      for (const e of res.body.errors) expect(e.messages.length).toBeGreaterThan(0);
    }
    expect((await http('POST', `${R}/ballots`, { unitId: 'centre', choices: [round.proposalIds[0]] })).status).toBe(401);
    expect((await http('POST', `${R}/ballots`, { unitId: 'centre', choices: [round.proposalIds[0]] }, as('staff'))).status).toBe(403);
    expect((await http('POST', `${R}/voters/roll`, { csv: 'resident_id,unit_id\nr2,centre' }, resident('r1'))).status).toBe(403);
    expect((await http('POST', `${B}/ballots`, { voter: 'r1', choices: [round.proposalIds[0]] }, resident('r1'))).status).toBe(403);
    expect((await http('POST', `${R}/codes`, { unitId: 'centre', count: 1 }, as('staff'))).status).toBe(403);
    expect((await http('GET', `${R}/ballot-box`)).status).toBe(401);
    expect((await http('GET', `${V()}/rounds/not-a-uuid/results`)).status).toBe(400);
    expect(await votingEvents()).toBe(before);
  });
});
