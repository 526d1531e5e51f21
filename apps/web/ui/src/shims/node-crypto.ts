/**
 * `node:crypto` for the browser build (vite.config.mts aliases it here). Plaza's pure libraries hash synchronously
 * in a few places the browser verifier runs through: libs/recount's inputDigest and ballotDigest, RoundAudit's
 * derived-file digests (and libs/ledger's hasher loads createHash and hash). WebCrypto has no synchronous SHA-256,
 * so createHash('sha256') and hash('sha256', …) are @noble/hashes' audited sha256 here; the verifier's own hashing
 * (files, leaves, tree, Ed25519) uses WebCrypto. Everything else of node:crypto throws: nothing in the browser
 * calls it, and if something ever did it must fail loudly rather than compute something else.
 */
import { sha256 } from '@noble/hashes/sha2.js';

type Encoding = 'hex' | 'base64' | 'buffer' | undefined;

const encoder = new TextEncoder();

function toBytes(data: string | Uint8Array | ArrayBufferView, encoding?: string): Uint8Array {
  if (typeof data === 'string') {
    if (encoding !== undefined && encoding !== 'utf8' && encoding !== 'utf-8') throw new Error(`node:crypto shim: input encoding ${encoding} is not supported`);
    return encoder.encode(data);
  }
  return data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function encode(digest: Uint8Array, encoding: Encoding): Uint8Array | string {
  if (encoding === undefined || encoding === 'buffer') return digest;
  if (encoding === 'hex') return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  if (encoding === 'base64') return btoa(String.fromCharCode(...digest));
  throw new Error(`node:crypto shim: digest encoding ${String(encoding)} is not supported`);
}

function sha256Only(algorithm: string): void {
  if (algorithm.toLowerCase() !== 'sha256') throw new Error(`node:crypto shim: only sha256 is available in the browser, not ${algorithm}`);
}

export interface Hash {
  update(data: string | Uint8Array | ArrayBufferView, encoding?: string): Hash;
  digest(): Uint8Array;
  digest(encoding: 'hex' | 'base64'): string;
}

export function createHash(algorithm: string): Hash {
  sha256Only(algorithm);
  const h = sha256.create();
  const api = {
    update(data: string | Uint8Array | ArrayBufferView, encoding?: string) {
      h.update(toBytes(data, encoding));
      return api;
    },
    digest(encoding?: 'hex' | 'base64') {
      return encode(h.digest(), encoding);
    },
  };
  return api as Hash;
}

/** node:crypto's one-shot hash(algorithm, data, outputEncoding = 'hex'). */
export function hash(algorithm: string, data: string | Uint8Array | ArrayBufferView, outputEncoding: Encoding = 'hex'): Uint8Array | string {
  sha256Only(algorithm);
  return encode(sha256(toBytes(data)), outputEncoding);
}

function unavailable(name: string): never {
  throw new Error(`node:crypto ${name} is not available in the browser`);
}

/** Never constructed in the browser; exists so `x instanceof KeyObject` is false instead of a crash. */
export class KeyObject {
  private constructor() {
    unavailable('KeyObject');
  }
}

export const sign = (): never => unavailable('sign');
export const verify = (): never => unavailable('verify');
export const createPublicKey = (): never => unavailable('createPublicKey');
export const createPrivateKey = (): never => unavailable('createPrivateKey');
export const generateKeyPairSync = (): never => unavailable('generateKeyPairSync');
export const randomBytes = (): never => unavailable('randomBytes');
/** libs/contracts' hmacPseudonym: only the services derive pseudonyms (they hold the secrets). */
export const createHmac = (): never => unavailable('createHmac');

export default { createHash, hash, KeyObject, sign, verify, createPublicKey, createPrivateKey, generateKeyPairSync, randomBytes, createHmac };
