import { Client } from 'pg';
import { TEST_DATABASE_URL } from '@plaza/testing';
import { sql } from '../support/db';
import { openApprovalRound, residentToken } from '../support/round';
import { http, Stack } from '../support/stack';

/**
 * README "Retries and Idempotency-Key": the voting service's own PostgreSQL connections are terminated
 * (pg_terminate_backend, by the application_name that names its schema: no other session is touched) while a
 * ballot waits inside its transaction. The ballot is answered 503 with Retry-After, the service reconnects
 * by itself, and the client's retry with the same Idempotency-Key records exactly one ballot.
 */
describe('a lost database connection under a ballot: 503, then an idempotent retry', () => {
  const stack = new Stack();

  beforeAll(() => stack.start('proposals', 'voting'));
  afterAll(() => stack.destroy());

  const ballotEvents = async () =>
    Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${stack.schemas.voting}".events WHERE type = 'BallotCast'`))[0].n);

  async function waitForBlockedBallot(applicationName: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const rows = await sql(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [applicationName]);
      if (rows.length > 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the ballot never reached the locked round row');
  }

  it('answers 503 + Retry-After, then one ballot for the retried key, the first receipt on replay, 422 for another body', async () => {
    const { roundId, proposalIds } = await openApprovalRound(stack, 3);
    const V = stack.url('voting');
    const token = residentToken(stack, 'resident-1');
    const key = 'ballot-7f3c1e2a';
    const ballot = { unitId: 'centre', choices: [proposalIds[0]] };
    const cast = (body: unknown) => http('POST', `${V}/rounds/${roundId}/ballots`, body, { token, headers: { 'idempotency-key': key } });
    const applicationName = `plaza-voting:${stack.schemas.voting}`.slice(0, 63);

    // Hold the round row so the ballot waits inside its transaction, then cut the service's connections.
    const blocker = new Client({ connectionString: TEST_DATABASE_URL });
    await blocker.connect();
    let lost;
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM "${stack.schemas.voting}".rounds WHERE round_id = $1 FOR UPDATE`, [roundId]);
      const inFlight = cast(ballot);
      await waitForBlockedBallot(applicationName);
      const killed = await sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [applicationName]);
      expect(killed.length).toBeGreaterThan(0);
      lost = await inFlight;
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      await blocker.end();
    }
    expect(lost.status).toBe(503);
    expect(lost.headers['retry-after']).toBe('2');
    expect(lost.body).toMatchObject({ statusCode: 503, code: 'database-unavailable' });
    expect(await ballotEvents()).toBe(0);

    // The pool reconnects by itself: the retry with the same key is the first ballot.
    const first = await cast(ballot);
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await ballotEvents()).toBe(1);

    // The same key again: the first receipt, nothing new written.
    const replay = await cast(ballot);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(await ballotEvents()).toBe(1);

    // The same key for another ballot: refused, nothing written.
    const reused = await cast({ unitId: 'centre', choices: [proposalIds[1]] });
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ code: 'idempotency-key-reused' });
    expect(await ballotEvents()).toBe(1);

    // Keys are per caller: another resident's identical key is their own request.
    const other = await http('POST', `${V}/rounds/${roundId}/ballots`, ballot, {
      token: residentToken(stack, 'resident-2'),
      headers: { 'idempotency-key': key },
    });
    expect(other.status).toBe(201);
    expect(other.body.eventId).not.toBe(first.body.eventId);
    expect(await ballotEvents()).toBe(2);
  });
});
