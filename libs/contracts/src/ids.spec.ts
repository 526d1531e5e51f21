import 'reflect-metadata';
import { hasOnlyCanonicalUuids, isCanonicalUuid } from './ids';
import { newEvent } from './new-event';
import { validateEnvelope } from './registry';

const ID = '01900000-0000-7000-8000-00000000000a';
const UPPER = ID.toUpperCase();
const P = 'ab'.repeat(32);
const ballot = (over: Record<string, unknown> = {}, payload: Record<string, unknown> = {}) => ({
  id: ID,
  type: 'BallotCast',
  schemaVersion: 1,
  streamId: `ballot-${ID}-${P}`,
  streamVersion: 1,
  roundId: ID,
  occurredAt: '2027-03-01T08:00:00.000Z',
  producer: 'voting',
  correlationId: 'c',
  causationId: null,
  payload: { ballotId: ID, voterPseudonym: P, unitId: 'centre', channel: 'online', choices: [ID], ...payload },
  ...over,
});
const reason = (raw: object) => {
  const r = validateEnvelope(raw);
  return r.ok ? 'ok' : r.reason;
};

describe('canonical ids', () => {
  it('is lower-case hex with hyphens, nothing else', () => {
    expect(isCanonicalUuid(ID)).toBe(true);
    for (const odd of [UPPER, `{${ID}}`, `urn:uuid:${ID}`, ID.replace(/-/g, ''), ` ${ID}`, `${ID}\n`, 42, null]) expect(isCanonicalUuid(odd)).toBe(false);
    expect(hasOnlyCanonicalUuids(`ballot-${ID}-${P}`)).toBe(true);
    expect(hasOnlyCanonicalUuids(`ballot-${UPPER}-${P}`)).toBe(false);
    expect(hasOnlyCanonicalUuids('voters')).toBe(true);
  });

  it('an envelope whose ids are not canonical is refused with the reason (so a consumer parks it)', () => {
    expect(reason(ballot())).toBe('ok');
    expect(reason(ballot({ roundId: UPPER }))).toMatch(/roundId must be a canonical UUID/);
    expect(reason(ballot({ id: UPPER }))).toMatch(/id must be a canonical UUID/);
    expect(reason(ballot({ id: `{${ID}}` }))).toMatch(/id must be a canonical UUID/);
    expect(reason(ballot({ streamId: `ballot-${UPPER}-${P}` }))).toMatch(/streamId must hold its ids in canonical/);
    expect(reason(ballot({}, { choices: [UPPER] }))).toMatch(/payload\.choices: choices must be a canonical UUID/);
    expect(reason(ballot({}, { ballotId: UPPER }))).toMatch(/payload\.ballotId: ballotId must be a canonical UUID/);
  });

  it('no producer can build an event for a non-canonical round', () => {
    const ctx = { correlationId: 'c', now: new Date('2027-03-01T08:00:00Z') };
    expect(() => newEvent('PaperSheetRefused', { batchId: ID, reason: 'spoiled' }, { ...ctx, roundId: UPPER })).toThrow(/not a canonical UUID/);
    expect(newEvent('PaperSheetRefused', { batchId: ID, reason: 'spoiled' }, { ...ctx, roundId: ID }).roundId).toBe(ID);
  });
});
