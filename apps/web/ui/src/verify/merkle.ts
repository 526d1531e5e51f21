import { nodeHashes } from './webcrypto';

/** SHA-256 of nothing: the RFC 9162 root of the empty tree. */
export { EMPTY_ROOT_HEX } from './libs';

/**
 * RFC 9162 roots of prefixes of one list of leaf hashes, computed with batched WebCrypto hashes instead of the
 * one-hash-at-a-time CompactRange of libs/ledger (the same tree, the same roots: merkle.spec.ts compares them).
 *
 * Level h holds the roots of the perfect subtrees of 2^h leaves aligned at multiples of 2^h: every level is one
 * batch of node hashes. The root of the first `size` leaves folds the perfect subtrees its binary digits name
 * (largest first) from the right, popcount(size) − 1 more hashes; the roots of many sizes are folded together,
 * one batch per step.
 */
export class PrefixRoots {
  private constructor(private readonly levels: readonly Uint8Array[]) {}

  /** Level 0 is `leaves` itself (32 bytes per leaf, `count` leaves). */
  static async build(leaves: Uint8Array, count: number, onHashes?: (done: number) => void, signal?: AbortSignal): Promise<PrefixRoots> {
    const levels: Uint8Array[] = [leaves.subarray(0, 32 * count)];
    let done = 0;
    for (let n = count; n >= 2; n = Math.floor(n / 2)) {
      const below = levels[levels.length - 1];
      const pairs = Math.floor(n / 2);
      const base = done;
      levels.push(
        await nodeHashes(
          pairs,
          (i) => below.subarray(64 * i, 64 * i + 32),
          (i) => below.subarray(64 * i + 32, 64 * i + 64),
          (k) => onHashes?.(base + k),
          signal,
        ),
      );
      done += pairs;
    }
    return new PrefixRoots(levels);
  }

  /** Node hashes build() needs for `count` leaves (for progress bars). */
  static hashesFor(count: number): number {
    let total = 0;
    for (let n = count; n >= 2; n = Math.floor(n / 2)) total += Math.floor(n / 2);
    return total;
  }

  get size(): number {
    return this.levels[0].length / 32;
  }

  /** The roots of the first `size` leaves for each of `sizes` (1 ≤ size ≤ this.size), by size. */
  async roots(sizes: readonly number[], signal?: AbortSignal): Promise<Map<number, Uint8Array>> {
    const wanted = [...new Set(sizes)];
    // The perfect subtrees of each prefix, largest first.
    const parts = wanted.map((size) => {
      if (!Number.isSafeInteger(size) || size < 1 || size > this.size) throw new RangeError(`no prefix of ${size} leaves in a tree of ${this.size}`);
      const out: Uint8Array[] = [];
      let offset = 0;
      for (let h = this.levels.length - 1; h >= 0; h--) {
        const width = 2 ** h;
        if (Math.floor(size / width) % 2 === 1) {
          const i = offset / width;
          out.push(this.levels[h].subarray(32 * i, 32 * i + 32));
          offset += width;
        }
      }
      return out;
    });
    // Fold every prefix from the right at once: step k hashes the k-th subtree from the end into the running root.
    const acc = parts.map((p) => p[p.length - 1]);
    for (let step = 2; ; step++) {
      const active = parts.map((p, j) => (p.length >= step ? j : -1)).filter((j) => j >= 0);
      if (active.length === 0) break;
      const hashes = await nodeHashes(
        active.length,
        (k) => parts[active[k]][parts[active[k]].length - step],
        (k) => acc[active[k]],
        undefined,
        signal,
      );
      active.forEach((j, k) => (acc[j] = hashes.subarray(32 * k, 32 * k + 32)));
    }
    return new Map(wanted.map((size, j) => [size, acc[j]]));
  }
}
