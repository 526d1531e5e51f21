import { resultToJson, tally, type Profile } from '@plaza/tally';
import { expectEventually } from '@plaza/testing';
import type { RoundConfig } from '@plaza/contracts';
import { RoundReplay } from '@plaza/recount';
import { sql } from '../support/db';
import { closeVoting, openRound } from '../support/round';
import { http, Stack } from '../support/stack';

/**
 * A whole round of each ballot type over the three running services: roll import, ballots (with a revision),
 * the close, and the declared results checked against libs/tally run directly on what the test itself cast.
 */
describe('a full round of each ballot type', () => {
  const stack = new Stack();
  beforeAll(() => stack.start());
  afterAll(() => stack.destroy());

  const units: RoundConfig['units'] = [
    { id: 'centre', name: 'Centre', kind: 'district', budget: 100_00 },
    { id: 'north', name: 'North', kind: 'district', budget: 80_00 },
  ];
  const proposals = [
    { unitId: 'centre', cost: 60_00 },
    { unitId: 'centre', cost: 50_00 },
    { unitId: 'centre', cost: 30_00 },
    { unitId: 'north', cost: 50_00 },
    { unitId: 'north', cost: 40_00 },
  ];
  const roll = ['r1,centre,1980', 'r2,centre,1990', 'r3,centre,2000', 'r4,centre,1950', 'r5,north,1985', 'r6,north,1970'];

  type Cast = { voter: string; unitId: string; pick: number[]; points?: number[] };
  const cases: { ballot: RoundConfig['ballot']; outcome: RoundConfig['outcome']; casts: Cast[]; profileType: Profile['type'] }[] = [
    {
      ballot: { type: 'approval', minPicks: 1, maxPicks: 2 },
      outcome: { rule: 'greedy' },
      profileType: 'approval',
      casts: [
        { voter: 'r1', unitId: 'centre', pick: [2] },
        { voter: 'r1', unitId: 'centre', pick: [0, 1] }, // revision: this one counts
        { voter: 'r2', unitId: 'centre', pick: [1, 2] },
        { voter: 'r3', unitId: 'centre', pick: [1] },
        { voter: 'r5', unitId: 'north', pick: [3, 4] },
        { voter: 'r6', unitId: 'north', pick: [4] },
      ],
    },
    {
      ballot: { type: 'knapsack', minPicks: 1 },
      outcome: { rule: 'equalshares/add1' },
      profileType: 'approval',
      casts: [
        { voter: 'r1', unitId: 'centre', pick: [0, 2] },
        { voter: 'r2', unitId: 'centre', pick: [1, 2] },
        { voter: 'r2', unitId: 'centre', pick: [1] },
        { voter: 'r4', unitId: 'centre', pick: [0] },
        { voter: 'r5', unitId: 'north', pick: [3] },
      ],
    },
    {
      ballot: { type: 'cumulative', totalPoints: 10, maxPointsPerProject: 7 },
      outcome: { rule: 'greedy' },
      profileType: 'cumulative',
      casts: [
        { voter: 'r1', unitId: 'centre', pick: [0, 1], points: [7, 3] },
        { voter: 'r2', unitId: 'centre', pick: [2], points: [5] },
        { voter: 'r3', unitId: 'centre', pick: [1, 2], points: [5, 5] },
        { voter: 'r3', unitId: 'centre', pick: [1, 2], points: [6, 4] },
        { voter: 'r6', unitId: 'north', pick: [3, 4], points: [2, 7] },
      ],
    },
    {
      ballot: { type: 'ranked', minPicks: 1, maxPicks: 3, rankPoints: [3, 2, 1] },
      outcome: { rule: 'greedy' },
      profileType: 'ordinal',
      casts: [
        { voter: 'r1', unitId: 'centre', pick: [0, 1, 2] },
        { voter: 'r2', unitId: 'centre', pick: [2, 0] },
        { voter: 'r3', unitId: 'centre', pick: [1] },
        { voter: 'r4', unitId: 'centre', pick: [1, 2] },
        { voter: 'r4', unitId: 'centre', pick: [2, 1] },
        { voter: 'r5', unitId: 'north', pick: [4, 3] },
      ],
    },
    {
      ballot: { type: 'choose-one' },
      outcome: { rule: 'phragmen' },
      profileType: 'choose-one',
      casts: [
        { voter: 'r1', unitId: 'centre', pick: [0] },
        { voter: 'r2', unitId: 'centre', pick: [0] },
        { voter: 'r3', unitId: 'centre', pick: [2] },
        { voter: 'r4', unitId: 'centre', pick: [1] },
        { voter: 'r4', unitId: 'centre', pick: [2] },
        { voter: 'r5', unitId: 'north', pick: [4] },
      ],
    },
  ];

  it.each(cases.map((c) => [c.ballot.type, c] as const))('%s', async (_, c) => {
    const round = await openRound(stack, { units, ballot: c.ballot, outcome: c.outcome, proposals, roll });
    const { roundId, proposalIds } = round;
    const V = stack.url('voting');
    const receipts: { voter: string; unitId: string; eventId: string; leafHash: string; ballotVersion: number }[] = [];
    for (const cast of c.casts) {
      const res = await http(
        'POST',
        `${V}/rounds/${roundId}/ballots`,
        { unitId: cast.unitId, choices: cast.pick.map((k) => proposalIds[k]), ...(cast.points ? { points: cast.points } : {}) },
        { token: stack.token('resident', cast.voter) },
      );
      expect(res.status).toBe(201);
      receipts.push({ voter: cast.voter, unitId: cast.unitId, ...res.body });
    }
    // Every version is kept, the latest counts.
    const revised = c.casts.filter((x, i) => c.casts.findIndex((y) => y.voter === x.voter) !== i).map((x) => x.voter);
    expect(revised).toHaveLength(1);
    const mine = await http('GET', `${V}/rounds/${roundId}/ballots/mine`, undefined, { token: stack.token('resident', revised[0]) });
    expect(mine.status).toBe(200);
    expect(mine.body.history).toHaveLength(2);
    expect(mine.body.current).toHaveLength(1);
    expect(mine.body.current[0].eventId).toBe(receipts.filter((r) => r.voter === revised[0]).at(-1)!.eventId);

    const results = await closeVoting(stack, roundId);

    // The latest cast of each voter, as the test itself knows it.
    const latest = new Map<string, Cast>();
    for (const cast of c.casts) latest.set(cast.voter, cast);
    const declared = await sql<{ type: string; payload: any; id: string }>(
      `SELECT type, payload, event_id AS id FROM "${stack.schemas.voting}".events WHERE stream_id = $1 ORDER BY stream_version`,
      [`tally-${roundId}`],
    );
    expect(declared.map((d) => d.type)).toEqual(['VotingClosed', 'BallotsOpened', 'ResultsDeclared', 'ResultsDeclared']);
    expect(declared[0].payload).toMatchObject({ ballotsCounted: latest.size });
    // The ballots were sealed; the openings are the latest casts, as cast (the revised voter's first stays sealed).
    const lastReceipt = new Map(receipts.map((r) => [`${r.voter} ${r.unitId}`, r.eventId]));
    const openings = new Map((declared[1].payload.openings as { eventId: string; choices: string[]; points?: number[] }[]).map((o) => [o.eventId, o]));
    expect(openings.size).toBe(latest.size);
    for (const cast of latest.values()) {
      expect(openings.get(lastReceipt.get(`${cast.voter} ${cast.unitId}`)!)).toMatchObject({
        choices: cast.pick.map((k) => proposalIds[k]),
        ...(cast.points ? { points: cast.points } : {}),
      });
    }
    declared.splice(1, 1);
    for (const [u, unit] of units.entries()) {
      const inUnit = round.accepted.filter((a) => a.unitId === unit.id);
      const ballots = [...latest.values()].filter((b) => b.unitId === unit.id);
      // Independent of libs/recount: build the tally input from scratch.
      const direct = tally(
        { budget: BigInt(unit.budget), scale: 2, currency: 'PLN', projects: inUnit.map((a) => ({ id: a.proposalId, cost: BigInt(a.cost) })) },
        {
          type: c.profileType,
          ballots: ballots.map((b) => ({
            voterId: b.voter,
            projects: b.pick.map((k) => proposalIds[k]),
            ...(b.points ? { points: b.points.map(BigInt) } : {}),
          })),
          ...(c.ballot.rankPoints ? { ordinalPoints: c.ballot.rankPoints.map(BigInt) } : {}),
        },
        c.outcome.rule,
      );
      if (unit.id === 'centre') expect(direct.selected.length).toBeGreaterThan(0);
      const payload = declared[u + 1].payload;
      expect(payload).toMatchObject({
        unitId: unit.id,
        rule: c.outcome.rule,
        selected: direct.selected,
        spent: Number(direct.spent),
        budget: unit.budget,
        status: direct.status,
        ballotsCounted: ballots.length,
        tieBreaking: 'support-then-lower-cost-then-input-order',
      });
      // Supports and votes per project agree too (voter ids differ: pseudonyms vs test names).
      const supports = (x: any) => x.projects.map((p: any) => [p.id, p.support, p.votes, p.selected]);
      expect(supports(payload.explanation)).toEqual(supports((resultToJson(direct) as any).explanation));
      expect(payload.inputDigest).toMatch(/^[0-9a-f]{64}$/);

      const unitResult = results.units.find((x: any) => x.unitId === unit.id);
      expect(unitResult).toMatchObject({ selected: direct.selected, spent: Number(direct.spent), budget: unit.budget, declaredEventId: declared[u + 1].id });
      expect(unitResult.participation).toMatchObject({ registered: roll.filter((r) => r.includes(`,${unit.id},`)).length, voted: ballots.length });
    }
    expect(results.participation).toMatchObject({ registered: roll.length, voted: latest.size, byChannel: { online: latest.size, paper: 0 } });

    // The audit ledger holds every ballot version and the declaration; the receipts name its leaves; replaying
    // the ledger (as the audit recount and `plaza verify` do) gives the declared results again.
    await expectEventually(async () => {
      const page = await http('GET', `${stack.url('audit')}/ledger?roundId=${roundId}&limit=1000`, undefined, { token: stack.token('auditor') });
      const types = page.body.entries.map((e: any) => e.type);
      expect(types.filter((t: string) => t === 'BallotCast')).toHaveLength(c.casts.length);
      expect(types.filter((t: string) => t === 'ResultsDeclared')).toHaveLength(2);
      for (const r of receipts) {
        const entry = page.body.entries.find((e: any) => e.eventId === r.eventId);
        expect(entry.leafHash).toBe(r.leafHash);
      }
      const replay = new RoundReplay(roundId);
      for (const e of page.body.entries) replay.apply(JSON.parse(e.canonical));
      expect(replay.anomalies).toEqual([]);
      expect(replay.results()).toEqual(declared.slice(1).map((d) => d.payload));
      expect(replay.ballotDigest()).toBe(declared[0].payload.ballotDigest);
    });
  });

  it('category units: every registered voter gets a ballot in each category, and the ledger replay agrees', async () => {
    const categories: RoundConfig['units'] = [
      { id: 'green', name: 'Green', kind: 'category', budget: 50_00 },
      { id: 'roads', name: 'Roads', kind: 'category', budget: 50_00 },
    ];
    const round = await openRound(stack, {
      units: categories,
      ballot: { type: 'approval', minPicks: 1 },
      outcome: { rule: 'equalshares' },
      proposals: [
        { unitId: 'green', cost: 30_00 },
        { unitId: 'green', cost: 25_00 },
        { unitId: 'roads', cost: 40_00 },
        { unitId: 'roads', cost: 10_00 },
      ],
      roll: ['a,green,', 'b,green,', 'c,roads,'],
    });
    const V = stack.url('voting');
    const [g1, g2, r1, r2] = round.proposalIds;
    const casts: [string, string, string[]][] = [
      ['a', 'green', [g1]],
      ['a', 'roads', [r1, r2]],
      ['b', 'green', [g1, g2]],
      ['c', 'green', [g2]],
      ['c', 'roads', [r2]],
    ];
    for (const [voter, unitId, choices] of casts) {
      const res = await http('POST', `${V}/rounds/${round.roundId}/ballots`, { unitId, choices }, { token: stack.token('resident', voter) });
      expect(res.status).toBe(201);
    }
    const results = await closeVoting(stack, round.roundId);
    expect(results.units.map((u: any) => [u.unitId, u.ballotsCounted, u.participation.registered])).toEqual([
      ['green', 3, 3],
      ['roads', 2, 3],
    ]);
    expect(results.participation).toMatchObject({ registered: 3, voted: 3 });
    await expectEventually(async () => {
      const page = await http('GET', `${stack.url('audit')}/ledger?roundId=${round.roundId}&limit=1000`);
      const replay = new RoundReplay(round.roundId);
      for (const e of page.body.entries) replay.apply(JSON.parse(e.canonical));
      expect(replay.closedEventId).toBe(results.votingClosedEventId);
      expect(replay.anomalies).toEqual([]);
      expect(replay.results().map((r) => [r.unitId, r.selected, r.ballotsCounted])).toEqual(
        results.units.map((u: any) => [u.unitId, u.selected, u.ballotsCounted]),
      );
      expect(replay.declared.map((d) => d.payload)).toEqual(replay.results());
    });
  });
});
