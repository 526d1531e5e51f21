import 'reflect-metadata';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventEnvelope } from '@plaza/contracts';
import { formatSignerKey, formatVerifierKey, generateCosignerKey, generateLedgerKeyPair, noteKeyId, parseSignedNote, signCheckpoint, parseCheckpointBody } from '@plaza/ledger';
import { CHECKPOINTS_FILE, KEY_HISTORY_FILE, syntheticRound } from '@plaza/bundle';
import { expectEventually } from '@plaza/testing';
import { run, type Io } from '../../apps/cli/src/cli';
import { AuditStack } from '../support/audit';
import { tokenFor } from '../support/auth';
import { reseal } from '../support/bundle-tamper';
import { http } from '../support/stack';

const ORIGIN = 'audit.example/rotating';
const dir = mkdtempSync(join(tmpdir(), 'plaza-rotation-'));

async function plaza(...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (out += t) };
  return { code: await run(argv, io), out };
}

describe('ledger key rotation: handover in the ledger, old bundles still verify, the old key cannot sign after it', () => {
  const k0 = generateLedgerKeyPair();
  const k1 = generateLedgerKeyPair();
  const vkey0 = formatVerifierKey(ORIGIN, k0.publicKey);
  const vkey1 = formatVerifierKey(ORIGIN, k1.publicKey);
  const w = generateCosignerKey('w.example/rot');
  const stack = new AuditStack({ LEDGER_ORIGIN: ORIGIN, LEDGER_SIGNING_KEY: formatSignerKey(ORIGIN, k0.privateKey), LEDGER_WITNESSES: w.verifierKey, CHECKPOINT_INTERVAL_MS: '200' });
  const events = [...syntheticRound({ voters: 6, proposals: 3, seed: 5 })];
  const roundId = events[0].roundId;
  let published = 0;
  const admin = { token: tokenFor('admin') };

  async function publish(batch: readonly EventEnvelope[]): Promise<void> {
    // Runs of one producer at a time, each consumed before the next: the ledger keeps the round's order.
    for (let i = 0; i < batch.length; ) {
      let j = i;
      while (j < batch.length && batch[j].producer === batch[i].producer) j++;
      await stack.publish(batch.slice(i, j));
      published += j - i;
      i = j;
      await expectEventually(async () => expect((await http('GET', `${stack.url}/ledger?limit=1`)).body.size).toBeGreaterThanOrEqual(published));
    }
  }

  async function checkpointCovering(size: number): Promise<void> {
    await expectEventually(async () => expect((await http('GET', `${stack.url}/ledger/checkpoints/latest`)).body.size).toBeGreaterThanOrEqual(size));
  }

  beforeAll(() => stack.start());
  afterAll(async () => {
    await stack.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a round spanning a rotation verifies with both keys; a bundle made before still verifies; the old key after the handover fails', async () => {
    const half = Math.floor(events.length / 2);
    await publish(events.slice(0, half));
    await checkpointCovering(published);
    // A witness cosigns before the rotation…
    writeFileSync(join(dir, 'w.key'), w.signerKey + '\n');
    const witness = () => plaza('witness', 'run', '--audit', stack.url, '--key', join(dir, 'w.key'), '--state', join(dir, 'w-state'), '--once');
    expect((await witness()).code).toBe(0);
    const before = join(dir, 'before');
    expect((await plaza('audit', 'export', roundId, '--out', before, '--url', stack.url)).code).toBe(0);

    // Only an admin rotates.
    expect((await http('POST', `${stack.url}/ledger/key-rotations`, {}, { token: tokenFor('auditor') })).status).toBe(403);
    const rotated = await http('POST', `${stack.url}/ledger/key-rotations`, { signingKey: formatSignerKey(ORIGIN, k1.privateKey) }, admin);
    expect(rotated.status).toBe(200);
    const { fromSize, ledgerIndex, note } = rotated.body as { fromSize: number; ledgerIndex: number; note: string };
    expect(fromSize).toBe(ledgerIndex + 1);
    expect(note).toContain(`plaza.ledger/key-handover/v1\n${ORIGIN}\nfrom ${fromSize}\nkey ${vkey1}\n`);
    // Recorded in the ledger itself.
    const entry = (await http('GET', `${stack.url}/ledger/entries/${ledgerIndex}`)).body;
    expect(entry.type).toBe('LedgerKeyRotated');
    expect(JSON.parse(entry.canonical).payload.handover).toBe(note);
    expect((await http('GET', `${stack.url}/ledger/public-key`)).body.verifierKey).toBe(vkey1);

    published++; // the handover entry
    await publish(events.slice(half));
    await checkpointCovering(published);
    const all = (await http('GET', `${stack.url}/ledger/checkpoints`)).body.checkpoints as { size: number; keyId: string }[];
    expect(all.filter((c) => c.size < fromSize).every((c) => c.keyId === noteKeyId(ORIGIN, k0.publicKey).toString('hex'))).toBe(true);
    expect(all.filter((c) => c.size >= fromSize).every((c) => c.keyId === noteKeyId(ORIGIN, k1.publicKey).toString('hex'))).toBe(true);
    expect(all.some((c) => c.size >= fromSize)).toBe(true);

    // …and follows the handover signed by the key it pinned, cosigning the new key's checkpoint.
    const followed = await witness();
    expect(followed.out).toMatch(/cosigned size \d+ \(consistent with size/);
    expect(followed.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'w-state', 'state.json'), 'utf8')).operatorKey).toBe(vkey1);
    const after = join(dir, 'after');
    expect((await plaza('audit', 'export', roundId, '--out', after, '--url', stack.url)).code).toBe(0);
    expect(readFileSync(join(after, KEY_HISTORY_FILE), 'utf8')).toBe(JSON.stringify({ kind: 'handover', note }) + '\n');
    const spanning = await plaza('verify', after, '--key', vkey0);
    expect(spanning.out).toContain('VERIFIED');
    expect(spanning.code).toBe(0);
    // The bundle made before the rotation still verifies, pinned to the same first key.
    expect((await plaza('verify', before, '--key', vkey0)).code).toBe(0);
    expect(readFileSync(join(before, 'public-key.txt'), 'utf8')).toBe(vkey0 + '\n');

    // A checkpoint at or after the handover size signed by the old key (which still exists) is rejected.
    const forged = join(dir, 'forged');
    cpSync(after, forged, { recursive: true });
    const file = join(forged, CHECKPOINTS_FILE);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { size: number; keyId: string; note: string });
    const target = lines.findIndex((l) => l.size >= fromSize);
    const signed = signCheckpoint(parseCheckpointBody(parseSignedNote(lines[target].note).text), k0.privateKey, ORIGIN);
    lines[target] = { ...lines[target], keyId: signed.keyId, note: signed.note };
    writeFileSync(file, lines.map((l) => JSON.stringify(l) + '\n').join(''));
    reseal(forged);
    const refused = await plaza('verify', forged, '--key', vkey0);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('NOT VERIFIED');
    // The headline is the failure at the lowest ledger index: when the forged checkpoint is the latest one, the entries
    // it covered are reported first as unsigned and the signature as "also"; either way the signature is named.
    expect(refused.out).toMatch(new RegExp(`(NOT VERIFIED:|also) checkpoint-signature at checkpoint ${target + 1} \\(size ${lines[target].size}\\)`));

    // A key history without its handover cannot reach the new key.
    const cut = join(dir, 'cut');
    cpSync(after, cut, { recursive: true });
    rmSync(join(cut, KEY_HISTORY_FILE));
    reseal(cut);
    expect((await plaza('verify', cut)).code).toBe(1);
  });

  it('revokes a compromised key from a size with a public reason: its checkpoints from there fail', async () => {
    expect((await http('POST', `${stack.url}/ledger/key-revocations`, { verifierKey: vkey1, fromSize: 1, reason: 'x' }, admin)).status).toBe(400);
    const first = ((await http('GET', `${stack.url}/ledger/checkpoints`)).body.checkpoints as { size: number }[])[0];
    const revoked = await http('POST', `${stack.url}/ledger/key-revocations`, { verifierKey: vkey0, fromSize: first.size, reason: 'the old key leaked on 2026-12-07' }, admin);
    expect(revoked.status).toBe(200);
    published++;
    await checkpointCovering(published);
    const history = (await http('GET', `${stack.url}/ledger/key-history`)).body.history as { kind: string; reason?: string }[];
    expect(history.map((h) => h.kind)).toEqual(['handover', 'revocation']);
    const bundle = join(dir, 'revoked');
    expect((await plaza('audit', 'export', roundId, '--out', bundle, '--url', stack.url)).code).toBe(0);
    const r = await plaza('verify', bundle);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/checkpoint-signature.*revoked from size .*the old key leaked on 2026-12-07/);
  });
});
