/**
 * @plaza/ledger — the pure tamper-evident log: RFC 8785 canonical bytes, RFC 9162 hashing, a
 * compact range and an in-memory Merkle tree, RFC 9162 proof verification, Ed25519-signed C2SP
 * checkpoints, and a streaming verifier. No NestJS, no I/O: usable by the audit service, the CLI
 * and (for the verification half) a browser port.
 */
export { LedgerError, ProofError, RootMismatchError, CanonicalizationError, CheckpointError } from './errors';
export type { CheckpointErrorReason } from './errors';
export { canonicalBytes, canonicalJson } from './canonical';
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
  verifyInclusionAsync,
  verifyConsistencyAsync,
  inclusionSteps,
  consistencySteps,
} from './verify';
export type { AsyncNodeHash, NodeHashRequest, ProofSteps } from './verify';
export { toHex, fromHex, toBase64, decodeBase64, bytesEqual, utf8 } from './bytes';
export { parseNote, parseCheckpointText, parseVerifierKeyText, noteKeyIdInput, assertKeyName } from './note';
export type { NoteSignatureBytes } from './note';
export {
  generateLedgerKeyPair,
  toPublicKey,
  toPrivateKey,
  publicKeyRaw,
  exportPublicKeyRaw,
  importPublicKeyRaw,
  exportPublicKeySpki,
  exportPublicKeyPem,
  importPublicKeyPem,
  exportPrivateKeyPem,
  importPrivateKeyPem,
  exportPrivateKeyRaw,
  importPrivateKeyRaw,
  noteKeyId,
  formatVerifierKey,
  parseVerifierKey,
  formatSignerKey,
  parseSignerKey,
  NOTE_SIG_ED25519,
} from './keys';
export type { LedgerKeyPair, PublicKeyInput, PrivateKeyInput } from './keys';
export {
  formatCheckpointBody,
  parseCheckpointBody,
  checkpointTimeMillis,
  formatSignedNote,
  parseSignedNote,
  signCheckpoint,
  verifyCheckpoint,
  CheckpointSigner,
} from './checkpoint';
export type { Checkpoint, SignedCheckpoint, NoteSignature, VerifyCheckpointOptions, CheckpointInput } from './checkpoint';
export { LedgerVerifier } from './ledger-verifier';
export type { LedgerEntryInput, LedgerCheck, LedgerFailure, LedgerVerificationReport } from './ledger-verifier';
export {
  NOTE_SIG_COSIGNATURE_V1,
  cosignatureKeyIdInput,
  cosignedMessage,
  parseCosignerKeyText,
  parseTimestampedSignature,
  formatCosignatureLine,
  parseSignatureLine,
} from './cosignature-text';
export type { TimestampedSignature } from './cosignature-text';
export {
  cosignerKeyId,
  formatCosignerVerifierKey,
  formatCosignerSignerKey,
  generateCosignerKey,
  parseCosignerVerifierKey,
  parseCosignerSignerKey,
  cosignCheckpoint,
  verifyCosignature,
  noteCosignatures,
} from './cosignature';
export type { Cosigner, Cosignature } from './cosignature';
export { HANDOVER_HEADER, REVOCATION_HEADER, formatHandoverText, formatRevocationText, parseHandoverText, parseRevocationText } from './key-history';
export type { Handover, Revocation } from './key-history';
