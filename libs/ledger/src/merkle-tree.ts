import { LedgerError, ProofError } from './errors';
import { EMPTY_ROOT, HASH_SIZE, isHash, nodeHash } from './hasher';
import { assertSize, half, isOdd, isPowerOfTwo, splitPoint } from './tree-math';

/** One level of the tree: `count` hashes stored back to back in `buf`. */
interface Level {
  buf: Buffer;
  count: number;
}

const INITIAL_CAPACITY = 1024;

/**
 * An in-memory RFC 9162 Merkle tree that keeps every complete subtree hash, so it can answer the
 * root, inclusion proofs and consistency proofs for any past size. Appending is amortized O(1)
 * node hashes (at most log2 n); proofs and past roots cost O(log² n) hashes at worst (right-border
 * subtrees are rehashed). Memory is about 2n × 32 bytes in a handful of contiguous buffers (≈ 64 MB
 * for a million leaves), so the audit service can rebuild it from its database at start-up.
 */
export class MerkleTree {
  // levels[k] holds the roots of the perfect subtrees of height k, left to right.
  readonly #levels: Level[] = [];
  #size = 0;

  /** Builds a tree from leaf hashes in index order (an array, a generator, a database cursor…). */
  static fromLeafHashes(leafHashes: Iterable<Uint8Array>): MerkleTree {
    const tree = new MerkleTree(Array.isArray(leafHashes) ? leafHashes.length : INITIAL_CAPACITY);
    for (const h of leafHashes) tree.append(h);
    return tree;
  }

  /** `capacityHint` pre-sizes the leaf level to avoid regrowing it while loading a known number of leaves. */
  constructor(capacityHint = INITIAL_CAPACITY) {
    this.#levels.push({ buf: Buffer.alloc(Math.max(1, capacityHint) * HASH_SIZE), count: 0 });
  }

  /** Number of leaves. */
  get size(): number {
    return this.#size;
  }

  /** Appends a leaf hash and returns its index. */
  append(leafHash: Uint8Array): number {
    if (!isHash(leafHash)) throw new LedgerError(`leaf hash must be ${HASH_SIZE} bytes`);
    const index = this.#size;
    this.#push(0, leafHash);
    // A left sibling now has its right partner: store their parent, and so on up while the new
    // node is a right child.
    let level = 0;
    let i = index;
    while (isOdd(i)) {
      const parent = nodeHash(this.#node(level, i - 1), this.#node(level, i));
      level++;
      i = half(i);
      this.#push(level, parent);
    }
    this.#size++;
    return index;
  }

  /** The leaf hash at `index` (a copy). */
  leafHashAt(index: number): Buffer {
    assertSize('index', index);
    if (index >= this.#size) throw new ProofError(`index ${index} out of range for tree size ${this.#size}`);
    return Buffer.from(this.#node(0, index));
  }

  /** Root of the tree at `size` (default: the current size); the empty-tree root for 0. */
  root(size: number = this.#size): Buffer {
    this.#checkSize('size', size);
    if (size === 0) return Buffer.from(EMPTY_ROOT);
    return this.#subtreeHash(0, size);
  }

  /**
   * Inclusion proof (RFC 9162 §2.1.3.1 PATH) of the leaf at `index` in the tree of `size` leaves,
   * from the leaf's sibling up to the root's child.
   */
  inclusionProof(index: number, size: number = this.#size): Buffer[] {
    this.#checkSize('size', size);
    assertSize('index', index);
    if (index >= size) throw new ProofError(`index ${index} out of range for tree size ${size}`);
    const proof: Buffer[] = [];
    this.#path(index, 0, size, proof);
    return proof;
  }

  /**
   * Consistency proof (RFC 9162 §2.1.4.1 PROOF) that the tree of `size1` leaves is a prefix of the
   * tree of `size2` leaves. Empty when size1 is 0 or equals size2.
   */
  consistencyProof(size1: number, size2: number = this.#size): Buffer[] {
    this.#checkSize('size2', size2);
    assertSize('size1', size1);
    if (size1 > size2) throw new ProofError(`size1 (${size1}) is larger than size2 (${size2})`);
    const proof: Buffer[] = [];
    if (size1 === 0 || size1 === size2) return proof;
    this.#subproof(size1, 0, size2, true, proof);
    return proof;
  }

  // PATH(m, D[begin:end]) with m relative to begin; appends bottom-up.
  #path(m: number, begin: number, end: number, out: Buffer[]): void {
    const n = end - begin;
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      this.#path(m, begin, begin + k, out);
      out.push(this.#subtreeHash(begin + k, end));
    } else {
      this.#path(m - k, begin + k, end, out);
      out.push(this.#subtreeHash(begin, begin + k));
    }
  }

  // SUBPROOF(m, D[begin:end], b) with m relative to begin.
  #subproof(m: number, begin: number, end: number, b: boolean, out: Buffer[]): void {
    const n = end - begin;
    if (m === n) {
      if (!b) out.push(this.#subtreeHash(begin, end));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      this.#subproof(m, begin, begin + k, b, out);
      out.push(this.#subtreeHash(begin + k, end));
    } else {
      this.#subproof(m - k, begin + k, end, false, out);
      out.push(this.#subtreeHash(begin, begin + k));
    }
  }

  // MTH(D[begin:end]) for the ranges RFC 9162 recursion produces: `begin` is a multiple of a power
  // of two ≥ end − begin, so the range is either a stored perfect subtree or splits into one plus a
  // smaller range of the same kind.
  #subtreeHash(begin: number, end: number): Buffer {
    const n = end - begin;
    if (isPowerOfTwo(n)) {
      let level = 0;
      let width = 1;
      while (width < n) {
        width *= 2;
        level++;
      }
      return Buffer.from(this.#node(level, begin / width));
    }
    const k = splitPoint(n);
    return nodeHash(this.#subtreeHash(begin, begin + k), this.#subtreeHash(begin + k, end));
  }

  #checkSize(name: string, size: number): void {
    assertSize(name, size);
    if (size > this.#size) throw new ProofError(`${name} ${size} is beyond the tree size ${this.#size}`);
  }

  #node(level: number, index: number): Buffer {
    const l = this.#levels[level];
    return l.buf.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }

  #push(level: number, hash: Uint8Array): void {
    let l = this.#levels[level];
    if (l === undefined) {
      const expected = Math.ceil(this.#levels[0].buf.length / HASH_SIZE / 2 ** level);
      l = { buf: Buffer.alloc(Math.max(INITIAL_CAPACITY, expected) * HASH_SIZE), count: 0 };
      this.#levels[level] = l;
    }
    const offset = l.count * HASH_SIZE;
    if (offset + HASH_SIZE > l.buf.length) {
      const grown = Buffer.alloc(l.buf.length * 2);
      l.buf.copy(grown, 0, 0, offset);
      l.buf = grown;
    }
    l.buf.set(hash, offset);
    l.count++;
  }
}
