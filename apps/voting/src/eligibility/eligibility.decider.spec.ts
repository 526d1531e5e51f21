import { Forbidden, InvalidInput, Refusal, type Phase, type RoundConfig } from '@plaza/contracts';
import {
  changedRegistrations,
  checkRoll,
  decideChangeRequest,
  mayConfirmChange,
  mayGenerateCodes,
  mayImportRoll,
  mayRequestChange,
  maySignIn,
  maySignInAs,
  requestedChange,
  type EligibilityRound,
} from './eligibility.decider';

const round = (mode: 'roll' | 'codes', phase: Phase, over: Partial<EligibilityRound> & { minAge?: number; votingClosesAt?: string } = {}): EligibilityRound => ({
  roundId: 'r1',
  phase,
  closed: false,
  config: {
    units: [{ id: 'centre', name: 'Centre', kind: 'district', budget: 100 }],
    eligibility: { mode, paperPolicy: 'refuse-if-voted-online', ...(over.minAge !== undefined ? { minAge: over.minAge } : {}) },
    schedule: over.votingClosesAt ? { votingClosesAt: over.votingClosesAt } : {},
  } as Pick<RoundConfig, 'units' | 'eligibility' | 'schedule'>,
  ...(over.closed !== undefined ? { closed: over.closed } : {}),
});
const code = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    if (error instanceof Refusal) return error.code;
    if (error instanceof InvalidInput) return error.errors.map((e) => e.field).join(',');
    throw error;
  }
  return 'ok';
};
const ctx = { roundId: '01900000-0000-7000-8000-000000000001', correlationId: 'c', now: new Date('2027-03-01T10:00:00Z') };

describe('eligibility rules', () => {
  it('freeze the roll and the codes when voting opens, and close them with the round', () => {
    expect(code(() => mayImportRoll(round('roll', 'review')))).toBe('ok');
    expect(code(() => mayImportRoll(round('roll', 'voting')))).toBe('roll-frozen');
    expect(code(() => mayGenerateCodes(round('codes', 'voting'), 'centre'))).toBe('codes-frozen');
    expect(code(() => mayGenerateCodes(round('codes', 'closed'), 'centre'))).toBe('round-closed');
    expect(code(() => mayGenerateCodes(round('roll', 'review'), 'centre'))).toBe('wrong-eligibility-mode');
    expect(code(() => mayGenerateCodes(round('codes', 'review'), 'south'))).toBe('unitId');
  });

  it('read a roll: every problem at once, in line order, and a birth year on every line when there is a minimum age', () => {
    const parsed = { entries: [{ residentId: 'a', unitId: 'centre', line: 3 }], problems: [{ field: 'csv.5', message: 'x' }] };
    expect(code(() => checkRoll(round('roll', 'review', { minAge: 16 }), parsed))).toBe('csv.3,csv.5');
    expect(code(() => checkRoll(round('roll', 'review'), { entries: parsed.entries, problems: [] }))).toBe('ok');
    expect(code(() => checkRoll(round('codes', 'review'), { entries: [], problems: [] }))).toBe('wrong-eligibility-mode');
  });

  it('register again only who is new or moved', () => {
    const known = [
      { pseudonym: 'p1', unitId: 'centre', ageBand: null },
      { pseudonym: 'p2', unitId: 'centre', ageBand: '18-29' as const },
    ];
    const changed = changedRegistrations(
      [
        { pseudonym: 'p1', unitId: 'centre' },
        { pseudonym: 'p2', unitId: 'north', ageBand: '18-29' },
        { pseudonym: 'p3', unitId: 'centre' },
      ],
      known,
    );
    expect(changed.map((c) => c.pseudonym)).toEqual(['p2', 'p3']);
  });

  it('take changes only while voting is open, confirmed by a second administrator (four eyes)', () => {
    expect(code(() => mayRequestChange(round('roll', 'review')))).toBe('not-frozen');
    expect(code(() => requestedChange(round('roll', 'voting'), { kind: 'roll' }))).toBe('csv');
    expect(code(() => requestedChange(round('roll', 'voting'), { kind: 'codes', unitId: 'centre', count: 3 }))).toBe('wrong-eligibility-mode');
    expect(code(() => requestedChange(round('codes', 'voting'), { kind: 'codes', unitId: 'south' }))).toBe('unitId,count');
    expect(requestedChange(round('codes', 'voting'), { kind: 'codes', unitId: 'centre', count: 3 })).toEqual({ kind: 'codes', unitId: 'centre', count: 3 });
    expect(code(() => decideChangeRequest({ changeId: 'c1', kind: 'roll', requestedBy: 'ada', perUnit: {} }, ctx))).toBe('nothing-to-change');
    expect(decideChangeRequest({ changeId: 'c1', kind: 'codes', requestedBy: 'ada', perUnit: { centre: 3 } }, ctx)).toMatchObject({ type: 'EligibilityChangeRequested', payload: { perUnit: { centre: 3 } } });
    const pending = { changeId: 'c1', status: 'pending' as const, requestedBy: 'ada', confirmedBy: null };
    expect(code(() => mayConfirmChange(round('roll', 'voting'), pending, 'ada'))).toBe('four-eyes');
    expect(code(() => mayConfirmChange(round('roll', 'voting'), { ...pending, status: 'confirmed', confirmedBy: 'bob' }, 'cy'))).toBe('change-confirmed');
    expect(code(() => mayConfirmChange(round('roll', 'voting', { closed: true }), pending, 'bob'))).toBe('round-closed');
    expect(code(() => mayConfirmChange(round('roll', 'voting'), pending, 'bob'))).toBe('ok');
  });

  it('let a code sign in once, while voting is open', () => {
    expect(code(() => maySignIn(round('codes', 'voting'), ctx.now))).toBe('ok');
    expect(code(() => maySignIn(round('codes', 'voting', { votingClosesAt: '2027-03-01T09:00:00Z' }), ctx.now))).toBe('voting-not-open');
    expect(code(() => maySignIn(round('roll', 'voting'), ctx.now))).toBe('wrong-eligibility-mode');
    expect(() => maySignInAs(undefined)).toThrow(Forbidden);
    expect(code(() => maySignInAs({ signedInAt: new Date() }))).toBe('code-used');
    expect(code(() => maySignInAs({ signedInAt: null }))).toBe('ok');
  });
});
