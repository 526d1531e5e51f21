import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import type { BallotCastPayload, BallotOpening, EventEnvelope } from '@plaza/contracts';
import { ballotCommitment } from '@plaza/recount';
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

/**
 * A ballot edit: approve the first accepted proposal the ballot does not name instead (a sealed ballot: commit
 * to something else).
 */
export function otherChoice(dir: string): (e: Event) => void {
  const accepted = readLines(dir)
    .filter((l) => l.includes('"type":"ProposalAccepted"'))
    .map((l) => (JSON.parse(l) as { event: Event }).event.payload.proposalId as string);
  return (e) => {
    if (typeof e.payload.commitment === 'string') {
      e.payload.commitment = ballotCommitment({ ballotId: e.payload.ballotId as string, choices: [accepted[0]], salt: '0'.repeat(64) });
      return;
    }
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

/**
 * Forgeries of sealed ballots' openings, as event lists a bundle is then built and signed from (so the hash chain
 * holds and only the openings' own check can catch them). Each names the entry the verifier must report.
 */
export interface OpeningForgery {
  readonly events: EventEnvelope[];
  /** The event the failure must name, and its position in `events`. */
  readonly eventId: string;
  readonly position: number;
  readonly message: RegExp;
}

type Opening = BallotOpening & { choices: string[] };

function withOpenings(events: EventEnvelope[], edit: (openings: Opening[]) => void): { events: EventEnvelope[]; position: number } {
  const position = events.findIndex((e) => e.type === 'BallotsOpened');
  if (position < 0) throw new Error('no BallotsOpened');
  const opened = events[position] as EventEnvelope<'BallotsOpened', { openings: Opening[] }>;
  const openings = opened.payload.openings.map((o) => ({ ...o, choices: [...o.choices] }));
  edit(openings);
  const list = [...events];
  list[position] = { ...opened, payload: { openings } };
  return { events: list, position };
}

/** One opening's salt changed: it no longer hashes to its ballot's commitment. */
export function mismatchedOpening(events: EventEnvelope[]): OpeningForgery {
  const r = withOpenings(events, (o) => {
    o[3] = { ...o[3], salt: (o[3].salt[0] === 'a' ? 'b' : 'a') + o[3].salt.slice(1) };
  });
  return { ...r, eventId: r.events[r.position].id, message: /does not match its commitment/ };
}

/** One opening left out: the ballot it belongs to counts but was never opened. */
export function missingOpening(events: EventEnvelope[]): OpeningForgery {
  let ballot = '';
  const r = withOpenings(events, (o) => {
    ballot = o[3].eventId;
    o.splice(3, 1);
  });
  const position = r.events.findIndex((e) => e.id === ballot);
  return { events: r.events, position, eventId: ballot, message: /never opened/ };
}

/** An opening for a ballot no BallotCast commits to (a ballot stuffed at the close). */
export function openingWithoutCommitment(events: EventEnvelope[], pseudonym: string): OpeningForgery {
  const r = withOpenings(events, (o) => {
    o.push({ ...o[0], eventId: uuidv7(), voterPseudonym: pseudonym });
  });
  return { ...r, eventId: r.events[r.position].id, message: /without a commitment/ };
}

/**
 * A voter revises their ballot before the close, and the opening published is the superseded version's (with the
 * revision's opening as well): superseded versions must stay sealed.
 */
export function supersededOpening(events: EventEnvelope[]): OpeningForgery {
  const first = events.find((e) => e.type === 'BallotCast') as EventEnvelope<'BallotCast', BallotCastPayload>;
  const closing = events.findIndex((e) => e.type === 'RoundPhaseChanged' && (e.payload as { to: string }).to === 'closed');
  const accepted = events.filter((e) => e.type === 'ProposalAccepted').map((e) => (e.payload as { proposalId: string }).proposalId);
  const ballotId = uuidv7();
  const salt = 'c'.repeat(64);
  const revision: EventEnvelope = {
    ...first,
    id: uuidv7(),
    streamVersion: first.streamVersion + 1,
    occurredAt: events[closing - 1].occurredAt,
    payload: { ...first.payload, ballotId, commitment: ballotCommitment({ ballotId, choices: [accepted[0]], salt }) },
  };
  const list = [...events.slice(0, closing), revision, ...events.slice(closing)];
  const r = withOpenings(list, (o) => {
    o.push({ eventId: revision.id, voterPseudonym: first.payload.voterPseudonym, unitId: first.payload.unitId, choices: [accepted[0]], salt });
  });
  return { ...r, eventId: r.events[r.position].id, message: /superseded version/ };
}
