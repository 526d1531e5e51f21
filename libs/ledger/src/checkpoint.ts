import { KeyObject, sign as edSign, verify as edVerify } from 'node:crypto';
import { CheckpointError, LedgerError } from './errors';
import { HASH_SIZE, hashesEqual, isHash } from './hasher';
import {
  PrivateKeyInput,
  PublicKeyInput,
  assertKeyName,
  noteKeyId,
  toPrivateKey,
  toPublicKey,
  tryDecodeBase64,
} from './keys';
import { verifyConsistency } from './verify';

/**
 * A tree head of the ledger at one moment: the log's `origin`, its `size` (number of leaves), the
 * RFC 9162 `root` of the first `size` leaves, and the `time` it was issued.
 */
export interface Checkpoint {
  /** Log identity, a schema-less URL such as `plaza.example/ledger` (no spaces, no '+'). */
  readonly origin: string;
  readonly size: number;
  /** 32-byte root hash. */
  readonly root: Uint8Array;
  /** UTC ISO-8601 with milliseconds, exactly as `Date.prototype.toISOString()` prints it. */
  readonly time: string;
}

/** A checkpoint signed as a C2SP signed note, with the pieces a browser needs to check it by hand. */
export interface SignedCheckpoint {
  /** The checkpoint body (see formatCheckpointBody): exactly the bytes signed, as UTF-8. */
  readonly body: string;
  /** Key name on the signature line (normally the origin). */
  readonly keyName: string;
  /** C2SP key ID, 8 lowercase hex digits. */
  readonly keyId: string;
  /** The 64-byte Ed25519 signature over the UTF-8 body, base64. */
  readonly signature: string;
  /** The complete signed note: body, a blank line, then `— <keyName> <base64(keyId ‖ signature)>\n`. */
  readonly note: string;
}

const TIME_PREFIX = 'time ';
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const EM_DASH = '\u2014';
const SIGNATURE_LINE = /^\u2014 (\S+) (\S+)$/u;
const ED25519_SIGNATURE_SIZE = 64;
/** Upper bound on signature lines we look at, as C2SP suggests verifiers set one (Go uses 100). */
const MAX_SIGNATURES = 100;

function malformedBody(message: string): CheckpointError {
  return new CheckpointError('malformed-body', message);
}

function malformedNote(message: string): CheckpointError {
  return new CheckpointError('malformed-note', message);
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

function checkOrigin(origin: string): void {
  try {
    assertKeyName(origin);
  } catch {
    throw malformedBody(`checkpoint origin ${JSON.stringify(origin)} must be non-empty, without spaces or '+'`);
  }
}

/**
 * The checkpoint body, a C2SP tlog-checkpoint note text with one extension line:
 *
 * ```
 * <origin>\n
 * <size in decimal, no leading zeros>\n
 * <root hash, standard base64 with padding (44 characters)>\n
 * time <UTC ISO-8601 with milliseconds, e.g. 2026-11-25T17:02:03.000Z>\n
 * ```
 *
 * All ASCII except possibly the origin (UTF-8); every line ends with a single LF, including the
 * last. These are exactly the bytes the Ed25519 signature covers.
 */
export function formatCheckpointBody(cp: Checkpoint): string {
  checkOrigin(cp.origin);
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw malformedBody(`checkpoint size must be a non-negative safe integer, got ${cp.size}`);
  if (!isHash(cp.root)) throw malformedBody(`checkpoint root must be a ${HASH_SIZE}-byte hash`);
  checkpointTimeMillis(cp.time);
  return `${cp.origin}\n${cp.size}\n${Buffer.from(cp.root).toString('base64')}\n${TIME_PREFIX}${cp.time}\n`;
}

/** Parses a body produced by formatCheckpointBody, accepting nothing else (throws CheckpointError 'malformed-body'). */
export function parseCheckpointBody(text: string): Checkpoint {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw malformedBody('checkpoint body must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== 4) throw malformedBody(`checkpoint body must have 4 lines (origin, size, root, time), got ${lines.length}`);
  const [origin, sizeLine, rootLine, timeLine] = lines;
  checkOrigin(origin);
  if (!DECIMAL.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) throw malformedBody(`checkpoint size line ${JSON.stringify(sizeLine)} is not a decimal size`);
  const root = tryDecodeBase64(rootLine);
  if (root === undefined || root.length !== HASH_SIZE) throw malformedBody('checkpoint root line is not a base64 32-byte hash');
  if (!timeLine.startsWith(TIME_PREFIX)) throw malformedBody(`checkpoint extension line must be "${TIME_PREFIX}<ISO-8601>"`);
  const time = timeLine.slice(TIME_PREFIX.length);
  checkpointTimeMillis(time);
  return { origin, size: Number(sizeLine), root, time };
}

/** One signature line of a signed note. */
export interface NoteSignature {
  readonly keyName: string;
  readonly keyId: Buffer;
  readonly signature: Buffer;
}

/** Assembles a C2SP signed note from its text (ending in a newline) and signature lines. */
export function formatSignedNote(text: string, signatures: readonly NoteSignature[]): string {
  if (!text.endsWith('\n')) throw malformedNote('note text must end with a newline');
  if (signatures.length === 0) throw malformedNote('a signed note needs at least one signature');
  const lines = signatures.map((s) => {
    assertKeyName(s.keyName);
    if (s.keyId.length !== 4) throw malformedNote('key ID must be 4 bytes');
    return `${EM_DASH} ${s.keyName} ${Buffer.concat([s.keyId, s.signature]).toString('base64')}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

/** Splits a C2SP signed note into its text and signature lines (signatures are not verified here). */
export function parseSignedNote(note: string): { text: string; signatures: NoteSignature[] } {
  if (typeof note !== 'string') throw malformedNote('signed note must be a string');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) throw malformedNote('signed note contains ASCII control characters');
  if (Buffer.from(note, 'utf8').toString('utf8') !== note) throw malformedNote('signed note is not valid UTF-8');
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
    const bytes = tryDecodeBase64(m[2]);
    if (bytes === undefined || bytes.length < 5) throw malformedNote(`signature on line ${JSON.stringify(line)} is not base64 of key ID and signature`);
    return { keyName: m[1], keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) };
  });
  return { text, signatures };
}

/**
 * Signs a checkpoint with an Ed25519 key as a C2SP signed note. `keyName` is the name on the
 * signature line and part of the key ID; it should equal the origin.
 */
export function signCheckpoint(cp: Checkpoint, privateKey: PrivateKeyInput, keyName: string = cp.origin): SignedCheckpoint {
  assertKeyName(keyName);
  const priv = toPrivateKey(privateKey);
  const body = formatCheckpointBody(cp);
  const signature = edSign(null, Buffer.from(body, 'utf8'), priv);
  const keyId = noteKeyId(keyName, priv);
  const note = formatSignedNote(body, [{ keyName, keyId, signature }]);
  return { body, keyName, keyId: keyId.toString('hex'), signature: signature.toString('base64'), note };
}

/** Options of verifyCheckpoint. */
export interface VerifyCheckpointOptions {
  /** Only accept signatures under this key name (default: any name whose key ID matches the key). */
  readonly keyName?: string;
  /** Require this origin line. */
  readonly origin?: string;
}

/**
 * Verifies a signed checkpoint (the object from signCheckpoint, or just its note text) against a
 * trusted Ed25519 public key and returns the checkpoint it vouches for. Following C2SP
 * signed-note, signature lines from other keys are ignored, at least one line from this key must
 * verify, and any line from this key that fails rejects the whole note. When an object is given,
 * its `body`, `keyName`, `keyId` and `signature` fields must agree with its `note`.
 *
 * Throws CheckpointError with reason 'malformed-note' | 'malformed-body' | 'inconsistent-fields' |
 * 'unknown-key' | 'bad-signature' | 'origin-mismatch' | 'malformed-key'.
 */
export function verifyCheckpoint(signed: SignedCheckpoint | string, publicKey: PublicKeyInput, options: VerifyCheckpointOptions = {}): Checkpoint {
  const pub = toPublicKey(publicKey);
  const noteText = typeof signed === 'string' ? signed : signed?.note;
  const { text, signatures } = parseSignedNote(noteText);
  if (typeof signed !== 'string') {
    const agrees =
      signed.body === text &&
      signatures.some(
        (s) => s.keyName === signed.keyName && s.keyId.toString('hex') === signed.keyId && s.signature.toString('base64') === signed.signature,
      );
    if (!agrees) throw new CheckpointError('inconsistent-fields', 'signed checkpoint fields do not match its note');
  }
  const candidates = signatures.filter(
    (s) => (options.keyName === undefined || s.keyName === options.keyName) && hashesEqual(s.keyId, noteKeyId(s.keyName, pub)),
  );
  if (candidates.length === 0) throw new CheckpointError('unknown-key', 'checkpoint carries no signature from the trusted key');
  const message = Buffer.from(text, 'utf8');
  for (const s of candidates) {
    if (s.signature.length !== ED25519_SIGNATURE_SIZE || !edVerify(null, message, pub, s.signature)) {
      throw new CheckpointError('bad-signature', `signature by ${s.keyName} does not verify`);
    }
  }
  const cp = parseCheckpointBody(text);
  if (options.origin !== undefined && cp.origin !== options.origin) {
    throw new CheckpointError('origin-mismatch', `checkpoint origin ${cp.origin} is not ${options.origin}`);
  }
  return cp;
}

/** What CheckpointSigner.sign needs; the origin comes from the signer. */
export interface CheckpointInput {
  readonly size: number;
  readonly root: Uint8Array;
  /** Issue time; a Date is converted with toISOString(). */
  readonly time: string | Date;
}

/**
 * Signs the successive checkpoints of one log and refuses to sign a checkpoint that would
 * contradict the previous one: time must strictly increase, size must not decrease, an equal size
 * must keep the same root, and when a consistency proof from the previous checkpoint is supplied it
 * must verify. Give it the last checkpoint you persisted (`previous`) so a restart keeps the rules.
 */
export class CheckpointSigner {
  readonly origin: string;
  readonly keyName: string;
  readonly #privateKey: KeyObject;
  #last: Checkpoint | undefined;

  constructor(options: { origin: string; privateKey: PrivateKeyInput; keyName?: string; previous?: Checkpoint }) {
    checkOrigin(options.origin);
    this.origin = options.origin;
    this.keyName = options.keyName ?? options.origin;
    assertKeyName(this.keyName);
    this.#privateKey = toPrivateKey(options.privateKey);
    if (options.previous !== undefined) {
      formatCheckpointBody(options.previous);
      if (options.previous.origin !== this.origin) throw new CheckpointError('origin-mismatch', 'previous checkpoint belongs to another origin');
      this.#last = { ...options.previous, root: Buffer.from(options.previous.root) };
    }
  }

  /** The last checkpoint signed (or given as `previous`). */
  get last(): Checkpoint | undefined {
    return this.#last;
  }

  /**
   * Signs the checkpoint `(origin, size, root, time)`. `consistencyProof`, if given, is checked
   * against the previous checkpoint (e.g. from MerkleTree.consistencyProof).
   */
  sign(input: CheckpointInput, consistencyProof?: readonly Uint8Array[]): SignedCheckpoint {
    const time = input.time instanceof Date ? input.time.toISOString() : input.time;
    const cp: Checkpoint = { origin: this.origin, size: input.size, root: Buffer.from(input.root), time };
    formatCheckpointBody(cp);
    const last = this.#last;
    if (last !== undefined) {
      if (checkpointTimeMillis(time) <= checkpointTimeMillis(last.time)) {
        throw new CheckpointError('time-not-increasing', `checkpoint time ${time} is not after the previous ${last.time}`);
      }
      if (cp.size < last.size) throw new CheckpointError('size-decreasing', `checkpoint size ${cp.size} is below the previous ${last.size}`);
      if (cp.size === last.size && !hashesEqual(cp.root, last.root)) {
        throw new CheckpointError('inconsistent-with-previous', `root changed at unchanged size ${cp.size}`);
      }
      if (consistencyProof !== undefined) {
        try {
          verifyConsistency(last.size, cp.size, consistencyProof, last.root, cp.root);
        } catch (e) {
          if (e instanceof LedgerError) throw new CheckpointError('inconsistent-with-previous', `not consistent with the previous checkpoint: ${e.message}`);
          throw e;
        }
      }
    }
    const signed = signCheckpoint(cp, this.#privateKey, this.keyName);
    this.#last = cp;
    return signed;
  }
}
