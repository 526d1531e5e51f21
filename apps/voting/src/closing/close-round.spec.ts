import type { BallotOpening } from '@plaza/contracts';
import { OPENING_BYTES_PER_EVENT, OPENINGS_PER_EVENT, openingBatches } from './close.decider';

const opening = (k: number, choices: number): BallotOpening => ({
  eventId: `01900000-0000-7000-8000-${k.toString(16).padStart(12, '0')}`,
  voterPseudonym: k.toString(16).padStart(64, '0'),
  unitId: 'centre',
  choices: Array.from({ length: choices }, (_, i) => `01900000-0000-7000-8000-${i.toString(16).padStart(12, '0')}`),
  salt: 'a'.repeat(64),
});

describe('openings per BallotsOpened event', () => {
  it('keep every opening, in order, at most 1000 per event', () => {
    const all = Array.from({ length: 2500 }, (_, k) => opening(k, 2));
    const batches = openingBatches(all);
    expect(batches.map((b) => b.length)).toEqual([OPENINGS_PER_EVENT, OPENINGS_PER_EVENT, 500]);
    expect(batches.flat()).toEqual(all);
  });

  it('stay well under a Kafka message when ballots name many proposals', () => {
    const all = Array.from({ length: 1000 }, (_, k) => opening(k, 60));
    const batches = openingBatches(all);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toEqual(all);
    for (const b of batches) expect(JSON.stringify(b).length).toBeLessThanOrEqual(OPENING_BYTES_PER_EVENT + 2 * b.length);
  });

  it('make no event when nothing is opened', () => {
    expect(openingBatches([])).toEqual([]);
  });
});
