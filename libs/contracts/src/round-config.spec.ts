import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { v7 as uuidv7 } from 'uuid';
import { validateEnvelope } from './registry';
import { roundConfigProblems, RoundConfig } from './round-config';

const config = {
  name: 'Green Budget',
  currency: 'PLN',
  units: [{ id: 'north', name: 'North', kind: 'district', budget: 100 }],
  schedule: { submissionOpensAt: '2027-02-01T08:00:00Z' },
  ballot: { type: 'ranked', maxPicks: 3, rankPoints: [3, 2, 1] },
  outcome: { rule: 'equalshares/add1', reserveFraction: '0.8', reportTies: true },
  eligibility: { mode: 'roll', minAge: 16, paperPolicy: 'refuse-if-voted-online' },
};

function paths(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const here = parent ? `${parent}.${e.property}` : e.property;
    return [...(e.constraints ? [here] : []), ...paths(e.children ?? [], here)];
  });
}

const problems = (value: object) => paths(validateSync(plainToInstance(RoundConfig, value), { forbidUnknownValues: true }));

describe('RoundConfig field validation', () => {
  it('accepts a complete config', () => {
    expect(problems(config)).toEqual([]);
  });

  it('validates nested settings with their paths', () => {
    expect(
      problems({
        ...config,
        units: [{ id: 'North!', name: '', kind: 'ward', budget: 1.5 }],
        schedule: { votingOpensAt: '2027-02-30T08:00:00+01:00' },
        ballot: { type: 'borda', rankPoints: [1.5] },
        outcome: { rule: 'mes', reserveFraction: '1.5', exclusiveGroups: [['not-a-uuid']] },
        eligibility: { mode: 'roll', minAge: -1 },
      }).sort(),
    ).toEqual(
      [
        'units.0.id',
        'units.0.name',
        'units.0.kind',
        'units.0.budget',
        'schedule.votingOpensAt',
        'ballot.type',
        'ballot.rankPoints',
        'outcome.rule',
        'outcome.reserveFraction',
        'outcome.exclusiveGroups',
        'eligibility.minAge',
        'eligibility.paperPolicy',
      ].sort(),
    );
  });

  it('requires every top-level setting', () => {
    expect(problems({}).sort()).toEqual(['ballot', 'currency', 'eligibility', 'name', 'outcome', 'schedule', 'units'].sort());
  });

  it('rejects a RoundCreated event whose config is malformed, naming the field', () => {
    const envelope = (payload: unknown) => ({
      id: uuidv7(),
      type: 'RoundCreated',
      schemaVersion: 1,
      streamId: 'round-x',
      streamVersion: 1,
      roundId: uuidv7(),
      occurredAt: '2027-01-01T00:00:00.000Z',
      producer: 'proposals',
      correlationId: 'c',
      causationId: null,
      payload,
    });
    expect(validateEnvelope(envelope({ config, phase: 'draft' })).ok).toBe(true);
    const bad = validateEnvelope(envelope({ config: { ...config, units: [{ ...config.units[0], budget: -1 }] }, phase: 'draft' }));
    expect(bad).toEqual({ ok: false, reason: expect.stringContaining('payload.config.units.0.budget') });
  });
});

describe('RoundConfig tie-breaking (outcome.tieBreak, outcome.lotterySeed)', () => {
  const withOutcome = (outcome: object) => ({ ...config, outcome: { rule: 'greedy', ...outcome } }) as unknown as RoundConfig;
  const crossField = (outcome: object) => roundConfigProblems(withOutcome(outcome)).map((p) => `${p.field}: ${p.message}`);

  it('accepts an ordered list of known criteria and a lottery seed; older configs without them stay valid', () => {
    expect(problems(withOutcome({ tieBreak: ['more-support', 'higher-cost', 'lottery'], lotterySeed: 'draw 2027-02-01 #7' }))).toEqual([]);
    expect(crossField({ tieBreak: ['more-support', 'higher-cost', 'lottery'], lotterySeed: 'draw 2027-02-01 #7' })).toEqual([]);
    expect(problems(config)).toEqual([]);
  });

  it('refuses unknown criteria, an empty list and a seed that is not printable text, naming the field', () => {
    expect(problems(withOutcome({ tieBreak: ['coin-flip'] }))).toEqual(['outcome.tieBreak']);
    expect(problems(withOutcome({ tieBreak: [] }))).toEqual(['outcome.tieBreak']);
    expect(problems(withOutcome({ tieBreak: ['lottery'], lotterySeed: 'line\nbreak' }))).toEqual(['outcome.lotterySeed']);
  });

  it('relates the fields: no repeats, not both cost directions, the lottery needs its seed and a seed needs the lottery', () => {
    expect(crossField({ tieBreak: ['lower-cost', 'lower-cost'] })).toEqual(['outcome.tieBreak: each tie-breaking criterion may appear once']);
    expect(crossField({ tieBreak: ['lower-cost', 'higher-cost'] })).toEqual(['outcome.tieBreak: lower-cost and higher-cost contradict each other; choose one']);
    expect(crossField({ tieBreak: ['lottery'] })).toEqual(['outcome.lotterySeed: the lottery needs its seed, fixed now so it is public before voting opens']);
    expect(crossField({ lotterySeed: 'x' })).toEqual(['outcome.lotterySeed: a lottery seed applies only when outcome.tieBreak lists lottery']);
  });
});
