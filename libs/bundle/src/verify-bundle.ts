import { createHash, verify as edVerify, type KeyObject } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CompactRange, importPublicKeyRaw, nodeHash } from '@plaza/ledger';
import { LEDGER_FILE, MANIFEST_FILE } from './format';
import { ledgerHasher, type LedgerHasher } from './leaf-hasher';
import { VERIFY_CHECKS, type VerifyCheck } from './checks';
import type { RoundAuditReport } from './round-audit';
import { verifyBundleCore, type FileSha256, type LeafTree, type VerifyCrypto, type VerifyFailure, type VerifyFiles, type WitnessReport } from './verify-core';

export type { BundleCheck, VerifyCheck } from './checks';
export type { VerifyFailure, WitnessReport, WitnessResult } from './verify-core';

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
  /** With --witness: which witnesses cosigned the checkpoint covering the round, against the quorum. */
  readonly witnesses?: WitnessReport;
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
  /** Witness verifier keys whose cosignatures the checkpoint covering the round must carry (--witness). */
  readonly witnesses?: readonly string[];
  /** How many of them (--quorum; default all). */
  readonly quorum?: number;
  /** Called while ledger.jsonl is read. */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Hash on a worker thread while the main thread replays (default); false keeps everything on one thread. */
  readonly worker?: boolean;
  /** Bytes read from ledger.jsonl at a time (default 4 MiB); lines longer than this span several reads. */
  readonly readBytes?: number;
}


const NEWLINE = 0x0a;

function sha256File(path: string): Promise<FileSha256> {
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

/** The bundle directory as verifyBundleCore reads it; ledger.jsonl streamed in 4 MB blocks of whole lines. */
function directoryFiles(dir: string, hasher: LedgerHasher, onProgress: VerifyOptions['onProgress'], readBytes = 4 << 20): VerifyFiles {
  const path = (name: string) => join(dir, name);
  let ledgerBytes = 0;
  return {
    manifest: async () => (existsSync(path(MANIFEST_FILE)) ? readFileSync(path(MANIFEST_FILE), 'utf8') : undefined),
    names: async () => (existsSync(dir) ? readdirSync(dir) : []),
    read: async (name) => (existsSync(path(name)) ? readFileSync(path(name), 'utf8') : undefined),
    digest: async (name) => {
      // The hasher digested ledger.jsonl while the ledger pass gave it every block.
      if (name === LEDGER_FILE) return { sha256: await hasher.digest(), bytes: ledgerBytes };
      return statSync(path(name)).isFile() ? sha256File(path(name)) : undefined;
    },
    ledger: () => {
      const ledgerPath = path(LEDGER_FILE);
      if (!existsSync(ledgerPath)) return undefined;
      return (async function* () {
        const total = statSync(ledgerPath).size;
        let carry: Buffer | undefined;
        for await (const chunk of createReadStream(ledgerPath, { highWaterMark: readBytes })) {
          const buf = chunk as Buffer;
          ledgerBytes += buf.length;
          const last = buf.lastIndexOf(NEWLINE);
          if (last < 0) {
            carry = carry ? Buffer.concat([carry, buf]) : Buffer.from(buf);
            continue;
          }
          yield carry ? Buffer.concat([carry, buf.subarray(0, last + 1)]) : buf.subarray(0, last + 1);
          carry = last + 1 < buf.length ? Buffer.from(buf.subarray(last + 1)) : undefined;
          onProgress?.(ledgerBytes, total);
        }
        // A last line without its newline still belongs to the file's digest.
        if (carry && carry.length > 0) yield carry;
      })();
    },
    decode: (bytes, start, end) => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)).toString('utf8', start, end),
  };
}

/** libs/ledger's CompactRange: one node hash per leaf appended (amortized), a root where asked. */
function compactRangeTree(): LeafTree {
  const range = new CompactRange();
  return {
    append: async (leaves, count, sizes) => {
      const roots: Uint8Array[] = [];
      let j = 0;
      for (let i = 0; i < count; i++) {
        range.append(leaves.subarray(32 * i, 32 * i + 32));
        while (j < sizes.length && sizes[j] === range.size) {
          roots.push(range.root());
          j++;
        }
      }
      return roots;
    },
  };
}

/** node:crypto, with the ledger's leaves (and the file's digest) on the hasher. */
function nodeCrypto(hasher: LedgerHasher): VerifyCrypto<KeyObject> {
  return {
    sha256: async (data) => createHash('sha256').update(data).digest(),
    nodeHash: async (left, right) => nodeHash(left, right),
    importEd25519: async (raw) => importPublicKeyRaw(raw),
    verifyEd25519: async (key, signature, message) => edVerify(null, message, key, signature),
    leafHashes: (block, starts, ends) => hasher.block(Buffer.isBuffer(block) ? block : Buffer.from(block.buffer, block.byteOffset, block.length), starts, ends),
    tree: compactRangeTree,
  };
}

/**
 * Verifies a Plaza audit bundle directory offline: no services, no database (the checks: verifyBundleCore).
 * Streams ledger.jsonl once (memory bounded by the round's ballots, not by the ledger), recomputing every leaf
 * hash of the round and every checkpoint root, verifying every signature and consistency proof, replaying the
 * round (RoundAudit) and recomputing its results with libs/recount. Every byte of every file is covered: see
 * apps/audit/README.md.
 *
 * Work and memory: SHA-256 of the file and of every leaf runs on a worker thread (LedgerHasher) while the main
 * thread parses and replays the same 4 MB block; what stays in memory is the replay's per-voter state (an id, the
 * pseudonym, the latest ballot with its event id, shared choice lists: about 270 bytes per voter) plus the round's
 * other streams, never the ledger's lines; the derived files are hashed piece by piece, never held whole.
 */
export async function verifyBundle(dir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const hasher = ledgerHasher({ worker: options.worker });
  let core: Awaited<ReturnType<typeof verifyBundleCore>>;
  try {
    core = await verifyBundleCore(directoryFiles(dir, hasher, options.onProgress, options.readBytes), nodeCrypto(hasher), {
      trustedKey: options.trustedKey,
      keyPinned: options.trustedKey !== undefined,
      pinnedKeyError: (message) => new Error(`--key is not a C2SP verifier key: ${message}`),
      witnesses: options.witnesses,
      quorum: options.quorum,
      witnessError: (message) => new Error(`--witness: ${message}`),
    });
  } finally {
    await hasher.close();
  }
  const { failures, roundReport, marks } = core;
  const failed = new Set(failures.map((f) => f.check));
  const { files: _files, fileDigests: _fd, failures: _rf, ...round } = roundReport ?? { files: undefined, fileDigests: undefined, failures: undefined };
  return {
    ok: failures.length === 0,
    bundle: dir,
    roundId: core.roundId,
    origin: core.origin,
    keyId: core.keyId,
    keyPinned: options.trustedKey !== undefined,
    ledger: core.ledger,
    round: roundReport ? (round as VerifyReport['round']) : undefined,
    ...(core.witnessReport ? { witnesses: core.witnessReport } : {}),
    checks: VERIFY_CHECKS.map((check) => ({ check, ok: !failed.has(check) })),
    failures,
    failure: failures[0],
    elapsedMs: Date.now() - marks.started,
    timings: { ledgerMs: marks.ledger[1] - marks.started, recountMs: Date.now() - marks.recount[0] },
  };
}
