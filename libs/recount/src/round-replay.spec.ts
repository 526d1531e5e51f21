import 'reflect-metadata';
import type { EventEnvelope, RoundConfig } from '@plaza/contracts';
import fc from 'fast-check';
import { ballotCommitment, ballotDigest, computeUnitResult, RoundReplay, sha256Hex } from './index';
import { StringIds } from './round-replay';

const ROUND = '01900000-0000-7000-8000-0000000000f1';
const OTHER = '01900000-0000-7000-8000-0000000000f2';
const A = '01900000-0000-7000-8000-00000000000a';
const B = '01900000-0000-7000-8000-00000000000b';
const C = '01900000-0000-7000-8000-00000000000c';
const D = '01900000-0000-7000-8000-00000000000d';
const pseudo = (k: number) => k.toString(16).padStart(64, '0');

const config: RoundConfig = {
  name: 'Green Budget',
  currency: 'PLN',
  units: [
    { id: 'centre', name: 'Centre', kind: 'district', budget: 100 },
    { id: 'north', name: 'North', kind: 'district', budget: 50 },
  ],
  schedule: {},
  ballot: { type: 'approval', minPicks: 1 },
  outcome: { rule: 'greedy' },
  eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
};

let seq = 0;
function ev(type: string, payload: object, roundId = ROUND): EventEnvelope {
  seq += 1;
  return {
    id: `01900000-0000-7000-8000-${seq.toString(16).padStart(12, '0')}`,
    type,
    schemaVersion: 1,
    streamId: 's',
    streamVersion: seq,
    roundId,
    occurredAt: '2027-03-01T08:00:00.000Z',
    producer: ['VotersRegistered', 'BallotCast', 'VotingClosed', 'ResultsDeclared'].includes(type) ? 'voting' : 'proposals',
    correlationId: 'c',
    causationId: null,
    payload,
  };
}
const cast = (voter: number, unitId: string, choices: string[]) =>
  ev('BallotCast', { ballotId: `b${seq}`, voterPseudonym: pseudo(voter), unitId, channel: 'online', choices });

function replayOf(events: EventEnvelope[]): RoundReplay {
  const r = new RoundReplay(ROUND);
  for (const e of events) r.apply(e);
  return r;
}

describe('RoundReplay with sealed ballots (BallotCast v2 and BallotsOpened)', () => {
  const salt = (k: number) => k.toString(16).padStart(64, '0');
  const sealed = (voter: number, unitId: string, choices: string[], k: number) => {
    const ballotId = `01900000-0000-7000-8000-0000000b${k.toString(16).padStart(4, '0')}`;
    const e = ev('BallotCast', { ballotId, voterPseudonym: pseudo(voter), unitId, channel: 'online', commitment: ballotCommitment({ ballotId, choices, salt: salt(k) }) });
    return { ...e, schemaVersion: 2, opening: { eventId: e.id, voterPseudonym: pseudo(voter), unitId, choices, salt: salt(k) } };
  };
  const setup = () => [
    ev('RoundCreated', { config, phase: 'voting' }),
    ev('ProposalAccepted', { proposalId: A, unitId: 'centre', cost: 60, reason: '', reviewerId: 'r' }),
    ev('ProposalAccepted', { proposalId: C, unitId: 'north', cost: 30, reason: '', reviewerId: 'r' }),
    ev('VotersRegistered', { source: 'roll', voters: [1, 2].map((k) => ({ pseudonym: pseudo(k), unitId: 'centre' })) }),
  ];

  it('counts nothing before the close, then exactly the opened latest ballots; a moved voter counts once; no false alarms', () => {
    const v1 = sealed(1, 'centre', [A], 1);
    const v2 = sealed(2, 'centre', [A], 2);
    const v1north = sealed(1, 'north', [C], 3);
    const events = [...setup(), v1, v2, ev('VotersRegistered', { source: 'roll', voters: [{ pseudonym: pseudo(1), unitId: 'north' }] }), v1north];
    const open = replayOf(events);
    expect([...open.counted().values()].flat()).toEqual([]);
    expect(open.anomalies).toEqual([{ eventId: v1.id, reason: expect.stringContaining('registered in north voted in district centre') }]);
    expect(open.openingProblems).toEqual([]);
    // The close opens the selected ballots only: not v1's centre ballot (the voter moved).
    const closed = replayOf([...events, ev('VotingClosed', { ballotsCounted: 2, perUnit: {}, ballotDigest: 'x' }), ev('BallotsOpened', { openings: [v2.opening, v1north.opening] })]);
    expect([...closed.counted().values()].flat().map((b) => [b.eventId, b.choices])).toEqual([
      [v2.id, [A]],
      [v1north.id, [C]],
    ]);
    expect(closed.openingProblems).toEqual([]);
    expect(closed.sealing).toMatchObject({ sealed: 3, selected: 2 });
  });

  it('reports openings that do not match, are missing, are superseded or have no sealed ballot, with the entry', () => {
    const first = sealed(1, 'centre', [A], 1);
    const revised = { ...sealed(1, 'centre', [A], 2), streamVersion: 2 };
    const other = sealed(2, 'centre', [A], 3);
    const events = [...setup(), first, revised, other];
    const r = new RoundReplay(ROUND);
    events.forEach((e, i) => r.apply(e, i));
    r.apply(ev('VotingClosed', { ballotsCounted: 2, perUnit: {}, ballotDigest: 'x' }), 10);
    const stranger = { ...other.opening, eventId: '01900000-0000-7000-8000-0000000000ee', voterPseudonym: pseudo(9) };
    const opened = ev('BallotsOpened', { openings: [first.opening, { ...revised.opening, salt: salt(99) }, stranger] });
    r.apply(opened, 11);
    const problems = r.openingProblems.map((p) => [p.index, p.eventId, p.reason.replace(/ \(.*$/, '')]);
    expect(problems).toEqual(
      expect.arrayContaining([
        [6, other.id, `ballot ${other.id} counts but was never opened`],
        [11, opened.id, `the opening of ballot ${revised.id} does not match its commitment`],
        [11, opened.id, `an opening for a superseded version`],
        [11, opened.id, expect.stringContaining('a counted ballot without a commitment')],
      ]),
    );
    expect(problems).toHaveLength(4);
    expect([...r.counted().values()].flat()).toEqual([]);
  });
});

describe('RoundReplay', () => {
  const setup = () => [
    ev('RoundCreated', { config: { ...config, outcome: { rule: 'phragmen' } }, phase: 'draft' }),
    ev('RoundConfigured', { config, changed: ['outcome'] }),
    ev('ProposalAccepted', { proposalId: B, unitId: 'centre', cost: 50, reason: '', reviewerId: 'r' }),
    ev('ProposalAccepted', { proposalId: A, unitId: 'centre', cost: 60, reason: '', reviewerId: 'r' }),
    ev('ProposalAccepted', { proposalId: C, unitId: 'centre', cost: 30, reason: '', reviewerId: 'r' }),
    ev('ProposalAccepted', { proposalId: D, unitId: 'centre', cost: 10, reason: '', reviewerId: 'r' }),
    ev('ProposalWithdrawn', { proposalId: D }),
    ev('VotersRegistered', {
      source: 'roll',
      voters: [1, 2, 3, 4].map((k) => ({ pseudonym: pseudo(k), unitId: 'centre', ageBand: '30-44' })).concat([{ pseudonym: pseudo(5), unitId: 'north', ageBand: '65+' }]),
    }),
    ev('RoundPhaseChanged', { from: 'review', to: 'voting', trigger: 'admin' }),
  ];

  it('folds config, accepted proposals in acceptance order, and the latest ballot per pseudonym', () => {
    const first = cast(1, 'centre', [C]);
    const events = [
      ...setup(),
      first,
      cast(2, 'centre', [B, C]),
      cast(1, 'centre', [A, B]), // revision: the latest counts
      cast(3, 'centre', [B]),
      cast(4, 'centre', [A]),
      ev('RoundPhaseChanged', { from: 'voting', to: 'closed', trigger: 'schedule' }),
    ];
    const r = replayOf(events);
    expect(r.config?.outcome.rule).toBe('greedy');
    expect(r.phase).toBe('closed');
    expect(r.accepted('centre')).toEqual([
      { proposalId: B, cost: 50 },
      { proposalId: A, cost: 60 },
      { proposalId: C, cost: 30 },
    ]);
    const counted = r.counted().get('centre')!;
    expect(counted).toHaveLength(4);
    expect(counted.find((b) => b.voterPseudonym === pseudo(1))!.choices).toEqual([A, B]);
    expect(counted.map((b) => b.eventId)).not.toContain(first.id);
    const results = r.results();
    expect(results.map((x) => x.unitId)).toEqual(['centre', 'north']);
    expect(results[0]).toEqual(computeUnitResult(config, 'centre', r.accepted('centre'), counted));
    // B 3 approvals, A 2, C 1: B, then A (60) does not fit into 50, C does.
    expect(results[0].selected).toEqual([B, C]);
    expect(results[1]).toMatchObject({ selected: [], ballotsCounted: 0, budget: 50 });
    expect(r.ballotDigest()).toBe(ballotDigest(counted.map((b) => b.eventId)));
    expect(r.anomalies).toEqual([]);
  });

  it('stops counting at VotingClosed and ignores other rounds', () => {
    const r = replayOf([
      ...setup(),
      cast(1, 'centre', [A]),
      ev('VotingClosed', { ballotsCounted: 1, perUnit: { centre: 1, north: 0 }, ballotDigest: '0'.repeat(64) }),
      cast(2, 'centre', [B]),
      ev('BallotCast', { ballotId: 'x', voterPseudonym: pseudo(3), unitId: 'centre', channel: 'online', choices: [C] }, OTHER),
    ]);
    expect(r.counted().get('centre')!.map((b) => b.choices)).toEqual([[A]]);
    expect(r.closedEventId).toBeDefined();
    expect(r.anomalies.map((a) => a.reason)).toEqual(['cast after VotingClosed']);
  });

  it('leaves out ballots it cannot count, and says why', () => {
    const r = replayOf([
      ...setup(),
      cast(9, 'centre', [A]), // never registered
      cast(5, 'centre', [A]), // registered in north
      cast(1, 'centre', [D]), // withdrawn proposal
      cast(2, 'centre', [A]),
    ]);
    expect(r.counted().get('centre')!.map((b) => b.voterPseudonym)).toEqual([pseudo(2)]);
    expect(r.anomalies.map((a) => a.reason)).toEqual([
      `pseudonym ${pseudo(9)} was never registered`,
      `pseudonym registered in north voted in district centre`,
      `names proposals not on the ballot of centre: ${D}`,
    ]);
  });

  it('lets every registered voter vote in each category unit', () => {
    const categories: RoundConfig = {
      ...config,
      units: [
        { id: 'green', name: 'Green', kind: 'category', budget: 100 },
        { id: 'roads', name: 'Roads', kind: 'category', budget: 100 },
      ],
    };
    const r = replayOf([
      ev('RoundCreated', { config: categories, phase: 'draft' }),
      ev('ProposalAccepted', { proposalId: A, unitId: 'green', cost: 60, reason: '', reviewerId: 'r' }),
      ev('ProposalAccepted', { proposalId: B, unitId: 'roads', cost: 50, reason: '', reviewerId: 'r' }),
      ev('VotersRegistered', { source: 'codes', voters: [{ pseudonym: pseudo(1), unitId: 'green' }] }),
      cast(1, 'green', [A]),
      cast(1, 'roads', [B]),
    ]);
    expect(r.results().map((x) => x.selected)).toEqual([[A], [B]]);
  });
});

describe('ballotDigest', () => {
  it('is sha256 over the sorted ids joined by newlines, however many there are', () => {
    for (const n of [0, 1, 2, 9_999, 10_000, 10_001, 25_000]) {
      const ids = Array.from({ length: n }, (_, i) => `01900000-0000-7000-8000-${((i * 7919) % (n || 1)).toString(16).padStart(12, '0')}`);
      expect(ballotDigest(ids)).toBe(sha256Hex([...ids].sort().join('\n')));
    }
  });
});

describe('StringIds', () => {
  it.each([200, 0, 1])('numbers strings in order of first sight, as a Map would (max probes %d)', (maxProbes) => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom(pseudo(1), pseudo(2), pseudo(3))), { maxLength: 3000 }), (keys) => {
        const ids = new StringIds(maxProbes);
        const map = new Map<string, number>();
        for (const k of keys) {
          if (!map.has(k)) map.set(k, map.size);
          expect(ids.idOf(k)).toBe(map.get(k));
        }
        expect(ids.size).toBe(map.size);
      }),
      { numRuns: 60 },
    );
  });

  it('holds a million pseudonyms', () => {
    const ids = new StringIds();
    let wrong = 0;
    for (let i = 0; i < 1_000_000; i++) if (ids.idOf(pseudo(i)) !== i) wrong++;
    for (let i = 0; i < 1_000_000; i += 7) if (ids.idOf(pseudo(i)) !== i) wrong++;
    expect(wrong).toBe(0);
    expect(ids.size).toBe(1_000_000);
  });
});
