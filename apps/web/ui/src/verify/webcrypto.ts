/**
 * The verifier's own hashing and signature checks, on WebCrypto: `crypto.subtle` in browsers and workers (secure
 * contexts: HTTPS or localhost) and in Node ≥ 20 (`globalThis.crypto`, which the jest specs use). Every call is
 * asynchronous, so many are issued at once (Promise.all over batches) rather than one after another.
 */

import { WebCryptoUnavailableError } from './errors';

/** The part of SubtleCrypto used here, typed locally so the same code compiles with DOM or Node typings. */
interface Subtle {
  digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer>;
  importKey(format: 'raw', keyData: Uint8Array, algorithm: { name: 'Ed25519' }, extractable: boolean, usages: readonly 'verify'[]): Promise<unknown>;
  verify(algorithm: { name: 'Ed25519' }, key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
}


function subtle(): Subtle {
  const s = (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle;
  if (!s) throw new WebCryptoUnavailableError('(crypto.subtle)');
  return s;
}

/** Requests in flight at once: enough to keep WebCrypto's threads busy, few enough to bound memory. */
export const HASH_BATCH = 4096;

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', data));
}

/**
 * SHA-256 of each of `count` inputs, `input(i)` giving the i-th (each must be its own memory until its hash is
 * back); the 32-byte results are written one after another into the returned array.
 */
export async function sha256Each(count: number, input: (i: number) => Uint8Array, onBatch?: (done: number) => void, signal?: AbortSignal): Promise<Uint8Array> {
  const s = subtle();
  const out = new Uint8Array(32 * count);
  for (let from = 0; from < count; from += HASH_BATCH) {
    signal?.throwIfAborted();
    const to = Math.min(count, from + HASH_BATCH);
    const pending: Promise<void>[] = [];
    for (let i = from; i < to; i++) pending.push(s.digest('SHA-256', input(i)).then((d) => out.set(new Uint8Array(d), 32 * i)));
    await Promise.all(pending);
    onBatch?.(to);
  }
  return out;
}

/**
 * RFC 9162 leaf hashes SHA-256(0x00 ‖ bytes[starts[i], ends[i])) of spans of one buffer, batched. Returns 32 bytes
 * per span, in order.
 */
export async function leafHashes(bytes: Uint8Array, starts: readonly number[], ends: readonly number[], onBatch?: (done: number) => void, signal?: AbortSignal): Promise<Uint8Array> {
  // One prefixed copy per batch, each leaf a view of it.
  let scratch = new Uint8Array(0);
  let scratchFrom = -1;
  const offsets: number[] = [];
  const prepare = (from: number) => {
    const to = Math.min(starts.length, from + HASH_BATCH);
    let total = 0;
    for (let i = from; i < to; i++) total += 1 + ends[i] - starts[i];
    scratch = new Uint8Array(total);
    offsets.length = 0;
    let at = 0;
    for (let i = from; i < to; i++) {
      offsets.push(at);
      scratch[at] = 0x00;
      scratch.set(bytes.subarray(starts[i], ends[i]), at + 1);
      at += 1 + ends[i] - starts[i];
    }
    offsets.push(at);
    scratchFrom = from;
  };
  return sha256Each(
    starts.length,
    (i) => {
      if (i % HASH_BATCH === 0 || scratchFrom < 0) prepare(i - (i % HASH_BATCH));
      const k = i - scratchFrom;
      return scratch.subarray(offsets[k], offsets[k + 1]);
    },
    onBatch,
    signal,
  );
}

/** RFC 9162 node hashes SHA-256(0x01 ‖ left ‖ right) of many pairs at once; 32 bytes per pair, in order. */
export async function nodeHashes(pairs: number, left: (i: number) => Uint8Array, right: (i: number) => Uint8Array, onBatch?: (done: number) => void, signal?: AbortSignal): Promise<Uint8Array> {
  const input = new Uint8Array(65 * Math.min(pairs, HASH_BATCH));
  // Each batch gets its own input array: the previous one may still be read by digests in flight.
  let batchInput = input;
  return sha256Each(
    pairs,
    (i) => {
      const k = i % HASH_BATCH;
      if (k === 0 && i > 0) batchInput = new Uint8Array(65 * Math.min(pairs - i, HASH_BATCH));
      const at = 65 * k;
      batchInput[at] = 0x01;
      batchInput.set(left(i), at + 1);
      batchInput.set(right(i), at + 33);
      return batchInput.subarray(at, at + 65);
    },
    onBatch,
    signal,
  );
}

/** One node hash, for the proof algorithms of libs/ledger (verifyConsistencyAsync). */
export async function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  const input = new Uint8Array(65);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 33);
  return sha256(input);
}

/** An Ed25519 public key imported for verification. */
export type Ed25519Key = { readonly __ed25519: unique symbol };

export async function importEd25519(raw: Uint8Array): Promise<Ed25519Key> {
  try {
    return (await subtle().importKey('raw', raw, { name: 'Ed25519' }, false, ['verify'])) as Ed25519Key;
  } catch (e) {
    if ((e as Error).name === 'NotSupportedError') throw new WebCryptoUnavailableError('Ed25519');
    throw e;
  }
}

export async function verifyEd25519(key: Ed25519Key, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  return subtle().verify({ name: 'Ed25519' }, key, signature, message);
}
