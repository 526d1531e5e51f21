// A deliberately naive RFC 9162 §2.1.1 Merkle Tree Hash, straight from the recursive definition,
// used by the specs as an independent oracle for MerkleTree and CompactRange. Not exported.
import { EMPTY_ROOT, nodeHash } from './hasher';

export function referenceRoot(leafHashes: readonly Buffer[]): Buffer {
  const n = leafHashes.length;
  if (n === 0) return Buffer.from(EMPTY_ROOT);
  if (n === 1) return leafHashes[0];
  let k = 1;
  while (k * 2 < n) k *= 2;
  return nodeHash(referenceRoot(leafHashes.slice(0, k)), referenceRoot(leafHashes.slice(k)));
}
