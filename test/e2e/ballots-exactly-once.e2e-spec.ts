import { EventPipeline } from '@plaza/nest-runtime';
import { expectEventually } from '@plaza/testing';
import { sql } from '../support/db';
import { openApprovalRound } from '../support/round';
import { http, Stack } from '../support/stack';

/** Runs `tasks` with at most `width` in flight. */
async function pool<T>(tasks: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]();
      }
    }),
  );
  return results;
}

describe('200 concurrent ballots reach the voting projection and the audit ledger exactly once', () => {
  const stack = new Stack();

  beforeAll(() => stack.start());
  afterAll(() => (process.env.KEEP_STACK ? stack.stop() : stack.destroy()));

  async function ledgerBallots(roundId: string) {
    return sql<{ index: string; event_id: string }>(
      `SELECT index, event_id FROM "${stack.schemas.audit}".ledger_entries WHERE round_id = $1 AND event_type = 'BallotCast' ORDER BY index`,
      [roundId],
    );
  }

  it('with the voting relay and the audit consumer stopped and restarted in the middle', async () => {
    const { roundId, proposalIds } = await openApprovalRound(stack, 3, undefined, 200);
    const V = stack.url('voting');
    const cast = (i: number) => () =>
      http(
        'POST',
        `${V}/rounds/${roundId}/ballots`,
        { unitId: 'centre', choices: proposalIds.filter((_, k) => (i + k) % 2 === 0) },
        { token: stack.token('resident', `resident-${i + 1}`) },
      );

    const first = await pool(Array.from({ length: 100 }, (_, i) => cast(i)), 25);
    expect(first.every((r) => r.status === 201)).toBe(true);

    // Stop the relay mid-stream and take the audit service down while more ballots arrive.
    const relay = stack.app('voting').get(EventPipeline).relay!;
    await relay.stop();
    await stack.stop('audit');
    const second = await pool(Array.from({ length: 100 }, (_, i) => cast(100 + i)), 25);
    expect(second.every((r) => r.status === 201)).toBe(true);
    relay.start();
    await stack.start('audit');

    const receipts = [...first, ...second].map((r) => r.body.eventId as string);
    expect(new Set(receipts).size).toBe(200);

    const events = await sql(`SELECT count(*)::int AS n FROM "${stack.schemas.voting}".events WHERE round_id = $1 AND type = 'BallotCast'`, [roundId]);
    expect(events[0].n).toBe(200);
    const box = await http('GET', `${V}/rounds/${roundId}/ballot-box`, undefined, { token: stack.token('auditor') });
    expect(box.body.ballots).toBe(200);

    const ledger = await expectEventually(async () => {
      const rows = await ledgerBallots(roundId);
      expect(rows).toHaveLength(200);
      return rows;
    }, { timeoutMs: 60_000 }).catch(async (error) => {
      // Say where a missing ballot got lost: never published, or published and not appended.
      const have = new Set((await ledgerBallots(roundId)).map((r) => r.event_id));
      const missing = receipts.filter((id) => !have.has(id));
      const rows = await sql(`SELECT event_id, position, transaction_id::text AS tx, recorded_at FROM "${stack.schemas.voting}".events WHERE event_id = ANY($1)`, [missing]);
      const checkpoint = await sql(`SELECT * FROM "${stack.schemas.voting}".relay_checkpoints`);
      const processed = await sql(`SELECT * FROM "${stack.schemas.audit}".processed_events WHERE event_id = ANY($1)`, [missing]);
      const dead = await sql(`SELECT consumer, topic, partition, kafka_offset, reason FROM "${stack.schemas.audit}".dead_letters`);
      console.error(JSON.stringify({ missing: rows, checkpoint, processed, dead }, null, 1));
      throw error;
    });
    expect(new Set(ledger.map((r) => r.event_id))).toEqual(new Set(receipts));
    // Nothing arrives late as a duplicate either: the ledger as a whole has no repeated event and no gap.
    const all = await sql<{ n: number; distinct_events: number; max_index: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS distinct_events, max(index)::int AS max_index FROM "${stack.schemas.audit}".ledger_entries`,
    );
    expect(all[0].n).toBe(all[0].distinct_events);
    expect(all[0].max_index).toBe(all[0].n - 1);
  });

  it('refuses a second concurrent cast by the same voter as a conflict, never as two ballots', async () => {
    const { roundId, proposalIds } = await openApprovalRound(stack);
    const V = stack.url('voting');
    const token = stack.token('resident', 'resident-1');
    const results = await Promise.all(
      Array.from({ length: 8 }, () => http('POST', `${V}/rounds/${roundId}/ballots`, { unitId: 'centre', choices: [proposalIds[0]] }, { token })),
    );
    const statuses = results.map((r) => r.status);
    // Each cast either lands as the next revision or meets a 409 from the ballot stream's version check.
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const versions = results.filter((r) => r.status === 201).map((r) => r.body.ballotVersion as number).sort((a, b) => a - b);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
    const box = await http('GET', `${V}/rounds/${roundId}/ballot-box`, undefined, { token: stack.token('auditor') });
    expect(box.body.ballots).toBe(1);
  });
});
