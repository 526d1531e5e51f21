/**
 * The parts of libs/bundle the browser verifier reuses, imported file by file: the package's index also exports the
 * Node-only verifier and bundle writer (node:fs, worker_threads). Everything here is pure apart from the
 * synchronous SHA-256 inside the recount (node:crypto in Node; the browser build aliases it to shims/node-crypto).
 */
export { CHECKPOINTS_FILE, LEDGER_FILE, MANIFEST_FILE, PUBLIC_KEY_FILE, RESULTS_FILE } from '../../../../../libs/bundle/src/format';
export { EMPTY_ROOT_HEX, verifyBundleCore } from '../../../../../libs/bundle/src/verify-core';
export type { FileSha256, LeafTree, VerifyCoreResult, VerifyCrypto, VerifyFailure, VerifyFiles, WitnessReport } from '../../../../../libs/bundle/src/verify-core';
export { VERIFY_CHECKS } from '../../../../../libs/bundle/src/checks';
export type { BundleCheck, VerifyCheck } from '../../../../../libs/bundle/src/checks';
export type { RoundAuditReport, RoundFailure, UnitComparison } from '../../../../../libs/bundle/src/round-audit';
