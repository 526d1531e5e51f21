import { EVENT_REGISTRY, type EventContext, type EventEnvelope, type NewEvent, type PayloadOf, type PlazaEventType, type RoundConfig } from '@plaza/contracts';

export const ROUND_ID = '01900000-0000-7000-8000-000000000001';
export const T0 = new Date('2027-01-10T09:00:00.000Z');

export function ctxAt(now: Date | string = T0, roundId = ROUND_ID): EventContext {
  return { roundId, correlationId: 'test', now: typeof now === 'string' ? new Date(now) : now };
}

/** A stored event as a stream would hold it (for the "given" part of decider specs). */
export function stored<T extends PlazaEventType>(type: T, payload: PayloadOf<T>, streamId: string, streamVersion: number, at: string = T0.toISOString()): EventEnvelope<T, PayloadOf<T>> {
  return {
    id: `01900000-0000-7000-8000-${String(streamVersion).padStart(12, '0')}`,
    type,
    schemaVersion: EVENT_REGISTRY[type].schemaVersion,
    streamId,
    streamVersion,
    roundId: ROUND_ID,
    occurredAt: at,
    producer: 'proposals',
    correlationId: 'test',
    causationId: null,
    payload,
  };
}

/** What a decider returned, without the parts that differ per run (ids, correlation). */
export function decided(events: readonly NewEvent[]): { type: string; payload: unknown }[] {
  return events.map((e) => ({ type: e.type, payload: e.payload }));
}

/** A coherent config: two districts, approval 1..3, greedy, voter roll. */
export function sampleConfig(overrides: Partial<RoundConfig> = {}): RoundConfig {
  return {
    name: 'Green Budget 2027',
    currency: 'PLN',
    units: [
      { id: 'north', name: 'North', kind: 'district', budget: 1_000_000 },
      { id: 'south', name: 'South', kind: 'district', budget: 500_000 },
    ],
    schedule: {},
    ballot: { type: 'approval', minPicks: 1, maxPicks: 3 },
    outcome: { rule: 'greedy' },
    eligibility: { mode: 'roll', minAge: 16, paperPolicy: 'refuse-if-voted-online' },
    ...overrides,
  };
}
