import { toHex } from './bytes';

/** Base class of every error this library throws, so callers can catch ledger failures as one kind. */
export class LedgerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A proof or its parameters are malformed: sizes out of order, index out of range, wrong number of
 * proof elements, a hash that is not 32 bytes. Nothing was hashed to a root that could be compared.
 */
export class ProofError extends LedgerError {
  constructor(
    message: string,
    /** Number of proof elements the algorithm needed, when the failure is a length mismatch. */
    readonly expectedLength?: number,
    /** Number of proof elements given, when the failure is a length mismatch. */
    readonly actualLength?: number,
  ) {
    super(message);
  }
}

/**
 * A proof was well formed but the root it leads to is not the one expected (the trillian /
 * transparency-dev `RootMismatchError`): carries both roots so a report can show them.
 */
export class RootMismatchError extends LedgerError {
  /** Copies of the roots: Buffers under Node; plain Uint8Arrays where Buffer does not exist (a browser). */
  readonly calculated: Buffer;
  readonly expected: Buffer;

  constructor(
    /** Tree size whose root did not match. */
    readonly size: number,
    calculated: Uint8Array,
    expected: Uint8Array,
  ) {
    super(`root at size ${size} mismatched: calculated ${toHex(calculated)}, expected ${toHex(expected)}`);
    const copy = (b: Uint8Array) => (typeof Buffer === 'function' ? Buffer.from(b) : Uint8Array.from(b)) as Buffer;
    this.calculated = copy(calculated);
    this.expected = copy(expected);
  }
}

/** A value cannot be represented in RFC 8785 canonical JSON. `path` points at the offending value. */
export class CanonicalizationError extends LedgerError {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${message} at ${path}`);
  }
}

/** Why a checkpoint was refused; stable strings so reports and tests can match on them. */
export type CheckpointErrorReason =
  | 'malformed-body'
  | 'malformed-note'
  | 'malformed-key'
  | 'unknown-key'
  | 'bad-signature'
  | 'inconsistent-fields'
  | 'time-not-increasing'
  | 'size-decreasing'
  | 'inconsistent-with-previous'
  | 'origin-mismatch';

/** A checkpoint could not be parsed, signed or verified. */
export class CheckpointError extends LedgerError {
  constructor(
    readonly reason: CheckpointErrorReason,
    message: string,
  ) {
    super(message);
  }
}
