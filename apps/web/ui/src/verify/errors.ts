/** Why a verification could not run (findings about the bundle are in the report instead), each with a stable code. */

/** The pinned key could not be used: a caller's error, not a finding about the bundle. */
export class PinnedKeyError extends Error {
  readonly code = 'pinned-key';
  constructor(message: string) {
    super(`the pinned key is not a C2SP verifier key: ${message}`);
    this.name = 'PinnedKeyError';
  }
}

/** WebCrypto is missing: the page is not a secure context (plain HTTP on another host than localhost), or the browser is too old. */
export class WebCryptoUnavailableError extends Error {
  readonly code = 'webcrypto-unavailable';
  constructor(what: string) {
    super(`this browser offers no WebCrypto ${what}: open the page over HTTPS (or on localhost) in a current browser`);
    this.name = 'WebCryptoUnavailableError';
  }
}

/** The audit service answered something other than the file (or, for a file, a 404: not in the bundle). */
export class BundleFetchError extends Error {
  readonly code = 'bundle-fetch';
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`GET ${url} answered ${status}`);
    this.name = 'BundleFetchError';
  }
}

/** A failure of the verification itself (not a finding about the bundle), with a stable code for the UI. */
export interface VerifyErrorInfo {
  readonly name: string;
  /** 'bundle-fetch' (with status), 'pinned-key', 'webcrypto-unavailable', 'aborted', 'worker' or 'unknown'. */
  readonly code: string;
  readonly message: string;
  readonly status?: number;
}

export function errorInfo(e: unknown): VerifyErrorInfo {
  const err = e as { name?: unknown; code?: unknown; message?: unknown; status?: unknown } | undefined;
  const name = typeof err?.name === 'string' ? err.name : 'Error';
  const code = name === 'AbortError' ? 'aborted' : typeof err?.code === 'string' ? err.code : 'unknown';
  return { name, code, message: typeof err?.message === 'string' ? err.message : String(e), ...(typeof err?.status === 'number' ? { status: err.status } : {}) };
}

/** What verifyInWorker rejects with: VerifyErrorInfo as an Error. */
export class VerifyError extends Error {
  readonly code: string;
  readonly status?: number;
  constructor(info: VerifyErrorInfo) {
    super(info.message);
    this.name = info.name;
    this.code = info.code;
    this.status = info.status;
  }
}
