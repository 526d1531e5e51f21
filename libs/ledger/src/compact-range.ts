import { LedgerError } from './errors';
import { EMPTY_ROOT, HASH_SIZE, isHash, nodeHash } from './hasher';
import { assertSize, half, isOdd, popCount } from './tree-math';

/** Serializable state of a CompactRange: what a service persists to resume appending after a restart. */
export interface CompactRangeState {
  /** Number of leaves appended so far. */
  readonly size: number;
  /**
   * Roots of the perfect subtrees covering leaves [0, size), left to right (largest first), one
   * per set bit of `size`, base64-encoded.
   */
  readonly hashes: readonly string[];
}

/**
 * The "frontier" of a growing RFC 9162 tree (transparency-dev/merkle `compact.Range` starting at 0):
 * the roots of the perfect subtrees that cover all leaves appended so far. Appending costs
 * amortized one node hash and at most log2(n); the current root costs popcount(n) − 1 node hashes;
 * memory is O(log n). Used by the audit service to keep its root without the whole tree, and by
 * the streaming verifier.
 */
export class CompactRange {
  #size: number;
  // hashes[0] is the leftmost (largest) subtree.
  #hashes: Buffer[];

  constructor() {
    this.#size = 0;
    this.#hashes = [];
  }

  /** Rebuilds a range from its persisted state; throws LedgerError if the state is inconsistent. */
  static fromState(state: CompactRangeState): CompactRange {
    assertSize('size', state.size);
    if (!Array.isArray(state.hashes) || state.hashes.length !== popCount(state.size)) {
      throw new LedgerError(`compact range of size ${state.size} needs ${popCount(state.size)} hashes, got ${state.hashes?.length}`);
    }
    const hashes = state.hashes.map((h, i) => {
      const b = typeof h === 'string' ? Buffer.from(h, 'base64') : Buffer.alloc(0);
      if (!isHash(b) || b.toString('base64') !== h) throw new LedgerError(`compact range hash ${i} is not a base64 ${HASH_SIZE}-byte hash`);
      return b;
    });
    const range = new CompactRange();
    range.#size = state.size;
    range.#hashes = hashes;
    return range;
  }

  /** Number of leaves appended. */
  get size(): number {
    return this.#size;
  }

  /** Appends one leaf hash (32 bytes, e.g. from `leafHash(canonicalBytes(event))`). */
  append(leafHash: Uint8Array): void {
    if (!isHash(leafHash)) throw new LedgerError(`leaf hash must be ${HASH_SIZE} bytes`);
    if (this.#size >= Number.MAX_SAFE_INTEGER) throw new LedgerError('compact range is full');
    // Each trailing 1-bit of the old size is a perfect subtree of the same height as the one being
    // carried in: merge them like a binary counter increment.
    let carry: Buffer = Buffer.from(leafHash);
    let s = this.#size;
    while (isOdd(s)) {
      carry = nodeHash(this.#hashes.pop() as Buffer, carry);
      s = half(s);
    }
    this.#hashes.push(carry);
    this.#size++;
  }

  /** Root hash of the tree of the current size (the empty-tree root for size 0). */
  root(): Buffer {
    const h = this.#hashes;
    if (h.length === 0) return Buffer.from(EMPTY_ROOT);
    let r = h[h.length - 1];
    for (let i = h.length - 2; i >= 0; i--) r = nodeHash(h[i], r);
    return Buffer.from(r);
  }

  /** The perfect-subtree roots, largest first (copies). */
  hashes(): Buffer[] {
    return this.#hashes.map((h) => Buffer.from(h));
  }

  /** State to persist; `CompactRange.fromState(range.toState())` resumes exactly here. */
  toState(): CompactRangeState {
    return { size: this.#size, hashes: this.#hashes.map((h) => h.toString('base64')) };
  }

  /** An independent copy. */
  clone(): CompactRange {
    const c = new CompactRange();
    c.#size = this.#size;
    c.#hashes = this.#hashes.slice();
    return c;
  }
}
