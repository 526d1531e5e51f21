import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import type { EventEnvelope } from '@plaza/contracts';
import { canonicalJson, leafHash } from '@plaza/ledger';
import { digestOf } from '@plaza/bundle';
import { formatLedgerLine, formatManifest, LEDGER_FILE, MANIFEST_FILE, parseLedgerLine, type BundleManifest } from '@plaza/bundle';

/** Ways to tamper with an exported audit bundle, as a forger would, for the verifier's tests. */
type Event = EventEnvelope & { payload: Record<string, unknown> };

export function readLines(dir: string): string[] {
  return readFileSync(join(dir, LEDGER_FILE), 'utf8').split('\n').slice(0, -1);
}

export function writeLines(dir: string, lines: string[]): void {
  writeFileSync(join(dir, LEDGER_FILE), lines.map((l) => l + '\n').join(''));
}

/** What a careful forger does after editing: recompute every digest and count in the manifest. */
export function reseal(dir: string): void {
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as BundleManifest;
  const files = readdirSync(dir)
    .filter((n) => n !== MANIFEST_FILE)
    .map((n) => digestOf(n, readFileSync(join(dir, n), 'utf8')));
  const lines = readLines(dir);
  writeFileSync(join(dir, MANIFEST_FILE), formatManifest({ ...manifest, files, ledgerSize: lines.length, roundEntries: lines.filter((l) => l.includes('"event":')).length }));
}

export function eventAt(dir: string, index: number): Event {
  const p = parseLedgerLine(readLines(dir)[index]);
  if (!p.ok || p.canonical === undefined) throw new Error(`entry ${index} has no event`);
  return JSON.parse(p.canonical) as Event;
}

/** Ledger index of the n-th entry of the round whose event has `type`. */
export function entryOf(dir: string, type: string, nth = 0): number {
  const lines = readLines(dir);
  let seen = 0;
  for (let i = 0; i < lines.length; i++) if (lines[i].includes(`"type":"${type}"`) && seen++ === nth) return i;
  throw new Error(`no ${type} #${nth}`);
}

/** The line for `event` at `index` (without newline). */
export function lineFor(index: number, event: object): string {
  const canonical = canonicalJson(event);
  return formatLedgerLine(index, leafHash(canonical).toString('hex'), canonical).slice(0, -1);
}

/** Rewrites one round entry's event and, when `rehash`, its leaf hash too. */
export function editEvent(dir: string, index: number, edit: (e: Event) => void, rehash: boolean): void {
  const lines = readLines(dir);
  const p = parseLedgerLine(lines[index]);
  if (!p.ok || p.canonical === undefined) throw new Error('not a round entry');
  const event = JSON.parse(p.canonical) as Event;
  edit(event);
  const canonical = canonicalJson(event);
  lines[index] = formatLedgerLine(index, rehash ? leafHash(canonical).toString('hex') : p.leafHash, canonical).slice(0, -1);
  writeLines(dir, lines);
}

/** A ballot edit: approve the first accepted proposal the ballot does not name instead. */
export function otherChoice(dir: string): (e: Event) => void {
  const accepted = readLines(dir)
    .filter((l) => l.includes('"type":"ProposalAccepted"'))
    .map((l) => (JSON.parse(l) as { event: Event }).event.payload.proposalId as string);
  return (e) => {
    e.payload.choices = [accepted.find((id) => !(e.payload.choices as string[]).includes(id))!];
  };
}

export function renumber(line: string, index: number): string {
  const p = parseLedgerLine(line);
  if (!p.ok) throw new Error('unparsable');
  return formatLedgerLine(index, p.leafHash, p.canonical).slice(0, -1);
}

export function deleteEntry(dir: string, index: number): void {
  const lines = readLines(dir);
  lines.splice(index, 1);
  writeLines(dir, lines);
}

export function swapEntries(dir: string, i: number, j: number): void {
  const lines = readLines(dir);
  [lines[i], lines[j]] = [lines[j], lines[i]];
  writeLines(dir, lines);
}

/** Inserts, at `index`, a copy of the event at `from` with a new id (a forged entry with a valid leaf hash). */
export function insertCopy(dir: string, index: number, from: number, renumberAfter = false): string {
  const lines = readLines(dir);
  const forged = { ...eventAt(dir, from), id: uuidv7() };
  lines.splice(index, 0, lineFor(index, forged));
  writeLines(dir, renumberAfter ? lines.map((l, k) => (k <= index ? l : renumber(l, k))) : lines);
  return forged.id;
}

export function truncate(dir: string, entries: number): void {
  writeLines(dir, readLines(dir).slice(0, -entries));
}

/** Flips one base64 character of checkpoint `line` (1-based)'s signature. */
export function alterCheckpointSignature(dir: string, line: number): void {
  const path = join(dir, 'checkpoints.jsonl');
  const lines = readFileSync(path, 'utf8').split('\n');
  const cp = JSON.parse(lines[line - 1]) as { note: string };
  const at = cp.note.lastIndexOf(' ') + 10;
  const flipped = cp.note.slice(0, at) + (cp.note[at] === 'A' ? 'B' : 'A') + cp.note.slice(at + 1);
  lines[line - 1] = lines[line - 1].replace(JSON.stringify(cp.note), JSON.stringify(flipped));
  writeFileSync(path, lines.join('\n'));
}
