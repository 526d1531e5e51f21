import fc from 'fast-check';
import { canonicalBytes } from './canonical';
import { CheckpointSigner, signCheckpoint, type SignedCheckpoint } from './checkpoint';
import { EMPTY_ROOT, leafHash } from './hasher';
import { generateLedgerKeyPair } from './keys';
import { LedgerEntryInput, LedgerVerifier } from './ledger-verifier';
import { MerkleTree } from './merkle-tree';

const ORIGIN = 'plaza.example/ledger';
const keys = generateLedgerKeyPair();

function makeEntries(n: number): LedgerEntryInput[] {
  return Array.from({ length: n }, (_, index) => {
    const canonical = canonicalBytes({ id: `evt-${index}`, type: 'BallotCast', payload: { approvals: [index % 7] } });
    return { index, canonical, leafHash: leafHash(canonical), eventId: `evt-${index}` };
  });
}

/** Signed checkpoints at the given sizes, one second apart. */
function makeCheckpoints(entries: LedgerEntryInput[], sizes: number[]): SignedCheckpoint[] {
  const tree = MerkleTree.fromLeafHashes(entries.map((e) => e.leafHash));
  const signer = new CheckpointSigner({ origin: ORIGIN, privateKey: keys.privateKey });
  return sizes.map((size, i) => signer.sign({ size, root: tree.root(size), time: new Date(Date.UTC(2026, 10, 25, 12, 0, i)) }));
}

function run(entries: LedgerEntryInput[], checkpoints: Array<SignedCheckpoint | string>) {
  const v = new LedgerVerifier({ publicKey: keys.publicKey, origin: ORIGIN });
  for (const c of checkpoints) v.addCheckpoint(c);
  for (const e of entries) v.addEntry(e);
  return v.finish();
}

describe('LedgerVerifier', () => {
  const entries = makeEntries(25);
  const checkpoints = makeCheckpoints(entries, [0, 1, 10, 10, 25]);

  it('accepts an untouched ledger and verifies every checkpoint', () => {
    const report = run(entries, checkpoints);
    expect(report).toMatchObject({ ok: true, entries: 25, checkpointsVerified: 5 });
    expect(report.root).toBe(MerkleTree.fromLeafHashes(entries.map((e) => e.leafHash)).root().toString('hex'));
  });

  it('accepts checkpoints interleaved with entries, as long as each comes before its size is passed', () => {
    const v = new LedgerVerifier({ publicKey: keys.publicKey });
    v.addCheckpoint(checkpoints[0]);
    v.addCheckpoint(checkpoints[1]);
    entries.slice(0, 10).forEach((e) => v.addEntry(e));
    v.addCheckpoint(checkpoints[2]);
    v.addCheckpoint(checkpoints[3]);
    entries.slice(10).forEach((e) => v.addEntry(e));
    v.addCheckpoint(checkpoints[4]);
    expect(v.finish()).toMatchObject({ ok: true, checkpointsVerified: 5 });
  });

  it('reports a changed entry whose leaf hash was left alone, at that entry', () => {
    const tampered = entries.map((e) => (e.index === 7 ? { ...e, canonical: canonicalBytes({ id: 'evt-7', type: 'BallotCast', payload: { approvals: [6] } }) } : e));
    const { failure } = run(tampered, checkpoints);
    expect(failure).toMatchObject({ check: 'leaf-hash', index: 7, eventId: 'evt-7', expected: Buffer.from(entries[7].leafHash).toString('hex') });
  });

  it('reports a changed entry whose leaf hash was recomputed, at the first checkpoint covering it', () => {
    const canonical = canonicalBytes({ id: 'evt-12', type: 'BallotCast', payload: { approvals: [0] } });
    const tampered = entries.map((e) => (e.index === 12 ? { ...e, canonical, leafHash: leafHash(canonical) } : e));
    const { failure } = run(tampered, checkpoints);
    expect(failure).toMatchObject({ check: 'checkpoint-root', checkpointSize: 25, index: 24, eventId: 'evt-24' });
    expect(failure?.calculated).not.toBe(failure?.expected);
  });

  it('reports a deleted entry as an index gap', () => {
    const { failure } = run(entries.filter((e) => e.index !== 4), checkpoints);
    expect(failure).toMatchObject({ check: 'entry-index', index: 5, eventId: 'evt-5' });
  });

  it('reports a deleted and renumbered entry at the checkpoint root', () => {
    const renumbered = entries.filter((e) => e.index !== 4).map((e, index) => ({ ...e, index }));
    expect(run(renumbered, checkpoints).failure).toMatchObject({ check: 'checkpoint-root', checkpointSize: 10 });
  });

  it('reports a duplicated entry and a swap of two entries', () => {
    const duplicated = [...entries.slice(0, 6), entries[5], ...entries.slice(6)];
    expect(run(duplicated, checkpoints).failure).toMatchObject({ check: 'entry-index', index: 5 });
    const swapped = [...entries];
    [swapped[2], swapped[3]] = [swapped[3], swapped[2]];
    expect(run(swapped, checkpoints).failure).toMatchObject({ check: 'entry-index', index: 3 });
  });

  it('reports an inserted entry at the checkpoint root', () => {
    const extra = canonicalBytes({ id: 'evt-x', type: 'BallotCast', payload: {} });
    const inserted = [...entries.slice(0, 3), { index: 3, canonical: extra, leafHash: leafHash(extra), eventId: 'evt-x' }, ...entries.slice(3)].map((e, index) => ({ ...e, index }));
    expect(run(inserted, checkpoints).failure).toMatchObject({ check: 'checkpoint-root', checkpointSize: 10 });
  });

  it('reports missing entries at the end (truncation)', () => {
    expect(run(entries.slice(0, 20), checkpoints).failure).toMatchObject({ check: 'checkpoint-beyond-end', checkpointSize: 25, index: 20 });
  });

  it('reports a bad signature, a foreign key and a wrong origin', () => {
    const bad = checkpoints[2].note.replace('\n10\n', '\n11\n');
    expect(run(entries, [checkpoints[0], checkpoints[1], bad]).failure).toMatchObject({ check: 'checkpoint-signature' });
    const foreign = signCheckpoint({ origin: ORIGIN, size: 1, root: entries[0].leafHash, time: '2026-11-25T12:00:00.000Z' }, generateLedgerKeyPair().privateKey);
    expect(run(entries, [foreign]).failure?.message).toContain('unknown-key');
    const elsewhere = signCheckpoint({ origin: 'other.example/ledger', size: 1, root: entries[0].leafHash, time: '2026-11-25T12:00:00.000Z' }, keys.privateKey);
    expect(run(entries, [elsewhere]).failure?.message).toContain('origin-mismatch');
  });

  it('reports checkpoints whose time does not strictly increase or whose size decreases', () => {
    expect(run(entries, [checkpoints[2], checkpoints[1]]).failure).toMatchObject({ check: 'checkpoint-time', checkpointSize: 1 });
    const sameTime = signCheckpoint({ origin: ORIGIN, size: 25, root: MerkleTree.fromLeafHashes(entries.map((e) => e.leafHash)).root(), time: '2026-11-25T12:00:02.000Z' }, keys.privateKey);
    expect(run(entries, [checkpoints[2], sameTime]).failure).toMatchObject({ check: 'checkpoint-time' });
    const shrink = signCheckpoint({ origin: ORIGIN, size: 5, root: MerkleTree.fromLeafHashes(entries.map((e) => e.leafHash)).root(5), time: '2026-11-25T13:00:00.000Z' }, keys.privateKey);
    expect(run(entries, [checkpoints[2], shrink]).failure).toMatchObject({ check: 'checkpoint-size', checkpointSize: 5 });
  });

  it('reports a checkpoint added after the stream passed its size', () => {
    const v = new LedgerVerifier({ publicKey: keys.publicKey });
    entries.slice(0, 5).forEach((e) => v.addEntry(e));
    expect(v.addCheckpoint(checkpoints[1])).toMatchObject({ check: 'checkpoint-late', checkpointSize: 1 });
  });

  it('checks a size-0 checkpoint against the empty-tree root', () => {
    const wrongEmpty = signCheckpoint({ origin: ORIGIN, size: 0, root: leafHash(Buffer.alloc(0)), time: '2026-11-25T11:00:00.000Z' }, keys.privateKey);
    expect(run(entries, [wrongEmpty]).failure).toMatchObject({ check: 'checkpoint-root', checkpointSize: 0, expected: leafHash(Buffer.alloc(0)).toString('hex'), calculated: EMPTY_ROOT.toString('hex') });
  });

  it('keeps the first failure and ignores what follows', () => {
    const v = new LedgerVerifier({ publicKey: keys.publicKey });
    const first = v.addEntry(entries[1]);
    expect(first).toMatchObject({ check: 'entry-index', index: 1 });
    expect(v.addEntry(entries[0])).toBe(first);
    expect(v.finish().failure).toBe(first);
  });

  it('finds any single flipped byte in any entry (property)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (i, pos, mask, fixHash) => {
        const index = i % entries.length;
        const e = entries[index];
        const canonical = Buffer.from(e.canonical);
        canonical[pos % canonical.length] ^= mask;
        const changed = { ...e, canonical, leafHash: fixHash ? leafHash(canonical) : e.leafHash };
        const report = run(entries.map((x) => (x.index === index ? changed : x)), checkpoints);
        expect(report.ok).toBe(false);
        if (!fixHash) expect(report.failure).toMatchObject({ check: 'leaf-hash', index });
        else expect(report.failure?.check).toBe('checkpoint-root');
      }),
      { numRuns: 100 },
    );
  });
});
