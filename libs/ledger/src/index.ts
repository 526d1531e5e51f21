/**
 * @plaza/ledger — the pure tamper-evident log: RFC 9162 hashing, a compact range and an in-memory
 * Merkle tree, and RFC 9162 proof verification. No NestJS, no I/O.
 */
export { LedgerError, ProofError, RootMismatchError, CanonicalizationError, CheckpointError } from './errors';
export type { CheckpointErrorReason } from './errors';
export { HASH_SIZE, EMPTY_ROOT, emptyRoot, leafHash, nodeHash, isHash, hashesEqual } from './hasher';
export { CompactRange } from './compact-range';
export type { CompactRangeState } from './compact-range';
export { MerkleTree } from './merkle-tree';
export {
  verifyInclusion,
  rootFromInclusionProof,
  verifyConsistency,
  rootFromConsistencyProof,
  inclusionProofLength,
  consistencyProofLength,
} from './verify';
