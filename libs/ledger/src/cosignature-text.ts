import { decodeBase64, toBase64, utf8 } from './bytes';
import { CheckpointError } from './errors';
import { assertKeyName, noteKeyIdInput, parseNote, type NoteSignatureBytes } from './note';

// C2SP tlog-cosignature (Ed25519, cosignature/v1), the text and byte half: no Buffer, no node:crypto, so the
// browser verifier checks cosignatures exactly as plaza verify and the audit service do (cosignature.ts adds
// the Ed25519 parts for Node).

/** Signature type byte of an Ed25519 cosignature/v1 key (C2SP tlog-cosignature, "Format"). */
export const NOTE_SIG_COSIGNATURE_V1 = 0x04;
const RAW_KEY_SIZE = 32;
const ED25519_SIGNATURE_SIZE = 64;
/** The timestamp must not exceed 2^63 - 1; ours are seconds of a JS clock, far below. */
const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;

function badKey(message: string): CheckpointError {
  return new CheckpointError('malformed-key', message);
}

/** What the cosigner key ID hashes: name ‖ 0x0A ‖ 0x04 ‖ raw Ed25519 public key (ID = first 4 bytes of SHA-256). */
export function cosignatureKeyIdInput(keyName: string, rawKey: Uint8Array): Uint8Array {
  return noteKeyIdInput(keyName, rawKey, NOTE_SIG_COSIGNATURE_V1);
}

/**
 * The signed message of an Ed25519 cosignature/v1: `cosignature/v1\n`, `time <POSIX seconds>\n`, then the whole
 * checkpoint note body (with its extension lines and final newline, without signature lines).
 */
export function cosignedMessage(body: string, timestamp: number): Uint8Array {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0 || timestamp > MAX_TIMESTAMP) throw new CheckpointError('malformed-note', `cosignature timestamp ${timestamp} is not a POSIX time in seconds`);
  if (!body.endsWith('\n')) throw new CheckpointError('malformed-body', 'checkpoint body must end with a newline');
  return utf8(`cosignature/v1\ntime ${timestamp}\n${body}`);
}

/** The parts of a witness verifier key `<name>+<key id hex>+<base64(0x04 ‖ key)>` (form only; the ID is checked by the caller). */
export function parseCosignerKeyText(vkey: string): { keyName: string; keyIdHex: string; rawKey: Uint8Array } {
  if (typeof vkey !== 'string') throw badKey('witness key must be a string');
  const parts = vkey.trim().split('+');
  if (parts.length < 3) throw badKey('witness verifier key must be <name>+<hex id>+<base64 key>');
  const [keyName, idHex] = parts;
  const material = decodeBase64(parts.slice(2).join('+'));
  if (material === undefined) throw badKey('witness verifier key is not canonical standard base64');
  assertKeyName(keyName);
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw badKey('witness verifier key ID must be 8 lowercase hex digits');
  if (material.length !== 1 + RAW_KEY_SIZE || material[0] !== NOTE_SIG_COSIGNATURE_V1) {
    throw badKey('witness verifier key is not an Ed25519 cosignature/v1 key (signature type 0x04)');
  }
  return { keyName, keyIdHex: idHex, rawKey: material.subarray(1) };
}

/** A cosignature line's signature bytes: u64 big-endian timestamp ‖ 64-byte Ed25519 signature. */
export interface TimestampedSignature {
  readonly timestamp: number;
  readonly signature: Uint8Array;
}

/** Splits a `timestamped_signature` (what follows the key ID); undefined when it is not 8 + 64 bytes or the time is out of range. */
export function parseTimestampedSignature(bytes: Uint8Array): TimestampedSignature | undefined {
  if (bytes.length !== 8 + ED25519_SIGNATURE_SIZE) return undefined;
  let t = 0;
  for (let i = 0; i < 8; i++) t = t * 256 + bytes[i];
  if (!Number.isSafeInteger(t)) return undefined;
  return { timestamp: t, signature: bytes.subarray(8) };
}

/** `— <name> base64(keyID ‖ u64 timestamp ‖ signature)\n`: one cosignature line of a signed note. */
export function formatCosignatureLine(keyName: string, keyId: Uint8Array, timestamp: number, signature: Uint8Array): string {
  assertKeyName(keyName);
  if (keyId.length !== 4 || signature.length !== ED25519_SIGNATURE_SIZE) throw new CheckpointError('malformed-note', 'cosignature needs a 4-byte key ID and a 64-byte signature');
  const bytes = new Uint8Array(4 + 8 + ED25519_SIGNATURE_SIZE);
  bytes.set(keyId, 0);
  let t = timestamp;
  for (let i = 11; i >= 4; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  bytes.set(signature, 12);
  return `\u2014 ${keyName} ${toBase64(bytes)}\n`;
}

/** The one signature line in `line` (with or without its final newline), parsed as a note signature. */
export function parseSignatureLine(line: string): NoteSignatureBytes {
  const text = line.endsWith('\n') ? line : line + '\n';
  if (text.indexOf('\n') !== text.length - 1) throw new CheckpointError('malformed-note', 'a cosignature is one signature line');
  const { signatures } = parseNote(`x\n\n${text}`);
  return signatures[0];
}
