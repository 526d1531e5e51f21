/**
 * The Plaza audit bundle, format version 1: a directory that lets anyone re-check one round offline.
 * Written by the audit service (GET /rounds/:roundId/bundle…), saved by `plaza audit export`, checked by
 * `plaza verify`. Pure: no NestJS, no I/O here. The format is documented in apps/audit/README.md.
 *
 * Every byte is determined by the ledger at the snapshot size, so two exports of the same round at the same
 * checkpoint are byte-identical, and every byte is checked: the manifest re-serializes exactly, lists every
 * other file with its SHA-256, and each of its fields is recomputed by the verifier.
 */

import { canonicalJson } from '@plaza/ledger';

export const BUNDLE_FORMAT = 'plaza-audit-bundle';
export const BUNDLE_VERSION = 1;

export const MANIFEST_FILE = 'manifest.json';
export const PUBLIC_KEY_FILE = 'public-key.txt';
export const CHECKPOINTS_FILE = 'checkpoints.jsonl';
export const LEDGER_FILE = 'ledger.jsonl';
export const RESULTS_FILE = 'results.json';
/** The ledger key's handovers and revocations, oldest first; only in bundles of a ledger whose key changed. */
export const KEY_HISTORY_FILE = 'key-history.jsonl';

/** One line of key-history.jsonl: a handover (signed by the key handing over) or a revocation (by the key current then). */
export interface KeyHistoryEntry {
  readonly kind: 'handover' | 'revocation';
  /** The C2SP signed note (libs/ledger key-history formats). */
  readonly note: string;
}

export function formatKeyHistoryLine(e: KeyHistoryEntry): string {
  return JSON.stringify({ kind: e.kind, note: e.note }) + '\n';
}
/** One Pabulib file per budget unit, named after the unit id (ids are `[a-z0-9-]`, safe as file names). */
export const pbFileName = (unitId: string): string => `pabulib-${unitId}.pb`;
export const PB_FILE_PATTERN = /^pabulib-([a-z0-9][a-z0-9-]{0,39})\.pb$/;

export interface ManifestFile {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface BundleManifest {
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: typeof BUNDLE_VERSION;
  readonly roundId: string;
  /** Checkpoint origin (log identity). */
  readonly origin: string;
  /** C2SP verifier key of the checkpoint signer; public-key.txt holds the same line. */
  readonly verifierKey: string;
  /** Number of ledger entries in ledger.jsonl: all of them, every round, up to the latest checkpoint. */
  readonly ledgerSize: number;
  /** How many of them belong to this round (carry their full event). */
  readonly roundEntries: number;
  readonly checkpoints: number;
  readonly latestCheckpoint: { readonly size: number; readonly rootHash: string; readonly time: string };
  /** Every other file of the bundle, sorted by name. */
  readonly files: readonly ManifestFile[];
}

/** The manifest's exact bytes: fixed key order, two-space indentation, final newline. */
export function formatManifest(m: BundleManifest): string {
  const ordered = {
    format: m.format,
    version: m.version,
    roundId: m.roundId,
    origin: m.origin,
    verifierKey: m.verifierKey,
    ledgerSize: m.ledgerSize,
    roundEntries: m.roundEntries,
    checkpoints: m.checkpoints,
    latestCheckpoint: { size: m.latestCheckpoint.size, rootHash: m.latestCheckpoint.rootHash, time: m.latestCheckpoint.time },
    files: [...m.files]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((f) => ({ name: f.name, bytes: f.bytes, sha256: f.sha256 })),
  };
  return JSON.stringify(ordered, null, 2) + '\n';
}

export function formatPublicKey(verifierKey: string): string {
  return verifierKey + '\n';
}

/**
 * One line of ledger.jsonl. Entries of other rounds carry only their leaf hash (enough to recompute every
 * checkpoint root); entries of the bundle's round carry the event's RFC 8785 canonical bytes verbatim, so the
 * verifier hashes exactly the bytes it then reads, and `jq .event` shows the event.
 */
export function formatLedgerLine(index: number, leafHashHex: string, canonical?: string): string {
  return canonical === undefined
    ? `{"index":${index},"leafHash":"${leafHashHex}"}\n`
    : `{"index":${index},"leafHash":"${leafHashHex}","event":${canonical}}\n`;
}

const LINE_PREFIX = /^\{"index":(0|[1-9][0-9]{0,15}),"leafHash":"([0-9a-f]{64})"/;
const EVENT_KEY = ',"event":';

export type ParsedLedgerLine =
  | { readonly ok: true; readonly index: number; readonly leafHash: string; readonly canonical?: string }
  | { readonly ok: false; readonly reason: string };

/** Parses a line exactly as formatLedgerLine writes it (without its newline); anything else is refused. */
export function parseLedgerLine(line: string): ParsedLedgerLine {
  const m = LINE_PREFIX.exec(line);
  if (!m) return { ok: false, reason: 'line does not start with {"index":<n>,"leafHash":"<64 hex>"' };
  const index = Number(m[1]);
  if (!Number.isSafeInteger(index)) return { ok: false, reason: 'index is not a safe integer' };
  const rest = line.length - m[0].length;
  if (rest === 1 && line.endsWith('}')) return { ok: true, index, leafHash: m[2] };
  if (line.startsWith(EVENT_KEY, m[0].length) && line.endsWith('}') && rest > EVENT_KEY.length + 1) {
    return { ok: true, index, leafHash: m[2], canonical: line.slice(m[0].length + EVENT_KEY.length, -1) };
  }
  return { ok: false, reason: 'line must end after the leaf hash, or carry ,"event":<canonical event> and end' };
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const LINE_START = ascii('{"index":');
const HASH_KEY = ascii(',"leafHash":"');
const EVENT_KEY_BYTES = ascii('","event":');
const CLOSE = 0x7d; // }
const QUOTE = 0x22;

/** Where a ledger.jsonl line's parts are (readLedgerLine); eventStart is -1 for a hash-only line. */
export type RawLedgerLine =
  | { readonly ok: true; readonly index: number; readonly hashStart: number; readonly eventStart: number }
  | { readonly ok: false; readonly reason: string };

/** Whether `line` holds `bytes` at `at` (false past its end). */
function bytesAt(line: Uint8Array, at: number, bytes: Uint8Array): boolean {
  if (at + bytes.length > line.length) return false;
  for (let k = 0; k < bytes.length; k++) if (line[at + k] !== bytes[k]) return false;
  return true;
}

/**
 * Reads a ledger.jsonl line (without its newline) as bytes, accepting exactly what formatLedgerLine writes
 * (parseLedgerLine is the same grammar on strings): no string is made of the line, only of the event, which is
 * JSON-parsed anyway. Plain Uint8Array code, so `plaza verify` and the browser verifier read lines alike.
 */
export function readLedgerLine(line: Uint8Array): RawLedgerLine {
  const bad = (reason: string): RawLedgerLine => ({ ok: false, reason });
  if (!bytesAt(line, 0, LINE_START)) return bad('line does not start with {"index":');
  let i = LINE_START.length;
  let index = 0;
  const digits = i;
  while (i < line.length && line[i] >= 0x30 && line[i] <= 0x39) index = index * 10 + (line[i++] - 0x30);
  if (i === digits || i - digits > 15 || (line[digits] === 0x30 && i - digits > 1)) return bad('index is not a decimal without leading zeros');
  if (!bytesAt(line, i, HASH_KEY)) return bad('index must be followed by ,"leafHash":"');
  const hashStart = i + HASH_KEY.length;
  if (hashStart + 64 > line.length) return bad('leafHash must be 64 lowercase hex digits');
  for (let k = hashStart; k < hashStart + 64; k++) {
    const c = line[k];
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return bad('leafHash must be 64 lowercase hex digits');
  }
  const after = hashStart + 64;
  if (line[after] === QUOTE && line[after + 1] === CLOSE && line.length === after + 2) return { ok: true, index, hashStart, eventStart: -1 };
  if (line.length > after + EVENT_KEY_BYTES.length + 1 && bytesAt(line, after, EVENT_KEY_BYTES) && line[line.length - 1] === CLOSE) {
    return { ok: true, index, hashStart, eventStart: after + EVENT_KEY_BYTES.length };
  }
  return bad('line must end after the leaf hash, or carry ,"event":<canonical event> and end');
}

const HEX = '0123456789abcdef';

/** Whether the 64 hex digits at line[at] spell the 32-byte `digest`. */
export function hexEquals(line: Uint8Array, at: number, digest: Uint8Array, digestAt = 0): boolean {
  for (let k = 0; k < 32; k++) {
    const b = digest[digestAt + k];
    if (line[at + 2 * k] !== HEX.charCodeAt(b >> 4) || line[at + 2 * k + 1] !== HEX.charCodeAt(b & 15)) return false;
  }
  return true;
}

/** One line of checkpoints.jsonl: a signed checkpoint and the consistency proof from the previous one. */
export interface BundleCheckpoint {
  readonly size: number;
  /** Root, standard base64 (as on the note). */
  readonly rootHash: string;
  readonly time: string;
  readonly keyId: string;
  /** The C2SP signed note: the only field the signature covers; the others must agree with it. */
  readonly note: string;
  /** RFC 9162 consistency proof (hex) from the previous checkpoint of the file (empty for the first). */
  readonly consistency: readonly string[];
}

export function formatCheckpointLine(cp: BundleCheckpoint): string {
  return (
    JSON.stringify({ size: cp.size, rootHash: cp.rootHash, time: cp.time, keyId: cp.keyId, note: cp.note, consistency: [...cp.consistency] }) + '\n'
  );
}

/** A declared result as results.json lists it: where it is in the ledger and what it declared. */
export interface DeclaredResult {
  readonly index: number;
  readonly eventId: string;
  readonly payload: unknown;
}

/** results.json: every ResultsDeclared event of the round in ledger order (canonical payloads, pretty-printed). */
export function formatResults(roundId: string, declared: readonly DeclaredResult[]): string {
  // Through RFC 8785 first, so keys are sorted whichever way the payload object was built.
  const payloads = declared.map((d) => ({ index: d.index, eventId: d.eventId, payload: JSON.parse(canonicalJson(d.payload as object)) as unknown }));
  return JSON.stringify({ roundId, declared: payloads }, null, 2) + '\n';
}
