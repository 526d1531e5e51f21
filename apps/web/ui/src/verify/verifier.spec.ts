import 'reflect-metadata';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import type { EventEnvelope } from '@plaza/contracts';
import { canonicalJson, formatVerifierKey, generateLedgerKeyPair, leafHash, type LedgerKeyPair } from '@plaza/ledger';
import { formatLedgerLine, parseLedgerLine, PUBLIC_KEY_FILE, RESULTS_FILE, syntheticRound, verifyBundle, writeSyntheticBundle, type VerifyReport } from '@plaza/bundle';
import {
  alterCheckpointSignature,
  editEvent,
  entryOf,
  eventAt,
  insertCopy,
  mismatchedOpening,
  missingOpening,
  openingWithoutCommitment,
  otherChoice,
  readLines,
  renumber,
  reseal,
  supersededOpening,
  swapEntries,
  truncate,
  writeLines,
  type OpeningForgery,
} from '../../../../../test/support/bundle-tamper';
import { PinnedKeyError } from './errors';
import { memoryBundleSource } from './sources';
import type { BrowserVerifyReport, BundleSource, VerifyProgress } from './types';
import { verifyBundleInBrowser } from './verifier';

// Each verification takes milliseconds, but the machine (and CI) may be shared by many test runs.
jest.setTimeout(60_000);

const keys = generateLedgerKeyPair();
const otherKeys = generateLedgerKeyPair();
const ORIGIN = 'plaza.test/ledger';
const VKEY = formatVerifierKey(ORIGIN, keys.publicKey);
const root = mkdtempSync(join(tmpdir(), 'plaza-web-verify-spec-'));
let clean: string;
let events: EventEnvelope[];
let counter = 0;

/** A bundle directory as the verifier in the browser gets it: the manifest, each file's bytes, the listing. */
function dirSource(dir: string): BundleSource {
  const path = (name: string) => join(dir, name);
  return {
    label: dir,
    manifest: async () => (existsSync(path('manifest.json')) ? readFileSync(path('manifest.json')) : undefined),
    file: async (name) => (existsSync(path(name)) ? new Uint8Array(readFileSync(path(name))) : undefined),
    list: async () => readdirSync(dir).filter((n) => n !== 'manifest.json'),
  };
}

function copy(): string {
  const dir = join(root, `case-${counter++}`);
  cpSync(clean, dir, { recursive: true });
  return dir;
}

async function buildBundle(dir: string, list: EventEnvelope[], signer: LedgerKeyPair = keys): Promise<string> {
  await writeSyntheticBundle(dir, list[0].roundId, list, { keys: signer, origin: ORIGIN, othersBetween: 1, checkpointEvery: 16 });
  return dir;
}

/** The parts of a failure both verifiers give. */
const located = (f: object) => JSON.parse(JSON.stringify(f)) as Record<string, unknown>;

/**
 * Runs both verifiers on `dir` and checks that they agree on everything they both report: every failure (check,
 * message, position, hashes, differences) in the same order, the checks' outcomes, the counts, roots and the replay.
 */
async function both(dir: string, trustedKey?: string): Promise<{ node: VerifyReport; web: BrowserVerifyReport }> {
  const node = await verifyBundle(dir, { trustedKey, worker: false });
  const web = await verifyBundleInBrowser(dirSource(dir), { trustedKey });
  expect(web.failures.map(located)).toEqual(node.failures.map(located));
  expect(web.ok).toBe(node.ok);
  expect(web.checks.map((c) => ({ check: c.check, ok: c.ok }))).toEqual(node.checks);
  expect(web.roundId).toBe(node.roundId);
  expect(web.origin).toBe(node.origin);
  expect(web.keyId).toBe(node.keyId);
  expect(web.keyPinned).toBe(node.keyPinned);
  expect(web.counts).toEqual({ entries: node.ledger.entries, roundEntries: node.ledger.roundEntries, checkpoints: node.ledger.checkpoints, checkpointsVerified: node.ledger.checkpointsVerified });
  expect(web.ledgerRoot).toBe(node.ledger.root);
  expect(located(web.round ?? {})).toEqual(located(node.round ?? {}));
  // Each check's outcome carries its first failure.
  for (const c of web.checks) if (!c.ok) expect(c.message).toBe(web.failures.find((f) => f.check === c.check)?.message);
  return { node, web };
}

async function expectFirst(dir: string, check: string, trustedKey?: string): Promise<BrowserVerifyReport> {
  const { web, node } = await both(dir, trustedKey);
  expect(node.failure?.check).toBe(check);
  expect(web.ok).toBe(false);
  expect(web.failure?.check).toBe(check);
  return web;
}

beforeAll(async () => {
  events = [...syntheticRound({ voters: 40, proposals: 5, seed: 11 })];
  clean = await buildBundle(join(root, 'clean'), events);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the browser verifier on an honest bundle', () => {
  it('passes every check, as plaza verify does, and reproduces the declared result', async () => {
    const progress: VerifyProgress[] = [];
    const { web } = await both(clean);
    expect(web.ok).toBe(true);
    expect(web.failures).toEqual([]);
    expect(web.checks.every((c) => c.ok)).toBe(true);
    expect(web.counts).toEqual({ entries: 2 * events.length, roundEntries: events.length, checkpoints: expect.any(Number), checkpointsVerified: web.counts.checkpoints });
    expect(web.recount).toHaveLength(1);
    const [unit] = web.recount;
    expect(unit).toMatchObject({ unitId: 'centre', unitName: 'Centre', verified: true, differences: [] });
    expect(unit.recomputed.selected).toEqual(unit.declared.selected);
    expect(unit.declared.selected.length).toBeGreaterThan(0);
    for (const id of unit.declared.selected) expect(web.proposalTitles[id]).toMatch(/^Proposal \d$/);
    expect(web.roundName).toBe('Synthetic round');
    expect(web.currency).toBe('PLN');
    const manifest = JSON.parse(readFileSync(join(clean, 'manifest.json'), 'utf8'));
    expect(web.latestCheckpoint).toEqual(manifest.latestCheckpoint);

    await verifyBundleInBrowser(dirSource(clean), { onProgress: (p) => progress.push(p) });
    expect(progress.at(-1)).toEqual({ phase: 'done', done: 1, total: 1 });
    for (const phase of ['download', 'checkpoints', 'ledger', 'hashing', 'recount']) expect(progress.some((p) => p.phase === phase)).toBe(true);
    for (const p of progress) expect(p.done).toBeLessThanOrEqual(p.total);
  });

  it('accepts the published key pinned, as a string or as GET /ledger/public-key answers it', async () => {
    expect((await both(clean, VKEY)).web.ok).toBe(true);
    const published = { keyName: ORIGIN, keyId: 'x', verifierKey: VKEY, publicKey: '', spki: '', pem: '' };
    const web = await verifyBundleInBrowser(dirSource(clean), { trustedKey: published });
    expect(web.ok).toBe(true);
    expect(web.keyPinned).toBe(true);
  });

  it('reads files given as text as well as bytes (memoryBundleSource)', async () => {
    const files: Record<string, string> = {};
    for (const name of readdirSync(clean)) files[name] = readFileSync(join(clean, name), 'utf8');
    const web = await verifyBundleInBrowser(memoryBundleSource(files));
    expect(web.failures).toEqual([]);
  });

  it('refuses a pinned key that is not a verifier key', async () => {
    await expect(verifyBundleInBrowser(dirSource(clean), { trustedKey: 'not a key' })).rejects.toBeInstanceOf(PinnedKeyError);
  });
});

describe('the browser verifier fails tampered bundles with the check plaza verify names', () => {
  it("an event's bytes changed: leaf-hash at the entry (and file-digest)", async () => {
    const dir = copy();
    const i = entryOf(dir, 'BallotCast', 5);
    const eventId = eventAt(dir, i).id;
    editEvent(dir, i, otherChoice(dir), false);
    const web = await expectFirst(dir, 'leaf-hash');
    expect(web.failure).toMatchObject({ index: i, eventId });
    expect(web.failures.map((f) => f.check)).toContain('file-digest');
  });

  it("an event's bytes changed with its leaf hash recomputed and the manifest resealed: checkpoint-root", async () => {
    const dir = copy();
    const i = entryOf(dir, 'BallotCast', 5);
    editEvent(dir, i, otherChoice(dir), true);
    reseal(dir);
    const web = await expectFirst(dir, 'checkpoint-root');
    expect(web.failure!.index!).toBeLessThanOrEqual(i);
    expect(web.failure!.checkpoint!.size!).toBeGreaterThan(i);
  });

  it('an entry deleted: entry-index at the missing index', async () => {
    const dir = copy();
    const lines = readLines(dir);
    const i = entryOf(dir, 'BallotCast', 3);
    lines.splice(i, 1);
    writeLines(dir, lines);
    expect((await expectFirst(dir, 'entry-index')).failure?.index).toBe(i);
  });

  it('an entry deleted and the manifest resealed', async () => {
    const dir = copy();
    const lines = readLines(dir);
    lines.splice(entryOf(dir, 'BallotCast', 3), 1);
    writeLines(dir, lines);
    reseal(dir);
    await expectFirst(dir, 'entry-index');
  });

  it('two entries swapped, a forged entry inserted, the ledger truncated or cut inside a line', async () => {
    const swapped = copy();
    swapEntries(swapped, entryOf(swapped, 'BallotCast', 2), entryOf(swapped, 'BallotCast', 9));
    await expectFirst(swapped, 'entry-index');

    const inserted = copy();
    insertCopy(inserted, entryOf(inserted, 'BallotCast', 4), entryOf(inserted, 'BallotCast', 4), true);
    reseal(inserted);
    await expectFirst(inserted, 'checkpoint-root');

    const truncated = copy();
    truncate(truncated, 5);
    reseal(truncated);
    await expectFirst(truncated, 'checkpoint-beyond-end');

    const cut = copy();
    const text = readFileSync(join(cut, 'ledger.jsonl'), 'utf8');
    writeFileSync(join(cut, 'ledger.jsonl'), text.slice(0, text.length - 40));
    await both(cut);
  });

  it.each([
    ['after the index', (l: string) => l.slice(0, l.indexOf(',"leafHash"'))],
    ['inside the leaf hash', (l: string) => l.slice(0, l.indexOf('"leafHash":"') + 20)],
    ['a few bytes after the leaf hash', (l: string) => l.slice(0, l.indexOf('"leafHash":"') + 12 + 64 + 4)],
  ])('a ledger line cut %s: entry-format', async (_, cutLine) => {
    const dir = copy();
    const lines = readLines(dir);
    const i = lines.findIndex((l) => l.includes('"BallotCast"'));
    lines[i] = cutLine(lines[i]);
    writeLines(dir, lines);
    expect((await expectFirst(dir, 'entry-format')).failure?.index).toBe(i);
  });

  it('a checkpoint signature changed: checkpoint-signature at that checkpoint', async () => {
    const dir = copy();
    alterCheckpointSignature(dir, 3);
    reseal(dir);
    const web = await expectFirst(dir, 'checkpoint-signature');
    expect(web.failure?.checkpoint?.line).toBe(3);
    expect(web.failure?.message).toMatch(/bad-signature/);
  });

  it("the bundle's public key swapped for another: every signature is unknown-key", async () => {
    const dir = copy();
    writeFileSync(join(dir, PUBLIC_KEY_FILE), formatVerifierKey(ORIGIN, otherKeys.publicKey) + '\n');
    reseal(dir);
    expect((await expectFirst(dir, 'checkpoint-signature')).failure?.message).toMatch(/unknown-key/);
  });

  it('a bundle re-signed end to end with another key: verifies unpinned, fails public-key with the published key pinned', async () => {
    const dir = await buildBundle(join(root, 'resigned'), events, otherKeys);
    const unpinned = await both(dir);
    expect(unpinned.web.ok).toBe(true);
    expect(unpinned.web.keyId).not.toBe(VKEY.split('+')[1]);
    const web = await expectFirst(dir, 'public-key', VKEY);
    expect(web.failures.filter((f) => f.check === 'checkpoint-signature').length).toBe(web.counts.checkpoints);
    expect(web.checks.find((c) => c.check === 'public-key')).toMatchObject({ ok: false, file: PUBLIC_KEY_FILE });
  });

  it('results.json changed: file-digest, and derived-file once the manifest is resealed', async () => {
    const dir = copy();
    const path = join(dir, RESULTS_FILE);
    const results = JSON.parse(readFileSync(path, 'utf8'));
    results.declared[0].payload.selected.reverse();
    writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
    const web = await expectFirst(dir, 'file-digest');
    expect(web.failures.map((f) => f.check)).toEqual(['file-digest', 'derived-file']);
    reseal(dir);
    expect((await expectFirst(dir, 'derived-file')).failure?.file).toBe(RESULTS_FILE);
  });

  it('a .pb file, the manifest, or the file set changed', async () => {
    const pb = copy();
    const name = readdirSync(pb).find((n) => n.endsWith('.pb'))!;
    writeFileSync(join(pb, name), readFileSync(join(pb, name), 'utf8').replace('Proposal 1', 'Proposal One'));
    reseal(pb);
    await expectFirst(pb, 'derived-file');

    const manifest = copy();
    const m = JSON.parse(readFileSync(join(manifest, 'manifest.json'), 'utf8'));
    writeFileSync(join(manifest, 'manifest.json'), JSON.stringify({ ...m, ledgerSize: m.ledgerSize + 1 }, null, 2) + '\n');
    await expectFirst(manifest, 'manifest');

    const extra = copy();
    writeFileSync(join(extra, 'notes.txt'), 'hello\n');
    await expectFirst(extra, 'file-set');

    const missing = copy();
    rmSync(join(missing, RESULTS_FILE));
    await expectFirst(missing, 'file-set');
  });

  it('a declared result the recount does not reproduce: results, with the differences per unit', async () => {
    const list = events.map((e) =>
      e.type === 'ResultsDeclared' ? { ...e, payload: { ...(e.payload as object), selected: [...(e.payload as { selected: string[] }).selected].reverse() } } : e,
    );
    const dir = await buildBundle(join(root, 'wrong-result'), list);
    const web = await expectFirst(dir, 'results');
    expect(web.recount).toHaveLength(1);
    expect(web.recount[0].verified).toBe(false);
    expect(web.recount[0].differences[0]).toMatch(/^selected: declared/);
    expect(web.recount[0].declared.selected).toEqual([...web.recount[0].recomputed.selected].reverse());
  });

  it('a second ballot for one pseudonym, written into the ledger before signing: one-ballot-per-pseudonym', async () => {
    const first = events.find((e) => e.type === 'BallotCast')!;
    const dup: EventEnvelope = { ...first, id: uuidv7(), payload: { ...(first.payload as object), ballotId: uuidv7() } };
    const at = events.findIndex((e) => e.type === 'RoundPhaseChanged' && (e.payload as { to: string }).to === 'closed');
    const dir = await buildBundle(join(root, 'dup-ballot'), [...events.slice(0, at), dup, ...events.slice(at)]);
    const { web } = await both(dir);
    expect(web.failures.find((f) => f.check === 'one-ballot-per-pseudonym')).toMatchObject({ eventId: dup.id });
  });

  it.each<[string, (list: EventEnvelope[]) => OpeningForgery]>([
    ['an opening that does not match its commitment', mismatchedOpening],
    ['an opening for a superseded version', supersededOpening],
    ['a missing opening', missingOpening],
    ['a counted ballot without a commitment', (list) => openingWithoutCommitment(list, 'f'.repeat(64))],
  ])('%s, signed into the ledger: ballot-opening with the entry, as plaza verify says', async (name, forge) => {
    const forgery = forge(events);
    const { web } = await both(await buildBundle(join(root, `opening-${name.replace(/ /g, '-')}`), forgery.events));
    expect(web.ok).toBe(false);
    const f = web.failures.find((x) => x.check === 'ballot-opening');
    expect(f).toMatchObject({ index: 2 * forgery.position + 1, eventId: forgery.eventId });
    expect(f?.message).toMatch(forgery.message);
  });

  it('a forged entry with a valid leaf hash inserted and renumbered', async () => {
    const dir = copy();
    const i = entryOf(dir, 'BallotCast', 6);
    const lines = readLines(dir);
    const p = parseLedgerLine(lines[entryOf(dir, 'BallotCast', 1)]);
    if (!p.ok || p.canonical === undefined) throw new Error('unparsable');
    const dup = canonicalJson({ ...(JSON.parse(p.canonical) as EventEnvelope), id: uuidv7() });
    lines.splice(i, 0, formatLedgerLine(i, leafHash(dup).toString('hex'), dup).slice(0, -1));
    writeLines(dir, lines.map((l, k) => (k <= i ? l : renumber(l, k))));
    reseal(dir);
    await expectFirst(dir, 'checkpoint-root');
  });

  it('agrees with plaza verify on any single-byte change anywhere in the bundle', async () => {
    const files = readdirSync(clean).sort();
    const sizes = files.map((f) => readFileSync(join(clean, f)).length);
    await fc.assert(
      fc.asyncProperty(fc.nat(files.length - 1), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 1, max: 255 }), async (f, where, delta) => {
        const dir = copy();
        const path = join(dir, files[f]);
        const bytes = readFileSync(path);
        const at = Math.floor(where * sizes[f]);
        bytes[at] = (bytes[at] + delta) & 0xff;
        writeFileSync(path, bytes);
        const { web } = await both(dir);
        rmSync(dir, { recursive: true, force: true });
        expect(web.ok).toBe(false);
      }),
      { numRuns: 60 },
    );
  }, 300_000);
});

describe('the browser verifier and witnesses', () => {
  it('reports each witness as plaza verify does: cosigned, missing, and a forged cosignature refused', async () => {
    const { cosignCheckpoint, generateCosignerKey, parseCosignerSignerKey, parseSignedNote } = await import('@plaza/ledger');
    const a = generateCosignerKey('w.example/a');
    const b = generateCosignerKey('w.example/b');
    const signer = parseCosignerSignerKey(a.signerKey);
    const dir = copy();
    const file = join(dir, 'checkpoints.jsonl');
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { note: string });
    const last = lines[lines.length - 1];
    last.note += cosignCheckpoint(parseSignedNote(last.note).text, signer, 1_765_000_000);
    writeFileSync(file, lines.map((l) => JSON.stringify(l) + '\n').join(''));
    reseal(dir);
    for (const quorum of [1, 2]) {
      const node = await verifyBundle(dir, { witnesses: [a.verifierKey, b.verifierKey], quorum });
      const web = await verifyBundleInBrowser(dirSource(dir), { witnesses: [a.verifierKey, b.verifierKey], quorum });
      expect(web.witnesses).toEqual(node.witnesses);
      expect(web.witnesses?.witnesses.map((w) => [w.keyName, w.cosigned])).toEqual([['w.example/a', true], ['w.example/b', false]]);
      expect(web.ok).toBe(quorum === 1);
      expect(node.ok).toBe(quorum === 1);
    }
    // The same cosignature moved onto the first checkpoint does not verify there.
    lines[0].note += last.note.split('\n').filter((l) => l.startsWith('\u2014 w.example/a')).join('\n') + '\n';
    writeFileSync(file, lines.map((l) => JSON.stringify(l) + '\n').join(''));
    reseal(dir);
    const web = await verifyBundleInBrowser(dirSource(dir), { witnesses: [a.verifierKey] });
    expect(web.ok).toBe(false);
    expect(web.failure?.check).toBe('witness-cosignatures');
    expect(web.failure?.checkpoint?.line).toBe(1);
  });
});
