import { Refusal, type RoundConfiguredPayload, type BallotRules, type Phase, type RoundConfig, type RoundEvent } from '@plaza/contracts';
import { ctxAt, decided, sampleConfig, stored, T0 } from '../testing/given-when-then';
import { decideRound, editableSettings, type ConfigureRound, evolveRound, nextScheduledAt, phaseMoveProblem, roundStream, type RoundCommand, type RoundState } from './round.decider';

const stream = roundStream('r');
const created = (config: RoundConfig = sampleConfig()) => stored('RoundCreated', { config, phase: 'draft' }, stream, 1);
const moved = (from: Phase, to: Phase, version: number, at = T0.toISOString()) =>
  stored('RoundPhaseChanged', { from, to, trigger: 'admin' }, stream, version, at);

/** The round after these events, in phase `phase` reached one admin step at a time. */
function given(...events: RoundEvent[]): RoundState | null {
  return events.reduce<RoundState | null>((s, e) => evolveRound(s, e), null);
}

function inPhase(phase: Phase, config: RoundConfig = sampleConfig()): RoundState {
  const order: Phase[] = ['draft', 'submission', 'review', 'voting', 'closed', 'published'];
  const events: RoundEvent[] = [created(config)];
  for (let i = 1; i <= order.indexOf(phase); i++) events.push(moved(order[i - 1]!, order[i]!, i + 1));
  return given(...events)!;
}

function refusal(command: RoundCommand, state: RoundState | null, now: Date | string = T0): Refusal {
  try {
    decideRound(command, state, ctxAt(now));
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const configure = (changes: Partial<RoundConfig>, proposals: { proposalId: string; unitId: string }[] = []): ConfigureRound => ({
  kind: 'ConfigureRound',
  changes,
  proposals,
});

describe('round decider', () => {
  describe('CreateRound', () => {
    it('creates a draft with the whole configuration as plain data', () => {
      const config = sampleConfig({ schedule: { submissionOpensAt: '2027-02-01T08:00:00Z' } });
      const events = decideRound({ kind: 'CreateRound', config: { ...config, extra: 1 } as RoundConfig }, null, ctxAt());
      expect(decided(events)).toEqual([{ type: 'RoundCreated', payload: { config, phase: 'draft' } }]);
      expect(events[0]!.roundId).toBe(ctxAt().roundId);
    });

    it('drops fields left undefined by DTO instances, so the event carries only what was set', () => {
      const config = { ...sampleConfig(), ballot: { type: 'approval', minPicks: 1, maxPicks: undefined, rankPoints: undefined } } as unknown as RoundConfig;
      const [event] = decideRound({ kind: 'CreateRound', config }, null, ctxAt());
      expect((event!.payload as { config: RoundConfig }).config.ballot).toStrictEqual({ type: 'approval', minPicks: 1 });
    });

    it.each<[string, Partial<RoundConfig>, string, RegExp]>([
      ['duplicate unit ids', { units: [{ id: 'a', name: 'A', kind: 'district', budget: 1 }, { id: 'a', name: 'A2', kind: 'category', budget: 2 }] }, 'units.1.id', /unique/],
      ['maxPicks below minPicks', { ballot: { type: 'approval', minPicks: 4, maxPicks: 2 } }, 'ballot.maxPicks', /at least minPicks/],
      ['rankPoints of the wrong length', { ballot: { type: 'ranked', maxPicks: 3, rankPoints: [3, 2] } }, 'ballot.rankPoints', /2 entries .* 3 places/],
      ['rankPoints that increase', { ballot: { type: 'ranked', maxPicks: 3, rankPoints: [1, 2, 3] } }, 'ballot.rankPoints', /must not increase/],
      ['ranked without a length', { ballot: { type: 'ranked' } }, 'ballot.maxPicks', /ranking length/],
      ['cumulative without points', { ballot: { type: 'cumulative' } }, 'ballot.totalPoints', /need totalPoints/],
      ['per-project points above the total', { ballot: { type: 'cumulative', totalPoints: 5, maxPointsPerProject: 6 } }, 'ballot.maxPointsPerProject', /cannot exceed/],
      ['picks on a choose-one ballot', { ballot: { type: 'choose-one', maxPicks: 2 } }, 'ballot.maxPicks', /not choose-one/],
      ['a cost limit on an approval ballot', { ballot: { type: 'approval', maxSumCost: 10 } }, 'ballot.maxSumCost', /knapsack ballots only/],
      ['a threshold with greedy', { outcome: { rule: 'greedy', threshold: 10 } }, 'outcome.threshold', /greedy-threshold rule only/],
      ['greedy-threshold without a threshold', { outcome: { rule: 'greedy-threshold' } }, 'outcome.threshold', /needs a threshold/],
      ['minAge with voting codes', { eligibility: { mode: 'codes', minAge: 16, paperPolicy: 'paper-overrides-online' } }, 'eligibility.minAge', /voter roll/],
      ['a schedule out of order', { schedule: { votingOpensAt: '2027-03-01T00:00:00Z', reviewStartsAt: '2027-03-02T00:00:00Z' } }, 'schedule.votingOpensAt', /later than reviewStartsAt/],
    ])('refuses %s with the field and a reason', (_, overrides, field, message) => {
      const error = refusal({ kind: 'CreateRound', config: sampleConfig(overrides) }, null);
      expect(error.code).toBe('invalid-config');
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
    });

    it('accepts every ballot type with its own parameters', () => {
      for (const ballot of [
        { type: 'approval', minPicks: 1, maxPicks: 5 },
        { type: 'knapsack', maxSumCost: 800_000 },
        { type: 'cumulative', totalPoints: 10, maxPointsPerProject: 5 },
        { type: 'ranked', minPicks: 1, maxPicks: 3, rankPoints: [3, 2, 1] },
        { type: 'choose-one' },
      ] satisfies BallotRules[]) {
        expect(decideRound({ kind: 'CreateRound', config: sampleConfig({ ballot }) }, null, ctxAt())).toHaveLength(1);
      }
    });

    it('refuses exclusive groups before any proposal exists', () => {
      const groups = [['01900000-0000-7000-8000-00000000000a', '01900000-0000-7000-8000-00000000000b']];
      expect(refusal({ kind: 'CreateRound', config: sampleConfig({ outcome: { rule: 'greedy', exclusiveGroups: groups } }) }, null).field).toBe(
        'outcome.exclusiveGroups',
      );
    });

    it('refuses a schedule time that has already passed', () => {
      const error = refusal({ kind: 'CreateRound', config: sampleConfig({ schedule: { submissionOpensAt: '2027-01-10T08:59:59Z' } }) }, null);
      expect(error.code).toBe('schedule-in-past');
      expect(error.field).toBe('schedule.submissionOpensAt');
    });

    it('refuses to create a round twice', () => {
      expect(refusal({ kind: 'CreateRound', config: sampleConfig() }, inPhase('draft')).code).toBe('round-exists');
    });
  });

  describe('ConfigureRound', () => {
    it('in draft, changes anything and lists the changed keys', () => {
      const units = [{ id: 'centre', name: 'Centre', kind: 'category' as const, budget: 7 }];
      const events = decideRound({ ...configure({ units, name: 'Renamed', currency: 'PLN' }), actorId: 'ada' }, inPhase('draft'), ctxAt());
      expect(decided(events)).toEqual([
        { type: 'RoundConfigured', payload: { config: { ...sampleConfig(), units, name: 'Renamed' }, changed: ['name', 'units'], actorId: 'ada' } },
      ]);
    });

    it('writes nothing when nothing changes', () => {
      expect(decideRound(configure({ ballot: { maxPicks: 3, minPicks: 1, type: 'approval' } }), inPhase('review'), ctxAt())).toEqual([]);
    });

    it('records the tie-breaking and the lottery seed in the event (so in the ledger) while the outcome may still change', () => {
      const outcome = { rule: 'greedy' as const, tieBreak: ['more-support' as const, 'lottery' as const], lotterySeed: 'council draw 2027-02-01' };
      const events = decideRound(configure({ outcome, description: 'Imported' }), inPhase('review'), ctxAt());
      expect(decided(events)).toEqual([
        { type: 'RoundConfigured', payload: expect.objectContaining({ config: expect.objectContaining({ outcome, description: 'Imported' }), changed: ['description', 'outcome'] }) },
      ]);
      const state = given(created(), moved('draft', 'submission', 2), stored('RoundConfigured', events[0]!.payload as RoundConfiguredPayload, stream, 3));
      expect(state!.config.outcome).toEqual(outcome);
    });

    it('changes the ballot and the outcome rule until voting opens', () => {
      const events = decideRound(configure({ ballot: { type: 'knapsack' }, outcome: { rule: 'equalshares/add1' } }), inPhase('review'), ctxAt());
      expect((events[0]!.payload as { changed: string[] }).changed).toEqual(['ballot', 'outcome']);
    });

    it.each<[Phase, Partial<RoundConfig>, string, RegExp]>([
      ['submission', { units: [{ id: 'x', name: 'X', kind: 'district', budget: 1 }] }, 'units', /only while the round is a draft.*proposals already made/],
      ['submission', { currency: 'EUR' }, 'currency', /fixed once submission opens/],
      ['voting', { ballot: { type: 'approval', minPicks: 1, maxPicks: 4 } }, 'ballot', /ballot rules are locked once voting opens/],
      ['voting', { outcome: { rule: 'phragmen' } }, 'outcome', /outcome rule is locked once voting opens/],
      ['closed', { outcome: { rule: 'phragmen' } }, 'outcome', /locked once voting opens/],
      ['voting', { eligibility: { mode: 'codes', paperPolicy: 'paper-overrides-online' } }, 'eligibility', /locked once voting opens/],
      ['closed', { name: 'Late rename' }, 'name', /closed/],
      ['closed', { description: 'Late note' }, 'description', /closed/],
      ['voting', { outcome: { rule: 'greedy', tieBreak: ['lottery'], lotterySeed: 'a new seed' } }, 'outcome', /locked once voting opens/],
    ])('in %s refuses to change %j (locked, naming the setting)', (phase, changes, field, reason) => {
      const error = refusal(configure(changes), inPhase(phase));
      expect(error.code).toBe('locked');
      expect(error.field).toBe(field);
      expect(error.message).toMatch(new RegExp(`^${field} cannot be changed in phase ${phase}`));
      expect(error.message).toMatch(reason);
    });

    it('changes schedule entries of phases not reached yet, even while voting', () => {
      const state = inPhase('voting', sampleConfig({ schedule: { votingClosesAt: '2027-02-01T00:00:00Z' } }));
      const events = decideRound(configure({ schedule: { votingClosesAt: '2027-02-03T00:00:00Z' } }), state, ctxAt());
      expect((events[0]!.payload as { changed: string[] }).changed).toEqual(['schedule']);
    });

    it('refuses to change the time of a phase already reached', () => {
      const state = inPhase('voting', sampleConfig({ schedule: { votingOpensAt: '2027-01-09T00:00:00Z' } }));
      const error = refusal(configure({ schedule: { votingOpensAt: '2027-02-01T00:00:00Z' } }), state);
      expect(error.code).toBe('locked');
      expect(error.field).toBe('schedule.votingOpensAt');
      expect(error.message).toMatch(/already reached phase voting/);
    });

    it('refuses a new schedule time in the past', () => {
      expect(refusal(configure({ schedule: { reviewStartsAt: '2027-01-01T00:00:00Z' } }), inPhase('submission')).code).toBe('schedule-in-past');
    });

    it('checks exclusive groups against the proposals of the round', () => {
      const [a, b, c] = ['01900000-0000-7000-8000-00000000000a', '01900000-0000-7000-8000-00000000000b', '01900000-0000-7000-8000-00000000000c'];
      const proposals = [
        { proposalId: a, unitId: 'north' },
        { proposalId: b, unitId: 'north' },
        { proposalId: c, unitId: 'south' },
      ];
      const ok = decideRound(configure({ outcome: { rule: 'greedy', exclusiveGroups: [[a, b]] } }, proposals), inPhase('review'), ctxAt());
      expect(ok).toHaveLength(1);
      const mixed = refusal(configure({ outcome: { rule: 'greedy', exclusiveGroups: [[a, c]] } }, proposals), inPhase('review'));
      expect(mixed.message).toMatch(/mixes units \(north, south\)/);
      const unknown = refusal(configure({ outcome: { rule: 'greedy', exclusiveGroups: [[a, '01900000-0000-7000-8000-0000000000ff']] } }, proposals), inPhase('review'));
      expect(unknown.message).toMatch(/not in this round/);
      const twice = refusal(configure({ outcome: { rule: 'greedy', exclusiveGroups: [[a, b], [b, a]] } }, proposals), inPhase('review'));
      expect(twice.message).toMatch(/in groups 1 and 2/);
    });

    it('refuses a round that does not exist', () => {
      expect(() => decideRound(configure({ name: 'x' }), null, ctxAt())).toThrow(/does not exist/);
    });
  });

  describe('ChangePhase', () => {
    it('moves forward by admin command, naming the administrator', () => {
      expect(decided(decideRound({ kind: 'ChangePhase', to: 'submission', actorId: 'ada' }, inPhase('draft'), ctxAt()))).toEqual([
        { type: 'RoundPhaseChanged', payload: { from: 'draft', to: 'submission', trigger: 'admin', actorId: 'ada' } },
      ]);
    });

    it('may skip review (submission → voting)', () => {
      expect(decideRound({ kind: 'ChangePhase', to: 'voting' }, inPhase('submission'), ctxAt())).toHaveLength(1);
    });

    it.each<[Phase, Phase, RegExp]>([
      ['review', 'submission', /only move forward/],
      ['voting', 'voting', /only move forward/],
      ['submission', 'closed', /voting must be open before it can close/],
      ['voting', 'published', /only after voting has closed/],
    ])('refuses %s → %s', (from, to, reason) => {
      const error = refusal({ kind: 'ChangePhase', to }, inPhase(from));
      expect(error.code).toBe('phase-order');
      expect(error.message).toMatch(reason);
    });

    it('phaseMoveProblem allows closed → published', () => {
      expect(phaseMoveProblem('closed', 'published')).toBeNull();
    });
  });

  describe('AdvanceBySchedule', () => {
    const schedule = {
      submissionOpensAt: '2027-02-01T08:00:00Z',
      reviewStartsAt: '2027-03-01T08:00:00Z',
      votingOpensAt: '2027-04-01T08:00:00Z',
      votingClosesAt: '2027-04-15T20:00:00Z',
      resultsPublishedAt: '2027-04-20T12:00:00Z',
    };
    const scheduled = () => inPhase('draft', sampleConfig({ schedule }));
    const advance = (state: RoundState, now: string) => decided(decideRound({ kind: 'AdvanceBySchedule' }, state, ctxAt(now)));

    it('does nothing before the first scheduled time', () => {
      expect(advance(scheduled(), '2027-02-01T07:59:59.999Z')).toEqual([]);
      expect(nextScheduledAt(scheduled())).toBe(schedule.submissionOpensAt);
    });

    it('opens submission when its time comes, with trigger schedule', () => {
      expect(advance(scheduled(), '2027-02-01T08:00:00Z')).toEqual([
        { type: 'RoundPhaseChanged', payload: { from: 'draft', to: 'submission', trigger: 'schedule' } },
      ]);
    });

    it('catches up through every phase whose time has passed, one event per phase', () => {
      expect(advance(scheduled(), '2027-04-02T00:00:00Z').map((e) => e.payload)).toEqual([
        { from: 'draft', to: 'submission', trigger: 'schedule' },
        { from: 'submission', to: 'review', trigger: 'schedule' },
        { from: 'review', to: 'voting', trigger: 'schedule' },
      ]);
    });

    it('ignores times of phases an administrator already moved past', () => {
      const state = given(created(sampleConfig({ schedule })), moved('draft', 'submission', 2), moved('submission', 'voting', 3))!;
      expect(advance(state, '2027-03-05T00:00:00Z')).toEqual([]);
      expect(nextScheduledAt(state)).toBe(schedule.votingClosesAt);
    });

    it('never closes a vote that has not opened: that waits for an administrator', () => {
      const state = inPhase('submission', sampleConfig({ schedule: { votingClosesAt: '2027-02-01T00:00:00Z' } }));
      expect(advance(state, '2027-03-01T00:00:00Z')).toEqual([]);
      expect(nextScheduledAt(state)).toBeNull();
    });
  });

  describe('evolve and views', () => {
    it('records when each phase began and what stays editable', () => {
      const state = given(created(), moved('draft', 'submission', 2, '2027-02-01T08:00:00.000Z'))!;
      expect(state.phase).toBe('submission');
      expect(state.phaseStartedAt).toEqual({ draft: T0.toISOString(), submission: '2027-02-01T08:00:00.000Z' });
      expect(state.version).toBe(2);
      expect(editableSettings('draft')).toEqual(['name', 'description', 'currency', 'units', 'schedule', 'ballot', 'outcome', 'eligibility', 'comments', 'support']);
      expect(editableSettings('submission')).toContain('support');
      expect(editableSettings('support')).not.toContain('support');
      expect(editableSettings('review')).toEqual(['name', 'description', 'schedule', 'ballot', 'outcome', 'eligibility', 'comments']);
      expect(editableSettings('voting')).toEqual(['name', 'description', 'schedule', 'comments']);
      expect(editableSettings('published')).toEqual([]);
    });

    it('takes the whole new config from RoundConfigured', () => {
      const config = sampleConfig({ name: 'New' });
      const state = given(created(), stored('RoundConfigured', { config, changed: ['name'] }, stream, 2))!;
      expect(state.config).toEqual(config);
    });
  });
});
