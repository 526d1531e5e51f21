import 'reflect-metadata';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import type { EventEnvelope } from '@plaza/contracts';
import { canonicalJson, formatVerifierKey, generateLedgerKeyPair, leafHash } from '@plaza/ledger';
import {
  editEvent,
  entryOf,
  eventAt,
  mismatchedOpening,
  missingOpening,
  openingWithoutCommitment,
  otherChoice,
  readLines,
  renumber,
  reseal,
  supersededOpening,
  writeLines,
  type OpeningForgery,
} from '../../../test/support/bundle-tamper';
import { formatLedgerLine, LEDGER_FILE, parseLedgerLine, PUBLIC_KEY_FILE } from './format';
import { syntheticPseudonym, syntheticRound, writeSyntheticBundle } from './synthetic';
import { verifyBundle, type VerifyReport } from './verify-bundle';

const keys = generateLedgerKeyPair();
const ORIGIN = 'plaza.test/ledger';
const root = mkdtempSync(join(tmpdir(), 'plaza-verify-spec-'));
let clean: string;
let events: EventEnvelope[];
let roundId: string;
let counter = 0;

/** A fresh copy of the clean bundle to tamper with. */
function copy(): string {
  const dir = join(root, `case-${counter++}`);
  cpSync(clean, dir, { recursive: true });
  return dir;
}

function eventIdAt(dir: string, index: number): string {
  return eventAt(dir, index).id;
}

async function buildBundle(dir: string, list: EventEnvelope[]): Promise<void> {
  await writeSyntheticBundle(dir, list[0].roundId, list, { keys, origin: ORIGIN, othersBetween: 1, checkpointEvery: 16 });
}

function expectFailure(report: VerifyReport, check: string, index?: number): void {
  expect(report.ok).toBe(false);
  expect(report.failure?.check).toBe(check);
  if (index !== undefined) expect(report.failure?.index).toBe(index);
}

beforeAll(async () => {
  events = [...syntheticRound({ voters: 40, proposals: 5, seed: 7 })];
  roundId = events[0].roundId;
  clean = join(root, 'clean');
  await buildBundle(clean, events);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('plaza verify on a clean bundle', () => {
  it('verifies every check and reproduces the declared result', async () => {
    const report = await verifyBundle(clean);
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.roundId).toBe(roundId);
    expect(report.ledger.entries).toBe(2 * events.length);
    expect(report.ledger.roundEntries).toBe(events.length);
    expect(report.ledger.checkpointsVerified).toBe(report.ledger.checkpoints);
    expect(report.round?.counted).toEqual({ centre: 40 });
    expect(report.round?.comparisons).toHaveLength(1);
    expect(report.round?.comparisons[0].differences).toEqual([]);
    expect(report.checks.every((c) => c.ok)).toBe(true);
  });

  it('accepts the right pinned key and refuses another', async () => {
    expect((await verifyBundle(clean, { trustedKey: formatVerifierKey(ORIGIN, keys.publicKey) })).ok).toBe(true);
    const other = formatVerifierKey(ORIGIN, generateLedgerKeyPair().publicKey);
    expectFailure(await verifyBundle(clean, { trustedKey: other }), 'public-key');
  });
});

describe('plaza verify catches tampering with its position', () => {
  it("one entry's payload changed", async () => {
    const dir = copy();
    const i = entryOf(dir, 'BallotCast', 5);
    editEvent(dir, i, otherChoice(dir), false);
    const report = await verifyBundle(dir);
    expectFailure(report, 'leaf-hash', i);
    expect(report.failure?.eventId).toBe(eventIdAt(clean, i));
    // The manifest digest catches it too.
    expect(report.failures.map((f) => f.check)).toContain('file-digest');
  });

  it("one entry's payload changed with its leaf hash and the manifest recomputed", async () => {
    const dir = copy();
    const i = entryOf(dir, 'BallotCast', 5);
    editEvent(dir, i, otherChoice(dir), true);
    reseal(dir);
    const report = await verifyBundle(dir);
    expectFailure(report, 'checkpoint-root');
    // Located to the stretch between the last good checkpoint and the first bad one (≤ 16 entries here).
    const f = report.failure!;
    expect(f.index!).toBeLessThanOrEqual(i);
    expect(f.checkpoint!.size!).toBeGreaterThan(i);
    expect(f.checkpoint!.size! - f.index!).toBeLessThanOrEqual(16);
    expect(f.message).toMatch(/was changed, inserted, removed or moved/);
  });

  it('an entry deleted', async () => {
    const dir = copy();
    const i = entryOf(dir, 'BallotCast', 3);
    const lines = readLines(dir);
    lines.splice(i, 1);
    writeLines(dir, lines);
    expectFailure(await verifyBundle(dir), 'entry-index', i);
  });

  it('two entries swapped', async () => {
    const dir = copy();
    const i = entryOf(dir, 'BallotCast', 2);
    const j = entryOf(dir, 'BallotCast', 9);
    const lines = readLines(dir);
    [lines[i], lines[j]] = [lines[j], lines[i]];
    writeLines(dir, lines);
    expectFailure(await verifyBundle(dir), 'entry-index', i);
  });

  it('two entries swapped and renumbered, hashes intact', async () => {
    const dir = copy();
    const i = entryOf(dir, 'BallotCast', 2);
    const j = entryOf(dir, 'BallotCast', 3);
    const lines = readLines(dir);
    const a = parseLedgerLine(lines[i]);
    const b = parseLedgerLine(lines[j]);
    if (!a.ok || !b.ok) throw new Error('unparsable');
    lines[i] = formatLedgerLine(i, b.leafHash, b.canonical).slice(0, -1);
    lines[j] = formatLedgerLine(j, a.leafHash, a.canonical).slice(0, -1);
    writeLines(dir, lines);
    reseal(dir);
    const report = await verifyBundle(dir);
    expectFailure(report, 'checkpoint-root');
    expect(report.failure!.index!).toBeLessThanOrEqual(i);
    expect(report.failure!.checkpoint!.size!).toBeGreaterThan(i);
  });

  it('a forged entry inserted', async () => {
    const dir = copy();
    const i = entryOf(dir, 'BallotCast', 4);
    const lines = readLines(dir);
    const p = parseLedgerLine(lines[i]);
    if (!p.ok || p.canonical === undefined) throw new Error('unparsable');
    const forged = { ...(JSON.parse(p.canonical) as EventEnvelope), id: uuidv7() };
    const canonical = canonicalJson(forged);
    lines.splice(i, 0, formatLedgerLine(i, leafHash(canonical).toString('hex'), canonical).slice(0, -1));
    writeLines(dir, lines);
    // Entry i is claimed twice: the position is i.
    expectFailure(await verifyBundle(dir), 'entry-index', i);
  });

  it('a forged entry inserted just before a checkpoint still names its position, not only the segment', async () => {
    // Checkpoints every 16 entries: the forged line at 15, numbered 15 with a valid leaf hash, completes a checkpoint
    // (size 16) whose root no longer matches; the repeated index on the next line is the precise finding.
    const dir = copy();
    const lines = readLines(dir);
    const p = parseLedgerLine(lines[entryOf(dir, 'BallotCast', 0)]);
    if (!p.ok || p.canonical === undefined) throw new Error('unparsable');
    const forged = { ...(JSON.parse(p.canonical) as EventEnvelope), id: uuidv7() };
    const canonical = canonicalJson(forged);
    lines.splice(15, 0, formatLedgerLine(15, leafHash(canonical).toString('hex'), canonical).slice(0, -1));
    writeLines(dir, lines);
    expectFailure(await verifyBundle(dir), 'entry-index', 15);
  });

  it('the bundle truncated', async () => {
    const dir = copy();
    const lines = readLines(dir);
    writeLines(dir, lines.slice(0, lines.length - 5));
    const report = await verifyBundle(dir);
    expectFailure(report, 'checkpoint-beyond-end', lines.length - 5);
  });

  it('the bundle cut in the middle of a line', async () => {
    const dir = copy();
    const text = readFileSync(join(dir, LEDGER_FILE), 'utf8');
    writeFileSync(join(dir, LEDGER_FILE), text.slice(0, text.length - 40));
    const report = await verifyBundle(dir);
    expect(report.ok).toBe(false);
    expect(report.failure?.index).toBe(readLines(clean).length - 1);
  });

  it('a checkpoint signature altered', async () => {
    const dir = copy();
    const path = join(dir, 'checkpoints.jsonl');
    const lines = readFileSync(path, 'utf8').split('\n');
    const cp = JSON.parse(lines[2]) as { note: string };
    const sig = cp.note.lastIndexOf(' ') + 10;
    const flipped = cp.note.slice(0, sig) + (cp.note[sig] === 'A' ? 'B' : 'A') + cp.note.slice(sig + 1);
    lines[2] = lines[2].replace(JSON.stringify(cp.note), JSON.stringify(flipped));
    writeFileSync(path, lines.join('\n'));
    reseal(dir);
    const report = await verifyBundle(dir);
    expectFailure(report, 'checkpoint-signature');
    expect(report.failure?.checkpoint?.line).toBe(3);
  });

  it('the public key swapped', async () => {
    const dir = copy();
    writeFileSync(join(dir, PUBLIC_KEY_FILE), formatVerifierKey(ORIGIN, generateLedgerKeyPair().publicKey) + '\n');
    reseal(dir);
    const report = await verifyBundle(dir);
    expectFailure(report, 'checkpoint-signature');
    expect(report.failure?.message).toMatch(/unknown-key/);
  });

  it('a declared winner changed in the bundle', async () => {
    const dir = copy();
    const i = entryOf(dir, 'ResultsDeclared');
    editEvent(dir, i, (e) => (e.payload.selected = [...(e.payload.selected as string[])].reverse()), false);
    expectFailure(await verifyBundle(dir), 'leaf-hash', i);
  });

  it('a duplicate ballot for one pseudonym added to the bundle', async () => {
    const dir = copy();
    const i = entryOf(dir, 'BallotCast', 6);
    const lines = readLines(dir);
    const p = parseLedgerLine(lines[entryOf(dir, 'BallotCast', 1)]);
    if (!p.ok || p.canonical === undefined) throw new Error('unparsable');
    const dup = canonicalJson({ ...(JSON.parse(p.canonical) as EventEnvelope), id: uuidv7() });
    lines.splice(i, 0, formatLedgerLine(i, leafHash(dup).toString('hex'), dup).slice(0, -1));
    writeLines(dir, lines.map((l, k) => (k <= i ? l : renumber(l, k))));
    reseal(dir);
    const report = await verifyBundle(dir);
    expect(report.ok).toBe(false);
    // Hash chain first (the inserted entry sits before the checkpoint that no longer matches), then the replay.
    expect(report.failure?.check).toBe('checkpoint-root');
    expect(report.failures.find((f) => f.check === 'one-ballot-per-pseudonym')?.index).toBe(i);
  });

  it('any single-byte change anywhere in the bundle is detected', async () => {
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
        const report = await verifyBundle(dir);
        rmSync(dir, { recursive: true, force: true });
        return !report.ok;
      }),
      { numRuns: 250 },
    );
  }, 180_000);
});

describe('plaza verify checks what the ledger itself vouches for', () => {
  it('a declared result the recount does not reproduce', async () => {
    const list = events.map((e) => (e.type === 'ResultsDeclared' ? { ...e, payload: { ...(e.payload as object), selected: [...(e.payload as { selected: string[] }).selected].reverse() } } : e));
    const dir = join(root, 'wrong-result');
    await buildBundle(dir, list);
    const report = await verifyBundle(dir);
    const i = list.findIndex((e) => e.type === 'ResultsDeclared');
    expectFailure(report, 'results', 2 * i + 1);
    expect(report.failure?.differences?.[0]).toMatch(/^selected: declared/);
  });

  it('a second ballot for one pseudonym that is not a revision', async () => {
    const first = events.find((e) => e.type === 'BallotCast')!;
    const dup: EventEnvelope = { ...first, id: uuidv7(), payload: { ...(first.payload as object), ballotId: uuidv7() } };
    const at = events.findIndex((e) => e.type === 'RoundPhaseChanged' && (e.payload as { to: string }).to === 'closed');
    const list = [...events.slice(0, at), dup, ...events.slice(at)];
    const dir = join(root, 'dup-ballot');
    await buildBundle(dir, list);
    const report = await verifyBundle(dir);
    expect(report.ok).toBe(false);
    expect(report.failures.find((f) => f.check === 'one-ballot-per-pseudonym')).toMatchObject({ index: 2 * at + 1, eventId: dup.id });
  });

  it('a ballot the ledger holds after the closing phase change but before VotingClosed (topics interleave)', async () => {
    const closing = events.findIndex((e) => e.type === 'RoundPhaseChanged' && (e.payload as { to: string }).to === 'closed');
    const ballot = events.findIndex((e) => e.type === 'BallotCast');
    const list = [...events.slice(0, ballot), ...events.slice(ballot + 1, closing + 1), events[ballot], ...events.slice(closing + 1)];
    const dir = join(root, 'interleaved');
    await buildBundle(dir, list);
    const report = await verifyBundle(dir);
    expect(report.failures).toEqual([]);
  });

  it('a ballot stamped before voting opened', async () => {
    const opening = events.findIndex((e) => e.type === 'RoundPhaseChanged' && (e.payload as { to: string }).to === 'voting');
    const first = events.findIndex((e) => e.type === 'BallotCast');
    const early = { ...events[first], occurredAt: new Date(Date.parse(events[opening].occurredAt) - 1000).toISOString() };
    const list = [...events.slice(0, opening), early, ...events.slice(opening, first), ...events.slice(first + 1)];
    const dir = join(root, 'early-ballot');
    await buildBundle(dir, list);
    const report = await verifyBundle(dir);
    expect(report.failures.find((f) => f.check === 'ballot-phase')).toMatchObject({ index: 2 * opening + 1, eventId: early.id });
  });

  it('a ballot cast after voting closed', async () => {
    const pseudonym = syntheticPseudonym(0);
    const late: EventEnvelope = {
      ...events.find((e) => e.type === 'BallotCast')!,
      id: uuidv7(),
      streamVersion: 2,
      payload: { ballotId: uuidv7(), voterPseudonym: pseudonym, unitId: 'centre', channel: 'online', commitment: 'ab'.repeat(32) },
    };
    const dir = join(root, 'late-ballot');
    await buildBundle(dir, [...events, late]);
    const report = await verifyBundle(dir);
    expect(report.failures.find((f) => f.check === 'ballot-phase')).toMatchObject({ index: 2 * events.length + 1, eventId: late.id });
  });
});

describe('plaza verify checks every opening against its commitment before recounting', () => {
  it('the clean bundle: every ballot sealed, every counted one opened, the opened ballots are the counted ones', async () => {
    const ballots = events.filter((e) => e.type === 'BallotCast');
    expect(ballots.every((e) => e.schemaVersion === 2 && !('choices' in (e.payload as object)))).toBe(true);
    const opened = events.filter((e) => e.type === 'BallotsOpened').flatMap((e) => (e.payload as { openings: { eventId: string }[] }).openings.map((o) => o.eventId));
    expect(opened.sort()).toEqual(ballots.map((b) => b.id).sort());
    const report = await verifyBundle(clean);
    expect(report.checks.find((c) => c.check === 'ballot-opening')).toEqual({ check: 'ballot-opening', ok: true });
  });

  it('a bundle of a round cast before ballots were sealed (stored BallotCast v1, choices in the clear) still verifies', async () => {
    const old = [...syntheticRound({ voters: 12, proposals: 4, seed: 3, sealed: false })];
    expect(old.filter((e) => e.type === 'BallotCast').every((e) => e.schemaVersion === 1 && 'choices' in (e.payload as object))).toBe(true);
    expect(old.some((e) => e.type === 'BallotsOpened')).toBe(false);
    const dir = join(root, 'unsealed-round');
    await buildBundle(dir, old);
    const report = await verifyBundle(dir);
    expect(report.failures).toEqual([]);
    expect(report.round?.counted).toEqual({ centre: 12 });
  });

  it.each<[string, (list: EventEnvelope[]) => OpeningForgery]>([
    ['an opening that does not match its commitment', mismatchedOpening],
    ['an opening for a superseded version', supersededOpening],
    ['a missing opening', missingOpening],
    ['a counted ballot without a commitment', (list) => openingWithoutCommitment(list, syntheticPseudonym(1000))],
  ])('%s, reported with the entry', async (name, forge) => {
    const forgery = forge(events);
    const dir = join(root, `opening-${name.replace(/ /g, '-')}`);
    await buildBundle(dir, forgery.events);
    const report = await verifyBundle(dir);
    expect(report.ok).toBe(false);
    const f = report.failures.find((x) => x.check === 'ballot-opening');
    expect(f).toMatchObject({ index: 2 * forgery.position + 1, eventId: forgery.eventId });
    expect(f?.message).toMatch(forgery.message);
  });
});

describe('plaza verify hashes on a worker thread or inline alike', () => {
  it('gives the same report either way, clean or tampered', async () => {
    const dir = copy();
    const lines = readLines(dir);
    const i = lines.findIndex((l) => l.includes('"BallotCast"'));
    const cut = lines.filter((_, k) => k !== i);
    writeLines(dir, cut);
    for (const bundle of [clean, dir]) {
      const { elapsedMs: _a, timings: _b, ...onWorker } = await verifyBundle(bundle);
      const { elapsedMs: _c, timings: _d, ...inline } = await verifyBundle(bundle, { worker: false });
      expect(inline).toEqual(onWorker);
    }
  });
});

describe('plaza verify reports cut lines instead of throwing', () => {
  it.each([
    ['after the index', (l: string) => l.slice(0, l.indexOf(',"leafHash"'))],
    ['inside the leaf hash', (l: string) => l.slice(0, l.indexOf('"leafHash":"') + 20)],
    ['one byte after the leaf hash', (l: string) => l.slice(0, l.indexOf('"leafHash":"') + 12 + 64 + 1)],
    ['a few bytes after the leaf hash', (l: string) => l.slice(0, l.indexOf('"leafHash":"') + 12 + 64 + 4)],
  ])('a ledger line cut %s', async (_, cut) => {
    const dir = copy();
    const lines = readLines(dir);
    const i = lines.findIndex((l) => l.includes('"BallotCast"'));
    lines[i] = cut(lines[i]);
    writeLines(dir, lines);
    expectFailure(await verifyBundle(dir), 'entry-format', i);
  });
});
