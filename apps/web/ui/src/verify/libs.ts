/**
 * The parts of libs/bundle the browser verifier reuses, imported file by file: the package's index also exports the
 * Node-only verifier and bundle writer (node:fs, worker_threads). Everything here is pure apart from the
 * synchronous SHA-256 inside the recount (node:crypto in Node; the browser build aliases it to shims/node-crypto).
 */
export {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  CHECKPOINTS_FILE,
  LEDGER_FILE,
  MANIFEST_FILE,
  PB_FILE_PATTERN,
  PUBLIC_KEY_FILE,
  RESULTS_FILE,
  formatCheckpointLine,
  formatManifest,
  formatPublicKey,
  hexEquals,
  readLedgerLine,
} from '../../../../../libs/bundle/src/format';
export type { BundleCheckpoint, BundleManifest, RawLedgerLine } from '../../../../../libs/bundle/src/format';
export { VERIFY_CHECKS } from '../../../../../libs/bundle/src/checks';
export type { BundleCheck, VerifyCheck } from '../../../../../libs/bundle/src/checks';
export { RoundAudit } from '../../../../../libs/bundle/src/round-audit';
export type { RoundAuditReport, RoundFailure, UnitComparison } from '../../../../../libs/bundle/src/round-audit';
