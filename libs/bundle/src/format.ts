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
