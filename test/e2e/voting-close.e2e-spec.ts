import { ballotDigest } from '@plaza/recount';
import { expectEventually } from '@plaza/testing';
import { DataSource } from 'typeorm';
import { RoundProjection } from '../../apps/voting/src/projection/round-projection';
import { sql } from '../support/db';
import { closeVoting, openRound, openVoting } from '../support/round';
import { http, Stack } from '../support/stack';

describe('closing a round', () => {
  const stack = new Stack();
  beforeAll(() => stack.start());
  afterAll(() => stack.destroy());

  it('imports a large roll as text/csv in events of at most 1000 voters', async () => {
    const round = await openRound(stack, { stayInReview: true });
    const csv = ['resident_id,unit_id,birth_year', ...Array.from({ length: 20_500 }, (_, i) => `resident-${i},centre,${1940 + (i % 60)}`)].join('\n');
    expect(csv.length).toBeGreaterThan(200_000);
    const res = await fetch(`${stack.url('voting')}/rounds/${round.roundId}/voters/roll.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${stack.token('admin')}` },
      body: csv,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ registered: 20_500, belowMinAge: 0 });
    // Published when voting opens, in one sorted batch.
    await openVoting(stack, round.roundId);
    const events = await sql(`SELECT jsonb_array_length(payload->'voters') AS n FROM "${stack.schemas.voting}".events WHERE stream_id = $1 ORDER BY stream_version`, [
      `voters-${round.roundId}`,
    ]);
    expect(events.map((e) => e.n)).toEqual([...Array.from({ length: 20 }, () => 1000), 500]);
    const json = await http('POST', `${stack.url('voting')}/rounds/${round.roundId}/voters/roll.csv`, { csv: 'x' }, { token: stack.token('admin') });
    expect(json.status).toBe(415);
  });

  it('counts every ballot that was accepted before the close and none after, and declares once on redelivery', async () => {
    const voters = 60;
    const round = await openRound(stack, { roll: Array.from({ length: voters }, (_, i) => `v${i},centre,`) });
    const V = stack.url('voting');
    const cast = (i: number) =>
      http('POST', `${V}/rounds/${round.roundId}/ballots`, { unitId: 'centre', choices: [round.proposalIds[i % 3]] }, { token: stack.token('resident', `v${i}`) });
    // A first wave lands for sure; the second races the close.
    const first = await Promise.all(Array.from({ length: 20 }, (_, i) => cast(i)));
    expect(first.every((r) => r.status === 201)).toBe(true);
    const closing = http('POST', `${stack.url('proposals')}/rounds/${round.roundId}/phase`, { to: 'closed' }, { token: stack.token('admin') });
    const racing: Awaited<ReturnType<typeof cast>>[] = [];
    for (let wave = 0; wave < 4; wave++) racing.push(...(await Promise.all(Array.from({ length: 10 }, (_, k) => cast(20 + wave * 10 + k)))));
    expect((await closing).status).toBe(200);
    for (const r of racing) expect([201, 409]).toContain(r.status);
    const accepted = [...first, ...racing].filter((r) => r.status === 201).map((r) => r.body.eventId as string);

    const closed = await expectEventually(async () => {
      const rows = await sql(`SELECT type, payload FROM "${stack.schemas.voting}".events WHERE stream_id = $1 ORDER BY stream_version`, [`tally-${round.roundId}`]);
      expect(rows.length).toBeGreaterThan(0);
      return rows;
    });
    expect(closed[0].type).toBe('VotingClosed');
    expect(closed[0].payload).toMatchObject({ ballotsCounted: accepted.length, perUnit: { centre: accepted.length } });
    expect(closed[0].payload.ballotDigest).toBe(ballotDigest(accepted));
    const after = await http('POST', `${V}/rounds/${round.roundId}/ballots`, { unitId: 'centre', choices: [round.proposalIds[0]] }, { token: stack.token('resident', 'v59') });
    expect(after.status).toBe(409);
    const allCasts = await sql(`SELECT count(*)::int AS n FROM "${stack.schemas.voting}".events WHERE round_id = $1 AND type = 'BallotCast'`, [round.roundId]);
    expect(allCasts[0].n).toBe(accepted.length);

    // Redeliver the closing phase change straight into the projection (past the processed-event record).
    const change = await expectEventually(async () => {
      const page = await http('GET', `${stack.url('audit')}/ledger?roundId=${round.roundId}&limit=200`);
      const entry = page.body.entries.find((e: any) => e.type === 'RoundPhaseChanged' && JSON.parse(e.canonical).payload.to === 'closed');
      expect(entry).toBeDefined();
      return JSON.parse(entry.canonical);
    });
    const dataSource = stack.app('voting').get(DataSource);
    await dataSource.transaction((m) => new RoundProjection(stack.schemas.voting).apply(change, m));
    const tally = await sql(`SELECT type FROM "${stack.schemas.voting}".events WHERE stream_id = $1 ORDER BY stream_version`, [`tally-${round.roundId}`]);
    expect(tally.map((t) => t.type)).toEqual(['VotingClosed', 'BallotsOpened', 'ResultsDeclared']);
    const results = await closeVoting(stack, round.roundId).catch(() => undefined);
    expect(results).toBeUndefined(); // already closed: the phase cannot close twice
    const served = await http('GET', `${V}/rounds/${round.roundId}/results`);
    expect(served.body.units[0].ballotsCounted).toBe(accepted.length);
  });
});
