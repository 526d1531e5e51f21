import { randomUUID } from 'node:crypto';
import type { RunningService } from '@plaza/nest-runtime';
import { expectEventually } from '@plaza/testing';
import { sql } from '../support/db';
import { generateCodes, openRound, openVoting } from '../support/round';
import { http, Stack, type HttpResult } from '../support/stack';

/**
 * Several voting instances on one schema and one consumer group, as `npm start -- --instances 2` runs them behind
 * the web origin: ballots spread round robin, an instance joins and another leaves while they arrive (the group
 * rebalances), and a client whose instance went away retries on the next one with the same Idempotency-Key.
 */
describe('voting: two instances behind one origin', () => {
  const stack = new Stack({ voting: { CODE_SIGNIN_PER_MINUTE: '3' } });
  let second: RunningService;
  beforeAll(async () => {
    await stack.start();
    second = await stack.startInstance('voting');
  });
  afterAll(() => stack.destroy());

  it('counts each ballot exactly once under concurrent casts and a consumer-group rebalance', async () => {
    const voters = 120;
    const { roundId, proposalIds } = await openRound(stack, {
      proposals: [1, 2, 3].map((k) => ({ unitId: 'centre', cost: k * 100_000_00 })),
      roll: Array.from({ length: voters }, (_, i) => `resident-${i + 1},centre,`),
      // The second instance just joined the rounds consumer group: its first rebalance may still run.
      projectionTimeoutMs: 90_000,
    });
    const instances: (string | undefined)[] = [stack.url('voting'), second.url];
    let turn = 0;
    /** Round robin over the instances still up; a refused connection or a 503 goes to the next with the same key. */
    const cast = async (i: number): Promise<HttpResult> => {
      const key = randomUUID();
      for (let attempt = 0; attempt < 20; attempt++) {
        const live = instances.filter((u): u is string => u !== undefined);
        const url = live[turn++ % live.length];
        try {
          const res = await http(
            'POST',
            `${url}/rounds/${roundId}/ballots`,
            { unitId: 'centre', choices: proposalIds.filter((_, k) => (i + k) % 2 === 0) },
            { token: stack.token('resident', `resident-${i + 1}`), headers: { 'idempotency-key': key } },
          );
          if (res.status !== 503) return res;
        } catch {
          // The instance went away mid-request: the next one answers (or replays) under the same key.
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`ballot ${i} not accepted after 20 attempts`);
    };

    /** Another round's proposals events, for the rounds projection to take in while its group rebalances. */
    let otherRound = '';
    const feedProposals = async () => {
      const P = stack.url('proposals');
      const admin = { token: stack.token('admin') };
      const created = await http('POST', `${P}/rounds`, { name: 'Other', currency: 'PLN', units: [{ id: 'north', name: 'North', kind: 'district', budget: 1_000_00 }], schedule: {}, ballot: { type: 'approval', minPicks: 1, maxPicks: 3 }, outcome: { rule: 'greedy' }, eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' } }, admin);
      expect(created.status).toBe(201);
      otherRound = created.body.roundId;
      expect((await http('POST', `${P}/rounds/${otherRound}/phase`, { to: 'submission' }, admin)).status).toBe(200);
      for (let k = 0; k < 10; k++) {
        const p = await http('POST', `${P}/rounds/${otherRound}/proposals`, { unitId: 'north', title: `Other ${k}`, description: 'Another round.', estimatedCost: 100 }, { token: stack.token('resident', `author-${k}`) });
        expect(p.status).toBe(201);
      }
    };
    const results: Promise<HttpResult>[] = [];
    // At most 16 casts in flight: the test database is shared, and each instance's pool is 20 connections.
    const inFlight = new Set<Promise<HttpResult>>();
    let third: RunningService | undefined;
    let other: Promise<unknown> = Promise.resolve();
    for (let i = 0; i < voters; i++) {
      if (inFlight.size >= 16) await Promise.race(inFlight);
      const one = cast(i);
      inFlight.add(one);
      void one.finally(() => inFlight.delete(one)).catch(() => undefined);
      results.push(one);
      // A third instance joins the consumer group, then the second leaves it, while ballots are in flight; the
      // proposals side keeps feeding the group (another round) so partitions move with work on them.
      if (i === 30) {
        third = await stack.startInstance('voting');
        instances.push(third.url);
        other = feedProposals();
      }
      if (i === 70) {
        instances[1] = undefined;
        void second.app.close();
      }
    }
    const answers = await Promise.all(results);
    await other;
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
    const receipts = answers.map((a) => a.body.eventId as string);
    expect(new Set(receipts).size).toBe(voters);

    // Once in the voting store, once per voter, once in the ballot box, once in the ledger.
    const V = third!.url;
    const stored = await sql<{ n: number; voters: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT stream_id)::int AS voters FROM "${stack.schemas.voting}".events WHERE round_id = $1 AND type = 'BallotCast'`,
      [roundId],
    );
    expect(stored[0]).toEqual({ n: voters, voters });
    const box = await http('GET', `${V}/rounds/${roundId}/ballot-box`, undefined, { token: stack.token('auditor') });
    expect(box.body.ballots).toBe(voters);
    await expectEventually(
      async () => {
        const rows = await sql<{ event_id: string }>(
          `SELECT event_id FROM "${stack.schemas.audit}".ledger_entries WHERE round_id = $1 AND event_type = 'BallotCast'`,
          [roundId],
        );
        expect(rows).toHaveLength(voters);
        expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(receipts));
      },
      { timeoutMs: 60_000 },
    ).catch(async (error) => {
      const relay = await sql(`SELECT * FROM "${stack.schemas.voting}".relay_checkpoints`);
      const pending = await sql(`SELECT count(*)::int AS n, min(transaction_id::text) AS tx FROM "${stack.schemas.voting}".events WHERE round_id = $1`, [roundId]);
      const lease = await sql(`SELECT * FROM "${stack.schemas.audit}".ledger_lease`);
      const size = await sql(`SELECT size FROM "${stack.schemas.audit}".ledger_head`);
      const dead = await sql(`SELECT consumer, reason FROM "${stack.schemas.audit}".dead_letters`);
      console.error(JSON.stringify({ relay, pending, lease, size, dead }, null, 1));
      throw error;
    });
    // The rounds projection took in every proposals event of the other round, whichever instance held its
    // partition through the rebalance (processed_events is keyed by consumer and event id: once each).
    const sent = (await sql<{ event_id: string }>(`SELECT event_id FROM "${stack.schemas.proposals}".events WHERE round_id = $1`, [otherRound])).map((r) => r.event_id);
    expect(sent.length).toBeGreaterThanOrEqual(12);
    await expectEventually(
      async () => {
        const applied = await sql<{ event_id: string }>(`SELECT event_id FROM "${stack.schemas.voting}".processed_events WHERE consumer = 'rounds' AND event_id = ANY($1)`, [sent]);
        expect(applied.map((r) => r.event_id).sort()).toEqual([...sent].sort());
      },
      { timeoutMs: 60_000 },
    );
    await third!.app.close();
    instances.pop();
  });

  it('holds the code sign-in limit across instances (counted in PostgreSQL)', async () => {
    const round = await openRound(stack, {
      units: [{ id: 'centre', name: 'Centre', kind: 'district', budget: 1_000_00 }],
      proposals: [{ unitId: 'centre', cost: 100_00 }],
      eligibility: { mode: 'codes', paperPolicy: 'refuse-if-voted-online' },
      stayInReview: true,
      projectionTimeoutMs: 90_000,
    });
    const [code] = await generateCodes(stack, round.roundId, 'centre', 1);
    await openVoting(stack, round.roundId);
    const one = await stack.startInstance('voting');
    const urls = [stack.url('voting'), one.url];
    const from = { headers: { 'x-forwarded-for': '203.0.113.9' } };
    // Three wrong guesses spread over both instances use up the one quota of 3…
    for (const [i, guess] of ['AAAAA-AAAAA', 'BBBBB-BBBBB', 'CCCCC-CCCCC'].entries()) {
      const wrong = await http('POST', `${urls[i % 2]}/rounds/${round.roundId}/codes/sign-in`, { code: guess }, from);
      expect(wrong.status).toBe(403);
    }
    // …so the next attempt is refused by either instance, the right code included.
    for (const url of urls) {
      const blocked = await http('POST', `${url}/rounds/${round.roundId}/codes/sign-in`, { code }, from);
      expect(blocked.status).toBe(429);
      expect(blocked.body.code).toBe('too-many-attempts');
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    }
    const elsewhere = await http('POST', `${one.url}/rounds/${round.roundId}/codes/sign-in`, { code }, { headers: { 'x-forwarded-for': '198.51.100.30' } });
    expect(elsewhere.status).toBe(200);
    await one.app.close();
  });
});
