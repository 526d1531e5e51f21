// Tree sizes and indexes are JavaScript numbers. Bitwise operators would truncate them to 32 bits,
// so everything here uses arithmetic that stays exact up to Number.MAX_SAFE_INTEGER.

/** Throws a RangeError unless `n` is a non-negative safe integer. */
export function assertSize(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative safe integer, got ${n}`);
}

export function isOdd(n: number): boolean {
  return n % 2 === 1;
}

export function half(n: number): number {
  return Math.floor(n / 2);
}

/** Largest power of two strictly smaller than n (n ≥ 2), the split point `k` of RFC 9162 §2.1.1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/** Number of set bits: the number of perfect subtrees in a tree of size n. */
export function popCount(n: number): number {
  let c = 0;
  while (n > 0) {
    if (isOdd(n)) c++;
    n = half(n);
  }
  return c;
}
