import { v7 as uuidv7 } from 'uuid';
import type { EventEnvelope, Producer } from './envelope';
import { isCanonicalUuid } from './ids';
import { EVENT_REGISTRY, type PayloadOf, type PlazaEventType } from './registry';

/** An event about to be appended: the store assigns streamId and streamVersion. */
export type NewEvent<T extends string = string, P = unknown> = Omit<EventEnvelope<T, P>, 'streamId' | 'streamVersion'>;

export interface EventContext {
  readonly roundId: string;
  readonly correlationId: string;
  readonly causationId?: string | null;
  /** Injected clock: deciders never read the wall clock themselves. */
  readonly now: Date;
}

/** Builds a new event with a fresh UUIDv7 and the registry's producer and schema version. */
export function newEvent<T extends PlazaEventType>(type: T, payload: PayloadOf<T>, ctx: EventContext): NewEvent<T, PayloadOf<T>> {
  // The last line of defence behind the HTTP edge: an event keyed by a non-canonical round id would open a second stream.
  if (!isCanonicalUuid(ctx.roundId)) throw new RangeError(`${type}: roundId ${JSON.stringify(ctx.roundId)} is not a canonical UUID`);
  const entry = EVENT_REGISTRY[type];
  return {
    id: uuidv7(),
    type,
    schemaVersion: entry.schemaVersion,
    roundId: ctx.roundId,
    occurredAt: ctx.now.toISOString(),
    producer: entry.producer as Producer,
    correlationId: ctx.correlationId,
    causationId: ctx.causationId ?? null,
    payload,
  };
}
