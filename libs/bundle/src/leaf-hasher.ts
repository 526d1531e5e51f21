import { createHash, hash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/**
 * SHA-256 work of the verifier's streaming pass: the digest of ledger.jsonl over every byte in order, and the
 * RFC 9162 leaf hash SHA-256(0x00 ‖ bytes) of each of the round's events. The worker version runs it on a
 * second core while the main thread parses and replays the same block; results and order are the same.
 */
export interface LedgerHasher {
  /** Hashes `block` (the file's next bytes) and the leaves [starts[i], ends[i]) inside it; resolves to 32 bytes per leaf. */
  block(block: Buffer, starts: Int32Array, ends: Int32Array): Promise<Buffer>;
  /** SHA-256 hex of every byte given to block(), in order. */
  digest(): Promise<string>;
  close(): Promise<void>;
}

// One scratch buffer for 0x00 ‖ event bytes: node:crypto's one-shot hash() over it avoids a Hash object per leaf.
let scratch = Buffer.alloc(64 << 10);

/** RFC 9162 leaf hash of buf[start, end), the same value libs/ledger leafHash gives. */
export function leafOf(buf: Buffer, start: number, end: number): Buffer {
  const n = end - start + 1;
  if (n > scratch.length) scratch = Buffer.alloc(Math.max(n, scratch.length * 2));
  scratch[0] = 0x00;
  buf.copy(scratch, 1, start, end);
  return hash('sha256', scratch.subarray(0, n), 'buffer');
}

function leavesOf(buf: Buffer, starts: Int32Array, ends: Int32Array): Buffer {
  const out = Buffer.allocUnsafeSlow(32 * starts.length);
  for (let i = 0; i < starts.length; i++) leafOf(buf, starts[i], ends[i]).copy(out, 32 * i);
  return out;
}

/** The same work on the calling thread (where no worker can be started). */
export class InlineLedgerHasher implements LedgerHasher {
  readonly #file: Hash = createHash('sha256');

  block(block: Buffer, starts: Int32Array, ends: Int32Array): Promise<Buffer> {
    this.#file.update(block);
    return Promise.resolve(leavesOf(block, starts, ends));
  }

  digest(): Promise<string> {
    return Promise.resolve(this.#file.digest('hex'));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

// Plain JavaScript, evaluated in the worker: no module paths to resolve (compiled dist and ts-jest alike).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash, hash } = require('node:crypto');
const file = createHash('sha256');
let scratch = Buffer.alloc(64 << 10);
parentPort.on('message', (m) => {
  if (m.digest) return parentPort.postMessage({ id: m.id, digest: file.digest('hex') });
  const buf = Buffer.from(m.buf);
  file.update(buf);
  const starts = m.starts, ends = m.ends;
  const out = new Uint8Array(32 * starts.length);
  for (let i = 0; i < starts.length; i++) {
    const n = ends[i] - starts[i] + 1;
    if (n > scratch.length) scratch = Buffer.alloc(Math.max(n, scratch.length * 2));
    scratch[0] = 0;
    buf.copy(scratch, 1, starts[i], ends[i]);
    out.set(hash('sha256', scratch.subarray(0, n), 'buffer'), 32 * i);
  }
  parentPort.postMessage({ id: m.id, hashes: out.buffer }, [out.buffer]);
});
`;

interface Reply {
  readonly id: number;
  readonly hashes?: ArrayBuffer;
  readonly digest?: string;
}

export class WorkerLedgerHasher implements LedgerHasher {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  #next = 0;
  #error: Error | undefined;

  constructor() {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true });
    this.#worker.on('message', (r: Reply) => {
      const w = this.#waiting.get(r.id);
      this.#waiting.delete(r.id);
      w?.resolve(r);
    });
    const failAll = (e: Error) => {
      this.#error ??= e;
      for (const w of this.#waiting.values()) w.reject(e);
      this.#waiting.clear();
    };
    this.#worker.on('error', failAll);
    this.#worker.on('exit', (code) => failAll(new Error(`the hashing worker exited (${code})`)));
  }

  #ask(message: object, transfer: ArrayBuffer[]): Promise<Reply> {
    if (this.#error) return Promise.reject(this.#error);
    const id = this.#next++;
    return new Promise<Reply>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ id, ...message }, transfer);
    });
  }

  async block(block: Buffer, starts: Int32Array, ends: Int32Array): Promise<Buffer> {
    // The worker gets its own copy (transferred, not cloned): the caller goes on reading `block`.
    const copy = new Uint8Array(block.length);
    copy.set(block);
    const r = await this.#ask({ buf: copy.buffer, starts, ends }, [copy.buffer]);
    return Buffer.from(r.hashes!);
  }

  async digest(): Promise<string> {
    return (await this.#ask({ digest: true }, [])).digest!;
  }

  async close(): Promise<void> {
    this.#error ??= new Error('closed');
    await this.#worker.terminate();
  }
}

/** A worker when one can start, else the calling thread. */
export function ledgerHasher(options: { readonly worker?: boolean } = {}): LedgerHasher {
  if (options.worker === false) return new InlineLedgerHasher();
  try {
    return new WorkerLedgerHasher();
  } catch {
    return new InlineLedgerHasher();
  }
}
