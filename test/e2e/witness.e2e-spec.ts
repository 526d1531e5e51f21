import 'reflect-metadata';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventEnvelope } from '@plaza/contracts';
import { quoteIdent } from '@plaza/event-store';
import { cosignCheckpoint, formatSignerKey, generateLedgerKeyPair, MerkleTree, parseCosignerSignerKey, signCheckpoint } from '@plaza/ledger';
import { syntheticRound, CHECKPOINTS_FILE } from '@plaza/bundle';
import { expectEventually } from '@plaza/testing';
import { run, type Io } from '../../apps/cli/src/cli';
import { AuditStack } from '../support/audit';
import { reseal } from '../support/bundle-tamper';
import { sql as query } from '../support/db';
import { http } from '../support/stack';

const ORIGIN = 'audit.example/plaza';
const dir = mkdtempSync(join(tmpdir(), 'plaza-witness-'));
const keys = generateLedgerKeyPair();

async function plaza(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t) };
  const code = await run(argv, io);
  return { code, out, err };
}

/** Runs of consecutive events of one producer, so the ledger holds them in the order given. */
function runs(events: readonly EventEnvelope[]): EventEnvelope[][] {
  const out: EventEnvelope[][] = [];
  for (const e of events) {
    const last = out.at(-1);
    if (last && last[0].producer === e.producer) last.push(e);
    else out.push([e]);
  }
  return out;
}

describe('plaza witness: cosigning a growing ledger, split views and rollbacks refused', () => {
  // Key files of two witnesses; only A and B are configured in the audit service, C is a stranger.
  const wdir = join(dir, 'keys');
  let stack: AuditStack;
  let vkeyA: string;
  let vkeyB: string;
  let vkeyC: string;
  const events = [...syntheticRound({ voters: 6, proposals: 3, seed: 3 })];
  const roundId = events[0].roundId;
  let published = 0;
  const stateA = join(dir, 'state-a');
  const witnessA = () => plaza('witness', 'run', '--audit', stack.url, '--key', join(wdir, 'w.example_a.key'), '--state', stateA, '--once');

  async function publishAndCheckpoint(batch: readonly EventEnvelope[]): Promise<number> {
    for (const r of runs(batch)) {
      await stack.publish(r);
      published += r.length;
      await expectEventually(async () => expect((await http('GET', `${stack.url}/ledger?limit=1`)).body.size).toBe(published));
    }
    await expectEventually(async () => expect((await http('GET', `${stack.url}/ledger/checkpoints/latest`)).body.size).toBe(published));
    return published;
  }

  beforeAll(async () => {
    for (const name of ['w.example/a', 'w.example/b', 'w.example/c']) {
      const made = await plaza('witness', 'keygen', '--name', name, '--out', wdir);
      expect(made.code).toBe(0);
    }
    [vkeyA, vkeyB, vkeyC] = ['a', 'b', 'c'].map((x) => readFileSync(join(wdir, `w.example_${x}.vkey`), 'utf8').trim());
    stack = new AuditStack({
      LEDGER_ORIGIN: ORIGIN,
      LEDGER_SIGNING_KEY: formatSignerKey(ORIGIN, keys.privateKey),
      // One key given inline, one as a file: both forms of LEDGER_WITNESSES.
      LEDGER_WITNESSES: `${vkeyA},${join(wdir, 'w.example_b.vkey')}`,
      CHECKPOINT_INTERVAL_MS: '200',
    });
    await stack.start();
  });

  afterAll(async () => {
    await stack?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keygen writes a C2SP signer key (mode 0600) and its verifier key', () => {
    const key = readFileSync(join(wdir, 'w.example_a.key'), 'utf8').trim();
    expect(key).toMatch(/^PRIVATE\+KEY\+w\.example\/a\+[0-9a-f]{8}\+/);
    expect(statSync(join(wdir, 'w.example_a.key')).mode & 0o777).toBe(0o600);
    expect(vkeyA).toMatch(/^w\.example\/a\+[0-9a-f]{8}\+/);
    expect(parseCosignerSignerKey(key).verifierKey).toBe(vkeyA);
    expect((http('GET', `${stack.url}/ledger/witnesses`) as Promise<{ body: { witnesses: { verifierKey: string }[] } }>).then((r) => r.body.witnesses.map((w) => w.verifierKey))).resolves.toEqual([vkeyA, vkeyB]);
  });

  it('cosigns a growing ledger checkpoint after checkpoint; plaza verify --witness passes, other keys and quorums fail naming who is missing', async () => {
    const thirds = [events.slice(0, Math.floor(events.length / 3)), events.slice(Math.floor(events.length / 3), Math.floor((2 * events.length) / 3)), events.slice(Math.floor((2 * events.length) / 3))];
    const sizes: number[] = [];
    for (const part of thirds) {
      sizes.push(await publishAndCheckpoint(part));
      const w = await witnessA();
      expect(w.err).toBe('');
      expect(w.code).toBe(0);
      expect(w.out).toContain(`cosigned size ${published}`);
    }
    expect(sizes[0]).toBeLessThan(sizes[2]);
    const latest = (await http('GET', `${stack.url}/ledger/checkpoints/latest`)).body;
    expect(latest.cosignatures.map((c: { keyName: string }) => c.keyName)).toEqual(['w.example/a']);
    expect(latest.cosignedNote).toBe(latest.note + latest.cosignatures[0].line);
    // Run again with nothing new: nothing to cosign.
    expect((await witnessA()).out).toContain('already cosigned');

    const bundle = join(dir, 'bundle');
    expect((await plaza('audit', 'export', roundId, '--out', bundle, '--url', stack.url)).code).toBe(0);
    const ok = await plaza('verify', bundle, '--witness', vkeyA);
    expect(ok.out).toContain('VERIFIED');
    expect(ok.out).toMatch(/cosigned +w\.example\/a/);
    expect(ok.code).toBe(0);
    // Without --witness it verifies as before.
    expect((await plaza('verify', bundle)).code).toBe(0);

    const stranger = await plaza('verify', bundle, '--witness', join(wdir, 'w.example_c.vkey'));
    expect(stranger.code).toBe(1);
    expect(stranger.out).toMatch(/NOT cosigned w\.example\/c/);
    expect(stranger.out).toMatch(/NOT VERIFIED: witness-cosignatures.*missing: w\.example\/c/);

    const quorum = await plaza('verify', bundle, '--witness', vkeyA, '--witness', vkeyB, '--quorum', '2', '--json');
    expect(quorum.code).toBe(1);
    const report = JSON.parse(quorum.out);
    expect(report.witnesses.witnesses.map((w: { keyName: string; cosigned: boolean }) => [w.keyName, w.cosigned])).toEqual([['w.example/a', true], ['w.example/b', false]]);
    expect(report.failure.message).toMatch(/1 of the 2 cosignatures required; missing: w\.example\/b/);
    // A quorum of one of the two passes.
    expect((await plaza('verify', bundle, '--witness', vkeyA, '--witness', vkeyB, '--quorum', '1')).code).toBe(0);
    expect((await plaza('verify', bundle, '--witness', vkeyA, '--quorum', '2')).code).toBe(2);
    expect((await plaza('verify', bundle, '--witness', vkeyC.replace('+', '+0'))).code).toBe(2);
  });

  it('refuses a forged cosignature and a cosignature of another checkpoint, in the audit service and in plaza verify', async () => {
    const all = (await http('GET', `${stack.url}/ledger/checkpoints`)).body.checkpoints as { size: number; body: string; cosignatures: { line: string }[] }[];
    const [first, last] = [all[0], all.at(-1)!];
    const b = parseCosignerSignerKey(readFileSync(join(wdir, 'w.example_b.key'), 'utf8'));
    const line = cosignCheckpoint(first.body, b, Math.floor(Date.now() / 1000));
    const bytes = Buffer.from(line.trim().split(' ')[2], 'base64');
    bytes[40] ^= 1;
    const forged = `\u2014 w.example/b ${bytes.toString('base64')}\n`;
    const refusedForged = await http('POST', `${stack.url}/ledger/cosignatures`, { size: first.size, cosignature: forged });
    expect(refusedForged.status).toBe(400);
    expect(JSON.stringify(refusedForged.body)).toMatch(/does not verify/);
    const refusedOther = await http('POST', `${stack.url}/ledger/cosignatures`, { size: last.size, cosignature: line });
    expect(refusedOther.status).toBe(400);
    const c = parseCosignerSignerKey(readFileSync(join(wdir, 'w.example_c.key'), 'utf8'));
    const stranger = await http('POST', `${stack.url}/ledger/cosignatures`, { size: first.size, cosignature: cosignCheckpoint(first.body, c, 1) });
    expect(stranger.status).toBe(400);
    expect(JSON.stringify(stranger.body)).toMatch(/not a witness this service is configured with/);
    // Nothing was stored; the genuine one is accepted.
    const names = async () => ((await http('GET', `${stack.url}/ledger/checkpoints/${first.size}`)).body.cosignatures as { keyName: string }[]).map((x) => x.keyName);
    expect(await names()).toEqual(['w.example/a']);
    expect((await http('POST', `${stack.url}/ledger/cosignatures`, { size: first.size, cosignature: line })).status).toBe(200);
    expect(await names()).toEqual(['w.example/a', 'w.example/b']);

    // In a bundle: A's cosignature of the last checkpoint moved onto the first, or a forged line, is refused.
    const bundle = join(dir, 'bundle');
    for (const [name, edit] of [
      ['copied', (lines: { note: string }[]) => (lines[0].note += last.cosignatures[0].line)],
      ['forged', (lines: { note: string }[]) => (lines[lines.length - 1].note = lines[lines.length - 1].note.replace(/(\u2014 w\.example\/a )(\S+)/, (_m, p: string, sig: string) => {
        const raw = Buffer.from(sig, 'base64');
        raw[50] ^= 1;
        return p + raw.toString('base64');
      }))],
    ] as const) {
      const copy = join(dir, `bundle-${name}`);
      cpSync(bundle, copy, { recursive: true });
      const file = join(copy, CHECKPOINTS_FILE);
      const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { note: string });
      edit(lines);
      writeFileSync(file, lines.map((l) => JSON.stringify(l) + '\n').join(''));
      reseal(copy);
      expect((await plaza('verify', copy)).code).toBe(0);
      const r = await plaza('verify', copy, '--witness', vkeyA, '--quorum', '1');
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/witness-cosignatures.*cosignature by w\.example\/a that does not verify: forged, or made for another checkpoint/);
    }
  });

  it('refuses a split view: the operator rewrote its ledger and re-signed; the witness stops and leaves the evidence', async () => {
    const stateB = join(dir, 'state-b');
    cpSync(stateA, stateB, { recursive: true });
    const cosigned = JSON.parse(readFileSync(join(stateA, 'state.json'), 'utf8')) as { size: number };
    // Test-only rewrite: entry 1 gets another leaf, every checkpoint is re-signed over the rewritten tree.
    await stack.stop();
    const s = quoteIdent(stack.schema);
    await query(`ALTER TABLE ${s}.ledger_entries DISABLE TRIGGER ALL`);
    await query(`ALTER TABLE ${s}.checkpoints DISABLE TRIGGER ALL`);
    await query(`UPDATE ${s}.ledger_entries SET leaf_hash = $1 WHERE index = 1`, [Buffer.alloc(32, 0xab)]);
    const leaves = await query<{ leaf_hash: Buffer }>(`SELECT leaf_hash FROM ${s}.ledger_entries ORDER BY index`);
    const tree = new MerkleTree();
    for (const l of leaves) tree.append(l.leaf_hash);
    for (const row of await query<{ size: string; time: string }>(`SELECT size, time FROM ${s}.checkpoints`)) {
      const signed = signCheckpoint({ origin: ORIGIN, size: Number(row.size), root: tree.root(Number(row.size)), time: row.time }, keys.privateKey);
      await query(`UPDATE ${s}.checkpoints SET root_hash = $2, signature = $3, body = $4, note = $5 WHERE size = $1`, [row.size, tree.root(Number(row.size)), signed.signature, signed.body, signed.note]);
    }
    await stack.start();
    // The ledger grows; the rewritten service signs a larger checkpoint.
    const extra = [...syntheticRound({ voters: 2, proposals: 1, seed: 9 })].slice(0, 3);
    await publishAndCheckpoint(extra);

    const refused = await witnessA();
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/REFUSED \(split-view\).*not consistent with the one of size/);
    const evidence = readdirSync(stateA).filter((n) => n.startsWith('evidence-'));
    expect(evidence).toHaveLength(1);
    const folder = join(stateA, evidence[0]);
    expect(readdirSync(folder).sort()).toEqual(['consistency-proof.json', 'cosigned-checkpoint.note', 'offered-checkpoint.note', 'report.txt']);
    expect(readFileSync(join(folder, 'cosigned-checkpoint.note'), 'utf8')).toContain(`\n${cosigned.size}\n`);
    expect(JSON.parse(readFileSync(join(folder, 'consistency-proof.json'), 'utf8')).from).toBe(cosigned.size);
    expect(existsSync(join(stateA, 'HALTED'))).toBe(true);
    // It never cosigned the offered checkpoint, and stays stopped.
    expect((await http('GET', `${stack.url}/ledger/checkpoints/latest`)).body.cosignatures).toEqual([]);
    const again = await witnessA();
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/halted earlier/);

    // Rolled back: the service now shows fewer entries than witness B's state cosigned.
    await stack.stop();
    await query(`ALTER TABLE ${s}.cosignatures DISABLE TRIGGER ALL`);
    await query(`DELETE FROM ${s}.cosignatures`);
    await query(`DELETE FROM ${s}.checkpoints WHERE size >= $1`, [cosigned.size]);
    await query(`DELETE FROM ${s}.ledger_entries WHERE index >= $1`, [cosigned.size - 1]);
    await query(`UPDATE ${s}.ledger_head SET size = $1`, [cosigned.size - 1]);
    await stack.start();
    const rolled = await plaza('witness', 'run', '--audit', stack.url, '--key', join(wdir, 'w.example_a.key'), '--state', stateB, '--once');
    expect(rolled.code).toBe(1);
    expect(rolled.err).toMatch(/REFUSED \(rollback\).*this witness cosigned size/);
    expect(readdirSync(stateB).some((n) => n.startsWith('evidence-'))).toBe(true);
  });
});
