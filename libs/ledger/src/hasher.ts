import { createHash, hash as oneShotHash } from 'node:crypto';
import { bytesEqual } from './bytes';

/** Bytes in every hash of the tree (SHA-256). */
export const HASH_SIZE = 32;

/** RFC 9162 §2.1.1 domain separation prefixes. */
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

// One-shot hashing of a reused buffer avoids a Hash object and two update() calls per hash, which
// roughly halves the cost of node hashes (measured on Node 20). Node is single-threaded and these
// functions never yield, so sharing the scratch buffers is safe. Nothing here touches Buffer while the
// module loads, so a browser bundle can import the lib's pure parts (the browser verifier hashes with
// WebCrypto instead of these functions).
const nodeScratch = new Uint8Array(1 + 2 * HASH_SIZE);
nodeScratch[0] = NODE_PREFIX;
let leafScratch: Buffer | undefined;
const hasOneShot = typeof oneShotHash === 'function';

function sha256(data: Uint8Array): Buffer {
  return hasOneShot ? oneShotHash('sha256', data, 'buffer') : createHash('sha256').update(data).digest();
}

/** SHA-256 of the empty string: the root of the empty tree (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

/** The root of the empty tree, as a fresh copy the caller may keep or mutate. */
export function emptyRoot(): Buffer {
  return Buffer.from(EMPTY_ROOT);
}

/**
 * RFC 9162 leaf hash: SHA-256(0x00 ‖ bytes). A string is hashed as its UTF-8 encoding without an
 * intermediate Buffer (pass `canonicalJson(event)` for the fastest path).
 */
export function leafHash(bytes: Uint8Array | string): Buffer {
  // UTF-8 needs at most 3 bytes per UTF-16 code unit.
  const needed = 1 + (typeof bytes === 'string' ? bytes.length * 3 : bytes.length);
  if (needed > 1 << 20) {
    // Big entries are rare; don't let one of them pin a large scratch buffer for the process lifetime.
    const h = createHash('sha256').update(Buffer.of(LEAF_PREFIX));
    return (typeof bytes === 'string' ? h.update(bytes, 'utf8') : h.update(bytes)).digest();
  }
  leafScratch ??= Buffer.alloc(4096);
  if (needed > leafScratch.length) leafScratch = Buffer.alloc(Math.max(needed, leafScratch.length * 2));
  leafScratch[0] = LEAF_PREFIX;
  let length: number;
  if (typeof bytes === 'string') {
    length = 1 + leafScratch.write(bytes, 1, 'utf8');
  } else {
    leafScratch.set(bytes, 1);
    length = needed;
  }
  return sha256(leafScratch.subarray(0, length));
}

/** RFC 9162 interior node hash: SHA-256(0x01 ‖ left ‖ right). Both children must be 32 bytes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new RangeError(`node children must be ${HASH_SIZE}-byte hashes, got ${left.length} and ${right.length}`);
  }
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return sha256(nodeScratch);
}

/** True when `h` has the length of a tree hash. */
export function isHash(h: unknown): h is Uint8Array {
  return h instanceof Uint8Array && h.length === HASH_SIZE;
}

/** Byte equality of two hashes (length included). Hashes here are public, so no constant-time need. */
export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return bytesEqual(a, b);
}
