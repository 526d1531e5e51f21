import { ProofError, RootMismatchError } from './errors';
import { EMPTY_ROOT, HASH_SIZE, hashesEqual, isHash, nodeHash } from './hasher';
import { assertSize, half, isOdd, isPowerOfTwo } from './tree-math';

// The two verification algorithms below are transcribed step by step from RFC 9162 §2.1.3.2 and
// §2.1.4.2 (the step numbers in comments refer to the RFC). Before running them we compute how
// many proof elements the same loop will consume, so a proof of the wrong length is reported as a
// ProofError with expected/actual lengths rather than as an opaque root mismatch.
//
// Each algorithm is written once, as a generator that yields the node hashes it needs (left, right)
// and is handed back each SHA-256(0x01 ‖ left ‖ right): the functions here drive it with the
// synchronous nodeHash, verifyConsistencyAsync with any asynchronous hash (a browser's WebCrypto).
// The generators touch no Buffer, so they run in a browser too.

/** The node hash one step of a proof computation asks for. */
export type NodeHashRequest = readonly [left: Uint8Array, right: Uint8Array];
/** A proof computation: yields node hash requests, gets each hash back, returns a root. */
export type ProofSteps = Generator<NodeHashRequest, Uint8Array, Uint8Array>;
/** SHA-256(0x01 ‖ left ‖ right), computed asynchronously. */
export type AsyncNodeHash = (left: Uint8Array, right: Uint8Array) => Promise<Uint8Array>;

function runSync(steps: ProofSteps): Buffer {
  let step = steps.next();
  while (!step.done) step = steps.next(nodeHash(step.value[0], step.value[1]));
  return Buffer.from(step.value);
}

async function runAsync(steps: ProofSteps, hash: AsyncNodeHash): Promise<Uint8Array> {
  let step = steps.next();
  while (!step.done) step = steps.next(await hash(step.value[0], step.value[1]));
  return step.value;
}

function checkHash(what: string, h: Uint8Array): void {
  if (!isHash(h)) throw new ProofError(`${what} must be a ${HASH_SIZE}-byte hash, got ${(h as Uint8Array | undefined)?.length ?? typeof h} bytes`);
}

function checkProofElements(proof: readonly Uint8Array[]): void {
  if (!Array.isArray(proof)) throw new ProofError('proof must be an array of hashes');
  proof.forEach((p, i) => checkHash(`proof[${i}]`, p));
}

/**
 * Number of elements in the inclusion proof of leaf `index` in a tree of `size` leaves
 * (requires index < size): the iterations of RFC 9162 §2.1.3.2 step 4 until `sn` reaches 0.
 */
export function inclusionProofLength(index: number, size: number): number {
  let fn = index;
  let sn = size - 1;
  let n = 0;
  while (sn !== 0) {
    if (isOdd(fn) || fn === sn) {
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    }
    fn = half(fn);
    sn = half(sn);
    n++;
  }
  return n;
}

/**
 * Number of elements in the consistency proof from `size1` to `size2` (0 < size1 < size2), as the
 * RFC 9162 §2.1.4.2 loop consumes them (the old root is not part of the proof when size1 is a power
 * of two).
 */
export function consistencyProofLength(size1: number, size2: number): number {
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let iterations = 0;
  while (sn !== 0) {
    if (isOdd(fn) || fn === sn) {
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    }
    fn = half(fn);
    sn = half(sn);
    iterations++;
  }
  return iterations + (isPowerOfTwo(size1) ? 0 : 1);
}

/**
 * Computes the root of a tree of `size` leaves from the leaf hash at `index` and its inclusion
 * proof (RFC 9162 §2.1.3.2 steps 1–4). Throws ProofError for an index out of range or a proof of
 * the wrong length; compare the result with a trusted root yourself, or use verifyInclusion.
 */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
): Buffer {
  return runSync(inclusionSteps(leafHash, index, size, proof));
}

/** rootFromInclusionProof's algorithm, asking for its node hashes (see ProofSteps). */
export function* inclusionSteps(leafHash: Uint8Array, index: number, size: number, proof: readonly Uint8Array[]): ProofSteps {
  assertSize('index', index);
  assertSize('size', size);
  // Step 1.
  if (index >= size) throw new ProofError(`index ${index} out of range for tree size ${size}`);
  checkHash('leaf hash', leafHash);
  checkProofElements(proof);
  const expectedLength = inclusionProofLength(index, size);
  if (proof.length !== expectedLength) {
    throw new ProofError(
      `inclusion proof for index ${index} in size ${size} needs ${expectedLength} hashes, got ${proof.length}`,
      expectedLength,
      proof.length,
    );
  }
  // Steps 2 and 3.
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leafHash;
  // Step 4.
  for (const p of proof) {
    // 4a. Unreachable after the length check; kept so the loop is the RFC's, not a variant of it.
    if (sn === 0) throw new ProofError('inclusion proof is longer than the path to the root');
    if (isOdd(fn) || fn === sn) {
      r = yield [p, r];
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = yield [r, p];
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5, first half.
  if (sn !== 0) throw new ProofError('inclusion proof is shorter than the path to the root');
  return r;
}

/**
 * Verifies that `leafHash` is the leaf at `index` of the tree of `size` leaves whose root is
 * `root` (RFC 9162 §2.1.3.2). Throws ProofError for malformed input and RootMismatchError (with
 * the calculated and expected roots) when the proof does not lead to `root`.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  const calculated = rootFromInclusionProof(leafHash, index, size, proof);
  checkHash('root', root);
  if (!hashesEqual(calculated, root)) throw new RootMismatchError(size, calculated, root);
}

/** verifyInclusion with node hashes from `hash` (e.g. WebCrypto's SHA-256 in a browser): the same checks and errors. */
export async function verifyInclusionAsync(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
  hash: AsyncNodeHash,
): Promise<void> {
  const calculated = await runAsync(inclusionSteps(leafHash, index, size, proof), hash);
  checkHash('root', root);
  if (!hashesEqual(calculated, root)) throw new RootMismatchError(size, calculated, root);
}

/**
 * Verifies that the tree of `size1` leaves with root `root1` is a prefix of the tree of `size2`
 * leaves with root `root2` (RFC 9162 §2.1.4.2).
 *
 * The RFC defines proofs for 0 < size1 < size2. Like transparency-dev/merkle we also accept
 * size1 = size2 (empty proof, roots must be equal) and size1 = 0 (empty proof: the empty tree is a
 * prefix of every tree); in the latter case we additionally require root1 to be the empty-tree
 * root, since any other value cannot be the root of size 0.
 *
 * Throws ProofError for malformed input, RootMismatchError (size = size1 or size2) otherwise.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  const steps = consistencyCheckSteps(size1, size2, proof, root1, root2);
  if (steps) runSync(steps);
}

/**
 * verifyConsistency with node hashes from `hash` (e.g. WebCrypto's SHA-256 in a browser): the same
 * algorithm, checks and errors.
 */
export async function verifyConsistencyAsync(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
  hash: AsyncNodeHash,
): Promise<void> {
  const steps = consistencyCheckSteps(size1, size2, proof, root1, root2);
  if (steps) await runAsync(steps, hash);
}

/** verifyConsistency's checks; the steps left to run (ending in the root2 comparison), if any. */
function consistencyCheckSteps(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): ProofSteps | undefined {
  assertSize('size1', size1);
  assertSize('size2', size2);
  checkHash('root2', root2);
  if (size1 === 0) {
    checkHash('root1', root1);
    checkProofElements(proof);
    if (proof.length !== 0) {
      throw new ProofError(`consistency proof from the empty tree must be empty, got ${proof.length} hashes`, 0, proof.length);
    }
    if (!hashesEqual(root1, EMPTY_ROOT)) throw new RootMismatchError(0, EMPTY_ROOT, root1);
    return undefined;
  }
  return (function* (): ProofSteps {
    const calculated = yield* consistencySteps(size1, size2, proof, root1);
    if (!hashesEqual(calculated, root2)) throw new RootMismatchError(size2, calculated, root2);
    return calculated;
  })();
}

/**
 * Checks the consistency proof against `root1` and returns the root of the tree of `size2` leaves
 * that the proof leads to (RFC 9162 §2.1.4.2 steps 1–6 and the first check of step 7). Throws
 * RootMismatchError (size = size1) if the proof does not reproduce `root1`, and ProofError for
 * size1 = 0 (nothing about the larger tree can be derived from the empty one).
 */
export function rootFromConsistencyProof(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
): Buffer {
  return runSync(consistencySteps(size1, size2, proof, root1));
}

/** rootFromConsistencyProof's algorithm, asking for its node hashes (see ProofSteps). */
export function* consistencySteps(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array): ProofSteps {
  assertSize('size1', size1);
  assertSize('size2', size2);
  if (size2 < size1) throw new ProofError(`size2 (${size2}) is smaller than size1 (${size1})`);
  checkHash('root1', root1);
  checkProofElements(proof);
  if (size1 === 0) throw new ProofError('no root can be derived from a consistency proof starting at the empty tree');
  if (size1 === size2) {
    if (proof.length !== 0) {
      throw new ProofError(`consistency proof between equal sizes must be empty, got ${proof.length} hashes`, 0, proof.length);
    }
    return root1;
  }
  // Step 1.
  if (proof.length === 0) throw new ProofError('consistency proof is empty', consistencyProofLength(size1, size2), 0);
  const expectedLength = consistencyProofLength(size1, size2);
  if (proof.length !== expectedLength) {
    throw new ProofError(
      `consistency proof from ${size1} to ${size2} needs ${expectedLength} hashes, got ${proof.length}`,
      expectedLength,
      proof.length,
    );
  }
  // Step 2.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  // Step 3.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // Step 4.
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  let fr: Uint8Array = path[0];
  let sr: Uint8Array = path[0];
  // Step 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    // 6a. Unreachable after the length check, as in rootFromInclusionProof.
    if (sn === 0) throw new ProofError('consistency proof is longer than the path to the root');
    if (isOdd(fn) || fn === sn) {
      fr = yield [c, fr];
      sr = yield [c, sr];
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = yield [sr, c];
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  if (sn !== 0) throw new ProofError('consistency proof is shorter than the path to the root');
  if (!hashesEqual(fr, root1)) throw new RootMismatchError(size1, fr, root1);
  return sr;
}
