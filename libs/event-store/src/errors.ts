/**
 * The stream moved on since the caller read it (or the expected version is otherwise wrong). Services map it
 * to HTTP 409 Conflict; the client re-reads and retries.
 */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    /** The stream's version when known (unknown when the conflict aborted a caller-owned transaction). */
    readonly actualVersion?: number,
  ) {
    super(
      `stream ${streamId} is not at version ${expectedVersion}` +
        (actualVersion === undefined ? ' (a concurrent append won)' : ` (it is at ${actualVersion})`),
    );
  }
}

/** An event with this id is already stored: the producer retried an append that had in fact succeeded. */
export class DuplicateEventError extends Error {
  override readonly name = 'DuplicateEventError';
  constructor(readonly eventIds: readonly string[]) {
    super(`event id already stored: ${eventIds.join(', ')}`);
  }
}

/**
 * Thrown by a projection's `apply` for an event that is well-formed but can never be applied (e.g. it refers
 * to a round this projection never saw). The runner parks it in dead_letters and goes on; any other error
 * is treated as transient and the batch is delivered again.
 */
export class RejectEventError extends Error {
  override readonly name = 'RejectEventError';
  constructor(reason: string) {
    super(reason);
  }
}

/**
 * An append under an Idempotency-Key claim that is no longer the appender's (another attempt took the key over
 * after its lease, or already applied it): the append's transaction rolls back, so the command writes nothing.
 */
export class IdempotencyClaimLostError extends Error {
  constructor(readonly key: string) {
    super(`the Idempotency-Key ${key} is being handled by another attempt; this one wrote nothing`);
    this.name = 'IdempotencyClaimLostError';
  }
}
