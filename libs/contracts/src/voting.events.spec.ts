import 'reflect-metadata';
import { upcast, validateEnvelope } from './registry';

const P = 'ab'.repeat(32);
const ID = '01900000-0000-7000-8000-000000000001';
const envelope = (type: string, payload: object, schemaVersion = type === 'VotersRegistered' ? 2 : 1) => ({
  id: ID,
  type,
  schemaVersion,
  streamId: 's',
  streamVersion: 1,
  roundId: ID,
  occurredAt: '2027-03-01T08:00:00.000Z',
  producer: 'voting',
  correlationId: 'c',
  causationId: null,
  payload,
});
const check = (type: string, payload: object, schemaVersion?: number) => validateEnvelope(JSON.parse(JSON.stringify(envelope(type, payload, schemaVersion))));

describe('voting events (contracts v2)', () => {
  it('accepts well-formed payloads of every voting event', () => {
    expect(check('VotersRegistered', { source: 'roll', voters: [{ pseudonym: P, unitId: 'centre' }, { pseudonym: P, unitId: 'north' }] })).toMatchObject({ ok: true });
    expect(check('VotersRegistered', { source: 'codes', voters: [{ pseudonym: P, unitId: 'centre' }], changeId: ID })).toMatchObject({ ok: true });
    // Stored before v2: age bands per voter, still read (never rewritten).
    expect(check('VotersRegistered', { source: 'roll', voters: [{ pseudonym: P, unitId: 'centre', ageBand: '18-29' }, { pseudonym: P, unitId: 'north' }] }, 1)).toMatchObject({ ok: true });
    // Stored v1 ballots (choices in the clear) still validate; v2 ballots are sealed.
    expect(check('BallotCast', { ballotId: ID, voterPseudonym: P, unitId: 'centre', channel: 'online', choices: [ID] })).toMatchObject({ ok: true });
    expect(
      check('BallotCast', { ballotId: ID, voterPseudonym: P, unitId: 'centre', channel: 'paper', choices: [ID], points: [3], paper: { batchId: ID, operatorId: 'clerk' } }),
    ).toMatchObject({ ok: true });
    expect(check('BallotCast', { ballotId: ID, voterPseudonym: P, unitId: 'centre', channel: 'online', commitment: 'c'.repeat(64) }, 2)).toMatchObject({ ok: true });
    expect(
      check('BallotCast', { ballotId: ID, voterPseudonym: P, unitId: 'centre', channel: 'paper', commitment: 'c'.repeat(64), paper: { batchId: ID, operatorId: 'clerk' } }, 2),
    ).toMatchObject({ ok: true });
    expect(check('BallotsOpened', { openings: [{ eventId: ID, voterPseudonym: P, unitId: 'centre', choices: [ID], points: [2], salt: 'd'.repeat(64) }] })).toMatchObject({ ok: true });
    expect(check('PaperBatchOpened', { batchId: ID, unitId: 'centre', operatorId: 'clerk', sheetsCounted: 10 })).toMatchObject({ ok: true });
    expect(check('PaperSheetRefused', { batchId: ID, reason: 'spoiled' })).toMatchObject({ ok: true });
    expect(check('PaperBatchClosed', { batchId: ID, entered: 8, refused: 1, sheetsCounted: 10, discrepancy: -1 })).toMatchObject({ ok: true });
    // Closed before refusals were recorded: no `refused`.
    expect(check('PaperBatchClosed', { batchId: ID, entered: 9, sheetsCounted: 10, discrepancy: -1 })).toMatchObject({ ok: true });
    expect(check('VotingClosed', { ballotsCounted: 2, perUnit: { centre: 2 }, ballotDigest: 'c'.repeat(64) })).toMatchObject({ ok: true });
  });

  it('refuses what would leak or mislead: identities instead of pseudonyms, oversized registrations, bad points, bad paper data', () => {
    const reason = (type: string, payload: object) => {
      const r = check(type, payload);
      return r.ok ? 'ok' : r.reason;
    };
    expect(reason('BallotCast', { ballotId: ID, voterPseudonym: 'resident-42', unitId: 'centre', channel: 'online', choices: [ID] })).toContain('voterPseudonym');
    expect(reason('VotersRegistered', { source: 'roll', voters: Array.from({ length: 1001 }, () => ({ pseudonym: P, unitId: 'centre' })) })).toContain('voters');
    const reasonV1 = (payload: object) => {
      const r = check('VotersRegistered', payload, 1);
      return r.ok ? 'ok' : r.reason;
    };
    expect(reasonV1({ source: 'roll', voters: [{ pseudonym: P, unitId: 'centre', ageBand: '12-15' }] })).toContain('ageBand');
    // v2 carries no age band at all: they appear only as aggregates with small cells suppressed.
    expect(reason('VotersRegistered', { source: 'roll', voters: [{ pseudonym: P, unitId: 'centre', ageBand: '18-29' }] })).toContain('ageBand is not part of VotersRegistered v2');
    expect(check('VotersRegistered', { source: 'roll', voters: [{ pseudonym: P, unitId: 'centre' }] }, 3)).toMatchObject({ ok: false, reason: expect.stringContaining('schemaVersion 3') });
    expect(reason('BallotCast', { ballotId: ID, voterPseudonym: P, unitId: 'centre', channel: 'online', choices: [ID], points: [0] })).toContain('points');
    expect(reason('BallotCast', { ballotId: ID, voterPseudonym: P, unitId: 'centre', channel: 'paper', choices: [ID], paper: { batchId: 'b' } })).toContain('paper');
    expect(reason('BallotCast', { ballotId: ID, voterPseudonym: P, unitId: 'centre', channel: 'online', choices: [ID, ID] })).toContain('choices');
    expect(reason('VotingClosed', { ballotsCounted: 1, perUnit: { centre: 1 }, ballotDigest: 'xyz' })).toContain('ballotDigest');
    // A v2 ballot without its commitment, an opening without salt, a schema version nobody wrote.
    const v2 = (payload: object) => {
      const r = check('BallotCast', payload, 2);
      return r.ok ? 'ok' : r.reason;
    };
    expect(v2({ ballotId: ID, voterPseudonym: P, unitId: 'centre', channel: 'online', choices: [ID] })).toContain('commitment');
    expect(reason('BallotsOpened', { openings: [{ eventId: ID, voterPseudonym: P, unitId: 'centre', choices: [ID] }] })).toContain('salt');
    expect(reason('BallotsOpened', { openings: [] })).toContain('openings');
    const v3 = check('BallotCast', { ballotId: ID, voterPseudonym: P, unitId: 'centre', channel: 'online', commitment: 'c'.repeat(64) }, 3);
    expect(v3.ok ? 'ok' : v3.reason).toContain('schemaVersion 3 is not supported (expected 1 or 2)');
    // A refused sheet carries one of three coarse reasons, not the refusal code that would say more.
    expect(reason('PaperSheetRefused', { batchId: ID, reason: 'not-registered' })).toContain('reason');
    expect(reason('PaperBatchClosed', { batchId: ID, entered: 9, refused: -1, sheetsCounted: 10, discrepancy: -2 })).toContain('refused');
  });
});

describe('VotersRegistered v1 → v2 upcaster', () => {
  it('drops the age bands, keeps the voters and their order, and leaves current events alone', () => {
    const v1 = { ...envelope('VotersRegistered', { source: 'roll', voters: [{ pseudonym: P, unitId: 'centre', ageBand: '65+' }, { pseudonym: 'cd'.repeat(32), unitId: 'north' }] }, 1) };
    const up = upcast(v1 as never) as { schemaVersion: number; payload: unknown };
    expect(up.schemaVersion).toBe(2);
    expect(up.payload).toEqual({ source: 'roll', voters: [{ pseudonym: P, unitId: 'centre' }, { pseudonym: 'cd'.repeat(32), unitId: 'north' }] });
    expect((v1.payload as { voters: object[] }).voters[0]).toHaveProperty('ageBand', '65+');
    const v2 = envelope('VotersRegistered', { source: 'roll', voters: [{ pseudonym: P, unitId: 'centre' }] });
    expect(upcast(v2 as never)).toBe(v2);
  });
});

describe('insider events', () => {
  it('accepts the four-eyes, paper confirmation, secret destruction and participation events', () => {
    expect(check('EligibilityChangeRequested', { changeId: ID, kind: 'roll', requestedBy: 'admin-a', perUnit: { centre: 2 } })).toMatchObject({ ok: true });
    expect(check('EligibilityChangeConfirmed', { changeId: ID, confirmedBy: 'admin-b', registered: 2 })).toMatchObject({ ok: true });
    expect(check('PaperBatchConfirmed', { batchId: ID, confirmedBy: 'clerk-2', overrides: 1 })).toMatchObject({ ok: true });
    expect(check('RoundSecretDestroyed', { trigger: 'automatic', destroyedBy: 'system' })).toMatchObject({ ok: true });
    expect(
      check('ParticipationDeclared', { minCell: 10, bands: [{ band: '18-29', registered: 12, voted: null }, { band: 'unknown', registered: null, voted: null }] }),
    ).toMatchObject({ ok: true });
    expect(check('EligibilityChangeRequested', { changeId: ID, kind: 'everything', requestedBy: 'a', perUnit: {} })).toMatchObject({ ok: false });
  });
});
