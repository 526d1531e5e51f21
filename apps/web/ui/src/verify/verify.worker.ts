// The verifier off the page's thread: downloads, hashes, replays and recounts in a module worker (Vite bundles it
// from `new Worker(new URL('./verify.worker.ts', import.meta.url), { type: 'module' })` in client.ts), posting
// progress and then the report. One request per worker; the client terminates it afterwards (or to cancel).
import { errorInfo } from './errors';
import { sourceFor, type VerifyRequest, type WorkerReply } from './protocol';
import { verifyBundleInBrowser } from './verifier';

const scope = self as unknown as { postMessage(message: WorkerReply): void; onmessage: ((e: MessageEvent<VerifyRequest>) => void) | null };

scope.onmessage = async (e) => {
  const request = e.data;
  try {
    const report = await verifyBundleInBrowser(sourceFor(request.bundle), {
      trustedKey: request.trustedKey,
      witnesses: request.witnesses,
      quorum: request.quorum,
      onProgress: (progress) => scope.postMessage({ type: 'progress', progress }),
    });
    scope.postMessage({ type: 'done', report });
  } catch (error) {
    scope.postMessage({ type: 'error', error: errorInfo(error) });
  }
};
