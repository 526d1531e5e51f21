import { decodeBase64, utf8 } from './bytes';
import { CheckpointError } from './errors';
import { HASH_SIZE } from './hasher';
import type { Checkpoint } from './checkpoint';

// The text half of C2SP signed notes, checkpoint bodies and verifier keys: parsing and the key ID's input,
// without Buffer or node:crypto, so a browser verifier parses exactly as the Node one does (checkpoint.ts and
// keys.ts wrap these and add the Ed25519 and SHA-256 parts).

const TIME_PREFIX = 'time ';
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const SIGNATURE_LINE = /^\u2014 (\S+) (\S+)$/u;
// A lone surrogate has no UTF-8 form: Buffer.from would turn it into U+FFFD, so such a note is not valid UTF-8.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Upper bound on signature lines we look at, as C2SP suggests verifiers set one (Go uses 100). */
const MAX_SIGNATURES = 100;
const RAW_KEY_SIZE = 32;

/** Signature type byte of Ed25519 in C2SP signed notes. */
export const NOTE_SIG_ED25519 = 0x01;

function malformedBody(message: string): CheckpointError {
  return new CheckpointError('malformed-body', message);
}

function malformedNote(message: string): CheckpointError {
  return new CheckpointError('malformed-note', message);
}

function badKey(message: string): CheckpointError {
  return new CheckpointError('malformed-key', message);
}

/** Checks a C2SP key name: non-empty, no Unicode spaces, no '+'. */
export function assertKeyName(name: string): void {
  // eslint-disable-next-line no-control-regex
  if (typeof name !== 'string' || name.length === 0 || /[\s+]/u.test(name) || /[\u0000-\u001f]/.test(name)) {
    throw badKey(`invalid key name ${JSON.stringify(name)}: must be non-empty, without spaces or '+'`);
  }
}

/** Checks `time` is a canonical `toISOString()` UTC timestamp and returns it in milliseconds. */
export function checkpointTimeMillis(time: string): number {
  if (typeof time !== 'string' || !ISO_UTC_MS.test(time)) {
    throw malformedBody(`checkpoint time must be UTC ISO-8601 with milliseconds (YYYY-MM-DDTHH:mm:ss.sssZ), got ${JSON.stringify(time)}`);
  }
  const ms = Date.parse(time);
  if (!Number.isFinite(ms) || new Date(ms).toISOString() !== time) throw malformedBody(`checkpoint time ${time} is not a valid instant`);
  return ms;
}

export function checkOrigin(origin: string): void {
  try {
    assertKeyName(origin);
  } catch {
    throw malformedBody(`checkpoint origin ${JSON.stringify(origin)} must be non-empty, without spaces or '+'`);
  }
}

/**
 * Parses a checkpoint body as formatCheckpointBody writes it, accepting nothing else (throws CheckpointError
 * 'malformed-body'). The root is a plain Uint8Array; parseCheckpointBody gives it as a Buffer.
 */
export function parseCheckpointText(text: string): Checkpoint {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw malformedBody('checkpoint body must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== 4) throw malformedBody(`checkpoint body must have 4 lines (origin, size, root, time), got ${lines.length}`);
  const [origin, sizeLine, rootLine, timeLine] = lines;
  checkOrigin(origin);
  if (!DECIMAL.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) throw malformedBody(`checkpoint size line ${JSON.stringify(sizeLine)} is not a decimal size`);
  const root = decodeBase64(rootLine);
  if (root === undefined || root.length !== HASH_SIZE) throw malformedBody('checkpoint root line is not a base64 32-byte hash');
  if (!timeLine.startsWith(TIME_PREFIX)) throw malformedBody(`checkpoint extension line must be "${TIME_PREFIX}<ISO-8601>"`);
  const time = timeLine.slice(TIME_PREFIX.length);
  checkpointTimeMillis(time);
  return { origin, size: Number(sizeLine), root, time };
}

/** One signature line of a signed note, as plain bytes (see NoteSignature for the Buffer form). */
export interface NoteSignatureBytes {
  readonly keyName: string;
  readonly keyId: Uint8Array;
  readonly signature: Uint8Array;
}

/** Splits a C2SP signed note into its text and signature lines (signatures are not verified here). */
export function parseNote(note: string): { text: string; signatures: NoteSignatureBytes[] } {
  if (typeof note !== 'string') throw malformedNote('signed note must be a string');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) throw malformedNote('signed note contains ASCII control characters');
  if (LONE_SURROGATE.test(note)) throw malformedNote('signed note is not valid UTF-8');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw malformedNote('signed note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (!block.endsWith('\n')) throw malformedNote('signature block must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformedNote(`signed note has more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    const m = SIGNATURE_LINE.exec(line);
    if (!m) throw malformedNote(`malformed signature line ${JSON.stringify(line)}`);
    const bytes = decodeBase64(m[2]);
    if (bytes === undefined || bytes.length < 5) throw malformedNote(`signature on line ${JSON.stringify(line)} is not base64 of key ID and signature`);
    return { keyName: m[1], keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) };
  });
  return { text, signatures };
}

/**
 * The parts of a C2SP Ed25519 verifier key string `<name>+<key id hex>+<base64(0x01 ‖ key)>`, checked for form
 * (throws CheckpointError 'malformed-key'); parseVerifierKey also checks the key ID against SHA-256 of noteKeyIdInput.
 */
export function parseVerifierKeyText(vkey: string): { keyName: string; keyIdHex: string; rawKey: Uint8Array } {
  const parts = vkey.split('+');
  // The base64 part may itself contain '+'.
  if (parts.length < 3) throw badKey('verifier key must be <name>+<hex id>+<base64 key>');
  const [keyName, idHex] = parts;
  const material = decodeBase64(parts.slice(2).join('+'));
  if (material === undefined) throw badKey('verifier key is not canonical standard base64');
  assertKeyName(keyName);
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw badKey('verifier key ID must be 8 lowercase hex digits');
  if (material.length !== 1 + RAW_KEY_SIZE || material[0] !== NOTE_SIG_ED25519) throw badKey('verifier key is not an Ed25519 key');
  return { keyName, keyIdHex: idHex, rawKey: material.subarray(1) };
}

/**
 * What the C2SP key ID hashes: key name ‖ 0x0A ‖ signature type ‖ raw public key (the ID is the first 4 bytes of its
 * SHA-256); the type is 0x01 for Ed25519 note signatures, 0x04 for Ed25519 cosignature/v1 (tlog-cosignature).
 */
export function noteKeyIdInput(keyName: string, rawKey: Uint8Array, signatureType: number = NOTE_SIG_ED25519): Uint8Array {
  const name = utf8(keyName);
  const out = new Uint8Array(name.length + 2 + rawKey.length);
  out.set(name, 0);
  out[name.length] = 0x0a;
  out[name.length + 1] = signatureType;
  out.set(rawKey, name.length + 2);
  return out;
}
