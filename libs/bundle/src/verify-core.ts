import {
  bytesEqual,
  CheckpointError,
  LedgerError,
  fromHex,
  noteKeyIdInput,
  parseCheckpointText,
  parseNote,
  parseVerifierKeyText,
  toBase64,
  toHex,
  utf8,
  verifyConsistencyAsync,
  cosignatureKeyIdInput,
  cosignedMessage,
  parseCosignerKeyText,
  parseTimestampedSignature,
  parseHandoverText,
  parseRevocationText,
  type Checkpoint,
} from '@plaza/ledger';
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  CHECKPOINTS_FILE,
  KEY_HISTORY_FILE,
  LEDGER_FILE,
  MANIFEST_FILE,
  PB_FILE_PATTERN,
  PUBLIC_KEY_FILE,
  RESULTS_FILE,
  formatCheckpointLine,
  formatKeyHistoryLine,
  formatManifest,
  formatPublicKey,
  hexEquals,
  readLedgerLine,
  type BundleCheckpoint,
  type BundleManifest,
  type KeyHistoryEntry,
  type RawLedgerLine,
} from './format';
import type { VerifyCheck } from './checks';
import { RoundAudit, type RoundAuditReport } from './round-audit';

// The one sequence of checks of an audit bundle, for `plaza verify` (verify-bundle.ts: files from a directory,
// node:crypto, a hashing worker) and the browser (apps/web/ui/src/verify: a BundleSource, WebCrypto). Everything
// here is asynchronous and free of Buffer and node: imports; the callers give the bytes (VerifyFiles) and the
// hashes and signatures (VerifyCrypto), and shape the report.

/** One failed check, located as precisely as the check allows (the same fields `plaza verify --json` gives). */
export interface VerifyFailure {
  /** Stable check name (VERIFY_CHECKS): translate headings by it. */
  readonly check: VerifyCheck;
  /** Plain English, the same words in `plaza verify` and in the browser. */
  readonly message: string;
  /** Ledger index of the first entry where the check fails. */
  readonly index?: number;
  readonly eventId?: string;
  /** For checkpoint checks: which checkpoint (1-based line of checkpoints.jsonl) and its size. */
  readonly checkpoint?: { readonly line: number; readonly size?: number; readonly time?: string };
  readonly file?: string;
  readonly unitId?: string;
  readonly calculated?: string;
  readonly expected?: string;
  readonly differences?: readonly string[];
}

export interface FileSha256 {
  /** SHA-256, lowercase hex. */
  readonly sha256: string;
  readonly bytes: number;
}

/** Where the bundle's bytes come from. Every byte is used exactly as given. */
export interface VerifyFiles {
  /** manifest.json, its exact bytes or text; undefined when the bundle has none. */
  manifest(): Promise<Uint8Array | string | undefined>;
  /**
   * The names of the bundle's files but manifest.json. `listed` is what the manifest lists (by name, as given
   * there): a source that cannot list its files (HTTP) looks for those and the ones every bundle has.
   */
  names(listed: ReadonlyMap<string, { readonly bytes: number; readonly sha256: string }>): Promise<string[]>;
  /** A small file whole (public-key.txt, checkpoints.jsonl); undefined when missing. */
  read(name: string): Promise<Uint8Array | string | undefined>;
  /**
   * SHA-256 and size of one of names() (undefined when it is not a file). Asked for ledger.jsonl only once
   * ledger() has been read through: a source may hash it on the way (see VerifyCrypto.leafHashes).
   */
  digest(name: string): Promise<FileSha256 | undefined>;
  /**
   * ledger.jsonl in blocks, each of whole lines (ending in a newline) but the last, which may end with the
   * bytes after the last newline; undefined when the bundle has no ledger.jsonl.
   */
  ledger(): AsyncIterable<Uint8Array> | undefined;
  /** For a source that cannot list: whether `name`, not among names(), is served after all (then its digest). */
  late?(name: string): Promise<FileSha256 | undefined>;
  /** UTF-8 text of bytes[start, end), with replacement characters, a byte order mark kept (default: TextDecoder). */
  decode?(bytes: Uint8Array, start: number, end: number): string;
}

/** RFC 9162 roots over the ledger's leaves as they are appended. */
export interface LeafTree {
  /**
   * Appends `count` leaf hashes (32 bytes each, one after another in `leaves`) and resolves to the root after
   * each of `sizes` leaves: ascending, each above the size before this call and at most the size after it.
   */
  append(leaves: Uint8Array, count: number, sizes: readonly number[]): Promise<Uint8Array[]>;
}

/** The hashing and signature checks the verification needs, on whatever the platform offers. */
export interface VerifyCrypto<Key = unknown> {
  sha256(data: Uint8Array): Promise<Uint8Array>;
  /** RFC 9162 node hash SHA-256(0x01 ‖ left ‖ right). */
  nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array>;
  /** Imports a raw 32-byte Ed25519 public key; rejects when it is not one. */
  importEd25519(raw: Uint8Array): Promise<Key>;
  verifyEd25519(key: Key, signature: Uint8Array, message: Uint8Array): Promise<boolean>;
  /**
   * RFC 9162 leaf hashes SHA-256(0x00 ‖ block[starts[i], ends[i])) of one block of ledger.jsonl, 32 bytes each,
   * in order. Every block of VerifyFiles.ledger() passes through here once, in order (with no spans once the
   * ledger is broken), so a provider may digest the file on the way. The promise is awaited only after the
   * block's events are replayed: a provider may hash on another thread meanwhile.
   */
  leafHashes(block: Uint8Array, starts: Int32Array, ends: Int32Array): Promise<Uint8Array>;
  /** A fresh tree for one verification. */
  tree(): LeafTree;
  /** Errors that are not about the bundle (no WebCrypto, say): rethrown instead of reported. */
  isFatal?(e: unknown): boolean;
}

export type CorePhase = 'checkpoints' | 'ledger' | 'recount';

export interface VerifyCoreOptions {
  /** Pin this verifier key (C2SP string) instead of trusting public-key.txt; with `keyPinned` and no string, the pin is unusable. */
  readonly trustedKey?: string;
  readonly keyPinned: boolean;
  /** The error to reject with when the pinned key is not a verifier key. */
  readonly pinnedKeyError: (message: string) => Error;
  /** Each event of the round the replay applies, in ledger order, before RoundAudit does. */
  readonly onEvent?: (index: number, event: unknown) => void;
  /** checkpoints: lines done of all; ledger: bytes of ledger.jsonl read so far (total 0: unknown); recount: 0 of 1. */
  readonly onProgress?: (phase: CorePhase, done: number, total: number) => void;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  /**
   * Witness verifier keys (C2SP, signature type 0x04) whose cosignatures (tlog-cosignature) the checkpoint that
   * covers the round's entries must carry; none given: no witness requirement (the check passes).
   */
  readonly witnesses?: readonly string[];
  /** How many of `witnesses` must have cosigned (default: all of them). */
  readonly quorum?: number;
  /** The error to reject with when a witness key or the quorum is unusable. */
  readonly witnessError?: (message: string) => Error;
}

/** Whether one witness cosigned the covering checkpoint. */
export interface WitnessResult {
  readonly keyName: string;
  readonly keyId: string;
  readonly verifierKey: string;
  readonly cosigned: boolean;
  /** POSIX seconds of its cosignature. */
  readonly timestamp?: number;
}

/** The witness requirement's outcome: the checkpoint judged, the quorum, and each witness. */
export interface WitnessReport {
  readonly quorum: number;
  readonly cosigned: number;
  /** The checkpoint covering the round's last entry with the most valid cosignatures (the first such one). */
  readonly checkpoint?: { readonly line: number; readonly size: number; readonly time: string };
  readonly witnesses: readonly WitnessResult[];
}

export interface VerifiedCheckpoint extends Checkpoint {
  /** 1-based line of checkpoints.jsonl. */
  readonly line: number;
}

export interface VerifyCoreResult {
  /** All failures, the lowest entry index first, then the ones without an index in the order found. */
  readonly failures: readonly VerifyFailure[];
  readonly roundId?: string;
  readonly origin?: string;
  /** C2SP key ID (8 hex digits) of the key the checkpoints were checked with. */
  readonly keyId?: string;
  readonly ledger: { readonly entries: number; readonly roundEntries: number; readonly checkpoints: number; readonly checkpointsVerified: number; readonly root: string };
  /** The checkpoints whose signature verified, in order. */
  readonly checkpoints: readonly VerifiedCheckpoint[];
  readonly roundReport?: RoundAuditReport;
  /** With `witnesses`: which of them cosigned the checkpoint covering the round. */
  readonly witnessReport?: WitnessReport;
  /** now() at the start and end of each part: listing and reading files, the ledger pass (up to the digests' check), the round. */
  readonly marks: {
    readonly started: number;
    readonly files: readonly [number, number];
    readonly ledger: readonly [number, number];
    readonly recount: readonly [number, number];
  };
}

/** SHA-256 of nothing: the RFC 9162 root of the empty tree. */
export const EMPTY_ROOT_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const NEWLINE = 0x0a;
const ED25519_SIGNATURE_SIZE = 64;
/** How often (in lines) the ledger pass reports its progress inside a block. */
const PROGRESS_LINES = 10_000;

// Node reads files as UTF-8 with replacement characters and keeps a byte order mark: the same by default.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const defaultDecode = (bytes: Uint8Array, start: number, end: number) => decoder.decode(bytes.subarray(start, end));

interface ParsedKey<Key> {
  readonly keyName: string;
  readonly keyIdHex: string;
  readonly key: Key;
}

function describeLedgerError(e: unknown): string {
  if (e instanceof CheckpointError) return `${e.reason}: ${e.message}`;
  if (e instanceof LedgerError) return e.message;
  throw e;
}

/** libs/ledger parseVerifierKey on a VerifyCrypto: the same checks and errors. */
async function parseVerifierKeyWith<Key>(crypto: VerifyCrypto<Key>, vkey: string): Promise<ParsedKey<Key>> {
  const { keyName, keyIdHex, rawKey } = parseVerifierKeyText(vkey);
  let key: Key;
  try {
    key = await crypto.importEd25519(rawKey);
  } catch (e) {
    if (crypto.isFatal?.(e)) throw e;
    throw new CheckpointError('malformed-key', `invalid Ed25519 public key: ${(e as Error).message}`);
  }
  const keyId = (await crypto.sha256(noteKeyIdInput(keyName, rawKey))).subarray(0, 4);
  if (toHex(keyId) !== keyIdHex) throw new CheckpointError('malformed-key', 'verifier key ID does not match its name and key');
  return { keyName, keyIdHex, key };
}

/** A signed note's body, once a line by `pub` verifies (and none by it fails). */
async function verifyNoteWith<Key>(crypto: VerifyCrypto<Key>, note: string, pub: ParsedKey<Key>): Promise<string> {
  const { text: body, signatures } = parseNote(note);
  const keyId = fromHex(pub.keyIdHex)!;
  const candidates = signatures.filter((s) => s.keyName === pub.keyName && bytesEqual(s.keyId, keyId));
  if (candidates.length === 0) throw new CheckpointError('unknown-key', `the note carries no signature by ${pub.keyName} key ${pub.keyIdHex}`);
  const message = utf8(body);
  for (const s of candidates) {
    if (s.signature.length !== ED25519_SIGNATURE_SIZE || !(await crypto.verifyEd25519(pub.key, s.signature, message))) {
      throw new CheckpointError('bad-signature', `signature by ${s.keyName} does not verify`);
    }
  }
  return body;
}

/** One ledger key and the checkpoint sizes it may sign: from ≤ size < until, and below revokedFrom. */
interface KeyRange<Key> {
  readonly key: ParsedKey<Key>;
  readonly verifierKey: string;
  readonly from: number;
  until: number;
  revokedFrom: number;
  reason?: string;
}

/** The key that may sign a checkpoint of `size`, or why none may. */
function keyFor<Key>(ranges: readonly KeyRange<Key>[], size: number): { range: KeyRange<Key> } | { error: string } {
  const range = ranges.find((r) => r.from <= size && size < r.until);
  if (!range) return { error: `no ledger key is valid for size ${size}` };
  if (size >= range.revokedFrom) return { error: `key ${range.key.keyIdHex}, the one valid for size ${size}, is revoked from size ${range.revokedFrom} (${range.reason ?? ''})` };
  return { range };
}

/** libs/ledger verifyCheckpoint(note, key, {keyName: key.keyName}) on a VerifyCrypto: the same checks, order and errors. */
async function verifyCheckpointWith<Key>(crypto: VerifyCrypto<Key>, note: string, pub: ParsedKey<Key>): Promise<Checkpoint> {
  const { text: body, signatures } = parseNote(note);
  const keyId = fromHex(pub.keyIdHex)!;
  // Only the pinned key name is accepted, so the key ID to look for is the key's own.
  const candidates = signatures.filter((s) => s.keyName === pub.keyName && bytesEqual(s.keyId, keyId));
  if (candidates.length === 0) throw new CheckpointError('unknown-key', 'checkpoint carries no signature from the trusted key');
  const message = utf8(body);
  for (const s of candidates) {
    if (s.signature.length !== ED25519_SIGNATURE_SIZE || !(await crypto.verifyEd25519(pub.key, s.signature, message))) {
      throw new CheckpointError('bad-signature', `signature by ${s.keyName} does not verify`);
    }
  }
  return parseCheckpointText(body);
}

/**
 * Verifies a Plaza audit bundle (format version 1): every file digest, the signer's key, every checkpoint's
 * signature and consistency proof, every leaf hash of the round's entries and every checkpoint root, then the
 * round's replay (RoundAudit), the recount of every declared result and the derived files. Rejects only on I/O
 * errors, an unusable pinned key, VerifyCrypto.isFatal errors or an abort; everything found about the bundle is
 * in the result.
 */
export async function verifyBundleCore<Key>(files: VerifyFiles, crypto: VerifyCrypto<Key>, options: VerifyCoreOptions): Promise<VerifyCoreResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const { signal } = options;
  const text = (data: Uint8Array | string): string => (typeof data === 'string' ? data : decoder.decode(data));
  const fatal = (e: unknown): boolean => crypto.isFatal?.(e) === true;
  const failures: VerifyFailure[] = [];
  const failed = new Set<VerifyCheck>();
  const fail = (f: VerifyFailure) => {
    failures.push(f);
    failed.add(f.check);
  };

  // --- manifest (read first: it names the round; its fields are checked once the rest is known) ---
  let manifest: BundleManifest | undefined;
  const manifestData = await files.manifest();
  if (manifestData === undefined) {
    fail({ check: 'manifest', message: `${MANIFEST_FILE} is missing`, file: MANIFEST_FILE });
  } else {
    const manifestText = text(manifestData);
    try {
      const parsed = JSON.parse(manifestText) as BundleManifest;
      if (formatManifest(parsed) !== manifestText) fail({ check: 'manifest', message: `${MANIFEST_FILE} is not exactly as the exporter writes it (fields, order or spacing changed)`, file: MANIFEST_FILE });
      else if (parsed.format !== BUNDLE_FORMAT || parsed.version !== BUNDLE_VERSION) {
        fail({ check: 'manifest', message: `not a ${BUNDLE_FORMAT} version ${BUNDLE_VERSION} manifest`, file: MANIFEST_FILE });
      }
      manifest = parsed;
    } catch (e) {
      fail({ check: 'manifest', message: `${MANIFEST_FILE} is not a bundle manifest: ${(e as Error).message}`, file: MANIFEST_FILE });
    }
  }
  const roundId = manifest && typeof manifest.roundId === 'string' && UUID.test(manifest.roundId) ? manifest.roundId : undefined;
  if (manifest && !roundId) fail({ check: 'manifest', message: 'manifest roundId is not a UUID', file: MANIFEST_FILE });

  // --- files: exactly the listed ones, with their digests ---
  const listed = new Map<string, { bytes: number; sha256: string }>();
  for (const f of Array.isArray(manifest?.files) ? manifest.files : []) listed.set(f.name, { bytes: f.bytes, sha256: f.sha256 });
  const filesStarted = now();
  const present = (await files.names(listed)).filter((n) => n !== MANIFEST_FILE);
  const filesDone = now();
  for (const name of present) {
    if (!listed.has(name)) fail({ check: 'file-set', message: `${name} is in the bundle but not in the manifest`, file: name });
  }
  for (const name of listed.keys()) {
    if (!present.includes(name)) fail({ check: 'file-set', message: `${name} is listed in the manifest but missing`, file: name });
  }
  const digests = new Map<string, FileSha256>();
  // ledger.jsonl is digested by the ledger pass below: one read of the largest file, not two.
  for (const name of present) {
    if (name === LEDGER_FILE) continue;
    const d = await files.digest(name);
    if (d) digests.set(name, d);
  }
  const checkDigests = () => {
    for (const [name, want] of listed) {
      const got = digests.get(name);
      if (got && (got.sha256 !== want.sha256 || got.bytes !== want.bytes)) {
        fail({ check: 'file-digest', message: `${name} does not match its manifest digest`, file: name, calculated: got.sha256, expected: String(want.sha256) });
      }
    }
  };

  // --- public key ---
  let publicKey: ParsedKey<Key> | undefined;
  let keyText: string | undefined;
  const keyFile = present.includes(PUBLIC_KEY_FILE) ? await files.read(PUBLIC_KEY_FILE) : undefined;
  if (keyFile !== undefined) {
    keyText = text(keyFile);
    try {
      if (!keyText.endsWith('\n') || keyText.indexOf('\n') !== keyText.length - 1) throw new Error('must be one line ending in a newline');
      publicKey = await parseVerifierKeyWith(crypto, keyText.slice(0, -1));
      if (formatPublicKey(keyText.slice(0, -1)) !== keyText) throw new Error('not exactly one key line');
    } catch (e) {
      if (fatal(e)) throw e;
      publicKey = undefined;
      fail({ check: 'public-key', message: `${PUBLIC_KEY_FILE} is not a C2SP Ed25519 verifier key: ${(e as Error).message}`, file: PUBLIC_KEY_FILE });
    }
  }
  const { trustedKey } = options;
  if (options.keyPinned) {
    if (keyText?.slice(0, -1) !== trustedKey) {
      fail({ check: 'public-key', message: `the bundle's key is not the pinned key ${trustedKey}`, file: PUBLIC_KEY_FILE });
    }
    try {
      if (typeof trustedKey !== 'string') throw new Error('no verifierKey given');
      publicKey = await parseVerifierKeyWith(crypto, trustedKey);
    } catch (e) {
      if (fatal(e)) throw e;
      throw options.pinnedKeyError((e as Error).message);
    }
  }

  // --- key history: the first key (public-key.txt, or --key) hands over to the next, and so on ---
  const ranges: KeyRange<Key>[] = publicKey ? [{ key: publicKey, verifierKey: keyText?.slice(0, -1) ?? '', from: 0, until: Number.MAX_SAFE_INTEGER + 1, revokedFrom: Number.MAX_SAFE_INTEGER + 1 }] : [];
  if (publicKey && options.keyPinned && typeof trustedKey === 'string') ranges[0] = { ...ranges[0], verifierKey: trustedKey };
  const historyFile = present.includes(KEY_HISTORY_FILE) ? await files.read(KEY_HISTORY_FILE) : undefined;
  if (historyFile !== undefined && publicKey) {
    const lines = text(historyFile).split('\n');
    if (lines.pop() !== '') fail({ check: 'key-history', message: `${KEY_HISTORY_FILE} does not end with a newline`, file: KEY_HISTORY_FILE });
    for (let i = 0; i < lines.length && !failed.has('key-history'); i++) {
      const where = `${KEY_HISTORY_FILE} line ${i + 1}`;
      try {
        const entry = JSON.parse(lines[i]) as { kind?: unknown; note?: unknown };
        if (formatKeyHistoryLine(entry as KeyHistoryEntry) !== lines[i] + '\n' || typeof entry.note !== 'string') throw new Error('not exactly as written');
        const current = ranges[ranges.length - 1];
        // Every entry is signed by the key current at that point of the chain.
        const body = await verifyNoteWith(crypto, entry.note, current.key);
        if (entry.kind === 'handover') {
          const h = parseHandoverText(body);
          if (h.fromSize <= current.from) throw new Error(`the handover to ${h.newKey} applies from size ${h.fromSize}, not after ${current.from}`);
          const next = await parseVerifierKeyWith(crypto, h.newKey);
          current.until = h.fromSize;
          ranges.push({ key: next, verifierKey: h.newKey, from: h.fromSize, until: Number.MAX_SAFE_INTEGER + 1, revokedFrom: Number.MAX_SAFE_INTEGER + 1 });
        } else if (entry.kind === 'revocation') {
          const r = parseRevocationText(body);
          const revoked = ranges.find((x) => x.verifierKey === r.revokedKey);
          if (!revoked || revoked === current) throw new Error(`the revocation names ${r.revokedKey}, which is not an earlier key of this ledger`);
          if (r.fromSize < revoked.revokedFrom) {
            revoked.revokedFrom = r.fromSize;
            revoked.reason = r.reason;
          }
        } else throw new Error('kind must be handover or revocation');
      } catch (e) {
        if (fatal(e)) throw e;
        fail({ check: 'key-history', message: `${where} is not a valid handover or revocation: ${(e as Error).message}`, file: KEY_HISTORY_FILE });
      }
    }
  }

  // --- witnesses (parsed first: an unusable key is a usage error, like --key) ---
  const witnesses = await parseWitnessKeys(crypto, options);

  // --- checkpoints ---
  const checkpoints: VerifiedCheckpoint[] = [];
  const notes = new Map<number, string>();
  let cpLines = 0;
  let origin: string | undefined;
  const cpFile = present.includes(CHECKPOINTS_FILE) ? await files.read(CHECKPOINTS_FILE) : undefined;
  if (cpFile !== undefined) {
    const lines = text(cpFile).split('\n');
    if (lines.pop() !== '') fail({ check: 'checkpoint-format', message: `${CHECKPOINTS_FILE} does not end with a newline`, checkpoint: { line: lines.length } });
    // Each line's failures in the order a line-by-line pass finds them; the signatures and proofs are checked
    // all at once (asynchronous hashing and signatures go faster many at a time).
    const found: VerifyFailure[][] = lines.map(() => []);
    const parsedLines = lines.map((raw, i): BundleCheckpoint | undefined => {
      try {
        const line = JSON.parse(raw) as BundleCheckpoint;
        if (formatCheckpointLine(line) !== raw + '\n') throw new Error('fields, order or spacing changed');
        return line;
      } catch (e) {
        found[i].push({ check: 'checkpoint-format', message: `checkpoint line ${i + 1} is malformed: ${(e as Error).message}`, checkpoint: { line: i + 1 } });
        return undefined;
      }
    });
    cpLines = lines.length;
    options.onProgress?.('checkpoints', 0, lines.length);
    const verified = await Promise.all(
      parsedLines.map(async (line) => {
        if (!line || !publicKey) return undefined;
        // The key valid for the size the line claims; the note's own size is compared with it below.
        const found = keyFor(ranges, typeof line.size === 'number' ? line.size : -1);
        if ('error' in found) return { error: new CheckpointError('unknown-key', found.error) };
        try {
          return { cp: await verifyCheckpointWith(crypto, line.note, found.range.key), key: found.range.key };
        } catch (e) {
          if (fatal(e)) throw e;
          return { error: e };
        }
      }),
    );
    signal?.throwIfAborted();
    const proofs: { i: number; run: () => Promise<void>; previous: VerifiedCheckpoint; at: VerifyFailure['checkpoint'] }[] = [];
    let previous: VerifiedCheckpoint | undefined;
    for (let i = 0; i < lines.length; i++) {
      const line = parsedLines[i];
      const outcome = verified[i];
      if (!line || !publicKey || !outcome) continue;
      const where = { line: i + 1 };
      if (!outcome.cp) {
        found[i].push({ check: 'checkpoint-signature', message: `checkpoint ${i + 1} (size ${line.size}) rejected: ${describeLedgerError(outcome.error)}`, checkpoint: { ...where, size: line.size, time: line.time } });
        continue;
      }
      const cp = outcome.cp;
      const at = { ...where, size: cp.size, time: cp.time };
      if (cp.size !== line.size || toBase64(cp.root) !== line.rootHash || cp.time !== line.time || line.keyId !== outcome.key?.keyIdHex) {
        found[i].push({ check: 'checkpoint-format', message: `checkpoint ${i + 1}: size, rootHash, time or keyId disagree with its signed note`, checkpoint: at });
        continue;
      }
      if (origin === undefined) origin = cp.origin;
      else if (cp.origin !== origin) found[i].push({ check: 'checkpoint-signature', message: `checkpoint ${i + 1} is from origin ${cp.origin}, not ${origin}`, checkpoint: at });
      if (previous) {
        if (cp.size <= previous.size || Date.parse(cp.time) <= Date.parse(previous.time)) {
          found[i].push({
            check: 'checkpoint-order',
            message: `checkpoint ${i + 1} (size ${cp.size}, ${cp.time}) does not follow checkpoint ${previous.line} (size ${previous.size}, ${previous.time})`,
            checkpoint: at,
          });
          continue;
        }
        const prev = previous;
        proofs.push({
          i,
          previous: prev,
          at,
          run: async () => {
            if (!line.consistency.every((h) => HEX64.test(h))) throw new LedgerError('proof hashes must be 64 hex digits');
            await verifyConsistencyAsync(prev.size, cp.size, line.consistency.map((h) => fromHex(h)!), prev.root, cp.root, (l, r) => crypto.nodeHash(l, r));
          },
        });
      } else if (line.consistency.length !== 0) {
        found[i].push({ check: 'checkpoint-consistency', message: 'the first checkpoint must carry an empty consistency proof', checkpoint: at });
      }
      previous = { ...cp, line: i + 1 };
      checkpoints.push(previous);
      notes.set(i + 1, line.note);
    }
    // Lines without a proof to check are done once their signature is.
    let proven = lines.length - proofs.length;
    options.onProgress?.('checkpoints', proven, lines.length);
    await Promise.all(
      proofs.map(async (p) => {
        try {
          await p.run();
        } catch (e) {
          if (fatal(e)) throw e;
          found[p.i].push({ check: 'checkpoint-consistency', message: `checkpoint ${p.i + 1} is not proven consistent with checkpoint ${p.previous.line}: ${describeLedgerError(e)}`, checkpoint: p.at });
        }
        options.onProgress?.('checkpoints', ++proven, lines.length);
      }),
    );
    for (const list of found) for (const f of list) fail(f);
  } else {
    fail({ check: 'checkpoint-format', message: `${CHECKPOINTS_FILE} is missing`, file: CHECKPOINTS_FILE });
  }
  if (checkpoints.length === 0 && !failed.has('checkpoint-signature')) {
    fail({ check: 'checkpoint-signature', message: 'the bundle has no verifiable checkpoint' });
  }

  // --- ledger: one pass ---
  const ledgerStarted = now();
  let audit: RoundAudit | undefined = roundId ? new RoundAudit(roundId) : undefined;
  let lastRoundIndex = -1;
  const replay = (index: number, event: { roundId?: unknown }) => {
    lastRoundIndex = Math.max(lastRoundIndex, index);
    if (!audit && typeof event?.roundId === 'string') audit = new RoundAudit(event.roundId);
    options.onEvent?.(index, event);
    audit?.apply(index, event);
  };
  const blocks = files.ledger();
  let ledger: LedgerState;
  if (blocks) {
    ledger = await ledgerPass(blocks, crypto, checkpoints, fail, replay, files.decode ?? defaultDecode, options);
    const d = await files.digest(LEDGER_FILE);
    if (d) digests.set(LEDGER_FILE, d);
  } else {
    ledger = { ...initialLedgerState(), broken: true };
    fail({ check: 'entry-format', message: `${LEDGER_FILE} is missing`, file: LEDGER_FILE, index: 0 });
  }
  checkDigests();
  const ledgerDone = now();
  if (!ledger.broken) {
    const entries = ledger.appended;
    if (ledger.nextCp < checkpoints.length) {
      const cp = checkpoints[ledger.nextCp];
      fail({
        check: 'checkpoint-beyond-end',
        message: `checkpoint ${cp.line} covers ${cp.size} entries but the bundle stops after ${entries}: entries ${entries}-${cp.size - 1} are missing`,
        index: entries,
        checkpoint: { line: cp.line, size: cp.size, time: cp.time },
      });
    } else if (checkpoints.length > 0 && entries > checkpoints[checkpoints.length - 1].size) {
      const last = checkpoints[checkpoints.length - 1];
      fail({
        check: 'entries-beyond-checkpoint',
        message: `entries ${last.size}-${entries - 1} come after the latest checkpoint (size ${last.size}): no signature covers them`,
        index: last.size,
      });
    }
  }

  // --- witnesses: the checkpoint covering the round's last entry must carry the quorum of cosignatures ---
  const witnessReport = witnesses ? await checkWitnesses(crypto, witnesses, checkpoints, notes, lastRoundIndex, fail) : undefined;

  // --- round: replay, recount, derived files ---
  const recountStarted = now();
  options.onProgress?.('recount', 0, 1);
  let roundReport: RoundAuditReport | undefined;
  const finalAudit = audit as RoundAudit | undefined;
  if (finalAudit) {
    // Digests only: each derived file is hashed piece by piece as it is written, never held whole. The recount
    // hashes synchronously inside libs/recount and RoundAudit (node:crypto, or the browser build's shim).
    roundReport = finalAudit.finish({ texts: false });
    for (const f of roundReport.failures) fail(f);
    for (const [name, want] of roundReport.fileDigests) {
      let got = digests.get(name);
      if (!got && files.late) {
        got = await files.late(name);
        if (got) {
          // Not listed, yet the source has it.
          digests.set(name, got);
          present.push(name);
          fail({ check: 'file-set', message: `${name} is in the bundle but not in the manifest`, file: name });
        }
      }
      if (!got) fail({ check: 'derived-file', message: `${name} is missing (the ledger gives it ${want.bytes} bytes)`, file: name });
      else if (got.sha256 !== want.sha256) fail({ check: 'derived-file', message: `${name} is not what the round's ledger entries give`, file: name, calculated: want.sha256, expected: got.sha256 });
    }
    for (const name of present) {
      if ((PB_FILE_PATTERN.test(name) || name === RESULTS_FILE) && !roundReport.fileDigests.has(name)) {
        fail({ check: 'derived-file', message: `${name} does not follow from the round's ledger entries`, file: name });
      }
    }
  }

  // --- manifest fields, now that everything they describe is known ---
  if (manifest) {
    const last = checkpoints.at(-1);
    const wrong: string[] = [];
    if (roundId && finalAudit && finalAudit.roundId !== roundId) wrong.push('roundId');
    if (manifest.origin !== origin) wrong.push('origin');
    if (keyText === undefined || manifest.verifierKey !== keyText.slice(0, -1)) wrong.push('verifierKey');
    if (manifest.ledgerSize !== ledger.lines) wrong.push('ledgerSize');
    if (manifest.roundEntries !== ledger.roundEntries) wrong.push('roundEntries');
    if (manifest.checkpoints !== cpLines) wrong.push('checkpoints');
    const lc = manifest.latestCheckpoint;
    if (!last || !lc || lc.size !== last.size || lc.time !== last.time || lc.rootHash !== toBase64(last.root)) wrong.push('latestCheckpoint');
    if (wrong.length > 0) fail({ check: 'manifest', message: `manifest fields disagree with the bundle: ${wrong.join(', ')}`, file: MANIFEST_FILE });
  }

  failures.sort((a, b) => (a.index ?? Number.MAX_SAFE_INTEGER) - (b.index ?? Number.MAX_SAFE_INTEGER));
  return {
    failures,
    roundId: finalAudit?.roundId ?? roundId,
    origin,
    keyId: publicKey?.keyIdHex,
    ledger: {
      entries: ledger.lines,
      roundEntries: ledger.roundEntries,
      checkpoints: cpLines,
      checkpointsVerified: ledger.verified,
      root: ledger.root && ledger.appended > 0 ? toHex(ledger.root) : EMPTY_ROOT_HEX,
    },
    checkpoints,
    roundReport,
    witnessReport,
    marks: { started, files: [filesStarted, filesDone], ledger: [ledgerStarted, ledgerDone], recount: [recountStarted, now()] },
  };
}

interface ParsedWitness<Key> {
  readonly keyName: string;
  readonly keyId: Uint8Array;
  readonly verifierKey: string;
  readonly key: Key;
}

async function parseWitnessKeys<Key>(crypto: VerifyCrypto<Key>, options: VerifyCoreOptions): Promise<{ list: ParsedWitness<Key>[]; quorum: number } | undefined> {
  const given = options.witnesses ?? [];
  const error = options.witnessError ?? ((m: string) => new Error(m));
  if (given.length === 0) {
    if (options.quorum !== undefined) throw error('--quorum needs at least one --witness');
    return undefined;
  }
  const list: ParsedWitness<Key>[] = [];
  for (const vkey of given) {
    let parsed: ParsedWitness<Key>;
    try {
      const { keyName, keyIdHex, rawKey } = parseCosignerKeyText(vkey);
      const keyId = (await crypto.sha256(cosignatureKeyIdInput(keyName, rawKey))).subarray(0, 4);
      if (toHex(keyId) !== keyIdHex) throw new Error('witness verifier key ID does not match its name and key');
      parsed = { keyName, keyId, verifierKey: vkey.trim(), key: await crypto.importEd25519(rawKey) };
    } catch (e) {
      if (crypto.isFatal?.(e)) throw e;
      throw error(`${JSON.stringify(vkey)} is not a witness verifier key: ${(e as Error).message}`);
    }
    if (!list.some((w) => w.verifierKey === parsed.verifierKey)) list.push(parsed);
  }
  const quorum = options.quorum ?? list.length;
  if (!Number.isSafeInteger(quorum) || quorum < 1 || quorum > list.length) throw error(`--quorum must be between 1 and the ${list.length} witness key(s) given`);
  return { list, quorum };
}

/**
 * Every cosignature line of a given witness on a checkpoint must verify (a forgery, or a line copied from another
 * checkpoint, is a failure wherever it is); the first checkpoint at or after the round's last entry with the most
 * valid cosignatures is the one judged against the quorum.
 */
async function checkWitnesses<Key>(
  crypto: VerifyCrypto<Key>,
  witnesses: { list: ParsedWitness<Key>[]; quorum: number },
  checkpoints: readonly VerifiedCheckpoint[],
  notes: ReadonlyMap<number, string>,
  lastRoundIndex: number,
  fail: (f: VerifyFailure) => void,
): Promise<WitnessReport> {
  let best: { cp: VerifiedCheckpoint; found: Map<string, number> } | undefined;
  for (const cp of checkpoints) {
    const note = notes.get(cp.line);
    if (note === undefined) continue;
    const { text: body, signatures } = parseNote(note);
    const found = new Map<string, number>();
    for (const w of witnesses.list) {
      for (const s of signatures) {
        if (s.keyName !== w.keyName || !bytesEqual(s.keyId, w.keyId)) continue;
        const ts = parseTimestampedSignature(s.signature);
        const ok = ts !== undefined && (await crypto.verifyEd25519(w.key, ts.signature, cosignedMessage(body, ts.timestamp)));
        if (ok && ts) found.set(w.verifierKey, ts.timestamp);
        else {
          fail({
            check: 'witness-cosignatures',
            message: `checkpoint ${cp.line} (size ${cp.size}) carries a cosignature by ${w.keyName} that does not verify: forged, or made for another checkpoint`,
            checkpoint: { line: cp.line, size: cp.size, time: cp.time },
          });
        }
      }
    }
    if (cp.size > lastRoundIndex && (!best || found.size > best.found.size)) best = { cp, found };
  }
  const results: WitnessResult[] = witnesses.list.map((w) => {
    const timestamp = best?.found.get(w.verifierKey);
    return { keyName: w.keyName, keyId: toHex(w.keyId), verifierKey: w.verifierKey, cosigned: timestamp !== undefined, ...(timestamp !== undefined ? { timestamp } : {}) };
  });
  const cosigned = results.filter((r) => r.cosigned).length;
  if (cosigned < witnesses.quorum) {
    const missing = results.filter((r) => !r.cosigned).map((r) => `${r.keyName} (key ${r.keyId})`);
    fail({
      check: 'witness-cosignatures',
      message: best
        ? `checkpoint ${best.cp.line} (size ${best.cp.size}), which covers the round, carries ${cosigned} of the ${witnesses.quorum} cosignatures required; missing: ${missing.join(', ')}`
        : `no checkpoint covers the round's entries, so none carries the ${witnesses.quorum} cosignatures required; missing: ${missing.join(', ')}`,
      ...(best ? { checkpoint: { line: best.cp.line, size: best.cp.size, time: best.cp.time } } : {}),
    });
  }
  return {
    quorum: witnesses.quorum,
    cosigned,
    ...(best ? { checkpoint: { line: best.cp.line, size: best.cp.size, time: best.cp.time } } : {}),
    witnesses: results,
  };
}

interface LedgerState {
  /** Lines read, and of which the round's entries (carrying their event). */
  lines: number;
  roundEntries: number;
  /** Leaves tied into the tree (up to the first break). */
  appended: number;
  /** The root of the first `appended` leaves (undefined before any). */
  root: Uint8Array | undefined;
  broken: boolean;
  /** The first checkpoint not reached, and how many matched. */
  nextCp: number;
  verified: number;
  /** Where the current segment between checkpoints starts, and the round's first entry in it. */
  segmentStart: number;
  firstRoundInSegment: { index: number; eventId?: string } | undefined;
}

const initialLedgerState = (): LedgerState => ({
  lines: 0,
  roundEntries: 0,
  appended: 0,
  root: undefined,
  broken: false,
  nextCp: 0,
  verified: 0,
  segmentStart: 0,
  firstRoundInSegment: undefined,
});

/**
 * The ledger's own checks, line by line in order: format, index, leaf hash, then the root at each checkpoint,
 * stopping at the first break; meanwhile every event of the round is replayed, whatever the checks find (a broken
 * chain of hashes still lets the report say what the remaining entries would give).
 *
 * Block by block: the leaf hashes of a block are asked for first (the provider may compute them on another
 * thread while the block's events are replayed here), then the line checks run assuming every checkpoint root on
 * the way matches, gathering the leaves; the tree gives the roots at the checkpoints reached (in one batch), and
 * they are compared in order: at the first mismatch the pass stops there, as a line-by-line pass would have, and
 * whatever the assumption found after it is dropped.
 */
async function ledgerPass(
  blocks: AsyncIterable<Uint8Array>,
  crypto: VerifyCrypto<unknown>,
  checkpoints: readonly VerifiedCheckpoint[],
  fail: (f: VerifyFailure) => void,
  replay: (index: number, event: { roundId?: unknown }) => void,
  decode: (bytes: Uint8Array, start: number, end: number) => string,
  options: VerifyCoreOptions,
): Promise<LedgerState> {
  const s = initialLedgerState();
  const tree = crypto.tree();
  let rest = 0;
  let offset = 0;
  for await (const block of blocks) {
    options.signal?.throwIfAborted();
    // A plain view: a Buffer's subarray() builds a Buffer, which adds up over a million lines.
    const bytes = new Uint8Array(block.buffer, block.byteOffset, block.length);
    const lineStarts: number[] = [];
    const parsedLines: RawLedgerLine[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    let from = 0;
    for (;;) {
      const nl = block.indexOf(NEWLINE, from);
      if (nl < 0) break;
      const parsed = readLedgerLine(bytes.subarray(from, nl));
      if (!s.broken && parsed.ok && parsed.eventStart >= 0) {
        starts.push(from + parsed.eventStart);
        ends.push(nl - 1);
      }
      lineStarts.push(from);
      parsedLines.push(parsed);
      from = nl + 1;
    }
    lineStarts.push(from);
    rest = block.length - from;
    const pending = crypto.leafHashes(block, Int32Array.from(starts), Int32Array.from(ends));

    // Replay while the leaves are hashed. Whether a line is replayed never depends on the checks.
    const first = s.lines;
    const eventIds: (string | undefined)[] = new Array(parsedLines.length);
    const eventParsed: boolean[] = new Array(parsedLines.length);
    for (let i = 0; i < parsedLines.length; i++) {
      if (i > 0 && i % PROGRESS_LINES === 0) options.onProgress?.('ledger', offset + lineStarts[i], 0);
      const parsed = parsedLines[i];
      s.lines++;
      eventParsed[i] = false;
      if (!parsed.ok || parsed.eventStart < 0) continue;
      s.roundEntries++;
      let event: { id?: unknown; roundId?: unknown } | undefined;
      try {
        event = JSON.parse(decode(block, lineStarts[i] + parsed.eventStart, lineStarts[i + 1] - 2)) as { id?: unknown };
      } catch {
        event = undefined;
      }
      eventIds[i] = typeof event?.id === 'string' ? event.id : undefined;
      if (event !== undefined) {
        eventParsed[i] = true;
        replay(parsed.index, event);
      }
    }
    const hashed = await pending;
    const leaves = new Uint8Array(hashed.buffer, hashed.byteOffset, hashed.length);
    offset += block.length;
    options.onProgress?.('ledger', offset, 0);
    if (s.broken) continue;

    // The checks, assuming the roots on the way match.
    const gathered = new Uint8Array(32 * parsedLines.length);
    const appendedBefore = s.appended;
    const reached: { cp: VerifiedCheckpoint; next: number; segmentStart: number; first: LedgerState['firstRoundInSegment'] }[] = [];
    let found: VerifyFailure | undefined;
    let k = 0;
    for (let i = 0; i < parsedLines.length; i++) {
      const parsed = parsedLines[i];
      const expected = first + i;
      const eventId = eventIds[i];
      const isEvent = parsed.ok && parsed.eventStart >= 0;
      const leafAt = 32 * k;
      if (isEvent) k++;
      if (!parsed.ok) {
        found = { check: 'entry-format', message: `ledger line ${expected + 1}: ${parsed.reason}`, index: expected };
        break;
      }
      if (parsed.index !== expected) {
        // A repeated index names the entry claimed twice (an insertion or a move shows there); a jump names the
        // first index that is missing.
        const repeated = parsed.index < expected;
        const message = repeated
          ? `entry ${parsed.index} appears again after entry ${expected - 1}: inserted, repeated or moved`
          : `expected entry ${expected}, found ${parsed.index}: entries missing or moved`;
        found = { check: 'entry-index', message, index: repeated ? parsed.index : expected, eventId };
        break;
      }
      const at = lineStarts[i] + parsed.hashStart;
      const gatherAt = 32 * (s.appended - appendedBefore);
      if (isEvent) {
        if (!hexEquals(bytes, at, leaves, leafAt)) {
          const leaf = leaves.subarray(leafAt, leafAt + 32);
          const claimed = String.fromCharCode(...bytes.subarray(at, at + 64));
          found = { check: 'leaf-hash', message: `leaf hash of entry ${expected} does not match its event's bytes`, index: expected, eventId, calculated: toHex(leaf), expected: claimed };
          break;
        }
        if (!eventParsed[i]) {
          found = { check: 'entry-format', message: `entry ${expected}: the event is not JSON`, index: expected };
          break;
        }
        s.firstRoundInSegment ??= { index: expected, eventId };
        for (let b = 0; b < 32; b++) gathered[gatherAt + b] = leaves[leafAt + b];
      } else {
        hexInto(bytes, at, gathered, gatherAt);
      }
      s.appended++;
      while (s.nextCp < checkpoints.length && checkpoints[s.nextCp].size === s.appended) {
        const cp = checkpoints[s.nextCp++];
        reached.push({ cp, next: s.nextCp, segmentStart: s.segmentStart, first: s.firstRoundInSegment });
        s.segmentStart = cp.size;
        s.firstRoundInSegment = undefined;
      }
    }

    // A repeated index names an entry accepted just before as the culprit (a forged line carrying the next index):
    // a checkpoint that covers it would only say "somewhere in this segment", so the precise failure is reported.
    if (found?.index !== undefined) {
      const culprit = found.index;
      while (reached.length > 0 && reached[reached.length - 1].cp.size > culprit) reached.pop();
    }

    // The roots at the checkpoints reached (and at the end), compared in order.
    const count = s.appended - appendedBefore;
    const sizes = reached.map((r) => r.cp.size);
    if (count > 0 && sizes.at(-1) !== s.appended) sizes.push(s.appended);
    const roots = count > 0 ? await tree.append(gathered, count, sizes) : [];
    let mismatch = false;
    for (let j = 0; j < reached.length; j++) {
      const { cp, next, segmentStart, first: firstRound } = reached[j];
      const root = roots[j];
      if (!bytesEqual(root, cp.root)) {
        fail({
          check: 'checkpoint-root',
          message:
            `the root of entries 0-${cp.size - 1} does not match checkpoint ${cp.line} (size ${cp.size}, ${cp.time}): ` +
            `an entry in ${segmentStart}-${cp.size - 1} was changed, inserted, removed or moved with its leaf hash recomputed` +
            (firstRound ? `; the round's first entry there is ${firstRound.index}` : ''),
          index: firstRound?.index ?? segmentStart,
          eventId: firstRound?.eventId,
          checkpoint: { line: cp.line, size: cp.size, time: cp.time },
          calculated: toHex(root),
          expected: toHex(cp.root),
        });
        s.broken = true;
        s.appended = cp.size;
        s.nextCp = next;
        s.root = root;
        mismatch = true;
        break;
      }
      s.verified++;
    }
    if (mismatch) continue;
    if (count > 0) s.root = roots.at(-1);
    if (found) {
      fail(found);
      s.broken = true;
    }
  }
  if (rest > 0 && !s.broken) {
    fail({ check: 'entry-format', message: `${LEDGER_FILE} ends in the middle of entry ${s.appended} (no final newline)`, index: s.appended });
    s.broken = true;
  }
  return s;
}

/** Writes the 32 bytes that the 64 lowercase hex digits at line[at] spell (readLedgerLine checked them) into out[outAt]. */
function hexInto(line: Uint8Array, at: number, out: Uint8Array, outAt: number): void {
  const digit = (c: number) => (c <= 0x39 ? c - 0x30 : c - 0x57);
  for (let k = 0; k < 32; k++) out[outAt + k] = (digit(line[at + 2 * k]) << 4) | digit(line[at + 2 * k + 1]);
}
