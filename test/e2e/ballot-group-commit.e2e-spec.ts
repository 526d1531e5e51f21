import { randomUUID } from 'node:crypto';
import { Forbidden, InvalidInput } from '@plaza/contracts';
import { ConcurrencyError } from '@plaza/event-store';
import { expectEventually, TEST_DATABASE_URL } from '@plaza/testing';
import { Client } from 'pg';
import { BallotsService } from '../../apps/voting/src/ballots/ballots.service';
import type { GroupMember } from '../../apps/voting/src/ballots/ballot-groups';
import { ballotStream } from '../../apps/voting/src/ballots/ballot.decider';
import { pseudonymOf } from '../../apps/voting/src/rounds/round-access';
import { sql } from '../support/db';
import { openApprovalRound } from '../support/round';
import { http, Stack } from '../support/stack';

/**
 * Group commit of ballots (#15): several casts in one transaction, each with its own outcome. The groups are
 * formed by hand here (BallotsService.commitGroup), so what shares a transaction does not depend on timing.
 */
describe('ballot group commit', () => {
  const stack = new Stack();
  beforeAll(() => stack.start());
  afterAll(() => (process.env.KEEP_STACK ? stack.stop() : stack.destroy()));

  const member = (roundId: string, resident: string, choices: string[], unitId = 'centre'): GroupMember => ({
    roundId,
    caller: { sub: resident, roles: ['resident'] },
    dto: { unitId, choices },
    ctx: { correlationId: randomUUID(), now: new Date() },
  });
  const events = (roundId: string) =>
    sql<{ event_id: string; stream_id: string; stream_version: number; tx: string }>(
      `SELECT event_id, stream_id, stream_version, transaction_id::text AS tx FROM "${stack.schemas.voting}".events WHERE round_id = $1 AND type = 'BallotCast'`,
      [roundId],
    );
  const stored = async (eventIds: string[]) => {
    const v = `"${stack.schemas.voting}"`;
    const [row] = await sql<{ events: number; secrets: number; box: number }>(
      `SELECT (SELECT count(*)::int FROM ${v}.events WHERE event_id = ANY($1)) AS events,
              (SELECT count(*)::int FROM ${v}.ballot_secrets WHERE event_id = ANY($1)) AS secrets,
              (SELECT count(*)::int FROM ${v}.ballot_box WHERE ballot_event_id = ANY($1)) AS box`,
      [eventIds],
    );
    return row;
  };

  /** The ballot stream of a resident on the roll (the pseudonym is the HMAC under the round's secret). */
  const streamOf = async (roundId: string, resident: string) => {
    const [{ secret }] = await sql<{ secret: Buffer }>(`SELECT secret FROM "${stack.schemas.voting}".round_secrets WHERE round_id = $1`, [roundId]);
    return ballotStream(roundId, pseudonymOf(secret, resident));
  };

  /** The voting service's connections waiting for another transaction (here: the group's append). */
  const groupsWaiting = () =>
    sql<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND wait_event = 'transactionid' AND query LIKE '%INSERT INTO%events%'`,
      [`plaza-voting:${stack.schemas.voting}`],
    );

  it('writes a group in one transaction; a refused, an ineligible and a second cast of one voter fail alone', async () => {
    const { roundId, proposalIds } = await openApprovalRound(stack, 3, undefined, 12);
    const service = stack.app('voting').get(BallotsService);
    const members = [
      ...Array.from({ length: 8 }, (_, i) => member(roundId, `resident-${i + 1}`, [proposalIds[i % 3]])),
      member(roundId, 'resident-9', [randomUUID()]), // not on the ballot: 400
      member(roundId, 'not-on-the-roll', [proposalIds[0]]), // 403
      member(roundId, 'resident-1', [proposalIds[1]]), // the same voter again in the same group: 409
    ];
    const outcomes = await service.commitGroup(roundId, members);
    expect(outcomes.slice(0, 8).every((o) => o.ok)).toBe(true);
    expect(outcomes[8].ok || outcomes[8].error).toBeInstanceOf(InvalidInput);
    expect(outcomes[9].ok || outcomes[9].error).toBeInstanceOf(Forbidden);
    expect(outcomes[10].ok || outcomes[10].error).toBeInstanceOf(ConcurrencyError);

    const rows = await events(roundId);
    expect(rows).toHaveLength(8);
    expect(new Set(rows.map((r) => r.tx)).size).toBe(1); // one transaction, one commit
    const receipts = outcomes.slice(0, 8).map((o) => (o.ok ? (o.receipt as { eventId: string; ballotVersion: number }) : undefined)!);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(receipts.map((r) => r.eventId)));
    expect(receipts.every((r) => r.ballotVersion === 1)).toBe(true);
    expect(await stored(receipts.map((r) => r.eventId))).toEqual({ events: 8, secrets: 8, box: 8 });

    // The voter refused in the group revises normally afterwards, and the revision gets the next version.
    const again = await service.commitGroup(roundId, [member(roundId, 'resident-1', [proposalIds[2]])]);
    expect(again[0].ok && (again[0].receipt as { ballotVersion: number }).ballotVersion).toBe(2);
  });

  it('a revision that meets a concurrent transaction on the same ballot stream gets its own 409; the others commit', async () => {
    const { roundId, proposalIds } = await openApprovalRound(stack, 3, undefined, 12);
    const service = stack.app('voting').get(BallotsService);
    const [first] = await service.commitGroup(roundId, [member(roundId, 'resident-1', [proposalIds[0]])]);
    expect(first.ok).toBe(true);
    const streamId = await streamOf(roundId, 'resident-1');
    expect((await events(roundId)).map((r) => r.stream_id)).toEqual([streamId]);

    // Another writer (a second voting instance, a paper entry) holds version 2 of resident-1's stream uncommitted.
    const other = new Client({ connectionString: TEST_DATABASE_URL });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO "${stack.schemas.voting}".events (event_id, stream_id, stream_version, type, schema_version, round_id, occurred_at, producer, correlation_id, causation_id, payload)
         VALUES ($1, $2, 2, 'BallotCast', 2, $3, now(), 'voting', 'other-writer', NULL, '{}'::jsonb)`,
        [randomUUID(), streamId, roundId],
      );
      const group = service.commitGroup(roundId, [
        member(roundId, 'resident-2', [proposalIds[0]]),
        member(roundId, 'resident-1', [proposalIds[1]]),
        member(roundId, 'resident-3', [proposalIds[2]]),
      ]);
      // The group's append waits on the other writer's row; once that commits, resident-1's revision lost the race.
      await expectEventually(async () => {
        expect(await groupsWaiting()).toHaveLength(1);
      });
      await other.query('COMMIT');
      const outcomes = await group;
      expect(outcomes[0].ok).toBe(true);
      expect(outcomes[2].ok).toBe(true);
      expect(outcomes[1].ok || outcomes[1].error).toBeInstanceOf(ConcurrencyError);
    } finally {
      await other.end();
    }
    const rows = await events(roundId);
    expect(rows.filter((r) => r.stream_id === streamId).map((r) => r.stream_version).sort()).toEqual([1, 2]);
    expect(rows.filter((r) => r.stream_id !== streamId)).toHaveLength(2);
  });

  it('a group cut off mid-transaction stores none of its ballots and answers each with an error; earlier receipts stand', async () => {
    const { roundId, proposalIds } = await openApprovalRound(stack, 3, undefined, 12);
    const service = stack.app('voting').get(BallotsService);
    const earlier = await service.commitGroup(roundId, [member(roundId, 'resident-1', [proposalIds[0]]), member(roundId, 'resident-2', [proposalIds[1]])]);
    expect(earlier.every((o) => o.ok)).toBe(true);
    const blocked = await streamOf(roundId, 'resident-5');

    // Hold the group inside its transaction (waiting on another writer's row), then kill its connection.
    const other = new Client({ connectionString: TEST_DATABASE_URL });
    await other.connect();
    let outcomes;
    try {
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO "${stack.schemas.voting}".events (event_id, stream_id, stream_version, type, schema_version, round_id, occurred_at, producer, correlation_id, causation_id, payload)
         VALUES ($1, $2, 1, 'BallotCast', 2, $3, now(), 'voting', 'other-writer', NULL, '{}'::jsonb)`,
        [randomUUID(), blocked, roundId],
      );
      const group = service.commitGroup(
        roundId,
        ['resident-4', 'resident-5', 'resident-6', 'resident-7'].map((r) => member(roundId, r, [proposalIds[2]])),
      );
      let pid = 0;
      await expectEventually(async () => {
        const waiting = await groupsWaiting();
        expect(waiting).toHaveLength(1);
        pid = waiting[0].pid;
      });
      await sql('SELECT pg_terminate_backend($1)', [pid]);
      outcomes = await group;
      await other.query('ROLLBACK');
    } finally {
      await other.end();
    }
    expect(outcomes.every((o) => !o.ok)).toBe(true);
    expect((await events(roundId)).length).toBe(2);
    expect(await stored(earlier.map((o) => (o as { receipt: { eventId: string } }).receipt.eventId))).toEqual({ events: 2, secrets: 2, box: 2 });
  });

  it('over HTTP: concurrent casts with Idempotency-Keys each get a receipt, and a retry replays it without a second ballot', async () => {
    const { roundId, proposalIds } = await openApprovalRound(stack, 3, undefined, 40);
    const V = stack.url('voting');
    const keys = Array.from({ length: 40 }, () => randomUUID());
    const cast = (i: number) =>
      http('POST', `${V}/rounds/${roundId}/ballots`, { unitId: 'centre', choices: [proposalIds[i % 3]] }, {
        token: stack.token('resident', `resident-${i + 1}`),
        headers: { 'Idempotency-Key': keys[i] },
      });
    const first = await Promise.all(keys.map((_, i) => cast(i)));
    expect(first.map((r) => r.status)).toEqual(keys.map(() => 201));
    const again = await Promise.all(keys.map((_, i) => cast(i)));
    expect(again.map((r) => r.body.eventId)).toEqual(first.map((r) => r.body.eventId));
    expect(again.every((r) => r.headers['idempotent-replayed'] === 'true')).toBe(true);
    expect(await events(roundId)).toHaveLength(40);
    const box = await http('GET', `${V}/rounds/${roundId}/ballot-box`, undefined, { token: stack.token('auditor') });
    expect(box.body.ballots).toBe(40);
  });
});
