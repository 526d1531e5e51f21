import { KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { CheckpointError } from './errors';
import { decodeBase64 } from './bytes';
import { assertKeyName, NOTE_SIG_ED25519, noteKeyIdInput, parseVerifierKeyText } from './note';

export { assertKeyName, NOTE_SIG_ED25519 };

/** An Ed25519 key pair as node:crypto KeyObjects. */
export interface LedgerKeyPair {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
}

/** A public key in any form this library accepts: KeyObject, PEM (SPKI), or the raw 32 bytes. */
export type PublicKeyInput = KeyObject | string | Uint8Array;

/** A private key in any form this library accepts: KeyObject, PEM (PKCS#8), or the raw 32-byte seed. */
export type PrivateKeyInput = KeyObject | string | Uint8Array;

// DER prefixes of the fixed-size Ed25519 SPKI and PKCS#8 encodings (RFC 8410): the raw key follows. Plain bytes,
// so this module loads where Buffer does not exist (a browser bundle importing the pure parts of the lib).
const SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00);
const PKCS8_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);
const RAW_KEY_SIZE = 32;

/** Generates a fresh Ed25519 key pair for signing checkpoints. */
export function generateLedgerKeyPair(): LedgerKeyPair {
  return generateKeyPairSync('ed25519');
}

function badKey(message: string): CheckpointError {
  return new CheckpointError('malformed-key', message);
}

function assertEd25519(key: KeyObject, type: 'public' | 'private'): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw badKey(`expected an Ed25519 key, got ${key.asymmetricKeyType ?? key.type}`);
  if (key.type !== type) throw badKey(`expected a ${type} key, got a ${key.type} key`);
  return key;
}

/** Normalizes any accepted public key form to a KeyObject (throws CheckpointError 'malformed-key'). */
export function toPublicKey(input: PublicKeyInput): KeyObject {
  if (input instanceof KeyObject) {
    return input.type === 'private' ? createPublicKey(assertEd25519(input, 'private')) : assertEd25519(input, 'public');
  }
  if (typeof input === 'string') {
    try {
      return assertEd25519(createPublicKey(input), 'public');
    } catch (e) {
      throw e instanceof CheckpointError ? e : badKey(`not a PEM Ed25519 public key: ${(e as Error).message}`);
    }
  }
  return importPublicKeyRaw(input);
}

/** Normalizes any accepted private key form to a KeyObject (throws CheckpointError 'malformed-key'). */
export function toPrivateKey(input: PrivateKeyInput): KeyObject {
  if (input instanceof KeyObject) return assertEd25519(input, 'private');
  if (typeof input === 'string') {
    try {
      return assertEd25519(createPrivateKey(input), 'private');
    } catch (e) {
      throw e instanceof CheckpointError ? e : badKey(`not a PEM Ed25519 private key: ${(e as Error).message}`);
    }
  }
  return importPrivateKeyRaw(input);
}

/** The raw 32-byte public key (RFC 8032 encoding): what WebCrypto imports with format 'raw'. */
export function publicKeyRaw(key: PublicKeyInput): Buffer {
  const der = toPublicKey(key).export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(SPKI_PREFIX.length));
}

/** The raw public key, base64 (the form to ship in a bundle). */
export function exportPublicKeyRaw(key: PublicKeyInput): string {
  return publicKeyRaw(key).toString('base64');
}

/** Imports a raw 32-byte Ed25519 public key, given as bytes or base64. */
export function importPublicKeyRaw(raw: Uint8Array | string): KeyObject {
  const bytes = typeof raw === 'string' ? decodeBase64Strict(raw, 'public key') : Buffer.from(raw);
  if (bytes.length !== RAW_KEY_SIZE) throw badKey(`raw Ed25519 public key must be ${RAW_KEY_SIZE} bytes, got ${bytes.length}`);
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, bytes]), format: 'der', type: 'spki' });
  } catch (e) {
    throw badKey(`invalid Ed25519 public key: ${(e as Error).message}`);
  }
}

/** The public key as DER SubjectPublicKeyInfo, base64: what WebCrypto imports with format 'spki'. */
export function exportPublicKeySpki(key: PublicKeyInput): string {
  return toPublicKey(key).export({ format: 'der', type: 'spki' }).toString('base64');
}

/** The public key as a PEM SPKI block. */
export function exportPublicKeyPem(key: PublicKeyInput): string {
  return toPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
}

/** Imports a PEM SPKI Ed25519 public key. */
export function importPublicKeyPem(pem: string): KeyObject {
  return toPublicKey(pem);
}

/** The private key as a PEM PKCS#8 block (keep it secret). */
export function exportPrivateKeyPem(key: PrivateKeyInput): string {
  return toPrivateKey(key).export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** Imports a PEM PKCS#8 Ed25519 private key. */
export function importPrivateKeyPem(pem: string): KeyObject {
  return toPrivateKey(pem);
}

/** The raw 32-byte private seed (RFC 8032), base64 (keep it secret). */
export function exportPrivateKeyRaw(key: PrivateKeyInput): string {
  const der = toPrivateKey(key).export({ format: 'der', type: 'pkcs8' });
  return Buffer.from(der.subarray(PKCS8_PREFIX.length)).toString('base64');
}

/** Imports a raw 32-byte Ed25519 private seed, given as bytes or base64. */
export function importPrivateKeyRaw(raw: Uint8Array | string): KeyObject {
  const bytes = typeof raw === 'string' ? decodeBase64Strict(raw, 'private key') : Buffer.from(raw);
  if (bytes.length !== RAW_KEY_SIZE) throw badKey(`raw Ed25519 private key must be ${RAW_KEY_SIZE} bytes, got ${bytes.length}`);
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, bytes]), format: 'der', type: 'pkcs8' });
}

/**
 * C2SP signed-note key ID of an Ed25519 key: SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ raw public key)[:4].
 * Returned as 4 bytes; `.toString('hex')` gives the 8-digit form used in verifier keys.
 */
export function noteKeyId(keyName: string, publicKey: PublicKeyInput): Buffer {
  return createHash('sha256').update(noteKeyIdInput(keyName, publicKeyRaw(publicKey))).digest().subarray(0, 4);
}

/**
 * The C2SP verifier key string `<name>+<key id hex>+<base64(0x01 ‖ public key)>` understood by
 * Go's sumdb/note and transparency-dev tooling.
 */
export function formatVerifierKey(keyName: string, publicKey: PublicKeyInput): string {
  assertKeyName(keyName);
  const raw = publicKeyRaw(publicKey);
  return `${keyName}+${noteKeyId(keyName, raw).toString('hex')}+${Buffer.concat([Buffer.of(NOTE_SIG_ED25519), raw]).toString('base64')}`;
}

/** Parses a C2SP Ed25519 verifier key string (checking its key ID). */
export function parseVerifierKey(vkey: string): { keyName: string; keyId: Buffer; publicKey: KeyObject } {
  const { keyName, keyIdHex, rawKey } = parseVerifierKeyText(vkey);
  const publicKey = importPublicKeyRaw(rawKey);
  const keyId = noteKeyId(keyName, publicKey);
  if (keyId.toString('hex') !== keyIdHex) throw badKey('verifier key ID does not match its name and key');
  return { keyName, keyId, publicKey };
}

/** The C2SP signer key string `PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 ‖ seed)>` (keep it secret). */
export function formatSignerKey(keyName: string, privateKey: PrivateKeyInput): string {
  assertKeyName(keyName);
  const priv = toPrivateKey(privateKey);
  const seed = Buffer.from(exportPrivateKeyRaw(priv), 'base64');
  const id = noteKeyId(keyName, priv).toString('hex');
  return `PRIVATE+KEY+${keyName}+${id}+${Buffer.concat([Buffer.of(NOTE_SIG_ED25519), seed]).toString('base64')}`;
}

/** Parses a C2SP Ed25519 signer key string (checking its key ID against the derived public key). */
export function parseSignerKey(skey: string): { keyName: string; keyId: Buffer; privateKey: KeyObject } {
  const parts = skey.split('+');
  if (parts.length < 5 || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') throw badKey('signer key must be PRIVATE+KEY+<name>+<hex id>+<base64 key>');
  const keyName = parts[2];
  const idHex = parts[3];
  const material = decodeBase64Strict(parts.slice(4).join('+'), 'signer key');
  assertKeyName(keyName);
  if (material.length !== 1 + RAW_KEY_SIZE || material[0] !== NOTE_SIG_ED25519) throw badKey('signer key is not an Ed25519 key');
  const privateKey = importPrivateKeyRaw(material.subarray(1));
  const keyId = noteKeyId(keyName, privateKey);
  if (keyId.toString('hex') !== idHex) throw badKey('signer key ID does not match its name and key');
  return { keyName, keyId, privateKey };
}

/**
 * Decodes standard padded base64 (RFC 4648 §4), or returns undefined for anything that does not
 * round-trip (Node's decoder silently skips invalid characters, so a signature with a stray byte
 * would otherwise decode "successfully").
 */
export function tryDecodeBase64(text: string): Buffer | undefined {
  const bytes = decodeBase64(text);
  return bytes === undefined ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

function decodeBase64Strict(text: string, what: string): Buffer {
  const bytes = tryDecodeBase64(text);
  if (bytes === undefined) throw badKey(`${what} is not canonical standard base64`);
  return bytes;
}
