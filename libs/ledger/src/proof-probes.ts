// Must-fail probes for the specs, modelled on transparency-dev/merkle proof/verify_test.go
// (corruptInclusionProof, corruptConsistencyProof). Not exported from the library.
import { ProofError, RootMismatchError } from './errors';
import { EMPTY_ROOT, leafHash } from './hasher';
import { SOME_HASH, hex } from './test-vectors';

const someHash = hex(SOME_HASH);

const flipBit = (proof: Buffer[], i: number, mask: number): Buffer[] =>
  proof.map((p, j) => {
    if (j !== i) return p;
    const c = Buffer.from(p);
    c[0] ^= mask;
    return c;
  });

/**
 * The corruptions transparency-dev/merkle proof/verify_test.go (corruptInclusionProof) applies to a
 * good inclusion proof: every one of them must be rejected.
 */
export function corruptInclusion(index: number, size: number, proof: Buffer[], root: Buffer, leaf: Buffer) {
  const probes: Array<{ desc: string; index: number; size: number; leaf: Buffer; proof: Buffer[]; root: Buffer }> = [
    { desc: 'index - 1', index: index - 1, size, leaf, proof, root },
    { desc: 'index + 1', index: index + 1, size, leaf, proof, root },
    { desc: 'index ^ 2', index: index ^ 2, size, leaf, proof, root },
    { desc: 'size * 2', index, size: size * 2, leaf, proof, root },
    { desc: 'size / 2', index, size: Math.floor(size / 2), leaf, proof, root },
    { desc: 'wrong leaf', index, size, leaf: leafHash(Buffer.from('WrongLeaf')), proof, root },
    { desc: 'empty root', index, size, leaf, proof, root: EMPTY_ROOT },
    { desc: 'random root', index, size, leaf, proof, root: someHash },
    { desc: 'trailing garbage', index, size, leaf, proof: [...proof, Buffer.alloc(0)], root },
    { desc: 'trailing root', index, size, leaf, proof: [...proof, root], root },
    { desc: 'preceding garbage', index, size, leaf, proof: [Buffer.alloc(0), ...proof], root },
    { desc: 'preceding root', index, size, leaf, proof: [root, ...proof], root },
  ];
  proof.forEach((_, i) => probes.push({ desc: `modified proof[${i}] bit 3`, index, size, leaf, proof: flipBit(proof, i, 8), root }));
  if (proof.length > 0) probes.push({ desc: 'removed component', index, size, leaf, proof: proof.slice(0, -1), root });
  if (proof.length > 1) probes.push({ desc: 'inserted component', index, size, leaf, proof: [proof[0], someHash, ...proof.slice(1)], root });
  // Negative indexes from "index - 1" at 0 are not probes of the proof but of the API; keep them, they must throw too.
  return probes;
}

/** verify_test.go corruptConsistencyProof, likewise. */
export function corruptConsistency(size1: number, size2: number, proof: Buffer[], root1: Buffer, root2: Buffer) {
  const probes: Array<{ desc: string; size1: number; size2: number; proof: Buffer[]; root1: Buffer; root2: Buffer }> = [
    { desc: 'size1 - 1', size1: size1 - 1, size2, proof, root1, root2 },
    { desc: 'size1 + 1', size1: size1 + 1, size2, proof, root1, root2 },
    { desc: 'size1 ^ 2', size1: size1 ^ 2, size2, proof, root1, root2 },
    { desc: 'size2 * 2', size1, size2: size2 * 2, proof, root1, root2 },
    { desc: 'size2 / 2', size1, size2: Math.floor(size2 / 2), proof, root1, root2 },
    { desc: 'wrong root1', size1, size2, proof, root1: Buffer.from('WrongRoot'), root2 },
    { desc: 'wrong root2', size1, size2, proof, root1, root2: Buffer.from('WrongRoot') },
    { desc: 'random root1', size1, size2, proof, root1: someHash, root2 },
    { desc: 'random root2', size1, size2, proof, root1, root2: someHash },
    { desc: 'swapped roots', size1, size2, proof, root1: root2, root2: root1 },
    { desc: 'empty proof', size1, size2, proof: [], root1, root2 },
    { desc: 'trailing garbage', size1, size2, proof: [...proof, Buffer.alloc(0)], root1, root2 },
    { desc: 'trailing root1', size1, size2, proof: [...proof, root1], root1, root2 },
    { desc: 'trailing root2', size1, size2, proof: [...proof, root2], root1, root2 },
    { desc: 'preceding garbage', size1, size2, proof: [Buffer.alloc(0), ...proof], root1, root2 },
    { desc: 'preceding root1', size1, size2, proof: [root1, ...proof], root1, root2 },
    { desc: 'preceding root2', size1, size2, proof: [root2, ...proof], root1, root2 },
    { desc: 'preceding proof[0]', size1, size2, proof: [proof[0], ...proof], root1, root2 },
  ];
  if (proof.length > 0) probes.push({ desc: 'truncated proof', size1, size2, proof: proof.slice(0, -1), root1, root2 });
  if (proof.length > 1) probes.push({ desc: 'inserted component', size1, size2, proof: [proof[0], someHash, ...proof.slice(1)], root1, root2 });
  proof.forEach((_, i) => probes.push({ desc: `modified proof[${i}] bit 4`, size1, size2, proof: flipBit(proof, i, 16), root1, root2 }));
  return probes;
}

const typed = (e: unknown) => e instanceof ProofError || e instanceof RootMismatchError || e instanceof RangeError;

/** Throws unless `fn` throws one of the library's typed errors (RangeError for invalid sizes). */
export function expectRejected(fn: () => void, desc: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error(`probe "${desc}" was accepted`);
  if (!typed(thrown)) throw new Error(`probe "${desc}" threw an untyped error: ${String(thrown)}`);
}

