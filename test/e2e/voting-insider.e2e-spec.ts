import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectEventually } from '@plaza/testing';
import { run } from '../../apps/cli/src/cli';
import { sql } from '../support/db';
import { closeVoting, generateCodes, openRound, openVoting } from '../support/round';
import { http, Stack } from '../support/stack';

const units = [
  { id: 'centre', name: 'Centre', kind: 'district' as const, budget: 100_00 },
  { id: 'north', name: 'North', kind: 'district' as const, budget: 100_00 },
];
const proposals = [
  { unitId: 'centre', cost: 40_00 },
  { unitId: 'north', cost: 20_00 },
];

/**
 * Insiders (issue #10): the roll and the code sheet freeze when voting opens and change only under four eyes,
 * paper batches are confirmed by someone who did not enter them, overrides are counted per batch, a `code:`
 * subject is not a voting code, and `plaza verify` lists every such action from the bundle.
 */
describe('voting: insider controls', () => {
  // Rounds published here lose their pseudonym secret at the next sweep (DESTROY_SECRET_AFTER_DAYS=0).
  const stack = new Stack({ voting: { DESTROY_SECRET_AFTER_DAYS: '0', SECRET_SWEEP_INTERVAL_MS: '200' } });
  const out = mkdtempSync(join(tmpdir(), 'plaza-insider-'));
  beforeAll(() => stack.start());
  afterAll(async () => {
    await stack.destroy();
    rmSync(out, { recursive: true, force: true });
  });

  const V = () => stack.url('voting');
  const admin = (sub: string) => ({ token: stack.token('admin', sub) });
  const staff = (sub: string) => ({ token: stack.token('staff', sub) });
  const resident = (id: string) => ({ token: stack.token('resident', id) });
  const votingEvents = async () => (await sql(`SELECT count(*)::int AS n FROM "${stack.schemas.voting}".events`))[0].n as number;
  const cli = async (...argv: string[]) => {
    let stdout = '';
    const code = await run(argv, { out: (t) => void (stdout += t), err: () => undefined });
    return { code, stdout };
  };

  /** Exports the round's bundle once the ledger has caught up, and verifies it with `plaza verify --json`. */
  async function verify(roundId: string, name: string) {
    const A = stack.url('audit');
    const dir = join(out, name);
    await expectEventually(
      async () => {
        const res = await http('GET', `${A}/rounds/${roundId}/verification`);
        expect(res.body.status).toBe('verified');
        const [cp, page] = [(await http('GET', `${A}/ledger/checkpoints/latest`)).body, (await http('GET', `${A}/ledger?limit=1`)).body];
        expect(cp.size).toBe(page.size);
      },
      { timeoutMs: 30_000 },
    );
    expect((await cli('audit', 'export', roundId, '--out', dir, '--url', A)).code).toBe(0);
    const verified = await cli('verify', dir, '--json');
    const text = await cli('verify', dir);
    return { report: JSON.parse(verified.stdout), code: verified.code, text: text.stdout };
  }

  it('a roll re-import while voting is open needs a second administrator; the change is listed by plaza verify', async () => {
    const round = await openRound(stack, { units, proposals, roll: ['r1,centre,', 'r2,centre,'] });
    const R = `${V()}/rounds/${round.roundId}`;
    const before = await votingEvents();

    const frozen = await http('POST', `${R}/voters/roll`, { csv: 'resident_id,unit_id\nr3,north\n' }, admin('admin-a'));
    expect(frozen.status).toBe(409);
    expect(frozen.body).toMatchObject({ code: 'roll-frozen', message: expect.stringContaining('second administrator') });
    expect(await votingEvents()).toBe(before);
    expect((await http('POST', `${R}/ballots`, { unitId: 'north', choices: [round.proposalIds[1]] }, resident('r3'))).status).toBe(403);

    const requested = await http('POST', `${R}/eligibility-changes`, { kind: 'roll', csv: 'resident_id,unit_id\nr3,north\nr1,centre\n' }, admin('admin-a'));
    expect(requested.status).toBe(201);
    expect(requested.body).toMatchObject({ status: 'pending', requestedBy: 'admin-a', perUnit: { north: 1 } });
    // Requested is not registered.
    expect((await http('POST', `${R}/ballots`, { unitId: 'north', choices: [round.proposalIds[1]] }, resident('r3'))).status).toBe(403);

    const self = await http('POST', `${R}/eligibility-changes/${requested.body.changeId}/confirm`, undefined, admin('admin-a'));
    expect(self.status).toBe(409);
    expect(self.body).toMatchObject({ code: 'four-eyes' });
    const confirmed = await http('POST', `${R}/eligibility-changes/${requested.body.changeId}/confirm`, undefined, admin('admin-b'));
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'confirmed', requestedBy: 'admin-a', confirmedBy: 'admin-b', registered: 1 });
    expect((await http('POST', `${R}/eligibility-changes/${requested.body.changeId}/confirm`, undefined, admin('admin-c'))).body).toMatchObject({ code: 'change-confirmed' });
    expect((await http('POST', `${R}/ballots`, { unitId: 'north', choices: [round.proposalIds[1]] }, resident('r3'))).status).toBe(201);
    expect((await http('GET', `${R}/eligibility-changes`, undefined, admin('admin-c'))).body.changes).toEqual([
      expect.objectContaining({ changeId: requested.body.changeId, kind: 'roll', status: 'confirmed', requestedBy: 'admin-a', confirmedBy: 'admin-b', perUnit: { north: 1 } }),
    ]);
    const registered = await sql<{ payload: any }>(`SELECT payload FROM "${stack.schemas.voting}".events WHERE round_id = $1 AND type = 'VotersRegistered' ORDER BY position`, [
      round.roundId,
    ]);
    expect(registered.at(-1)!.payload).toMatchObject({ source: 'roll', changeId: requested.body.changeId, voters: [{ unitId: 'north' }] });

    await closeVoting(stack, round.roundId);
    const { report, code, text } = await verify(round.roundId, 'roll-change');
    expect(report.failures).toEqual([]);
    expect(code).toBe(0);
    expect(report.checks).toEqual(expect.arrayContaining([{ check: 'four-eyes', ok: true }, { check: 'registration-order', ok: true }]));
    expect(report.round.insider.actions.map((a: any) => [a.type, a.by ?? null])).toEqual([
      ['EligibilityChangeRequested', 'admin-a'],
      ['EligibilityChangeConfirmed', 'admin-b'],
      ['VotersRegistered', null],
    ]);
    expect(text).toContain(`admin-b: confirmed change ${requested.body.changeId} requested by admin-a: 1 registered`);
  });

  it('registrations before voting opens become public together at the opening: no import time or size singles anyone out', async () => {
    const round = await openRound(stack, { units, proposals, roll: ['a1,centre,'], stayInReview: true });
    const R = `${V()}/rounds/${round.roundId}`;
    // A second import of one resident, and a move of the first: each alone would have been its own event.
    expect((await http('POST', `${R}/voters/roll`, { csv: 'resident_id,unit_id\na2,centre\n' }, admin('admin-a'))).body).toMatchObject({ registered: 1 });
    expect((await http('POST', `${R}/voters/roll`, { csv: 'resident_id,unit_id\na1,north\n' }, admin('admin-a'))).body).toMatchObject({ registered: 1 });
    const events = () =>
      sql<{ payload: any; occurred_at: Date }>(`SELECT payload, occurred_at FROM "${stack.schemas.voting}".events WHERE round_id = $1 AND type = 'VotersRegistered'`, [round.roundId]);
    expect(await events()).toEqual([]);
    await openVoting(stack, round.roundId);
    const published = await events();
    expect(published).toHaveLength(1);
    expect(published[0].payload.voters.map((v: any) => v.unitId).sort()).toEqual(['centre', 'north']);
    const pseudonyms = published[0].payload.voters.map((v: any) => v.pseudonym);
    expect(pseudonyms).toEqual([...pseudonyms].sort());
    const [opened] = await sql<{ occurredAt: string }>(
      `SELECT payload->>'to' AS to, occurred_at AS "occurredAt" FROM "${stack.schemas.proposals}".events WHERE stream_id = $1 AND type = 'RoundPhaseChanged' AND payload->>'to' = 'voting'`,
      [`round-${round.roundId}`],
    );
    expect(new Date(published[0].occurred_at).toISOString()).toBe(new Date(opened.occurredAt).toISOString());
    expect((await http('POST', `${R}/ballots`, { unitId: 'north', choices: [round.proposalIds[1]] }, resident('a1'))).status).toBe(201);
  });

  it('voting codes only before voting opens, or under four eyes (the confirmer gets them); their count is public', async () => {
    const round = await openRound(stack, { units, proposals, eligibility: { mode: 'codes', paperPolicy: 'refuse-if-voted-online' }, stayInReview: true });
    const R = `${V()}/rounds/${round.roundId}`;
    const [early] = await generateCodes(stack, round.roundId, 'centre', 2);
    expect((await http('POST', `${R}/eligibility-changes`, { kind: 'codes', unitId: 'centre', count: 1 }, admin('admin-a'))).body).toMatchObject({ code: 'not-frozen' });
    await openVoting(stack, round.roundId);
    const frozen = await http('POST', `${R}/codes`, { unitId: 'centre', count: 5 }, admin('admin-a'));
    expect(frozen.status).toBe(409);
    expect(frozen.body).toMatchObject({ code: 'codes-frozen' });

    const requested = await http('POST', `${R}/eligibility-changes`, { kind: 'codes', unitId: 'north', count: 3 }, admin('admin-a'));
    expect(requested.status).toBe(201);
    expect(requested.body).toMatchObject({ perUnit: { north: 3 } });
    expect((await http('POST', `${R}/eligibility-changes/${requested.body.changeId}/confirm`, undefined, admin('admin-a'))).status).toBe(409);
    const confirmed = await http('POST', `${R}/eligibility-changes/${requested.body.changeId}/confirm`, undefined, admin('admin-b'));
    expect(confirmed.status).toBe(200);
    const codes = (confirmed.body.codesCsv as string).trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    expect(codes).toHaveLength(3);
    const signedIn = await http('POST', `${R}/codes/sign-in`, { code: codes[0] });
    expect(signedIn.body).toMatchObject({ unitId: 'north' });

    // A code is used only through sign-in: a normal token whose subject is `code:<CODE>` cannot vote as it.
    const collision = await http('POST', `${R}/ballots`, { unitId: 'centre', choices: [round.proposalIds[0]] }, resident(`code:${early.replace('-', '')}`));
    expect(collision.status).toBe(403);
    expect(collision.body).toMatchObject({ code: 'invalid-code' });
    expect((await http('GET', `${R}/ballots/mine`, undefined, resident(`code:${early.replace('-', '')}`))).status).toBe(403);
    const signed = await http('POST', `${R}/codes/sign-in`, { code: early });
    expect((await http('POST', `${R}/ballots`, { unitId: 'centre', choices: [round.proposalIds[0]] }, { token: signed.body.token })).status).toBe(201);

    // The count of codes is public: every registration event says how many, in which unit, under which change.
    const registered = await sql<{ payload: any }>(`SELECT payload FROM "${stack.schemas.voting}".events WHERE round_id = $1 AND type = 'VotersRegistered' ORDER BY position`, [
      round.roundId,
    ]);
    expect(registered.map((r) => [r.payload.voters.length, r.payload.changeId ?? null])).toEqual([
      [2, null],
      [3, requested.body.changeId],
    ]);
  });

  it('a paper batch is confirmed by staff who did not enter it; sheets replacing online ballots are counted per batch', async () => {
    const round = await openRound(stack, {
      units,
      proposals,
      roll: ['r1,centre,', 'r2,centre,', 'r3,centre,'],
      eligibility: { mode: 'roll', paperPolicy: 'paper-overrides-online' },
    });
    const R = `${V()}/rounds/${round.roundId}`;
    const choose = { unitId: 'centre', choices: [round.proposalIds[0]] };
    expect((await http('POST', `${R}/ballots`, choose, resident('r1'))).status).toBe(201);
    const batch = await http('POST', `${R}/paper-batches`, { unitId: 'centre', sheetsCounted: 2 }, staff('clerk-1'));
    expect(batch.status).toBe(201);
    const B = `${R}/paper-batches/${batch.body.batchId}`;
    expect((await http('POST', `${B}/ballots`, { voter: 'r1', choices: [round.proposalIds[0]] }, staff('clerk-1'))).status).toBe(201);
    expect((await http('POST', `${B}/ballots`, { voter: 'r2', choices: [round.proposalIds[0]] }, staff('clerk-2'))).status).toBe(201);
    expect((await http('POST', `${B}/confirm`, undefined, staff('clerk-3'))).body).toMatchObject({ code: 'batch-open' });
    expect((await http('POST', `${B}/close`, undefined, staff('clerk-1'))).body).toMatchObject({ reconciled: true });

    const before = await votingEvents();
    for (const who of ['clerk-1', 'clerk-2']) {
      const refused = await http('POST', `${B}/confirm`, undefined, staff(who));
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'four-eyes' });
    }
    expect(await votingEvents()).toBe(before);
    const confirmed = await http('POST', `${B}/confirm`, undefined, staff('clerk-3'));
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ confirmedBy: 'clerk-3', overrides: 1, enteredBy: ['clerk-1', 'clerk-2'] });

    const results = await closeVoting(stack, round.roundId);
    expect(results.paperBatches).toMatchObject({
      overrides: 1,
      unconfirmed: 0,
      perBatch: [{ batchId: batch.body.batchId, unitId: 'centre', entered: 2, overrides: 1, confirmedBy: 'clerk-3' }],
    });
    expect(results.units.find((u: any) => u.unitId === 'centre').ballotsCounted).toBe(2);

    const { report, code, text } = await verify(round.roundId, 'paper');
    expect(report.failures).toEqual([]);
    expect(code).toBe(0);
    expect(report.round.insider.paperBatches).toEqual([
      { batchId: batch.body.batchId, unitId: 'centre', openedBy: 'clerk-1', enteredBy: ['clerk-1', 'clerk-2'], entered: 2, overrides: 1, confirmedBy: 'clerk-3' },
    ]);
    expect(report.round.insider.overrides).toBe(1);
    expect(text).toContain(`batch ${batch.body.batchId} (centre): 2 entered by clerk-1, clerk-2, 1 replaced online ballots, confirmed by clerk-3`);
  });

  it('forgetting the link: after the secret is destroyed /ballots/mine says the link is gone and the bundle still verifies; resident ids are never stored', async () => {
    const round = await openRound(stack, { units, proposals, roll: ['resident-zz-41,centre,1950', 'resident-zz-42,north,'] });
    const R = `${V()}/rounds/${round.roundId}`;
    expect((await http('POST', `${R}/ballots`, { unitId: 'centre', choices: [round.proposalIds[0]] }, resident('resident-zz-41'))).status).toBe(201);
    const early = await http('POST', `${R}/secret/destroy`, undefined, admin('admin-a'));
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'round-not-closed' });
    expect((await http('GET', `${R}/ballots/mine`, undefined, resident('resident-zz-41'))).status).toBe(200);

    // Nowhere in the voting service's database, events included, is a resident id in the clear.
    const tables = await sql<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [stack.schemas.voting]);
    for (const { table_name } of tables) {
      const dump = JSON.stringify(await sql(`SELECT * FROM "${stack.schemas.voting}"."${table_name}"`));
      expect({ table_name, leaks: dump.includes('resident-zz-4') }).toEqual({ table_name, leaks: false });
    }

    await closeVoting(stack, round.roundId);
    const destroyed = await http('POST', `${R}/secret/destroy`, undefined, admin('admin-a'));
    expect(destroyed.status).toBe(200);
    expect(destroyed.body).toMatchObject({ trigger: 'admin', destroyedBy: 'admin-a' });
    const gone = await http('GET', `${R}/ballots/mine`, undefined, resident('resident-zz-41'));
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({ code: 'link-destroyed', message: expect.stringContaining('nobody, the operator included') });
    expect((await http('POST', `${R}/secret/destroy`, undefined, admin('admin-b'))).body).toMatchObject({ code: 'link-destroyed' });
    const [secret] = await sql<{ secret: Buffer | null }>(`SELECT secret FROM "${stack.schemas.voting}".round_secrets WHERE round_id = $1`, [round.roundId]);
    expect(secret.secret).toBeNull();
    expect((await http('GET', `${R}/results`)).status).toBe(200);
    // The destruction is an event of its own: the audit service must have it before the bundle is cut.
    await expectEventually(async () => {
      const page = await http('GET', `${stack.url('audit')}/ledger?roundId=${round.roundId}&limit=1000`);
      expect(page.body.entries.map((e: { type: string }) => e.type)).toContain('RoundSecretDestroyed');
    });

    const { report, code, text } = await verify(round.roundId, 'forgotten');
    expect(report.failures).toEqual([]);
    expect(code).toBe(0);
    expect(report.round.insider.actions).toEqual([expect.objectContaining({ type: 'RoundSecretDestroyed', by: 'admin-a' })]);
    expect(text).toContain("admin-a: destroyed the round's pseudonym secret (admin)");
  });

  it('DESTROY_SECRET_AFTER_DAYS destroys the secret of a published round by itself', async () => {
    const round = await openRound(stack, { units, proposals, roll: ['r1,centre,'] });
    await closeVoting(stack, round.roundId);
    const [before] = await sql<{ secret: Buffer | null }>(`SELECT secret FROM "${stack.schemas.voting}".round_secrets WHERE round_id = $1`, [round.roundId]);
    expect(before.secret).not.toBeNull();
    expect((await http('POST', `${stack.url('proposals')}/rounds/${round.roundId}/phase`, { to: 'published' }, admin('admin-a'))).status).toBe(200);
    const event = await expectEventually(async () => {
      const rows = await sql<{ payload: any }>(`SELECT payload FROM "${stack.schemas.voting}".events WHERE round_id = $1 AND type = 'RoundSecretDestroyed'`, [round.roundId]);
      expect(rows).toHaveLength(1);
      return rows[0].payload;
    });
    expect(event).toEqual({ trigger: 'automatic', destroyedBy: 'system' });
    expect((await http('GET', `${V()}/rounds/${round.roundId}/ballots/mine`, undefined, resident('r1'))).status).toBe(410);
  });
});
