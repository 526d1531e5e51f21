import { KeyObject, sign as edSign, verify as edVerify } from 'node:crypto';
import { CheckpointError, LedgerError } from './errors';
import { HASH_SIZE, hashesEqual, isHash } from './hasher';
import { PrivateKeyInput, PublicKeyInput, noteKeyId, toPrivateKey, toPublicKey } from './keys';
import { assertKeyName, checkOrigin, checkpointTimeMillis, parseCheckpointText, parseNote } from './note';
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
const EM_DASH = '\u2014';
const ED25519_SIGNATURE_SIZE = 64;

function malformedBody(message: string): CheckpointError {
  return new CheckpointError('malformed-body', message);
}

function malformedNote(message: string): CheckpointError {
  return new CheckpointError('malformed-note', message);
}

export { checkpointTimeMillis };

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
  const cp = parseCheckpointText(text);
  return { ...cp, root: Buffer.from(cp.root) };
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
  const { text, signatures } = parseNote(note);
  return { text, signatures: signatures.map((s) => ({ keyName: s.keyName, keyId: Buffer.from(s.keyId), signature: Buffer.from(s.signature) })) };
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
