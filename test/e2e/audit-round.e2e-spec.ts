import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatVerifierKey, generateLedgerKeyPair, parseVerifierKey, verifyCheckpoint, verifyInclusion } from '@plaza/ledger';
import { expectEventually } from '@plaza/testing';
import { run } from '../../apps/cli/src/cli';
import {
  alterCheckpointSignature,
  deleteEntry,
  editEvent,
  entryOf,
  eventAt,
  insertCopy,
  otherChoice,
  readLines,
  reseal,
  swapEntries,
  truncate,
} from '../support/bundle-tamper';
import { http, Stack } from '../support/stack';

/**
 * A real round driven through the three services' HTTP APIs to its declared result, then audited: the
 * independent recount agrees, a ballot receipt checks out against the latest signed checkpoint, and the
 * exported bundle verifies offline, and every kind of tampering with it is caught with its position.
 */
describe('audit of a real round', () => {
  const stack = new Stack();
  const out = mkdtempSync(join(tmpdir(), 'plaza-audit-round-'));
  const residents = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
  let roundId: string;
  let proposals: string[];
  const receipts: { eventId: string; leafHash: string }[] = [];
  /** Every public answer about the round's ballots while voting was still open: name → body as text. */
  const whileOpen = new Map<string, string>();
  let revisedReceipt: { eventId: string; leafHash: string };
  const picks = [[0], [0, 2], [1], [1, 2], [2], [0, 1]];
  let A: string;

  const cli = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await run(argv, { out: (t) => void (stdout += t), err: (t) => void (stderr += t) });
    return { code, stdout, stderr };
  };

  beforeAll(async () => {
    await stack.start();
    const P = stack.url('proposals');
    const V = stack.url('voting');
    A = stack.url('audit');
    const admin = { token: stack.token('admin') };
    const staff = { token: stack.token('staff') };
    const round = await http(
      'POST',
      `${P}/rounds`,
      {
        name: 'Audited round',
        currency: 'PLN',
        units: [{ id: 'centre', name: 'Centre', kind: 'district', budget: 100_000_00 }],
        schedule: {},
        ballot: { type: 'approval', minPicks: 1, maxPicks: 2 },
        outcome: { rule: 'greedy' },
        eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
      },
      admin,
    );
    expect(round.status).toBe(201);
    roundId = round.body.roundId;
    expect((await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'submission' }, admin)).status).toBe(200);
    proposals = [];
    for (const [i, cost] of [40_000_00, 50_000_00, 30_000_00].entries()) {
      const p = await http(
        'POST',
        `${P}/rounds/${roundId}/proposals`,
        { unitId: 'centre', title: `Project ${i + 1}`, description: 'A project.', estimatedCost: cost },
        { token: stack.token('resident', `author-${i}`) },
      );
      expect(p.status).toBe(201);
      proposals.push(p.body.proposalId);
    }
    expect((await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'review' }, admin)).status).toBe(200);
    for (const [i, id] of proposals.entries()) {
      const cost = [40_000_00, 50_000_00, 30_000_00][i];
      expect((await http('POST', `${P}/rounds/${roundId}/proposals/${id}/accept`, { cost, reason: 'Feasible.' }, staff)).status).toBe(200);
    }
    await expectEventually(async () => {
      const box = await http('GET', `${V}/rounds/${roundId}/ballot-box`, undefined, admin);
      expect(box.body.acceptedProposals).toHaveLength(3);
    });
    const csv = 'resident_id,unit_id\n' + residents.map((r) => `${r},centre\n`).join('');
    expect((await http('POST', `${V}/rounds/${roundId}/voters/roll`, { csv }, admin)).status).toBe(200);
    expect((await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'voting' }, admin)).status).toBe(200);
    await expectEventually(async () => {
      expect((await http('GET', `${V}/rounds/${roundId}/ballot-box`, undefined, admin)).body.phase).toBe('voting');
    });
    for (const [i, r] of residents.entries()) {
      const ballot = await http('POST', `${V}/rounds/${roundId}/ballots`, { unitId: 'centre', choices: picks[i].map((k) => proposals[k]) }, { token: stack.token('resident', r) });
      expect(ballot.status).toBe(201);
      receipts.push({ eventId: ballot.body.eventId, leafHash: ballot.body.leafHash });
    }
    // A revision: only the latest ballot of r1 counts.
    const revised = await http('POST', `${V}/rounds/${roundId}/ballots`, { unitId: 'centre', choices: [proposals[2]] }, { token: stack.token('resident', 'r1') });
    expect(revised.status).toBe(201);
    revisedReceipt = { eventId: revised.body.eventId, leafHash: revised.body.leafHash };

    // Everything anyone can ask the audit and voting services about these ballots while voting is open.
    const get = async (name: string, url: string, body?: object) => {
      const res = await fetch(url, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {});
      const text = await res.text();
      whileOpen.set(name, text);
      return text;
    };
    await expectEventually(async () => expect((await http('POST', `${A}/receipts/check`, revisedReceipt)).body.included).toBe(true), { timeoutMs: 30_000 });
    await get('ledger page', `${A}/ledger?roundId=${roundId}&limit=1000`);
    for (const [k, receipt] of [...receipts, revisedReceipt].entries()) {
      await get(`entry ${k}`, `${A}/ledger/events/${receipt.eventId}`);
      await get(`proof ${k}`, `${A}/ledger/events/${receipt.eventId}/proof`);
      await get(`receipt check ${k}`, `${A}/receipts/check`, receipt);
    }
    const manifest = JSON.parse(await get('bundle manifest', `${A}/rounds/${roundId}/bundle`));
    for (const f of manifest.files as { name: string }[]) {
      await get(`bundle ${f.name}`, `${A}/rounds/${roundId}/bundle/${f.name}?size=${manifest.latestCheckpoint.size}`);
    }
    await get('results', `${V}/rounds/${roundId}/results`);
    await get('unit results', `${V}/rounds/${roundId}/results/centre`);
    await get('verification', `${A}/rounds/${roundId}/verification`);

    expect((await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'closed' }, admin)).status).toBe(200);
    await expectEventually(async () => expect((await http('GET', `${V}/rounds/${roundId}/results`)).status).toBe(200), { timeoutMs: 30_000 });
  });

  afterAll(async () => {
    await stack.destroy();
    rmSync(out, { recursive: true, force: true });
  });

  it('while voting is open, no public answer reveals any choice: ballots are sealed in the ledger, bundle and results', async () => {
    expect(whileOpen.size).toBeGreaterThan(30);
    // Proposal ids are public in the proposals' own events (and as the .pb's projects); what must never appear is a
    // proposal id next to a ballot. So: every ledger entry that is not a proposals or round event, every .pb vote
    // line, and every other answer as a whole.
    const proposalEvent = /"type":"(Round\w+|Proposal\w+)"/;
    for (const [name, text] of whileOpen) {
      const parts =
        name === 'ledger page'
          ? (JSON.parse(text).entries as { type: string; canonical: string }[]).filter((e) => !proposalEvent.test(`"type":"${e.type}"`)).map((e) => e.canonical)
          : name === 'bundle ledger.jsonl'
            ? text.split('\n').filter((l) => !proposalEvent.test(l))
            : name.endsWith('.pb')
              ? [text.slice(text.indexOf('\nVOTES\n'))]
              : [text];
      for (const part of parts) for (const id of proposals) expect({ name, leaks: part.includes(id) }).toEqual({ name, leaks: false });
    }
    // The ballots themselves: sealed, with a commitment; the results are not declared yet.
    const ballots = (JSON.parse(whileOpen.get('ledger page')!).entries as { type: string; canonical: string }[]).filter((e) => e.type === 'BallotCast');
    expect(ballots).toHaveLength(7);
    for (const b of ballots) expect(JSON.parse(b.canonical)).toMatchObject({ schemaVersion: 2, payload: { commitment: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(whileOpen.get('bundle pabulib-centre.pb')).toMatch(/num_votes;0\n/);
    expect(JSON.parse(whileOpen.get('results')!).statusCode).toBe(404);
  });

  it('after the close, the openings published are exactly the counted ballots as cast; the superseded version stays sealed', async () => {
    const page = await expectEventually(async () => {
      const res = await http('GET', `${A}/ledger?roundId=${roundId}&limit=1000`);
      expect(res.body.entries.some((e: { type: string }) => e.type === 'ResultsDeclared')).toBe(true);
      return res.body as { entries: { type: string; canonical: string }[] };
    }, { timeoutMs: 30_000 });
    const openings = page.entries
      .filter((e) => e.type === 'BallotsOpened')
      .flatMap((e) => (JSON.parse(e.canonical).payload.openings as { eventId: string; choices: string[] }[]).map((o) => [o.eventId, o.choices] as const));
    const cast = new Map<string, string[]>([
      ...residents.slice(1).map((_, k) => [receipts[k + 1].eventId, picks[k + 1].map((i) => proposals[i])] as const),
      [revisedReceipt.eventId, [proposals[2]]],
    ]);
    expect(new Map(openings)).toEqual(cast);
    // r1's first ballot was revised: never opened.
    expect(openings.map(([id]) => id)).not.toContain(receipts[0].eventId);
  });

  it('recounts the declared result independently and finds it right', async () => {
    const v = await expectEventually(async () => {
      const res = await http('GET', `${A}/rounds/${roundId}/verification`);
      expect(res.body.status).toBe('verified');
      return res.body;
    }, { timeoutMs: 30_000 });
    const results = (await http('GET', `${stack.url('voting')}/rounds/${roundId}/results`)).body;
    expect(v.units).toEqual([expect.objectContaining({ unitId: 'centre', status: 'verified', declaredEventId: results.units[0].declaredEventId, differences: [] })]);
    expect(v.units[0].recomputed.selected).toEqual(results.units[0].selected);
  });

  it("checks a resident's receipt against the latest signed checkpoint", async () => {
    const { publicKey } = parseVerifierKey((await http('GET', `${A}/ledger/public-key`)).body.verifierKey);
    const res = await expectEventually(async () => {
      const r = await http('POST', `${A}/receipts/check`, receipts[3]);
      expect(r.body.included).toBe(true);
      return r.body;
    });
    const cp = verifyCheckpoint(res.checkpoint.note, publicKey);
    verifyInclusion(Buffer.from(receipts[3].leafHash, 'hex'), res.index, cp.size, res.proof.map((h: string) => Buffer.from(h, 'hex')), cp.root);
    const forged = { eventId: receipts[3].eventId, leafHash: receipts[4].leafHash };
    expect((await http('POST', `${A}/receipts/check`, forged)).body.included).toBe(false);
  });

  it('a receipt check says what happened: included, superseded by a later version or not (never what), counted at the close or not', async () => {
    // While voting was open: r1 had revised; nothing was counted yet.
    expect(JSON.parse(whileOpen.get('receipt check 0')!)).toMatchObject({ included: true, superseded: true, counted: null });
    expect(JSON.parse(whileOpen.get('receipt check 1')!)).toMatchObject({ included: true, superseded: false, counted: null });
    // After the close and the audit's recount: the revised version counts, the superseded one does not.
    await expectEventually(async () => expect((await http('POST', `${A}/receipts/check`, receipts[1])).body.counted).toBe(true), { timeoutMs: 30_000 });
    expect((await http('POST', `${A}/receipts/check`, receipts[0])).body).toMatchObject({ included: true, superseded: true, counted: false });
    expect((await http('POST', `${A}/receipts/check`, revisedReceipt)).body).toMatchObject({ included: true, superseded: false, counted: true });
  });

  it('exports a bundle that verifies offline, and not once a ballot in it is changed', async () => {
    await expectEventually(async () => {
      const [cp, page] = [(await http('GET', `${A}/ledger/checkpoints/latest`)).body, (await http('GET', `${A}/ledger?limit=1`)).body];
      expect(cp.size).toBe(page.size);
    });
    const dir = join(out, 'bundle');
    const exported = await cli('audit', 'export', roundId, '--out', dir, '--url', A);
    expect(exported.code).toBe(0);
    const key = (await http('GET', `${A}/ledger/public-key`)).body.verifierKey;
    const verified = await cli('verify', dir, '--json', '--key', key);
    const report = JSON.parse(verified.stdout);
    expect(report.failures).toEqual([]);
    expect(verified.code).toBe(0);
    expect(report.round.counted).toEqual({ centre: 6 });
    expect(report.round.ballotsCast).toBe(7);
    expect(readFileSync(join(dir, 'pabulib-centre.pb'), 'utf8')).toMatch(/^META\nkey;value\n/);
    // Outside tools recount from the .pb alone: `plaza tally` (libs/tally over libs/pabulib) gets the declared winners.
    const tallied = await cli('tally', join(dir, 'pabulib-centre.pb'), '--json');
    expect(tallied.code).toBe(0);
    expect(JSON.parse(tallied.stdout).selected).toEqual(report.round.comparisons[0].declared.selected);

    const tampered = join(out, 'tampered');
    cpSync(dir, tampered, { recursive: true });
    const lines = readFileSync(join(tampered, 'ledger.jsonl'), 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes(receipts[2].eventId));
    // A sealed ballot changed: another commitment.
    lines[i] = lines[i].replace(/"commitment":"(.)/, (_, c: string) => `"commitment":"${c === 'a' ? 'b' : 'a'}`);
    writeFileSync(join(tampered, 'ledger.jsonl'), lines.join('\n'));
    const broken = await cli('verify', tampered);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(new RegExp(`NOT VERIFIED: leaf-hash at entry ${i}, event ${receipts[2].eventId}`));
  });

  describe('tampering with the exported bundle is caught with its position', () => {
    let clean: string;
    let n = 0;
    const copy = () => {
      const dir = join(out, `t${n++}`);
      cpSync(clean, dir, { recursive: true });
      return dir;
    };
    const verify = async (dir: string, ...flags: string[]) => {
      const r = await cli('verify', dir, '--json', ...flags);
      expect(r.code).toBe(1);
      return JSON.parse(r.stdout);
    };

    beforeAll(() => {
      clean = join(out, 'bundle');
    });

    it("one entry's payload changed", async () => {
      const dir = copy();
      const i = entryOf(dir, 'BallotCast', 2);
      const id = eventAt(dir, i).id;
      editEvent(dir, i, otherChoice(dir), false);
      expect((await verify(dir)).failure).toMatchObject({ check: 'leaf-hash', index: i, eventId: id });
    });

    it("one entry's payload changed with its leaf hash and the manifest recomputed", async () => {
      const dir = copy();
      const i = entryOf(dir, 'BallotCast', 2);
      editEvent(dir, i, otherChoice(dir), true);
      reseal(dir);
      const f = (await verify(dir)).failure;
      expect(f.check).toBe('checkpoint-root');
      expect(f.index).toBeLessThanOrEqual(i);
      expect(f.checkpoint.size).toBeGreaterThan(i);
    });

    it('an entry deleted', async () => {
      const dir = copy();
      const i = entryOf(dir, 'BallotCast', 3);
      deleteEntry(dir, i);
      expect((await verify(dir)).failure).toMatchObject({ check: 'entry-index', index: i });
    });

    it('two entries swapped', async () => {
      const dir = copy();
      const i = entryOf(dir, 'BallotCast', 1);
      const j = entryOf(dir, 'BallotCast', 4);
      swapEntries(dir, i, j);
      expect((await verify(dir)).failure).toMatchObject({ check: 'entry-index', index: i });
    });

    it('a forged entry inserted', async () => {
      const dir = copy();
      const i = entryOf(dir, 'BallotCast', 5);
      insertCopy(dir, i, entryOf(dir, 'BallotCast', 0));
      expect((await verify(dir)).failure).toMatchObject({ check: 'entry-index', index: i });
    });

    it('the bundle truncated', async () => {
      const dir = copy();
      const size = readLines(dir).length;
      // The last two entries (ResultsDeclared, ParticipationDeclared): cutting more would also cut the openings,
      // whose absence is reported at the ballots, earlier in the ledger.
      truncate(dir, 2);
      expect((await verify(dir)).failure).toMatchObject({ check: 'checkpoint-beyond-end', index: size - 2 });
    });

    it('a checkpoint signature altered', async () => {
      const dir = copy();
      alterCheckpointSignature(dir, 1);
      reseal(dir);
      expect((await verify(dir)).failure).toMatchObject({ check: 'checkpoint-signature', checkpoint: { line: 1 } });
    });

    it('the public key swapped', async () => {
      const dir = copy();
      const key = readFileSync(join(dir, 'public-key.txt'), 'utf8').trim();
      writeFileSync(join(dir, 'public-key.txt'), formatVerifierKey('plaza.local/ledger', generateLedgerKeyPair().publicKey) + '\n');
      reseal(dir);
      expect((await verify(dir)).failure.check).toBe('checkpoint-signature');
      expect((await verify(dir, '--key', key)).failures.map((f: { check: string }) => f.check)).toContain('public-key');
    });

    it('a declared winner changed', async () => {
      const dir = copy();
      const i = entryOf(dir, 'ResultsDeclared');
      editEvent(dir, i, (e) => (e.payload.selected = [proposals.find((p) => !(e.payload.selected as string[]).includes(p))!]), false);
      expect((await verify(dir)).failure).toMatchObject({ check: 'leaf-hash', index: i });
    });

    it('a duplicate ballot for one pseudonym added', async () => {
      const dir = copy();
      const i = entryOf(dir, 'BallotCast', 5);
      const id = insertCopy(dir, i, entryOf(dir, 'BallotCast', 4), true);
      reseal(dir);
      const report = await verify(dir);
      // The hash chain breaks at the first checkpoint after it; the replay names the duplicate itself.
      expect(report.failure.check).toBe('checkpoint-root');
      expect(report.failures.find((f: { check: string }) => f.check === 'one-ballot-per-pseudonym')).toMatchObject({ index: i, eventId: id });
    });
  });
});
