// One-run throughput figures for the hot path of bundle verification, on N synthetic ballot
// envelopes (default 1,000,000): JSON.parse + canonicalBytes, leafHash, CompactRange.append,
// MerkleTree.append, and LedgerVerifier end to end. Entries are produced in chunks so memory stays
// small; only the measured calls are inside the timers. Run (from the repo root):
//   npx tsc --outDir /tmp/ledger-bench --rootDir libs/ledger --module commonjs --target ES2022 --strict --esModuleInterop \
//     --skipLibCheck --types node libs/ledger/bench/ledger-bench.ts
//   NODE_PATH=node_modules node /tmp/ledger-bench/bench/ledger-bench.js 1000000
import { CompactRange, LedgerVerifier, MerkleTree, canonicalBytes, canonicalJson, generateLedgerKeyPair, leafHash, signCheckpoint } from '../src';

const N = Number(process.argv[2] ?? 1_000_000);
const CHUNK = 10_000;

function envelopeLine(i: number): string {
  // Keys deliberately not in canonical order, as a producer might write them.
  return JSON.stringify({
    type: 'BallotCast',
    id: `0193a1b2-c3d4-7e5f-8a9b-${i.toString(16).padStart(12, '0')}`,
    schemaVersion: 1,
    streamId: `ballot-${i}`,
    streamVersion: 1,
    roundId: '0193a1b2-0000-7000-8000-000000000001',
    occurredAt: new Date(Date.UTC(2026, 10, 25) + i).toISOString(),
    producer: 'voting',
    correlationId: `0193a1b2-c3d4-7e5f-8a9b-${(i + 1).toString(16).padStart(12, '0')}`,
    causationId: null,
    payload: { voter: 'c0ffee'.repeat(10) + (i % 997), district: 'north', approvals: [i % 13, (i * 7) % 13, 21], costCents: 125_000 },
  });
}

const t = { canon: 0, leaf: 0, range: 0, tree: 0 };
let bytes = 0;
const range = new CompactRange();
const tree = new MerkleTree(N);
for (let start = 0; start < N; start += CHUNK) {
  const lines: string[] = [];
  for (let i = start; i < Math.min(N, start + CHUNK); i++) lines.push(envelopeLine(i));
  let t0 = performance.now();
  const canon = lines.map((l) => canonicalBytes(JSON.parse(l)));
  t.canon += performance.now() - t0;
  for (const c of canon) bytes += c.length;
  t0 = performance.now();
  const leaves = canon.map((c) => leafHash(c));
  t.leaf += performance.now() - t0;
  t0 = performance.now();
  for (const l of leaves) range.append(l);
  t.range += performance.now() - t0;
  t0 = performance.now();
  for (const l of leaves) tree.append(l);
  t.tree += performance.now() - t0;
}
const t0 = performance.now();
const root = range.root();
const rootMs = performance.now() - t0;
if (!root.equals(tree.root())) throw new Error('compact range and tree disagree');

// End to end as a bundle verifier would run it: parse, canonicalize, hash, append, check one checkpoint.
const keys = generateLedgerKeyPair();
const verifier = new LedgerVerifier({ publicKey: keys.publicKey });
verifier.addCheckpoint(signCheckpoint({ origin: 'bench.example/ledger', size: N, root, time: new Date().toISOString() }, keys.privateKey));
let e2e = 0;
for (let start = 0; start < N; start += CHUNK) {
  const lines: string[] = [];
  for (let i = start; i < Math.min(N, start + CHUNK); i++) lines.push(envelopeLine(i));
  // What the bundle claims; computed outside the timer (a real bundle carries it).
  const claimed = lines.map((l) => leafHash(canonicalBytes(JSON.parse(l))));
  const t1 = performance.now();
  lines.forEach((l, k) => {
    // The string form skips a Buffer per entry; a real bundle would carry the leaf hash to compare.
    const canonical = canonicalJson(JSON.parse(l));
    verifier.addEntry({ index: start + k, canonical, leafHash: claimed[k] });
  });
  e2e += performance.now() - t1;
}
const report = verifier.finish();

const rate = (ms: number) => `${Math.round(N / (ms / 1000)).toLocaleString('en-US')}/s`;
console.log(`entries: ${N.toLocaleString('en-US')}, mean canonical size ${(bytes / N).toFixed(0)} bytes`);
console.log(`JSON.parse + canonicalBytes: ${t.canon.toFixed(0)} ms (${rate(t.canon)})`);
console.log(`leafHash:                    ${t.leaf.toFixed(0)} ms (${rate(t.leaf)})`);
console.log(`CompactRange.append:         ${t.range.toFixed(0)} ms (${rate(t.range)})`);
console.log(`MerkleTree.append:           ${t.tree.toFixed(0)} ms (${rate(t.tree)})`);
console.log(`CompactRange.root:           ${rootMs.toFixed(2)} ms`);
console.log(`LedgerVerifier end to end:   ${e2e.toFixed(0)} ms (${rate(e2e)}), ok=${report.ok}, checkpoints=${report.checkpointsVerified}`);
console.log(`heap used: ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
