import { errorInfo, VerifyError } from './errors';
import { sourceFor, type VerifyRequest, type WorkerReply } from './protocol';
import type { BrowserVerifyReport, VerifyProgress } from './types';

export interface VerifyInWorkerOptions {
  readonly onProgress?: (progress: VerifyProgress) => void;
  /** Cancels: the worker is terminated and the promise rejects with a VerifyError of code 'aborted'. */
  readonly signal?: AbortSignal;
}

/**
 * Verifies a bundle in a Web Worker so the page stays responsive, resolving to the report. Rejects with a
 * VerifyError (code 'bundle-fetch', 'pinned-key', 'webcrypto-unavailable', 'aborted', 'worker') when the verification
 * itself could not run; findings about the bundle are in the report. Where no Worker exists it runs on this thread.
 */
export function verifyInWorker(request: VerifyRequest, options: VerifyInWorkerOptions = {}): Promise<BrowserVerifyReport> {
  const { signal, onProgress } = options;
  if (signal?.aborted) return Promise.reject(new VerifyError(errorInfo(signal.reason ?? new DOMException('Aborted', 'AbortError'))));
  if (typeof Worker === 'undefined') {
    // Loaded only here: the verifier and the libraries it replays with stay out of the page's own bundle.
    return import('./verifier')
      .then(({ verifyBundleInBrowser }) => verifyBundleInBrowser(sourceFor(request.bundle, signal), { trustedKey: request.trustedKey, witnesses: request.witnesses, quorum: request.quorum, onProgress, signal }))
      .catch((e: unknown) => {
        throw new VerifyError(errorInfo(e));
      });
  }
  const worker = new Worker(new URL('./verify.worker.ts', import.meta.url), { type: 'module', name: 'plaza-verify' });
  return new Promise<BrowserVerifyReport>((resolve, reject) => {
    const onAbort = () => {
      finish();
      reject(new VerifyError({ name: 'AbortError', code: 'aborted', message: 'verification cancelled' }));
    };
    const finish = () => {
      worker.terminate();
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      const reply = e.data;
      if (reply.type === 'progress') onProgress?.(reply.progress);
      else {
        finish();
        if (reply.type === 'done') resolve(reply.report);
        else reject(new VerifyError(reply.error));
      }
    };
    worker.onerror = (e: ErrorEvent) => {
      finish();
      reject(new VerifyError({ name: 'Error', code: 'worker', message: e.message || 'the verification worker failed' }));
    };
    worker.postMessage(request);
  });
}
