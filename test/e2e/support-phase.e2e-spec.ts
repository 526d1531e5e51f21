import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectEventually } from '@plaza/testing';
import { run } from '../../apps/cli/src/cli';
import { editEvent, entryOf, eventAt, reseal } from '../support/bundle-tamper';
import { sql } from '../support/db';
import { http, Stack } from '../support/stack';

/**
 * The support phase through the real services (Kafka, PostgreSQL): residents support proposals under the round's
 * pseudonym, bad input and refused supports write nothing, the threshold selects what goes to review, the audit
 * service recounts the selection, and `plaza verify` checks it in an exported bundle and catches a forged one.
 */
describe('support phase', () => {
  const stack = new Stack();
  const out = mkdtempSync(join(tmpdir(), 'plaza-support-'));
  let P: string;
  let A: string;
  let roundId: string;
  const ids: string[] = [];
  const admin = () => ({ token: stack.token('admin') });
  const resident = (n: number) => ({ token: stack.token('resident', `support-resident-${n}`) });
  const supportUrl = (proposal: string) => `${P}/rounds/${roundId}/proposals/${proposal}/support`;
  const events = async () => {
    const [row] = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${stack.schemas.proposals}".events`);
    return Number(row!.n);
  };
  const cli = async (...argv: string[]) => {
    let stdout = '';
    const code = await run(argv, { out: (t) => void (stdout += t), err: () => undefined });
    return { code, stdout };
  };
  const config = (support: unknown) => ({
    name: 'Round with supports',
    currency: 'PLN',
    units: [{ id: 'centre', name: 'Centre', kind: 'district', budget: 100_000_00 }],
    schedule: {},
    ballot: { type: 'approval', minPicks: 1, maxPicks: 2 },
    outcome: { rule: 'greedy' },
    eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
    support,
  });

  beforeAll(async () => {
    await stack.start();
    P = stack.url('proposals');
    A = stack.url('audit');
  });

  afterAll(async () => {
    await stack.destroy();
    rmSync(out, { recursive: true, force: true });
  });

  it('validates the support settings field by field', async () => {
    const before = await events();
    const zero = await http('POST', `${P}/rounds`, config({ supportsPerResident: 0, threshold: { kind: 'top', perUnit: 1 } }), admin());
    expect(zero.status).toBe(400);
    expect(JSON.stringify(zero.body.errors)).toMatch(/support\.supportsPerResident/);
    const kind = await http('POST', `${P}/rounds`, config({ supportsPerResident: 2, threshold: { kind: 'most' } }), admin());
    expect(kind.status).toBe(400);
    expect(JSON.stringify(kind.body.errors)).toMatch(/support\.threshold\.kind/);
    const mixed = await http('POST', `${P}/rounds`, config({ supportsPerResident: 2, threshold: { kind: 'top', minSupports: 3 } }), admin());
    expect(mixed.status).toBe(409);
    expect(mixed.body).toMatchObject({ code: 'invalid-config', field: 'support.threshold.perUnit' });
    expect(await events()).toBe(before);
  });

  it('supports only during the phase, once per proposal, within the allowance; nothing written when refused', async () => {
    const round = await http('POST', `${P}/rounds`, config({ supportsPerResident: 2, threshold: { kind: 'top', perUnit: 1 } }), admin());
    expect(round.status).toBe(201);
    roundId = round.body.roundId;
    expect((await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'submission' }, admin())).status).toBe(200);
    for (const i of [0, 1, 2]) {
      const p = await http('POST', `${P}/rounds/${roundId}/proposals`, { unitId: 'centre', title: `Project ${i + 1}`, description: 'A project.', estimatedCost: 10_000_00 }, { token: stack.token('resident', `author-${i}`) });
      expect(p.status).toBe(201);
      ids.push(p.body.proposalId);
    }
    const [a, b, c] = ids as [string, string, string];
    let before = await events();
    const early = await http('POST', supportUrl(a), undefined, resident(1));
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('phase');
    // Skipping the support phase is refused.
    expect((await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'review' }, admin())).body.message).toMatch(/move it to support first/);
    expect(await events()).toBe(before);

    expect((await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'support' }, admin())).status).toBe(200);
    const first = await http('POST', supportUrl(a), undefined, resident(1));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ proposalId: a, supported: true, supports: 1, remaining: 1, events: ['ProposalSupported'] });
    expect((await http('POST', supportUrl(b), undefined, resident(1))).body.remaining).toBe(0);
    expect((await http('POST', supportUrl(a), undefined, resident(2))).status).toBe(201);
    expect((await http('POST', supportUrl(b), undefined, resident(3))).status).toBe(201);
    expect((await http('POST', supportUrl(c), undefined, resident(3))).status).toBe(201);

    before = await events();
    const twice = await http('POST', supportUrl(a), undefined, resident(1));
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('already-supported');
    const beyond = await http('POST', supportUrl(c), undefined, resident(1));
    expect(beyond.status).toBe(409);
    expect(beyond.body.code).toBe('no-supports-left');
    const notHeld = await http('DELETE', supportUrl(a), undefined, resident(3));
    expect(notHeld.status).toBe(409);
    expect(notHeld.body.code).toBe('not-supported');
    expect((await http('POST', `${P}/rounds/${roundId}/proposals/not-a-uuid/support`, undefined, resident(1))).status).toBe(400);
    expect((await http('POST', supportUrl('01900000-0000-7000-8000-0000000000ff'), undefined, resident(1))).status).toBe(404);
    expect((await http('POST', supportUrl(a), undefined, { token: stack.token('staff') })).status).toBe(403);
    expect((await http('POST', supportUrl(a))).status).toBe(401);
    expect(await events()).toBe(before);

    // Resident 3 takes a support back: B and A would tie at 2 otherwise.
    const withdrawn = await http('DELETE', supportUrl(c), undefined, resident(3));
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ supported: false, supports: 0, remaining: 1 });
    const mine = await http('GET', `${P}/rounds/${roundId}/supports/mine`, undefined, resident(3));
    expect(mine.body).toEqual({ supportsPerResident: 2, proposalIds: [b], remaining: 1 });
    const list = await http('GET', `${P}/rounds/${roundId}/proposals`);
    expect(Object.fromEntries(list.body.items.map((p: { proposalId: string; supports: number }) => [p.proposalId, p.supports]))).toEqual({ [a]: 2, [b]: 2, [c]: 0 });
  });

  it('puts the round pseudonym in the events, never the resident', async () => {
    const rows = await sql<{ payload: string; stream_id: string }>(
      `SELECT payload::text AS payload, stream_id FROM "${stack.schemas.proposals}".events WHERE type IN ('ProposalSupported', 'ProposalSupportWithdrawn')`,
    );
    expect(rows).toHaveLength(6); // five supports, one withdrawal
    for (const r of rows) {
      expect(r.payload).not.toMatch(/support-resident/);
      expect(r.stream_id).not.toMatch(/support-resident/);
      expect(JSON.parse(r.payload).supporter).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('ends the phase with the selection (ties go on together); unselected proposals cannot be accepted', async () => {
    const [a, b, c] = ids as [string, string, string];
    const moved = await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'review' }, admin());
    expect(moved.status).toBe(200);
    expect(moved.body.events).toEqual(['RoundPhaseChanged', 'SupportSelectionDeclared']);
    const round = await http('GET', `${P}/rounds/${roundId}`);
    expect(round.body.supportSelected).toEqual([a, b].sort());
    // Supports are over once the phase ends.
    expect((await http('POST', supportUrl(c), undefined, resident(4))).body.code).toBe('phase');
    const staff = { token: stack.token('staff') };
    const refused = await http('POST', `${P}/rounds/${roundId}/proposals/${c}/accept`, { cost: 10_000_00, reason: 'ok' }, staff);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('not-selected');
    expect((await http('POST', `${P}/rounds/${roundId}/proposals/${a}/accept`, { cost: 10_000_00, reason: 'ok' }, staff)).status).toBe(200);
  });

  it('the audit service recounts the selection and finds it verified', async () => {
    await expectEventually(
      async () => {
        const v = await http('GET', `${A}/rounds/${roundId}/verification`);
        expect(v.body.supportSelection?.[0]).toMatchObject({ status: 'verified', differences: [] });
      },
      { timeoutMs: 30_000 },
    );
  });

  it('plaza verify checks the selection in the exported bundle and catches a forged one', async () => {
    await expectEventually(async () => {
      const [cp, page] = [(await http('GET', `${A}/ledger/checkpoints/latest`)).body, (await http('GET', `${A}/ledger?limit=1`)).body];
      expect(cp.size).toBe(page.size);
    });
    const dir = join(out, 'bundle');
    expect((await cli('audit', 'export', roundId, '--out', dir, '--url', A)).code).toBe(0);
    const clean = await cli('verify', dir, '--json');
    const report = JSON.parse(clean.stdout);
    expect(report.failures).toEqual([]);
    expect(report.round.supportSelection).toHaveLength(1);
    expect(report.round.supportSelection[0].differences).toEqual([]);

    const forged = join(out, 'forged');
    cpSync(dir, forged, { recursive: true });
    const i = entryOf(forged, 'SupportSelectionDeclared');
    const c = ids[2]!;
    editEvent(
      forged,
      i,
      (e) => {
        const p = e.payload as { selected: string[]; proposals: { proposalId: string; selected: boolean }[] };
        p.selected = [...p.selected, c].sort();
        for (const t of p.proposals) if (t.proposalId === c) t.selected = true;
      },
      true,
    );
    reseal(forged);
    const r = await cli('verify', forged, '--json');
    expect(r.code).toBe(1);
    const failure = JSON.parse(r.stdout).failures.find((f: { check: string }) => f.check === 'support-selection');
    expect(failure).toMatchObject({ check: 'support-selection', index: i, eventId: eventAt(forged, i).id });
    expect(failure.message).toMatch(/declared support selection differs from the recount: selected/);
  });
});
