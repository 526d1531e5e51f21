/**
 * The in-browser audit bundle verifier: the checks of `plaza verify` (libs/bundle) with WebCrypto, on a bundle
 * fetched from the audit service or picked from disk. Pages call verifyInWorker (this module stays light: the
 * verifier and the libraries it replays with load in the worker). verifyBundleInBrowser in ./verifier is the same
 * work on the calling thread (what the specs run).
 */
export { verifyInWorker } from './client';
export type { VerifyInWorkerOptions } from './client';
export { httpBundleSource, memoryBundleSource } from './sources';
export type { HttpBundleSourceOptions } from './sources';
export { BundleFetchError, PinnedKeyError, VerifyError, WebCryptoUnavailableError } from './errors';
export type { VerifyErrorInfo } from './errors';
export type { BundleSpec, VerifyRequest } from './protocol';
export { VERIFY_CHECKS } from '../../../../../libs/bundle/src/checks';
export type {
  BrowserVerifyOptions,
  BrowserVerifyReport,
  BundleSource,
  CheckOutcome,
  UnitRecount,
  VerifyCheck,
  VerifyFailure,
  VerifyPhase,
  VerifyProgress,
} from './types';
