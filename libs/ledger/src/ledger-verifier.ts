import { KeyObject } from 'node:crypto';
import { CompactRange } from './compact-range';
import { Checkpoint, SignedCheckpoint, VerifyCheckpointOptions, checkpointTimeMillis, verifyCheckpoint } from './checkpoint';
import { CheckpointError, LedgerError } from './errors';
import { EMPTY_ROOT, hashesEqual, isHash, leafHash } from './hasher';
import { PublicKeyInput, toPublicKey } from './keys';

/** One ledger entry as a bundle streams it, in index order. */
export interface LedgerEntryInput {
  readonly index: number;
  /** The leaf hash the bundle claims. */
  readonly leafHash: Uint8Array;
  /**
   * The entry's canonical bytes (RFC 8785 JSON of the event envelope), or that JSON as a string
   * (hashed as UTF-8, which spares a Buffer per entry).
   */
  readonly canonical: Uint8Array | string;
  /** Event id, only used to make a failure report readable. */
  readonly eventId?: string;
}

/** Names of the checks the verifier runs, stable for reports and tests. */
export type LedgerCheck =
  | 'entry-index' // gap, duplicate or reordering of indexes
  | 'leaf-hash' // leaf hash ≠ SHA-256(0x00 ‖ canonical bytes)
  | 'checkpoint-signature' // malformed note or body, unknown key, bad signature, wrong origin
  | 'checkpoint-time' // time not strictly after the previous checkpoint's
  | 'checkpoint-size' // size below the previous checkpoint's
  | 'checkpoint-late' // checkpoint added after the stream passed its size (caller error)
  | 'checkpoint-root' // root recomputed from the entries ≠ signed root
  | 'checkpoint-beyond-end'; // signed size larger than the number of entries: entries missing at the end

/** The first check that failed. */
export interface LedgerFailure {
  readonly check: LedgerCheck;
  readonly message: string;
  /** Entry index where the failure shows (for checkpoint-root: the last entry of the checkpoint). */
  readonly index?: number;
  readonly eventId?: string;
  /** The checkpoint involved, if any. */
  readonly checkpointSize?: number;
  readonly checkpointTime?: string;
  /** Hex of the hash computed from the data. */
  readonly calculated?: string;
  /** Hex of the hash the bundle or checkpoint claims. */
  readonly expected?: string;
}

/** Outcome of a verification run. */
export interface LedgerVerificationReport {
  readonly ok: boolean;
  readonly entries: number;
  readonly checkpointsVerified: number;
  /** Root of all entries streamed (hex). */
  readonly root: string;
  readonly failure?: LedgerFailure;
}

/**
 * Streaming verifier of a ledger export. Feed every signed checkpoint (addCheckpoint) before the
 * entries reach its size — simplest is all checkpoints first, they are few — then every entry in
 * index order (addEntry), then call finish(). Memory stays bounded: only the compact range of the
 * entries (O(log n) hashes) and the checkpoints not yet reached are kept.
 *
 * Each checkpoint's root is recomputed from the streamed leaves when the stream reaches its size.
 * Because all checkpoint roots are recomputed from one sequence of leaves, every pair of
 * checkpoints is consistent by construction, so no consistency proof is needed here; use
 * verifyConsistency when only two roots and a proof are available.
 *
 * The first failure is kept and reported; later input is ignored.
 */
export class LedgerVerifier {
  readonly #range = new CompactRange();
  readonly #publicKey: KeyObject;
  readonly #options: VerifyCheckpointOptions;
  // Checkpoints whose size the stream has not reached yet, in the order added (sizes non-decreasing).
  readonly #pending: Checkpoint[] = [];
  #lastCheckpoint: Checkpoint | undefined;
  #lastEventId: string | undefined;
  #verified = 0;
  #failure: LedgerFailure | undefined;

  constructor(options: { publicKey: PublicKeyInput; keyName?: string; origin?: string }) {
    this.#publicKey = toPublicKey(options.publicKey);
    this.#options = { keyName: options.keyName, origin: options.origin };
  }

  /** The first failure so far, if any. */
  get failure(): LedgerFailure | undefined {
    return this.#failure;
  }

  /** Number of entries accepted so far. */
  get size(): number {
    return this.#range.size;
  }

  /** Adds a signed checkpoint (object or note text); returns the first failure so far, if any. */
  addCheckpoint(signed: SignedCheckpoint | string): LedgerFailure | undefined {
    if (this.#failure) return this.#failure;
    let cp: Checkpoint;
    try {
      cp = verifyCheckpoint(signed, this.#publicKey, this.#options);
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      const reason = e instanceof CheckpointError ? ` (${e.reason})` : '';
      return this.#fail({ check: 'checkpoint-signature', message: `checkpoint rejected${reason}: ${e.message}` });
    }
    const at = { checkpointSize: cp.size, checkpointTime: cp.time };
    const prev = this.#lastCheckpoint;
    if (prev !== undefined) {
      if (checkpointTimeMillis(cp.time) <= checkpointTimeMillis(prev.time)) {
        return this.#fail({ check: 'checkpoint-time', message: `checkpoint time ${cp.time} is not after the previous ${prev.time}`, ...at });
      }
      if (cp.size < prev.size) {
        return this.#fail({ check: 'checkpoint-size', message: `checkpoint size ${cp.size} is below the previous ${prev.size}`, ...at });
      }
    }
    this.#lastCheckpoint = cp;
    if (cp.size < this.#range.size) {
      return this.#fail({
        check: 'checkpoint-late',
        message: `checkpoint of size ${cp.size} was added after ${this.#range.size} entries; add checkpoints before the entries they cover`,
        ...at,
      });
    }
    this.#pending.push(cp);
    return this.#settleReached();
  }

  /** Adds the next entry; returns the first failure so far, if any. */
  addEntry(entry: LedgerEntryInput): LedgerFailure | undefined {
    if (this.#failure) return this.#failure;
    const expectedIndex = this.#range.size;
    const where = { index: entry.index, eventId: entry.eventId };
    if (entry.index !== expectedIndex) {
      const kind = entry.index < expectedIndex ? 'duplicate or out of order' : 'gap';
      return this.#fail({ check: 'entry-index', message: `expected entry ${expectedIndex}, got ${entry.index} (${kind})`, ...where });
    }
    const calculated = leafHash(entry.canonical);
    if (!isHash(entry.leafHash) || !hashesEqual(calculated, entry.leafHash)) {
      return this.#fail({
        check: 'leaf-hash',
        message: `leaf hash of entry ${entry.index} does not match its canonical bytes`,
        calculated: calculated.toString('hex'),
        expected: Buffer.from(entry.leafHash ?? []).toString('hex'),
        ...where,
      });
    }
    this.#range.append(calculated);
    this.#lastEventId = entry.eventId;
    return this.#settleReached();
  }

  /** Ends the stream: fails if a checkpoint covers more entries than were given. */
  finish(): LedgerVerificationReport {
    if (!this.#failure && this.#pending.length > 0) {
      const cp = this.#pending[0];
      this.#fail({
        check: 'checkpoint-beyond-end',
        message: `checkpoint covers ${cp.size} entries but only ${this.#range.size} were given`,
        index: this.#range.size,
        checkpointSize: cp.size,
        checkpointTime: cp.time,
      });
    }
    return {
      ok: this.#failure === undefined,
      entries: this.#range.size,
      checkpointsVerified: this.#verified,
      root: this.#range.root().toString('hex'),
      failure: this.#failure,
    };
  }

  // Checks the root of every pending checkpoint whose size the stream has reached.
  #settleReached(): LedgerFailure | undefined {
    while (this.#pending.length > 0 && this.#pending[0].size === this.#range.size) {
      const cp = this.#pending.shift() as Checkpoint;
      const root = cp.size === 0 ? Buffer.from(EMPTY_ROOT) : this.#range.root();
      if (!hashesEqual(root, cp.root)) {
        return this.#fail({
          check: 'checkpoint-root',
          message: `root of the first ${cp.size} entries does not match the checkpoint signed at ${cp.time}`,
          index: cp.size > 0 ? cp.size - 1 : undefined,
          eventId: cp.size > 0 ? this.#lastEventId : undefined,
          checkpointSize: cp.size,
          checkpointTime: cp.time,
          calculated: root.toString('hex'),
          expected: Buffer.from(cp.root).toString('hex'),
        });
      }
      this.#verified++;
    }
    return undefined;
  }

  #fail(failure: LedgerFailure): LedgerFailure {
    this.#failure = failure;
    return failure;
  }
}
