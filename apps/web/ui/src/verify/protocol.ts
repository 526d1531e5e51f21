import { httpBundleSource, memoryBundleSource } from './sources';
import type { VerifyErrorInfo } from './errors';
import type { BrowserVerifyReport, BundleSource, VerifyProgress } from './types';

/** What the page asks the worker to verify (plain data: it crosses postMessage). */
export type BundleSpec =
  /** A round's bundle from the audit service (through apps/web's /api/audit). */
  | { readonly kind: 'http'; readonly roundId: string; readonly size?: number }
  /** Files the user picked (a bundle folder saved by `plaza audit export`), by name. */
  | { readonly kind: 'files'; readonly files: Readonly<Record<string, Uint8Array>>; readonly label?: string };

export interface VerifyRequest {
  readonly bundle: BundleSpec;
  /** The published key to pin: GET /api/audit/ledger/public-key's answer or its verifierKey. */
  readonly trustedKey?: string | { readonly verifierKey: string };
  /** Witness verifier keys (configured by the operator, overridable by the auditor) and the quorum. */
  readonly witnesses?: readonly string[];
  readonly quorum?: number;
}

export type WorkerReply =
  | { readonly type: 'progress'; readonly progress: VerifyProgress }
  | { readonly type: 'done'; readonly report: BrowserVerifyReport }
  | { readonly type: 'error'; readonly error: VerifyErrorInfo };

export function sourceFor(spec: BundleSpec, signal?: AbortSignal): BundleSource {
  return spec.kind === 'http' ? httpBundleSource(spec.roundId, { size: spec.size, signal }) : memoryBundleSource(spec.files, spec.label);
}
