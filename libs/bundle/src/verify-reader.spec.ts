import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventEnvelope } from '@plaza/contracts';
import { generateLedgerKeyPair } from '@plaza/ledger';
import { LEDGER_FILE } from './format';
import { syntheticRound, writeSyntheticBundle } from './synthetic';
import { verifyBundle } from './verify-bundle';

// The city-round failure of issue #15 (13 of 20 BallotsOpened "not replayed"): its bundle was cut at a checkpoint
// signed while the close's events were still arriving, not misread. These pin both halves: ledger.jsonl read in
// blocks far smaller than its events gives the same verdict, and a bundle cut inside the close fails with a
// message saying so.

const keys = generateLedgerKeyPair();
const root = mkdtempSync(join(tmpdir(), 'plaza-verify-reader-'));
let events: EventEnvelope[];
let dir: string;

beforeAll(async () => {
  // 2,500 voters: three BallotsOpened events of up to 1,000 openings (about 250 KB each).
  events = [...syntheticRound({ voters: 2500, proposals: 5, seed: 11 })];
  dir = join(root, 'whole');
  await writeSyntheticBundle(dir, events[0].roundId, events, { keys, checkpointEvery: 100 });
}, 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('plaza verify reading ledger.jsonl in blocks', () => {
  it('replays every event when the events are many times larger than a read', async () => {
    const largest = Math.max(...readFileSync(join(dir, LEDGER_FILE), 'utf8').split('\n').map((l) => l.length));
    expect(largest).toBeGreaterThan(200_000);
    const whole = await verifyBundle(dir);
    expect(whole.failures).toEqual([]);
    for (const readBytes of [1024, 64 * 1024 + 7]) {
      for (const worker of [true, false]) {
        const report = await verifyBundle(dir, { readBytes, worker });
        expect(report.failures).toEqual([]);
        expect(report.ledger).toEqual(whole.ledger);
        expect(report.round?.counted).toEqual({ centre: 2500 });
        expect(report.round?.comparisons).toEqual(whole.round?.comparisons);
      }
    }
  }, 120_000);

  it('reports a ledger whose last line has no newline, in small blocks too', async () => {
    const cut = join(root, 'no-newline');
    await writeSyntheticBundle(cut, events[0].roundId, events, { keys, checkpointEvery: 100 });
    const path = join(cut, LEDGER_FILE);
    const { truncateSync } = await import('node:fs');
    truncateSync(path, statSync(path).size - 1);
    const report = await verifyBundle(cut, { readBytes: 4096 });
    expect(report.ok).toBe(false);
    expect(report.failures.map((f) => f.check)).toContain('entry-format');
    expect(report.failures.find((f) => f.check === 'entry-format')?.message).toContain('no final newline');
  }, 60_000);
});

describe('plaza verify on a bundle cut inside the close', () => {
  it('fails the openings and says the bundle ends inside the close', async () => {
    const closedAt = events.findIndex((e) => e.type === 'VotingClosed');
    const firstOpened = events.findIndex((e) => e.type === 'BallotsOpened');
    expect(firstOpened).toBe(closedAt + 1);
    // VotingClosed and the first BallotsOpened only: as at a checkpoint signed while the close was arriving.
    const cut = join(root, 'mid-close');
    await writeSyntheticBundle(cut, events[0].roundId, events.slice(0, firstOpened + 1), { keys, checkpointEvery: 100 });
    const report = await verifyBundle(cut);
    expect(report.ok).toBe(false);
    const opening = report.failures.find((f) => f.check === 'ballot-opening');
    expect(opening?.message).toContain('was never opened');
    expect(opening?.message).toContain(`the bundle ends inside the close (VotingClosed at entry ${closedAt}, no ResultsDeclared after it)`);
  }, 60_000);

  it('says nothing of a cut once the declarations are in', async () => {
    const report = await verifyBundle(dir);
    expect(report.failures.some((f) => f.message.includes('ends inside the close'))).toBe(false);
  }, 60_000);
});
