import {
  newEvent,
  NotFound,
  PHASES,
  Refusal,
  type BallotRulesSpec,
  type DistrictSpec,
  type EventContext,
  type NewEvent,
  type OutcomeRule,
  type Phase,
  type RoundCreated,
  type RoundPhaseChanged,
} from '@plaza/contracts';

export const roundStream = (roundId: string) => `round-${roundId}`;

export interface RoundState {
  readonly roundId: string;
  readonly name: string;
  readonly currency: string;
  readonly districts: readonly DistrictSpec[];
  readonly ballot: BallotRulesSpec;
  readonly rule: OutcomeRule;
  readonly phase: Phase;
  readonly version: number;
}

export type RoundEvent = RoundCreated | RoundPhaseChanged;

export interface CreateRound {
  readonly kind: 'CreateRound';
  readonly name: string;
  readonly currency: string;
  readonly districts: readonly DistrictSpec[];
  readonly ballot: BallotRulesSpec;
  readonly rule: OutcomeRule;
}

export interface ChangePhase {
  readonly kind: 'ChangePhase';
  readonly to: Phase;
}

export type RoundCommand = CreateRound | ChangePhase;

/** Pure: which events a round command produces given the round's current state (null = no such round). */
export function decideRound(command: RoundCommand, state: RoundState | null, ctx: EventContext): NewEvent[] {
  switch (command.kind) {
    case 'CreateRound': {
      if (state) throw new Refusal('round-exists', `round ${ctx.roundId} already exists`);
      const ids = new Set<string>();
      for (const d of command.districts) {
        if (ids.has(d.id)) throw new Refusal('duplicate-district', `district id ${d.id} appears twice`, 'districts');
        ids.add(d.id);
      }
      if (command.ballot.maxPicks !== undefined && command.ballot.maxPicks < command.ballot.minPicks)
        throw new Refusal('invalid-ballot-rules', 'ballot.maxPicks must be at least ballot.minPicks', 'ballot.maxPicks');
      return [
        newEvent(
          'RoundCreated',
          {
            name: command.name,
            currency: command.currency,
            districts: command.districts.map((d) => ({ id: d.id, name: d.name, budget: d.budget })),
            ballot: { ...command.ballot },
            rule: command.rule,
            phase: 'submission',
          },
          ctx,
        ),
      ];
    }
    case 'ChangePhase': {
      if (!state) throw new NotFound(`round ${ctx.roundId} does not exist`);
      const from = PHASES.indexOf(state.phase);
      const to = PHASES.indexOf(command.to);
      if (to <= from)
        throw new Refusal('phase-order', `round is in phase ${state.phase}; phases only move forward (${PHASES.join(' → ')})`, 'to');
      return [newEvent('RoundPhaseChanged', { from: state.phase, to: command.to }, ctx)];
    }
  }
}

/** Pure: the round after one more of its events. */
export function evolveRound(state: RoundState | null, event: RoundEvent): RoundState | null {
  switch (event.type) {
    case 'RoundCreated':
      return {
        roundId: event.roundId,
        name: event.payload.name,
        currency: event.payload.currency,
        districts: event.payload.districts,
        ballot: event.payload.ballot,
        rule: event.payload.rule,
        phase: event.payload.phase,
        version: event.streamVersion,
      };
    case 'RoundPhaseChanged':
      return state && { ...state, phase: event.payload.to, version: event.streamVersion };
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}
