import { expectEventually } from '@plaza/testing';
import { run } from '../../apps/cli/src/cli';
import { sql } from '../support/db';
import { closeVoting, openApprovalRound } from '../support/round';
import { http, Stack, type ServiceName } from '../support/stack';

/**
 * POST /admin/rebuild on each service: the read model is rebuilt from the log into a copy, the copy replaces
 * the live tables, and the reported checksum equals the live state's. Reads polled all along must never fail
 * nor change their answer.
 */
describe('projection rebuild (blue/green)', () => {
  const stack = new Stack();
  let open: Awaited<ReturnType<typeof openApprovalRound>>;
  let closed: Awaited<ReturnType<typeof openApprovalRound>>;
  let receipts: { eventId: string; leafHash: string }[];

  beforeAll(async () => {
    await stack.start();
    const V = stack.url('voting');
    closed = await openApprovalRound(stack, 3, undefined, 6);
    for (let i = 1; i <= 6; i++) {
      const res = await http('POST', `${V}/rounds/${closed.roundId}/ballots`, { unitId: 'centre', choices: [closed.proposalIds[i % 3]] }, { token: stack.token('resident', `resident-${i}`) });
      expect(res.status).toBe(201);
    }
    await closeVoting(stack, closed.roundId);
    open = await openApprovalRound(stack, 2, undefined, 4);
    for (let i = 1; i <= 4; i++) {
      const res = await http('POST', `${V}/rounds/${open.roundId}/ballots`, { unitId: 'centre', choices: [open.proposalIds[i % 2]] }, { token: stack.token('resident', `resident-${i}`) });
      expect(res.status).toBe(201);
    }
    // A revised ballot, so a receipt says "superseded".
    await http('POST', `${V}/rounds/${open.roundId}/ballots`, { unitId: 'centre', choices: [open.proposalIds[0]] }, { token: stack.token('resident', 'resident-1') });
    receipts = await expectEventually(async () => {
      const page = await http('GET', `${stack.url('audit')}/ledger?roundId=${open.roundId}&limit=200`);
      const ballots = page.body.entries.filter((e: any) => e.type === 'BallotCast');
      expect(ballots).toHaveLength(5);
      return ballots.map((e: any) => ({ eventId: e.eventId, leafHash: e.leafHash }));
    });
  });
  afterAll(() => stack.destroy());

  /** Polls `read` until stopped; every answer must be 200 and equal to the first. */
  function poll(read: () => Promise<{ status: number; body: unknown }>) {
    const seen: { status: number; body: string }[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const r = await read();
        seen.push({ status: r.status, body: JSON.stringify(r.body) });
      }
    })();
    return {
      async stop() {
        running = false;
        await loop;
        return seen;
      },
    };
  }

  async function tableOid(service: ServiceName, table: string): Promise<number> {
    const rows = await sql(`SELECT c.oid::int AS oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`, [
      stack.schemas[service],
      table,
    ]);
    return rows[0].oid;
  }

  async function indexNames(service: ServiceName, table: string): Promise<string[]> {
    const rows = await sql(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY indexname`, [stack.schemas[service], table]);
    return rows.map((r) => r.indexname);
  }

  async function rebuildWhilePolling(service: ServiceName, tables: string[], reads: (() => Promise<{ status: number; body: unknown }>)[]) {
    const before = await Promise.all(tables.map((t) => tableOid(service, t)));
    const indexesBefore = await Promise.all(tables.map((t) => indexNames(service, t)));
    const pollers = reads.map(poll);
    const res = await http('POST', `${stack.url(service)}/admin/rebuild`, {}, { token: stack.token('admin') });
    // A few reads after the switch, too.
    await new Promise((r) => setTimeout(r, 300));
    const seen = await Promise.all(pollers.map((p) => p.stop()));
    expect(res.status).toBe(200);
    const report = res.body;
    expect(report).toMatchObject({ matches: true, switched: true });
    expect(report.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(report.checksum).toBe(report.liveChecksum);
    expect(report.events).toBeGreaterThan(0);
    for (const t of report.perTable) expect(t.rows).toBe(t.liveRows);
    // The live tables are the rebuilt copies now, with the same index names.
    const after = await Promise.all(tables.map((t) => tableOid(service, t)));
    for (const [i, oid] of after.entries()) expect(oid).not.toBe(before[i]);
    expect(await Promise.all(tables.map((t) => indexNames(service, t)))).toEqual(indexesBefore);
    expect(await sql(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [`${stack.schemas[service]}__rebuild`])).toHaveLength(0);
    for (const answers of seen) {
      expect(answers.length).toBeGreaterThan(1);
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
      expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    }
    return report;
  }

  it('proposals: round_view and proposal_view rebuilt from the event log, reads uninterrupted', async () => {
    const P = stack.url('proposals');
    const report = await rebuildWhilePolling(
      'proposals',
      ['round_view', 'proposal_view'],
      [() => http('GET', `${P}/rounds/${open.roundId}/proposals`), () => http('GET', `${P}/rounds/${closed.roundId}`)],
    );
    expect(report.projection).toBe('views');
    // And it keeps taking writes into the new tables.
    const round = await http('GET', `${P}/rounds/${open.roundId}`);
    expect(round.status).toBe(200);
  });

  it('voting: the round projection rebuilt from the proposals topic (close columns from its own log), reads uninterrupted', async () => {
    const V = stack.url('voting');
    const report = await rebuildWhilePolling(
      'voting',
      ['rounds', 'proposals'],
      [() => http('GET', `${V}/rounds/${closed.roundId}/results`), () => http('GET', `${V}/rounds/${open.roundId}/ballot-box`, undefined, { token: stack.token('admin') })],
    );
    expect(report.projection).toBe('rounds');
    // A ballot still validates against the rebuilt round.
    const res = await http('POST', `${V}/rounds/${open.roundId}/ballots`, { unitId: 'centre', choices: [open.proposalIds[1]] }, { token: stack.token('resident', 'resident-2') });
    expect(res.status).toBe(201);
  });

  it('audit: ballot_entries (receipt checks) rebuilt from the ledger, reads uninterrupted', async () => {
    const A = stack.url('audit');
    const fate = async (receipt: { eventId: string; leafHash: string }) => {
      const r = await http('POST', `${A}/receipts/check`, receipt);
      return { status: r.status, body: { superseded: r.body.superseded, counted: r.body.counted, eventId: r.body.eventId } };
    };
    const first = await fate(receipts[0]!);
    expect(first.status).toBe(200);
    const report = await rebuildWhilePolling('audit', ['ballot_entries'], receipts.slice(0, 2).map((r) => () => fate(r)));
    expect(report.projection).toBe('ballot-entries');
    expect(report.perTable[0].rows).toBeGreaterThanOrEqual(6 + 5);
  });

  it('proposals: commands keep writing during the rebuild, and the rebuilt views hold every one of them', async () => {
    const P = stack.url('proposals');
    const admin = { token: stack.token('admin') };
    const round = await http('POST', `${P}/rounds`, { ...open.config, name: 'Rebuild under writes' }, admin);
    expect(round.status).toBe(201);
    const roundId = round.body.roundId as string;
    expect((await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'submission' }, admin)).status).toBe(200);
    let writing = true;
    const statuses: number[] = [];
    const writer = (async () => {
      for (let i = 0; writing || i < 3; i++) {
        const res = await http('POST', `${P}/rounds/${roundId}/proposals`, { unitId: 'centre', title: `Written during the rebuild ${i}`, description: 'x', estimatedCost: 1000 + i }, { token: stack.token('resident', `writer-${i}`) });
        statuses.push(res.status);
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const res = await http('POST', `${P}/admin/rebuild`, { projection: 'views' }, admin);
    writing = false;
    await writer;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ matches: true, switched: true });
    expect(statuses.filter((s) => s !== 201)).toEqual([]);
    const listed = await http('GET', `${P}/rounds/${roundId}/proposals?limit=200`);
    expect(listed.body.total).toBe(statuses.length);
    // The state the commands left equals a fold of the log: a second rebuild finds nothing to change.
    const again = await http('POST', `${P}/admin/rebuild`, {}, admin);
    expect(again.body).toMatchObject({ matches: true, switched: true });
  });

  it('plaza admin rebuild prints the rebuilt and the live checksum', async () => {
    let stdout = '';
    let stderr = '';
    const code = await run(['admin', 'rebuild', '--service', 'audit', '--url', stack.url('audit'), '--token', stack.token('admin')], {
      out: (t) => void (stdout += t),
      err: (t) => void (stderr += t),
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const checksum = /^checksum ([0-9a-f]{64})$/m.exec(stdout)?.[1];
    expect(checksum).toBeDefined();
    expect(stdout).toContain(`live     ${checksum}`);
    expect(stdout).toContain('equal: switched to the rebuilt tables');
  });

  it('refuses an unknown projection with a field error, and callers without the admin role', async () => {
    const bad = await http('POST', `${stack.url('audit')}/admin/rebuild`, { projection: 'nope' }, { token: stack.token('admin') });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ field: 'projection' });
    const resident = await http('POST', `${stack.url('audit')}/admin/rebuild`, {}, { token: stack.token('resident', 'x') });
    expect(resident.status).toBe(403);
  });
});
