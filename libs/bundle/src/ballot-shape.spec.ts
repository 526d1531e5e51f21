import 'reflect-metadata';
import fc from 'fast-check';
import { validateEnvelope } from '@plaza/contracts';
import { ballotCastProblem, ballotsOpenedProblem, isPseudonym, isUuid, votersRegisteredProblem } from './ballot-shape';

const uuid = '0193f4a0-0000-7000-8000-00000000000';
const ballot = () => ({
  id: `${uuid}1`,
  type: 'BallotCast',
  schemaVersion: 1,
  streamId: 'ballot-x',
  streamVersion: 1,
  roundId: `${uuid}2`,
  occurredAt: '2026-11-25T17:00:00.000Z',
  producer: 'voting',
  correlationId: 'c',
  causationId: null as string | null,
  payload: { ballotId: `${uuid}3`, voterPseudonym: 'a'.repeat(64), unitId: 'centre', channel: 'online', choices: [`${uuid}4`, `${uuid}5`] } as Record<string, unknown>,
});
const sealed = () => ({
  ...ballot(),
  schemaVersion: 2,
  payload: { ballotId: `${uuid}3`, voterPseudonym: 'a'.repeat(64), unitId: 'centre', channel: 'paper', commitment: 'e'.repeat(64), paper: { batchId: `${uuid}7`, operatorId: 'op' } } as Record<string, unknown>,
});
const opened = () => ({
  ...ballot(),
  type: 'BallotsOpened',
  payload: {
    openings: [
      { eventId: `${uuid}1`, voterPseudonym: 'a'.repeat(64), unitId: 'centre', choices: [`${uuid}4`, `${uuid}5`], points: [2, 1], salt: 'f'.repeat(64) },
      { eventId: `${uuid}8`, voterPseudonym: 'b'.repeat(64), unitId: 'north', choices: [], salt: '0'.repeat(64) },
    ],
  } as Record<string, unknown>,
});
const registered = () => ({
  ...ballot(),
  type: 'VotersRegistered',
  payload: { source: 'roll', voters: [{ pseudonym: 'b'.repeat(64), unitId: 'centre', ageBand: '18-29' }, { pseudonym: 'c'.repeat(64), unitId: 'north' }] } as Record<string, unknown>,
});

// Values that are valid somewhere and invalid elsewhere, so the mutations hit both sides of each rule.
const values = fc.constantFrom<unknown>(
  undefined,
  null,
  '',
  'x',
  0,
  1,
  -1,
  2.5,
  true,
  [],
  {},
  `${uuid}9`,
  'a'.repeat(64),
  'A'.repeat(64),
  'centre',
  'Centre',
  'online',
  'paper',
  2,
  3,
  'roll',
  'codes',
  '18-29',
  '99+',
  [`${uuid}6`],
  [`${uuid}6`, `${uuid}6`],
  ['nope'],
  [1, 2],
  [0],
  { batchId: `${uuid}7`, operatorId: 'op' },
  { batchId: 'x', operatorId: 'op' },
  [{ pseudonym: 'd'.repeat(64), unitId: 'centre' }],
  [{ pseudonym: 'd'.repeat(64), unitId: 'centre', ageBand: '65+' }],
  [{ pseudonym: 'short', unitId: 'centre' }],
  [{ eventId: `${uuid}6`, voterPseudonym: 'd'.repeat(64), unitId: 'centre', choices: [`${uuid}6`], salt: 'd'.repeat(64) }],
  [{ eventId: `${uuid}6`, voterPseudonym: 'd'.repeat(64), unitId: 'centre', choices: [`${uuid}6`, `${uuid}6`], salt: 'd'.repeat(64) }],
  [{ eventId: `${uuid}6`, voterPseudonym: 'd'.repeat(64), unitId: 'centre', choices: [`${uuid}6`], salt: 'short' }],
  [{ eventId: 'x', voterPseudonym: 'd'.repeat(64), unitId: 'centre', choices: [], salt: 'd'.repeat(64) }],
  '2026-11-25T17:00:00Z',
  '2026-11-25 17:00:00',
);

const envelopeKeys = ['id', 'type', 'schemaVersion', 'streamId', 'streamVersion', 'roundId', 'occurredAt', 'producer', 'correlationId', 'causationId'];

function agree(make: () => ReturnType<typeof ballot>, fast: (raw: unknown) => string | undefined, payloadKeys: string[]) {
  expect(fast(make())).toBeUndefined();
  expect(validateEnvelope(make()).ok).toBe(true);
  fc.assert(
    fc.property(fc.boolean(), fc.constantFrom(...envelopeKeys), fc.constantFrom(...payloadKeys), values, (inPayload, envKey, payloadKey, value) => {
      const event = make() as Record<string, unknown> & { payload: Record<string, unknown> };
      if (inPayload) {
        if (value === undefined) delete event.payload[payloadKey];
        else event.payload[payloadKey] = value;
      } else if (value === undefined) delete event[envKey];
      else event[envKey] = value;
      expect(fast(event) === undefined).toBe(validateEnvelope(event).ok);
    }),
    { numRuns: 1500 },
  );
}

describe('hand-written validators agree with the contracts (validateEnvelope)', () => {
  it('BallotCast', () => agree(ballot, ballotCastProblem, ['ballotId', 'voterPseudonym', 'unitId', 'channel', 'choices', 'points', 'paper']));
  it('BallotCast, sealed (schemaVersion 2)', () => agree(sealed, ballotCastProblem, ['ballotId', 'voterPseudonym', 'unitId', 'channel', 'commitment', 'paper', 'choices']));
  it('BallotsOpened', () => agree(opened, ballotsOpenedProblem, ['openings']));
  it('VotersRegistered', () => agree(registered, votersRegisteredProblem, ['source', 'voters']));
});

describe('character-code checks agree with the regular expressions they replace', () => {
  const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const PSEUDONYM_RE = /^[0-9a-f]{64}$/;
  const chars = fc.constantFrom(...'0123456789abcdefABCDEFgG-zZ \n\u00e9'.split(''));
  const mutate = (base: string) =>
    fc.tuple(fc.nat(base.length), chars, fc.constantFrom('replace', 'insert', 'delete')).map(([at, c, how]) =>
      how === 'replace' ? base.slice(0, at) + c + base.slice(at + 1) : how === 'insert' ? base.slice(0, at) + c + base.slice(at) : base.slice(0, at) + base.slice(at + 1),
    );
  it('isUuid', () => {
    const base = '0193f4a0-00b0-7000-8000-00000000aB1f';
    expect(isUuid(base)).toBe(true);
    fc.assert(fc.property(fc.oneof(mutate(base), fc.uuid(), fc.string()), (s) => isUuid(s) === UUID_RE.test(s)), { numRuns: 5000 });
  });
  it('isPseudonym', () => {
    const base = '0123456789abcdef'.repeat(4);
    expect(isPseudonym(base)).toBe(true);
    fc.assert(fc.property(fc.oneof(mutate(base), fc.string()), (s) => isPseudonym(s) === PSEUDONYM_RE.test(s)), { numRuns: 5000 });
  });
});

describe('long choice lists (checked with a Set rather than pairwise)', () => {
  const ids = Array.from({ length: 20 }, (_, i) => `0193f4a0-0000-7000-8000-${i.toString(16).padStart(12, '0')}`);
  it.each([
    ['distinct', ids],
    ['a repeat at the end', [...ids, ids[3]]],
    ['a repeat among the first 16', [ids[0], ids[0], ...ids.slice(1)]],
  ])('%s: agrees with the contracts', (_, choices) => {
    const event = ballot();
    event.payload.choices = choices;
    expect(ballotCastProblem(event) === undefined).toBe(validateEnvelope(event).ok);
  });
});
