import { toBase64, toHex, utf8 } from '@plaza/ledger';
import { CHECKPOINTS_FILE, LEDGER_FILE, MANIFEST_FILE, PUBLIC_KEY_FILE, RESULTS_FILE, VERIFY_CHECKS, verifyBundleCore, type LeafTree, type VerifyCheck, type VerifyCrypto, type VerifyFiles } from './libs';
import { PinnedKeyError } from './errors';
import { PrefixRoots } from './merkle';
import type { BrowserVerifyOptions, BrowserVerifyReport, BundleSource, CheckOutcome, UnitRecount, VerifyFailure, VerifyProgress } from './types';
import { importEd25519, leafHashes, nodeHash, sha256, verifyEd25519, type Ed25519Key } from './webcrypto';

// The browser's side of libs/bundle's verifyBundleCore, whose checks `plaza verify` runs too: the same checks in
// the same order, with the same names, messages and locations (verifier.spec.ts compares the two reports on
// honest and tampered bundles). What is the browser's own: I/O (a BundleSource, every file downloaded whole),
// hashing (WebCrypto, asynchronous, so in batches: the ledger goes to the core as one block, its leaves hashed
// together and the roots at every checkpoint folded level by level, see PrefixRoots), progress, and the report's
// extras (the round's name, proposal titles, the recount unit by unit, timings).

// Node reads files as UTF-8 with replacement characters and keeps a byte order mark: the same here.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const bytes = (data: Uint8Array | string): Uint8Array => (typeof data === 'string' ? utf8(data) : data);
const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * The tree over the ledger's leaves with batched WebCrypto node hashes: the leaves are kept and every append
 * folds them all again (PrefixRoots), which costs nothing extra as the ledger comes as one block.
 */
function prefixRootsTree(onHashes: (done: number) => void, signal?: AbortSignal): LeafTree {
  let all = new Uint8Array(0);
  let size = 0;
  return {
    append: async (leaves, count, sizes) => {
      const grown = new Uint8Array(32 * (size + count));
      grown.set(all.subarray(0, 32 * size));
      grown.set(leaves.subarray(0, 32 * count), 32 * size);
      all = grown;
      size += count;
      const tree = await PrefixRoots.build(all, size, onHashes, signal);
      const roots = await tree.roots(sizes, signal);
      return sizes.map((s) => roots.get(s)!);
    },
  };
}

/**
 * Verifies a Plaza audit bundle (format version 1) in a browser or worker: every file digest, the signer's key,
 * every checkpoint's signature and consistency proof, every leaf hash of the round's entries and every checkpoint
 * root, then the round's replay (RoundAudit) and the recount of every declared result with libs/recount, and the
 * derived files. Runs in Node too (the specs). Rejects only on I/O errors, an unusable pinned key, a missing
 * WebCrypto or an abort; everything found about the bundle is in the report.
 */
export async function verifyBundleInBrowser(source: BundleSource, options: BrowserVerifyOptions = {}): Promise<BrowserVerifyReport> {
  const { signal } = options;
  const progress = (phase: VerifyProgress['phase'], done: number, total: number) => options.onProgress?.({ phase, done, total });

  // --- files: each downloaded whole, once ---
  const files = new Map<string, Uint8Array>();
  const loaded = new Map<string, number>();
  let expectedBytes = 0;
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
  const digestOf = async (name: string) => {
    const b = files.get(name);
    return b ? { sha256: toHex(await sha256(b)), bytes: b.length } : undefined;
  };
  const bundleFiles: VerifyFiles = {
    manifest: () => source.manifest(),
    names: async (listed) => {
      expectedBytes = [...listed.values()].reduce((a, f) => a + (Number.isSafeInteger(f.bytes) && f.bytes > 0 ? f.bytes : 0), 0);
      if (source.list) {
        const present = (await source.list()).filter((n) => n !== MANIFEST_FILE);
        await Promise.all(present.map(fetchFile));
        return present;
      }
      // Over HTTP nothing lists the bundle: ask for every listed file and the ones every bundle has.
      const candidates = [...new Set([...listed.keys(), LEDGER_FILE, CHECKPOINTS_FILE, PUBLIC_KEY_FILE, RESULTS_FILE])].filter((n) => n !== MANIFEST_FILE);
      const got = await Promise.all(candidates.map(fetchFile));
      return candidates.filter((_, i) => got[i] !== undefined);
    },
    read: async (name) => files.get(name),
    digest: digestOf,
    ledger: () => {
      const ledger = files.get(LEDGER_FILE);
      if (!ledger) return undefined;
      // One block (and what follows the last newline, if anything): WebCrypto hashes go fastest many at once.
      const end = ledger.lastIndexOf(0x0a) + 1;
      return (async function* () {
        if (end > 0) yield ledger.subarray(0, end);
        if (end < ledger.length) yield ledger.subarray(end);
      })();
    },
    // A file the manifest does not list may still be served.
    late: source.list ? undefined : async (name) => ((await fetchFile(name)) ? digestOf(name) : undefined),
    decode: (b, start, end) => decoder.decode(b.subarray(start, end)),
  };

  // --- hashing: leaves, then the tree's node hashes, one progress count ---
  let leavesDone = 0;
  let hashTotal = 0;
  const webCrypto: VerifyCrypto<Ed25519Key> = {
    sha256,
    nodeHash,
    importEd25519,
    verifyEd25519,
    leafHashes: async (block, starts, ends) => {
      // The tree's share is only known once the leaves are checked: as many node hashes as leaves, at most.
      hashTotal = leavesDone + starts.length + PrefixRoots.hashesFor(starts.length);
      const out = await leafHashes(block, Array.from(starts), Array.from(ends), (done) => progress('hashing', leavesDone + done, hashTotal), signal);
      leavesDone += starts.length;
      return out;
    },
    tree: () =>
      prefixRootsTree((done) => progress('hashing', Math.min(leavesDone + done, hashTotal), hashTotal), signal),
    isFatal: (e) => (e as { code?: string } | null)?.code === 'webcrypto-unavailable',
  };

  // --- what the report shows beside the checks: names and titles from the round's own entries ---
  const titles = new Map<string, string>();
  let unitNames: Map<string, { name: string; budget: number }> | undefined;
  let roundName: string | undefined;
  let currency: string | undefined;
  const noteRoundFacts = (_index: number, event: unknown): void => {
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
  };

  const ledgerBytes = () => files.get(LEDGER_FILE)?.length ?? 0;
  const trustedKey = typeof options.trustedKey === 'string' ? options.trustedKey : options.trustedKey?.verifierKey;
  const core = await verifyBundleCore(bundleFiles, webCrypto, {
    trustedKey,
    keyPinned: options.trustedKey !== undefined,
    pinnedKeyError: (message) => new PinnedKeyError(message),
    witnesses: options.witnesses,
    quorum: options.quorum,
    witnessError: (message) => new PinnedKeyError(`witness keys: ${message}`),
    onEvent: noteRoundFacts,
    onProgress: (phase, done, total) => progress(phase, done, phase === 'ledger' ? ledgerBytes() : total),
    signal,
    now,
  });

  const { failures, roundReport, marks, checkpoints } = core;
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
    roundId: core.roundId,
    roundName,
    currency,
    origin: core.origin,
    keyId: core.keyId,
    keyPinned: options.trustedKey !== undefined,
    counts: { entries: core.ledger.entries, roundEntries: core.ledger.roundEntries, checkpoints: core.ledger.checkpoints, checkpointsVerified: core.ledger.checkpointsVerified },
    ledgerRoot: core.ledger.root,
    latestCheckpoint: last ? { size: last.size, rootHash: toBase64(last.root), time: last.time } : undefined,
    checks,
    failures,
    failure: failures[0],
    recount,
    proposalTitles,
    round: roundReport ? (round as BrowserVerifyReport['round']) : undefined,
    ...(core.witnessReport ? { witnesses: core.witnessReport } : {}),
    elapsedMs: now() - marks.started,
    timings: { downloadMs: marks.files[1] - marks.files[0], ledgerMs: marks.ledger[1] - marks.ledger[0], recountMs: marks.recount[1] - marks.recount[0] },
  };
}
