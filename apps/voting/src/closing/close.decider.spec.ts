import type { RoundConfig } from '@plaza/contracts';
import { decideClose, type CloseInput } from './close.decider';

const A = '01900000-0000-7000-8000-00000000000a';
const B = '01900000-0000-7000-8000-00000000000b';
const ev = (k: number) => `01900000-0000-7000-8000-${k.toString(16).padStart(12, '0')}`;
const config: RoundConfig = {
  name: 'Round',
  currency: 'PLN',
  units: [{ id: 'centre', name: 'Centre', kind: 'district', budget: 100 }],
  schedule: {},
  ballot: { type: 'approval', maxChoices: 2 },
  outcome: { rule: 'greedy' },
  eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
} as RoundConfig;
const ctx = { correlationId: 'c', causationId: ev(99), now: new Date('2027-03-01T10:00:00Z') };
const ballot = (k: number, voter: string, choices: string[], salt: string | null = 's'.repeat(64)) => ({
  eventId: ev(k),
  voterPseudonym: voter,
  unitId: 'centre',
  channel: 'online' as const,
  choices,
  points: null,
  salt,
});

describe('the close', () => {
  const input: CloseInput = {
    roundId: '01900000-0000-7000-8000-000000000001',
    config,
    accepted: [
      { proposalId: A, unitId: 'centre', cost: 60 },
      { proposalId: B, unitId: 'centre', cost: 50 },
    ],
    // v1 revised by v2 (only v2 counts and is opened), w unsealed, x not registered.
    ballots: [ballot(1, 'v', [A]), ballot(2, 'v', [B]), ballot(3, 'w', [B], null), ballot(4, 'x', [A])],
    registrations: [
      { pseudonym: 'v', unitId: 'centre' },
      { pseudonym: 'w', unitId: 'centre' },
    ],
  };

  it('counts each registered voter’s latest ballot and declares every unit after VotingClosed', () => {
    const { closed, opened, declared } = decideClose(input, ctx);
    expect(closed).toMatchObject({ type: 'VotingClosed', causationId: ctx.causationId, payload: { ballotsCounted: 2, perUnit: { centre: 2 } } });
    expect(declared).toHaveLength(1);
    expect(declared[0]).toMatchObject({ type: 'ResultsDeclared', causationId: closed.id, payload: { unitId: 'centre', selected: [B], ballotsCounted: 2 } });
    expect(opened.flatMap((o) => o.payload.openings.map((x) => x.eventId))).toEqual([ev(2)]);
    expect(opened[0]!.causationId).toBe(closed.id);
  });

  it('decides the same tally from the same input', () => {
    const strip = (d: ReturnType<typeof decideClose>) => [d.closed.payload, ...d.opened.map((o) => o.payload), ...d.declared.map((r) => r.payload)];
    expect(strip(decideClose(input, ctx))).toEqual(strip(decideClose({ ...input, registrations: [...input.registrations].reverse() }, ctx)));
  });
});
