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
  RoundAudit,
  VERIFY_CHECKS,
  formatCheckpointLine,
  formatManifest,
  formatPublicKey,
  hexEquals,
  readLedgerLine,
  type BundleCheckpoint,
  type BundleManifest,
  type RawLedgerLine,
  type RoundAuditReport,
  type VerifyCheck,
} from './libs';
import { PinnedKeyError } from './errors';
import { EMPTY_ROOT_HEX, PrefixRoots } from './merkle';
import type { BrowserVerifyOptions, BrowserVerifyReport, BundleSource, CheckOutcome, UnitRecount, VerifyFailure, VerifyProgress } from './types';
import { importEd25519, leafHashes, nodeHash, sha256, verifyEd25519, type Ed25519Key } from './webcrypto';

// The browser twin of libs/bundle's verifyBundle (`plaza verify`): the same checks in the same order, with the
// same names, messages and locations (verifier.spec.ts compares the two reports on honest and tampered bundles).
// Parsing, formats, the round's replay and recount are the libraries' own code; what differs is I/O (a
// BundleSource instead of a directory) and hashing: WebCrypto, asynchronous, so hashes are computed in batches
// and the ledger's checks, which Node runs line by line while it hashes, run in passes here (see checkLedger).

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const NEWLINE = 0x0a;
const ED25519_SIGNATURE_SIZE = 64;

interface WebKey {
  readonly keyName: string;
  readonly keyIdHex: string;
  readonly key: Ed25519Key;
}

interface SignedCp extends Checkpoint {
  readonly line: number;
}

// Node reads files as UTF-8 with replacement characters and keeps a byte order mark: the same here.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const text = (data: Uint8Array | string): string => (typeof data === 'string' ? data : decoder.decode(data));
const bytes = (data: Uint8Array | string): Uint8Array => (typeof data === 'string' ? utf8(data) : data);
const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

function describeLedgerError(e: unknown): string {
  if (e instanceof CheckpointError) return `${e.reason}: ${e.message}`;
  if (e instanceof LedgerError) return e.message;
  throw e;
}

/** libs/ledger parseVerifierKey with WebCrypto: the same checks and errors, the key imported for verify(). */
async function parseVerifierKeyWeb(vkey: string): Promise<WebKey> {
  const { keyName, keyIdHex, rawKey } = parseVerifierKeyText(vkey);
  let key: Ed25519Key;
  try {
    key = await importEd25519(rawKey);
  } catch (e) {
    if ((e as { code?: string }).code === 'webcrypto-unavailable') throw e;
    throw new CheckpointError('malformed-key', `invalid Ed25519 public key: ${(e as Error).message}`);
  }
  const keyId = (await sha256(noteKeyIdInput(keyName, rawKey))).subarray(0, 4);
  if (toHex(keyId) !== keyIdHex) throw new CheckpointError('malformed-key', 'verifier key ID does not match its name and key');
  return { keyName, keyIdHex, key };
}

/** libs/ledger verifyCheckpoint(note, key, {keyName: key.keyName}) with WebCrypto: the same checks, order and errors. */
async function verifyCheckpointWeb(note: string, pub: WebKey): Promise<Checkpoint> {
  const { text: body, signatures } = parseNote(note);
  const keyId = fromHex(pub.keyIdHex)!;
  // Only the pinned key name is accepted, so the key ID to look for is the key's own.
  const candidates = signatures.filter((s) => s.keyName === pub.keyName && bytesEqual(s.keyId, keyId));
  if (candidates.length === 0) throw new CheckpointError('unknown-key', 'checkpoint carries no signature from the trusted key');
  const message = utf8(body);
  for (const s of candidates) {
    if (s.signature.length !== ED25519_SIGNATURE_SIZE || !(await verifyEd25519(pub.key, s.signature, message))) {
      throw new CheckpointError('bad-signature', `signature by ${s.keyName} does not verify`);
    }
  }
  return parseCheckpointText(body);
}

/**
 * Verifies a Plaza audit bundle (format version 1) in a browser or worker: every file digest, the signer's key,
 * every checkpoint's signature and consistency proof, every leaf hash of the round's entries and every checkpoint
 * root, then the round's replay (RoundAudit) and the recount of every declared result with libs/recount, and the
 * derived files. Runs in Node too (the specs). Rejects only on I/O errors, an unusable pinned key, a missing
 * WebCrypto or an abort; everything found about the bundle is in the report.
 */
export async function verifyBundleInBrowser(source: BundleSource, options: BrowserVerifyOptions = {}): Promise<BrowserVerifyReport> {
  const started = now();
  const { signal } = options;
  const progress = (phase: VerifyProgress['phase'], done: number, total: number) => options.onProgress?.({ phase, done, total });
  const failures: VerifyFailure[] = [];
  const failed = new Set<VerifyCheck>();
  const fail = (f: VerifyFailure) => {
    failures.push(f);
    failed.add(f.check);
  };

  // --- manifest (read first: it names the round; its fields are checked once the rest is known) ---
  let manifest: BundleManifest | undefined;
  const manifestData = await source.manifest();
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
  const downloadStarted = now();
  const files = new Map<string, Uint8Array>();
  const loaded = new Map<string, number>();
  const expectedBytes = [...listed.values()].reduce((a, f) => a + (Number.isSafeInteger(f.bytes) && f.bytes > 0 ? f.bytes : 0), 0);
  const fetchFile = async (name: string): Promise<Uint8Array | undefined> => {
    if (files.has(name)) return files.get(name);
    const onBytes = (n: number) => {
      loaded.set(name, n);
      let sum = 0;
      for (const v of loaded.values()) sum += v;
      progress('download', sum, Math.max(sum, expectedBytes));
    };
    const data = await source.file(name, onBytes);
    signal?.throwIfAborted();
    if (data === undefined) return undefined;
    const b = bytes(data);
    files.set(name, b);
    onBytes(b.length);
    return b;
  };
  let present: string[];
  if (source.list) {
    present = (await source.list()).filter((n) => n !== MANIFEST_FILE);
    await Promise.all(present.map(fetchFile));
  } else {
    // Over HTTP nothing lists the bundle: ask for every listed file and the ones every bundle has.
    const candidates = [...new Set([...listed.keys(), LEDGER_FILE, CHECKPOINTS_FILE, PUBLIC_KEY_FILE, RESULTS_FILE])].filter((n) => n !== MANIFEST_FILE);
    const got = await Promise.all(candidates.map(fetchFile));
    present = candidates.filter((_, i) => got[i] !== undefined);
  }
  const downloadMs = now() - downloadStarted;
  for (const name of present) {
    if (!listed.has(name)) fail({ check: 'file-set', message: `${name} is in the bundle but not in the manifest`, file: name });
  }
  for (const name of listed.keys()) {
    if (!present.includes(name)) fail({ check: 'file-set', message: `${name} is listed in the manifest but missing`, file: name });
  }
  const digests = new Map<string, { sha256: string; bytes: number }>();
  const digestOf = async (name: string) => {
    const b = files.get(name);
    if (b) digests.set(name, { sha256: toHex(await sha256(b)), bytes: b.length });
  };
  // ledger.jsonl is hashed with the rest; Node does it while streaming, the outcome is the same.
  await Promise.all(present.map(digestOf));
  const checkDigests = () => {
    for (const [name, want] of listed) {
      const got = digests.get(name);
      if (got && (got.sha256 !== want.sha256 || got.bytes !== want.bytes)) {
        fail({ check: 'file-digest', message: `${name} does not match its manifest digest`, file: name, calculated: got.sha256, expected: String(want.sha256) });
      }
    }
  };

  // --- public key ---
  let publicKey: WebKey | undefined;
  let keyText: string | undefined;
  const keyFile = files.get(PUBLIC_KEY_FILE);
  if (keyFile) {
    keyText = text(keyFile);
    try {
      if (!keyText.endsWith('\n') || keyText.indexOf('\n') !== keyText.length - 1) throw new Error('must be one line ending in a newline');
      publicKey = await parseVerifierKeyWeb(keyText.slice(0, -1));
      if (formatPublicKey(keyText.slice(0, -1)) !== keyText) throw new Error('not exactly one key line');
    } catch (e) {
      if ((e as { code?: string }).code === 'webcrypto-unavailable') throw e;
      publicKey = undefined;
      fail({ check: 'public-key', message: `${PUBLIC_KEY_FILE} is not a C2SP Ed25519 verifier key: ${(e as Error).message}`, file: PUBLIC_KEY_FILE });
    }
  }
  const trustedKey = typeof options.trustedKey === 'string' ? options.trustedKey : options.trustedKey?.verifierKey;
  if (options.trustedKey !== undefined) {
    if (keyText?.slice(0, -1) !== trustedKey) {
      fail({ check: 'public-key', message: `the bundle's key is not the pinned key ${trustedKey}`, file: PUBLIC_KEY_FILE });
    }
    try {
      if (typeof trustedKey !== 'string') throw new Error('no verifierKey given');
      publicKey = await parseVerifierKeyWeb(trustedKey);
    } catch (e) {
      if ((e as { code?: string }).code === 'webcrypto-unavailable') throw e;
      throw new PinnedKeyError((e as Error).message);
    }
  }

  // --- checkpoints ---
  const checkpoints: SignedCp[] = [];
  let cpLines = 0;
  let origin: string | undefined;
  const cpFile = files.get(CHECKPOINTS_FILE);
  if (cpFile) {
    const lines = text(cpFile).split('\n');
    if (lines.pop() !== '') fail({ check: 'checkpoint-format', message: `${CHECKPOINTS_FILE} does not end with a newline`, checkpoint: { line: lines.length } });
    // Each line's failures in the order Node finds them; the signatures and proofs are checked all at once.
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
    progress('checkpoints', 0, lines.length);
    const key = publicKey;
    const verified = await Promise.all(
      parsedLines.map(async (line) => {
        if (!line || !key) return undefined;
        try {
          return { cp: await verifyCheckpointWeb(line.note, key) };
        } catch (e) {
          if ((e as { code?: string }).code === 'webcrypto-unavailable') throw e;
          return { error: e };
        }
      }),
    );
    signal?.throwIfAborted();
    const proofs: { i: number; run: () => Promise<void>; previous: SignedCp; at: VerifyFailure['checkpoint'] }[] = [];
    let previous: SignedCp | undefined;
    for (let i = 0; i < lines.length; i++) {
      const line = parsedLines[i];
      const outcome = verified[i];
      if (!line || !key || !outcome) continue;
      const where = { line: i + 1 };
      if (!outcome.cp) {
        found[i].push({ check: 'checkpoint-signature', message: `checkpoint ${i + 1} (size ${line.size}) rejected: ${describeLedgerError(outcome.error)}`, checkpoint: { ...where, size: line.size, time: line.time } });
        continue;
      }
      const cp = outcome.cp;
      const at = { ...where, size: cp.size, time: cp.time };
      if (cp.size !== line.size || toBase64(cp.root) !== line.rootHash || cp.time !== line.time || line.keyId !== key.keyIdHex) {
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
            await verifyConsistencyAsync(prev.size, cp.size, line.consistency.map((h) => fromHex(h)!), prev.root, cp.root, nodeHash);
          },
        });
      } else if (line.consistency.length !== 0) {
        found[i].push({ check: 'checkpoint-consistency', message: 'the first checkpoint must carry an empty consistency proof', checkpoint: at });
      }
      previous = { ...cp, line: i + 1 };
      checkpoints.push(previous);
    }
    // Lines without a proof to check are done once their signature is.
    let proven = lines.length - proofs.length;
    progress('checkpoints', proven, lines.length);
    await Promise.all(
      proofs.map(async (p) => {
        try {
          await p.run();
        } catch (e) {
          found[p.i].push({ check: 'checkpoint-consistency', message: `checkpoint ${p.i + 1} is not proven consistent with checkpoint ${p.previous.line}: ${describeLedgerError(e)}`, checkpoint: p.at });
        }
        progress('checkpoints', ++proven, lines.length);
      }),
    );
    for (const list of found) for (const f of list) fail(f);
  } else {
    fail({ check: 'checkpoint-format', message: `${CHECKPOINTS_FILE} is missing`, file: CHECKPOINTS_FILE });
  }
  if (checkpoints.length === 0 && !failed.has('checkpoint-signature')) {
    fail({ check: 'checkpoint-signature', message: 'the bundle has no verifiable checkpoint' });
  }

  // --- ledger ---
  const ledgerStarted = now();
  const ledger = files.get(LEDGER_FILE);
  let audit: RoundAudit | undefined = roundId ? new RoundAudit(roundId) : undefined;
  const titles = new Map<string, string>();
  let unitNames: Map<string, { name: string; budget: number }> | undefined;
  let roundName: string | undefined;
  let currency: string | undefined;
  let result: LedgerResult = { broken: true, appended: 0, checkpointsVerified: 0, nextCp: 0, root: EMPTY_ROOT_HEX, lines: 0, roundEntries: 0 };
  if (ledger) {
    const scan = scanLedger(ledger, (index, event) => {
      if (!audit && typeof (event as { roundId?: unknown } | null)?.roundId === 'string') audit = new RoundAudit((event as { roundId: string }).roundId);
      noteRoundFacts(event);
      audit?.apply(index, event);
    }, (done, total) => progress('ledger', done, total));
    result = await checkLedger(ledger, scan, checkpoints, fail, (done, total) => progress('hashing', done, total), signal);
  } else {
    fail({ check: 'entry-format', message: `${LEDGER_FILE} is missing`, file: LEDGER_FILE, index: 0 });
  }
  checkDigests();
  const ledgerMs = now() - ledgerStarted;
  if (!result.broken) {
    const entries = result.appended;
    if (result.nextCp < checkpoints.length) {
      const cp = checkpoints[result.nextCp];
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
  const recountStarted = now();
  progress('recount', 0, 1);
  let roundReport: RoundAuditReport | undefined;
  if (audit) {
    // The recount itself hashes synchronously inside libs/recount (inputDigest, ballotDigest) and RoundAudit
    // (the derived files' digests): node:crypto under Node, the node:crypto shim in the browser build.
    roundReport = audit.finish({ texts: false });
    for (const f of roundReport.failures) fail(f);
    for (const [name, want] of roundReport.fileDigests) {
      let got = digests.get(name);
      if (!got && !source.list && (await fetchFile(name))) {
        // Not listed, yet the server has it.
        await digestOf(name);
        got = digests.get(name);
        present.push(name);
        fail({ check: 'file-set', message: `${name} is in the bundle but not in the manifest`, file: name });
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
  const recountMs = now() - recountStarted;

  // --- manifest fields, now that everything they describe is known ---
  if (manifest) {
    const last = checkpoints.at(-1);
    const wrong: string[] = [];
    if (roundId && audit && audit.roundId !== roundId) wrong.push('roundId');
    if (manifest.origin !== origin) wrong.push('origin');
    if (keyText === undefined || manifest.verifierKey !== keyText.slice(0, -1)) wrong.push('verifierKey');
    if (manifest.ledgerSize !== result.lines) wrong.push('ledgerSize');
    if (manifest.roundEntries !== result.roundEntries) wrong.push('roundEntries');
    if (manifest.checkpoints !== cpLines) wrong.push('checkpoints');
    const lc = manifest.latestCheckpoint;
    if (!last || !lc || lc.size !== last.size || lc.time !== last.time || lc.rootHash !== toBase64(last.root)) wrong.push('latestCheckpoint');
    if (wrong.length > 0) fail({ check: 'manifest', message: `manifest fields disagree with the bundle: ${wrong.join(', ')}`, file: MANIFEST_FILE });
  }

  failures.sort((a, b) => (a.index ?? Number.MAX_SAFE_INTEGER) - (b.index ?? Number.MAX_SAFE_INTEGER));
  const firstOf = new Map<VerifyCheck, VerifyFailure>();
  for (const f of failures) if (!firstOf.has(f.check)) firstOf.set(f.check, f);
  const checks: CheckOutcome[] = VERIFY_CHECKS.map((check) => {
    const f = firstOf.get(check);
    return f ? { check, ok: false, message: f.message, index: f.index, eventId: f.eventId, checkpoint: f.checkpoint, file: f.file } : { check, ok: true };
  });
  const recount: UnitRecount[] = (roundReport?.comparisons ?? []).map((c) => ({
    unitId: c.unitId,
    unitName: unitNames?.get(c.unitId)?.name,
    budget: unitNames?.get(c.unitId)?.budget,
    declaredIndex: c.declaredIndex,
    declaredEventId: c.declaredEventId,
    declared: { selected: [...c.declared.selected], spent: c.declared.spent, inputDigest: c.declared.inputDigest },
    recomputed: { ...c.recomputed, selected: [...c.recomputed.selected] },
    verified: c.differences.length === 0,
    differences: [...c.differences],
  }));
  const shown = new Set(recount.flatMap((r) => [...r.declared.selected, ...r.recomputed.selected]));
  const proposalTitles: Record<string, string> = {};
  for (const [id, title] of titles) if (shown.has(id)) proposalTitles[id] = title;
  const last = checkpoints.at(-1);
  const { files: _files, fileDigests: _fd, failures: _rf, ...round } = roundReport ?? { files: undefined, fileDigests: undefined, failures: undefined };
  progress('done', 1, 1);
  return {
    ok: failures.length === 0,
    bundle: source.label,
    roundId: audit?.roundId ?? roundId,
    roundName,
    currency,
    origin,
    keyId: publicKey?.keyIdHex,
    keyPinned: options.trustedKey !== undefined,
    counts: { entries: result.lines, roundEntries: result.roundEntries, checkpoints: cpLines, checkpointsVerified: result.checkpointsVerified },
    ledgerRoot: result.root,
    latestCheckpoint: last ? { size: last.size, rootHash: toBase64(last.root), time: last.time } : undefined,
    checks,
    failures,
    failure: failures[0],
    recount,
    proposalTitles,
    round: roundReport ? (round as BrowserVerifyReport['round']) : undefined,
    elapsedMs: now() - started,
    timings: { downloadMs, ledgerMs, recountMs },
  };

  /** What the report shows beside the checks: names and titles from the round's own entries. */
  function noteRoundFacts(event: unknown): void {
    const e = event as { type?: unknown; payload?: Record<string, unknown> } | null;
    if (!e || typeof e !== 'object' || !e.payload || typeof e.payload !== 'object') return;
    if ((e.type === 'ProposalSubmitted' || e.type === 'ProposalEdited') && typeof e.payload.proposalId === 'string' && typeof e.payload.title === 'string') {
      titles.set(e.payload.proposalId, e.payload.title);
    } else if (e.type === 'RoundCreated' && unitNames === undefined) {
      const config = e.payload.config as { name?: unknown; currency?: unknown; units?: unknown } | undefined;
      if (typeof config?.name === 'string') roundName = config.name;
      if (typeof config?.currency === 'string') currency = config.currency;
      unitNames = new Map();
      for (const u of Array.isArray(config?.units) ? (config.units as { id?: unknown; name?: unknown; budget?: unknown }[]) : []) {
        if (typeof u?.id === 'string' && typeof u.name === 'string' && typeof u.budget === 'number') unitNames.set(u.id, { name: u.name, budget: u.budget });
      }
    }
  }
}

/** One ledger.jsonl line as the scan left it. */
interface ScannedLine {
  readonly start: number;
  readonly end: number;
  readonly parsed: RawLedgerLine;
  readonly eventParsed: boolean;
  readonly eventId: string | undefined;
}

interface LedgerScan {
  readonly lines: ScannedLine[];
  /** Bytes after the last newline (a cut last line), if any. */
  readonly carry: number;
  readonly roundEntries: number;
}

/**
 * Splits ledger.jsonl into lines, reads each (readLedgerLine, as plaza verify does) and hands every event of the
 * round to `replay` in ledger order, whatever the checks later find: a broken chain of hashes still lets the report
 * say what the remaining entries would give.
 */
function scanLedger(ledger: Uint8Array, replay: (index: number, event: unknown) => void, onLines: (done: number, total: number) => void): LedgerScan {
  const lines: ScannedLine[] = [];
  let roundEntries = 0;
  let from = 0;
  for (;;) {
    const nl = ledger.indexOf(NEWLINE, from);
    if (nl < 0) break;
    const line = ledger.subarray(from, nl);
    const parsed = readLedgerLine(line);
    let eventParsed = false;
    let eventId: string | undefined;
    if (parsed.ok && parsed.eventStart >= 0) {
      roundEntries++;
      let event: { id?: unknown } | undefined;
      try {
        event = JSON.parse(decoder.decode(line.subarray(parsed.eventStart, line.length - 1))) as { id?: unknown };
      } catch {
        event = undefined;
      }
      eventId = typeof event?.id === 'string' ? event.id : undefined;
      if (event !== undefined) {
        eventParsed = true;
        replay(parsed.index, event);
      }
    }
    lines.push({ start: from, end: nl, parsed, eventParsed, eventId });
    from = nl + 1;
    if (lines.length % 10_000 === 0) onLines(from, ledger.length);
  }
  onLines(ledger.length, ledger.length);
  return { lines, carry: ledger.length - from, roundEntries };
}

interface LedgerResult {
  readonly broken: boolean;
  /** Leaves tied into the tree (up to the first break). */
  readonly appended: number;
  readonly checkpointsVerified: number;
  /** The first checkpoint not reached. */
  readonly nextCp: number;
  readonly root: string;
  readonly lines: number;
  readonly roundEntries: number;
}

/**
 * The ledger's own checks in plaza verify's order: format, index and leaf hash line by line, the root at each
 * checkpoint, stopping at the first break. Node appends each leaf to a CompactRange and compares roots as it goes;
 * here the leaf hashes are computed first (one batch), then one pass finds which checkpoints the lines reach
 * assuming every root matches, their roots are computed at once (PrefixRoots), and a second pass runs the same
 * checks with the real roots: up to the first mismatch it follows the first pass exactly, and it stops there.
 */
async function checkLedger(
  ledger: Uint8Array,
  scan: LedgerScan,
  checkpoints: readonly SignedCp[],
  fail: (f: VerifyFailure) => void,
  onHashes: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<LedgerResult> {
  const starts: number[] = [];
  const ends: number[] = [];
  for (const l of scan.lines) {
    if (l.parsed.ok && l.parsed.eventStart >= 0) {
      starts.push(l.start + l.parsed.eventStart);
      ends.push(l.end - 1);
    }
  }
  const treeHashes = PrefixRoots.hashesFor(scan.lines.length);
  const total = starts.length + treeHashes;
  const computed = await leafHashes(ledger, starts, ends, (done) => onHashes(done, total), signal);
  const leaves = new Uint8Array(32 * scan.lines.length);

  // The first pass also gathers the leaves it ties into the tree.
  const pass = (rootAt: (size: number) => Uint8Array | undefined, report: (f: VerifyFailure) => void, gather: boolean) => {
    let broken = false;
    let appended = 0;
    let nextCp = 0;
    let segmentStart = 0;
    let firstRoundInSegment: { index: number; eventId?: string } | undefined;
    let verified = 0;
    let k = 0;
    const settle = () => {
      while (nextCp < checkpoints.length && checkpoints[nextCp].size === appended) {
        const cp = checkpoints[nextCp++];
        const root = rootAt(cp.size);
        if (root && !bytesEqual(root, cp.root)) {
          const first = firstRoundInSegment;
          report({
            check: 'checkpoint-root',
            message:
              `the root of entries 0-${cp.size - 1} does not match checkpoint ${cp.line} (size ${cp.size}, ${cp.time}): ` +
              `an entry in ${segmentStart}-${cp.size - 1} was changed, inserted, removed or moved with its leaf hash recomputed` +
              (first ? `; the round's first entry there is ${first.index}` : ''),
            index: first?.index ?? segmentStart,
            eventId: first?.eventId,
            checkpoint: { line: cp.line, size: cp.size, time: cp.time },
            calculated: toHex(root),
            expected: toHex(cp.root),
          });
          broken = true;
          return;
        }
        verified++;
        segmentStart = cp.size;
        firstRoundInSegment = undefined;
      }
    };
    for (let expected = 0; expected < scan.lines.length; expected++) {
      const { start, end, parsed, eventParsed, eventId } = scan.lines[expected];
      const isEvent = parsed.ok && parsed.eventStart >= 0;
      const leafAt = 32 * k;
      if (isEvent) k++;
      if (!parsed.ok) {
        if (!broken) report({ check: 'entry-format', message: `ledger line ${expected + 1}: ${parsed.reason}`, index: expected });
        broken = true;
        continue;
      }
      // Once the chain of hashes is broken nothing later can be tied to a checkpoint.
      if (broken) continue;
      const line = ledger.subarray(start, end);
      if (parsed.index !== expected) {
        // A repeated index names the entry claimed twice (an insertion or a move shows there); a jump names the
        // first index that is missing.
        const repeated = parsed.index < expected;
        const message = repeated
          ? `entry ${parsed.index} appears again after entry ${expected - 1}: inserted, repeated or moved`
          : `expected entry ${expected}, found ${parsed.index}: entries missing or moved`;
        report({ check: 'entry-index', message, index: repeated ? parsed.index : expected, eventId });
        broken = true;
        continue;
      }
      if (isEvent) {
        const leaf = computed.subarray(leafAt, leafAt + 32);
        if (!hexEquals(line, parsed.hashStart, leaf)) {
          const claimed = String.fromCharCode(...line.subarray(parsed.hashStart, parsed.hashStart + 64));
          report({ check: 'leaf-hash', message: `leaf hash of entry ${expected} does not match its event's bytes`, index: expected, eventId, calculated: toHex(leaf), expected: claimed });
          broken = true;
          continue;
        }
        if (!eventParsed) {
          report({ check: 'entry-format', message: `entry ${expected}: the event is not JSON`, index: expected });
          broken = true;
          continue;
        }
        firstRoundInSegment ??= { index: expected, eventId };
        if (gather) leaves.set(leaf, 32 * appended);
      } else if (gather) {
        hexInto(line, parsed.hashStart, leaves, 32 * appended);
      }
      appended++;
      settle();
    }
    if (scan.carry > 0 && !broken) {
      report({ check: 'entry-format', message: `ledger.jsonl ends in the middle of entry ${appended} (no final newline)`, index: appended });
      broken = true;
    }
    return { broken, appended, nextCp, verified };
  };

  // Pass 1: which roots the checks reach if every one matches.
  const reached: number[] = [];
  const first = pass(
    (size) => {
      reached.push(size);
      return undefined;
    },
    () => undefined,
    true,
  );
  const sizes = [...reached.filter((s) => s > 0), ...(first.appended > 0 ? [first.appended] : [])];
  const tree = await PrefixRoots.build(leaves, first.appended, (done) => onHashes(starts.length + done, total), signal);
  const roots = sizes.length > 0 ? await tree.roots(sizes, signal) : new Map<number, Uint8Array>();
  onHashes(total, total);
  // Pass 2: the real checks.
  const second = pass((size) => roots.get(size), fail, false);
  return {
    broken: second.broken,
    appended: second.appended,
    checkpointsVerified: second.verified,
    nextCp: second.nextCp,
    root: second.appended > 0 ? toHex(roots.get(second.appended)!) : EMPTY_ROOT_HEX,
    lines: scan.lines.length,
    roundEntries: scan.roundEntries,
  };
}

/** Writes the 32 bytes that the 64 lowercase hex digits at line[at] spell (readLedgerLine checked them) into out[outAt]. */
function hexInto(line: Uint8Array, at: number, out: Uint8Array, outAt: number): void {
  const digit = (c: number) => (c <= 0x39 ? c - 0x30 : c - 0x57);
  for (let k = 0; k < 32; k++) out[outAt + k] = (digit(line[at + 2 * k]) << 4) | digit(line[at + 2 * k + 1]);
}
