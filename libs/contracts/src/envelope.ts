/**
 * The one envelope every Plaza event travels in (DESIGN.md "Events"). Plain, readonly data:
 * the `type` string is the wire name kept in the registry, never derived from a class name.
 */
export interface EventEnvelope<TType extends string = string, TPayload = unknown> {
  /** UUIDv7, assigned by the producer before the append (idempotency key end to end). */
  readonly id: string;
  /** Past-tense event name, e.g. `BallotCast`. */
  readonly type: TType;
  readonly schemaVersion: number;
  /** The aggregate's stream, e.g. `round-<uuid>`. */
  readonly streamId: string;
  /** Position in the stream, starting at 1. */
  readonly streamVersion: number;
  readonly roundId: string;
  /** UTC ISO-8601 with milliseconds. */
  readonly occurredAt: string;
  /** Producing service: `proposals`, `voting` or `audit`. */
  readonly producer: Producer;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly payload: TPayload;
}

export type Producer = 'proposals' | 'voting' | 'audit';
export const PRODUCERS: readonly Producer[] = ['proposals', 'voting', 'audit'];
