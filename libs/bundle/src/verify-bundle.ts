import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CompactRange,
  EMPTY_ROOT,
  LedgerError,
  parseVerifierKey,
  verifyCheckpoint,
  verifyConsistency,
  CheckpointError,
  type Checkpoint,
} from '@plaza/ledger';
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  CHECKPOINTS_FILE,
  LEDGER_FILE,
  MANIFEST_FILE,
  PB_FILE_PATTERN,
  PUBLIC_KEY_FILE,
  RESULTS_FILE,
  formatCheckpointLine,
  formatManifest,
  formatPublicKey,
  hexEquals,
  readLedgerLine,
  type BundleCheckpoint,
  type RawLedgerLine,
  type BundleManifest,
} from './format';
import { ledgerHasher } from './leaf-hasher';
import { VERIFY_CHECKS, type VerifyCheck } from './checks';
import { RoundAudit, type RoundAuditReport } from './round-audit';

export type { BundleCheck, VerifyCheck } from './checks';

export interface VerifyFailure {
  readonly check: VerifyCheck;
  readonly message: string;
  /** Ledger index of the first entry where the check fails. */
  readonly index?: number;
  readonly eventId?: string;
  /** For checkpoint checks: which checkpoint (1-based line of checkpoints.jsonl) and its size. */
  readonly checkpoint?: { readonly line: number; readonly size?: number; readonly time?: string };
  readonly file?: string;
  readonly calculated?: string;
  readonly expected?: string;
  readonly differences?: readonly string[];
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly bundle: string;
  readonly roundId?: string;
  readonly origin?: string;
  readonly keyId?: string;
  /** True when the key was given with --key: otherwise compare keyId with the one the audit service publishes. */
  readonly keyPinned: boolean;
  readonly ledger: { readonly entries: number; readonly roundEntries: number; readonly checkpoints: number; readonly checkpointsVerified: number; readonly root: string };
  readonly round?: Omit<RoundAuditReport, 'files' | 'fileDigests' | 'failures'>;
  /** Every check that ran, with its outcome. */
  readonly checks: readonly { readonly check: VerifyCheck; readonly ok: boolean }[];
  /** All failures, the first entry position first. */
  readonly failures: readonly VerifyFailure[];
  /** The first failure: lowest entry index, else the first found. */
  readonly failure?: VerifyFailure;
  readonly elapsedMs: number;
  /** Streaming the ledger (hashes, roots, replay) vs. the end: recount, derived files, manifest. */
  readonly timings: { readonly ledgerMs: number; readonly recountMs: number };
}

export interface VerifyOptions {
  /** A trusted verifier key (C2SP string) to pin instead of trusting public-key.txt. */
  readonly trustedKey?: string;
  /** Called while ledger.jsonl is read. */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Hash on a worker thread while the main thread replays (default); false keeps everything on one thread. */
  readonly worker?: boolean;
}


const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const NEWLINE = 0x0a;

interface SignedCp extends Checkpoint {
  readonly line: number;
}

function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    let bytes = 0;
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (chunk) => {
        h.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      })
      .on('error', reject)
      .on('end', () => resolve({ sha256: h.digest('hex'), bytes }));
  });
}

function describeLedgerError(e: unknown): string {
  if (e instanceof CheckpointError) return `${e.reason}: ${e.message}`;
  if (e instanceof LedgerError) return e.message;
  throw e;
}

/**
 * Verifies a Plaza audit bundle directory offline: no services, no database. Streams ledger.jsonl once (memory
 * bounded by the round's ballots, not by the ledger), recomputing every leaf hash of the round and every
 * checkpoint root, verifying every signature and consistency proof, replaying the round (RoundAudit) and
 * recomputing its results with libs/recount. Every byte of every file is covered: see apps/audit/README.md.
 *
 * Work and memory: SHA-256 of the file and of every leaf runs on a worker thread (LedgerHasher) while the main
 * thread parses and replays the same 4 MB block; what stays in memory is the replay's per-voter state (an id, the
 * pseudonym, the latest ballot with its event id, shared choice lists: about 270 bytes per voter) plus the round's
 * other streams, never the ledger's lines; the derived files are hashed piece by piece, never held whole.
 */
export async function verifyBundle(dir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = Date.now();
  const failures: VerifyFailure[] = [];
  const failed = new Set<VerifyCheck>();
  const fail = (f: VerifyFailure) => {
    failures.push(f);
    failed.add(f.check);
  };

  // --- manifest (read first: it names the round; its fields are checked once the rest is known) ---
  let manifest: BundleManifest | undefined;
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    fail({ check: 'manifest', message: `${MANIFEST_FILE} is missing`, file: MANIFEST_FILE });
  } else {
    const text = readFileSync(manifestPath, 'utf8');
    try {
      const parsed = JSON.parse(text) as BundleManifest;
      if (formatManifest(parsed) !== text) fail({ check: 'manifest', message: `${MANIFEST_FILE} is not exactly as the exporter writes it (fields, order or spacing changed)`, file: MANIFEST_FILE });
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
  const present = existsSync(dir) ? readdirSync(dir).filter((n) => n !== MANIFEST_FILE) : [];
  for (const name of present) {
    if (!listed.has(name)) fail({ check: 'file-set', message: `${name} is in the bundle but not in the manifest`, file: name });
  }
  for (const name of listed.keys()) {
    if (!present.includes(name)) fail({ check: 'file-set', message: `${name} is listed in the manifest but missing`, file: name });
  }
  const digests = new Map<string, { sha256: string; bytes: number }>();
  // ledger.jsonl is hashed while it is streamed below: one read of the largest file, not two.
  for (const name of present) {
    if (name !== LEDGER_FILE && statSync(join(dir, name)).isFile()) digests.set(name, await sha256File(join(dir, name)));
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
  let publicKey: ReturnType<typeof parseVerifierKey> | undefined;
  let keyText: string | undefined;
  const keyPath = join(dir, PUBLIC_KEY_FILE);
  if (existsSync(keyPath)) {
    keyText = readFileSync(keyPath, 'utf8');
    try {
      if (!keyText.endsWith('\n') || keyText.indexOf('\n') !== keyText.length - 1) throw new Error('must be one line ending in a newline');
      publicKey = parseVerifierKey(keyText.slice(0, -1));
      if (formatPublicKey(keyText.slice(0, -1)) !== keyText) throw new Error('not exactly one key line');
    } catch (e) {
      publicKey = undefined;
      fail({ check: 'public-key', message: `${PUBLIC_KEY_FILE} is not a C2SP Ed25519 verifier key: ${(e as Error).message}`, file: PUBLIC_KEY_FILE });
    }
  }
  if (options.trustedKey !== undefined) {
    if (keyText?.slice(0, -1) !== options.trustedKey) {
      fail({ check: 'public-key', message: `the bundle's key is not the pinned key ${options.trustedKey}`, file: PUBLIC_KEY_FILE });
    }
    try {
      publicKey = parseVerifierKey(options.trustedKey);
    } catch (e) {
      throw new Error(`--key is not a C2SP verifier key: ${(e as Error).message}`);
    }
  }

  // --- checkpoints ---
  const checkpoints: SignedCp[] = [];
  const cpPath = join(dir, CHECKPOINTS_FILE);
  let cpLines = 0;
  let origin: string | undefined;
  if (existsSync(cpPath)) {
    const text = readFileSync(cpPath, 'utf8');
    const lines = text.split('\n');
    if (lines.pop() !== '') fail({ check: 'checkpoint-format', message: `${CHECKPOINTS_FILE} does not end with a newline`, checkpoint: { line: lines.length } });
    let previous: SignedCp | undefined;
    for (let i = 0; i < lines.length; i++) {
      cpLines++;
      const where = { line: i + 1 };
      let line: BundleCheckpoint;
      try {
        line = JSON.parse(lines[i]) as BundleCheckpoint;
        if (formatCheckpointLine(line) !== lines[i] + '\n') throw new Error('fields, order or spacing changed');
      } catch (e) {
        fail({ check: 'checkpoint-format', message: `checkpoint line ${i + 1} is malformed: ${(e as Error).message}`, checkpoint: where });
        continue;
      }
      if (!publicKey) continue;
      let cp: Checkpoint;
      try {
        cp = verifyCheckpoint(line.note, publicKey.publicKey, { keyName: publicKey.keyName });
      } catch (e) {
        fail({ check: 'checkpoint-signature', message: `checkpoint ${i + 1} (size ${line.size}) rejected: ${describeLedgerError(e)}`, checkpoint: { ...where, size: line.size, time: line.time } });
        continue;
      }
      const at = { ...where, size: cp.size, time: cp.time };
      if (cp.size !== line.size || Buffer.from(cp.root).toString('base64') !== line.rootHash || cp.time !== line.time || line.keyId !== publicKey.keyId.toString('hex')) {
        fail({ check: 'checkpoint-format', message: `checkpoint ${i + 1}: size, rootHash, time or keyId disagree with its signed note`, checkpoint: at });
        continue;
      }
      if (origin === undefined) origin = cp.origin;
      else if (cp.origin !== origin) fail({ check: 'checkpoint-signature', message: `checkpoint ${i + 1} is from origin ${cp.origin}, not ${origin}`, checkpoint: at });
      if (previous) {
        if (cp.size <= previous.size || Date.parse(cp.time) <= Date.parse(previous.time)) {
          fail({ check: 'checkpoint-order', message: `checkpoint ${i + 1} (size ${cp.size}, ${cp.time}) does not follow checkpoint ${previous.line} (size ${previous.size}, ${previous.time})`, checkpoint: at });
          continue;
        }
        try {
          if (!line.consistency.every((h) => HEX64.test(h))) throw new LedgerError('proof hashes must be 64 hex digits');
          verifyConsistency(previous.size, cp.size, line.consistency.map((h) => Buffer.from(h, 'hex')), previous.root, cp.root);
        } catch (e) {
          fail({ check: 'checkpoint-consistency', message: `checkpoint ${i + 1} is not proven consistent with checkpoint ${previous.line}: ${describeLedgerError(e)}`, checkpoint: at });
        }
      } else if (line.consistency.length !== 0) {
        fail({ check: 'checkpoint-consistency', message: 'the first checkpoint must carry an empty consistency proof', checkpoint: at });
      }
      previous = { ...cp, line: i + 1 };
      checkpoints.push(previous);
    }
  } else {
    fail({ check: 'checkpoint-format', message: `${CHECKPOINTS_FILE} is missing`, file: CHECKPOINTS_FILE });
  }
  if (checkpoints.length === 0 && !failed.has('checkpoint-signature')) {
    fail({ check: 'checkpoint-signature', message: 'the bundle has no verifiable checkpoint' });
  }

  // --- ledger: one streaming pass ---
  const range = new CompactRange();
  let nextCp = 0;
  let segmentStart = 0;
  let firstRoundInSegment: { index: number; eventId?: string } | undefined;
  let checkpointsVerified = 0;
  let roundEntries = 0;
  let ledgerBroken = false;
  let audit: RoundAudit | undefined = roundId ? new RoundAudit(roundId) : undefined;
  const ledgerPath = join(dir, LEDGER_FILE);

  const settle = () => {
    while (nextCp < checkpoints.length && checkpoints[nextCp].size === range.size) {
      const cp = checkpoints[nextCp++];
      const root = cp.size === 0 ? Buffer.from(EMPTY_ROOT) : range.root();
      if (!root.equals(Buffer.from(cp.root))) {
        const first = firstRoundInSegment;
        fail({
          check: 'checkpoint-root',
          message:
            `the root of entries 0-${cp.size - 1} does not match checkpoint ${cp.line} (size ${cp.size}, ${cp.time}): ` +
            `an entry in ${segmentStart}-${cp.size - 1} was changed, inserted, removed or moved with its leaf hash recomputed` +
            (first ? `; the round's first entry there is ${first.index}` : ''),
          index: first?.index ?? segmentStart,
          eventId: first?.eventId,
          checkpoint: { line: cp.line, size: cp.size, time: cp.time },
          calculated: root.toString('hex'),
          expected: Buffer.from(cp.root).toString('hex'),
        });
        ledgerBroken = true;
        return;
      }
      checkpointsVerified++;
      segmentStart = cp.size;
      firstRoundInSegment = undefined;
    }
  };

  let lines = 0;
  /** What the replay made of a line, for the checks that follow once its leaf hash is known. */
  interface Framed {
    readonly expected: number;
    readonly line: Buffer;
    readonly parsed: RawLedgerLine;
    readonly eventParsed: boolean;
    readonly eventId: string | undefined;
  }

  // Parses the line's event and replays it. Whether a line is replayed never depends on the checks below (a
  // broken chain of hashes still lets the report say what the remaining entries would give), so this half runs
  // while the worker hashes the same block.
  const replayLine = (line: Buffer, parsed: RawLedgerLine): Framed => {
    const expected = lines++;
    if (!parsed.ok) return { expected, line, parsed, eventParsed: false, eventId: undefined };
    let event: { id?: unknown; roundId?: unknown } | undefined;
    if (parsed.eventStart >= 0) {
      roundEntries++;
      try {
        event = JSON.parse(line.toString('utf8', parsed.eventStart, line.length - 1)) as { id?: unknown };
      } catch {
        event = undefined;
      }
    }
    const eventId = typeof event?.id === 'string' ? event.id : undefined;
    if (event !== undefined) {
      if (!audit && typeof event.roundId === 'string') audit = new RoundAudit(event.roundId);
      audit?.apply(parsed.index, event);
    }
    return { expected, line, parsed, eventParsed: event !== undefined, eventId };
  };

  // The ledger's own checks, line by line in order: format, index, leaf hash, then the roots at each checkpoint.
  const checkLine = (f: Framed, leaves: Buffer, leafAt: number): void => {
    const { expected, parsed, eventId, line } = f;
    if (!parsed.ok) {
      if (!ledgerBroken) fail({ check: 'entry-format', message: `ledger line ${expected + 1}: ${parsed.reason}`, index: expected });
      ledgerBroken = true;
      return;
    }
    // Once the chain of hashes is broken nothing later can be tied to a checkpoint.
    if (ledgerBroken) return;
    if (parsed.index !== expected) {
      // A repeated index names the entry claimed twice (an insertion or a move shows there); a jump names the
      // first index that is missing.
      const repeated = parsed.index < expected;
      const message = repeated
        ? `entry ${parsed.index} appears again after entry ${expected - 1}: inserted, repeated or moved`
        : `expected entry ${expected}, found ${parsed.index}: entries missing or moved`;
      fail({ check: 'entry-index', message, index: repeated ? parsed.index : expected, eventId });
      ledgerBroken = true;
      return;
    }
    let leaf: Buffer;
    if (parsed.eventStart >= 0) {
      leaf = leaves.subarray(leafAt, leafAt + 32);
      if (!hexEquals(line, parsed.hashStart, leaf)) {
        const claimed = line.toString('latin1', parsed.hashStart, parsed.hashStart + 64);
        fail({ check: 'leaf-hash', message: `leaf hash of entry ${expected} does not match its event's bytes`, index: expected, eventId, calculated: leaf.toString('hex'), expected: claimed });
        ledgerBroken = true;
        return;
      }
      if (!f.eventParsed) {
        fail({ check: 'entry-format', message: `entry ${expected}: the event is not JSON`, index: expected });
        ledgerBroken = true;
        return;
      }
      firstRoundInSegment ??= { index: expected, eventId };
    } else {
      leaf = Buffer.from(line.toString('latin1', parsed.hashStart, parsed.hashStart + 64), 'hex');
    }
    range.append(leaf);
    settle();
  };

  /** One block of whole lines: replayed here while the hasher works on it, then checked in order. */
  const onBlock = async (block: Buffer): Promise<void> => {
    const framed: Framed[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    let from = 0;
    for (;;) {
      const nl = block.indexOf(NEWLINE, from);
      if (nl < 0) break;
      const line = block.subarray(from, nl);
      const parsed = readLedgerLine(line);
      if (parsed.ok && parsed.eventStart >= 0) {
        starts.push(from + parsed.eventStart);
        ends.push(nl - 1);
      }
      framed.push({ expected: -1, line, parsed, eventParsed: false, eventId: undefined });
      from = nl + 1;
    }
    const pending = hasher.block(block, Int32Array.from(starts), Int32Array.from(ends));
    for (let i = 0; i < framed.length; i++) framed[i] = replayLine(framed[i].line, framed[i].parsed);
    const leaves = await pending;
    let k = 0;
    for (const f of framed) {
      // The hasher got exactly the event lines, in order.
      const isEvent = f.parsed.ok && f.parsed.eventStart >= 0;
      checkLine(f, leaves, 32 * k);
      if (isEvent) k++;
    }
  };

  const hasher = ledgerHasher({ worker: options.worker });
  try {
    if (existsSync(ledgerPath)) {
      const total = statSync(ledgerPath).size;
      let read = 0;
      let carry: Buffer | undefined;
      for await (const chunk of createReadStream(ledgerPath, { highWaterMark: 4 << 20 })) {
        const buf = chunk as Buffer;
        read += buf.length;
        const last = buf.lastIndexOf(NEWLINE);
        if (last < 0) {
          carry = carry ? Buffer.concat([carry, buf]) : Buffer.from(buf);
          continue;
        }
        const block = carry ? Buffer.concat([carry, buf.subarray(0, last + 1)]) : buf.subarray(0, last + 1);
        carry = last + 1 < buf.length ? Buffer.from(buf.subarray(last + 1)) : undefined;
        await onBlock(block);
        options.onProgress?.(read, total);
      }
      // A last line without its newline still belongs to the file's digest.
      if (carry && carry.length > 0) await hasher.block(carry, new Int32Array(0), new Int32Array(0));
      digests.set(LEDGER_FILE, { sha256: await hasher.digest(), bytes: read });
      if (carry && carry.length > 0 && !ledgerBroken) {
        fail({ check: 'entry-format', message: `ledger.jsonl ends in the middle of entry ${range.size} (no final newline)`, index: range.size });
        ledgerBroken = true;
      }
    } else {
      fail({ check: 'entry-format', message: `${LEDGER_FILE} is missing`, file: LEDGER_FILE, index: 0 });
      ledgerBroken = true;
    }
  } finally {
    await hasher.close();
  }
  checkDigests();
  const ledgerMs = Date.now() - started;
  const entries = range.size;
  if (!ledgerBroken) {
    if (nextCp < checkpoints.length) {
      const cp = checkpoints[nextCp];
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

  // --- round: replay, recount, derived files ---
  let roundReport: RoundAuditReport | undefined;
  const recountStarted = Date.now();
  if (audit) {
    // Digests only: each derived file is hashed piece by piece as it is written, never held whole.
    roundReport = audit.finish({ texts: false });
    for (const f of roundReport.failures) fail(f);
    for (const [name, want] of roundReport.fileDigests) {
      const got = digests.get(name);
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
    if (roundId && audit && audit.roundId !== roundId) wrong.push('roundId');
    if (manifest.origin !== origin) wrong.push('origin');
    if (keyText === undefined || manifest.verifierKey !== keyText.slice(0, -1)) wrong.push('verifierKey');
    if (manifest.ledgerSize !== lines) wrong.push('ledgerSize');
    if (manifest.roundEntries !== roundEntries) wrong.push('roundEntries');
    if (manifest.checkpoints !== cpLines) wrong.push('checkpoints');
    const lc = manifest.latestCheckpoint;
    if (!last || !lc || lc.size !== last.size || lc.time !== last.time || lc.rootHash !== Buffer.from(last.root).toString('base64')) wrong.push('latestCheckpoint');
    if (wrong.length > 0) fail({ check: 'manifest', message: `manifest fields disagree with the bundle: ${wrong.join(', ')}`, file: MANIFEST_FILE });
  }

  failures.sort((a, b) => (a.index ?? Number.MAX_SAFE_INTEGER) - (b.index ?? Number.MAX_SAFE_INTEGER));
  const { files: _files, fileDigests: _fd, failures: _rf, ...round } = roundReport ?? { files: undefined, fileDigests: undefined, failures: undefined };
  return {
    ok: failures.length === 0,
    bundle: dir,
    roundId: audit?.roundId ?? roundId,
    origin,
    keyId: publicKey?.keyId.toString('hex'),
    keyPinned: options.trustedKey !== undefined,
    ledger: { entries: lines, roundEntries, checkpoints: cpLines, checkpointsVerified, root: range.root().toString('hex') },
    round: roundReport ? (round as VerifyReport['round']) : undefined,
    checks: VERIFY_CHECKS.map((check) => ({ check, ok: !failed.has(check) })),
    failures,
    failure: failures[0],
    elapsedMs: Date.now() - started,
    timings: { ledgerMs, recountMs: Date.now() - recountStarted },
  };
}
