import {
  isLaterPhase,
  newEvent,
  NotFound,
  PHASES,
  Refusal,
  ROUND_CONFIG_KEYS,
  ROUND_CONFIG_LOCKED_FROM,
  roundConfigProblems,
  SCHEDULED_PHASES,
  type BallotRules,
  type BudgetUnit,
  type Eligibility,
  type EventContext,
  type NewEvent,
  type OutcomeRule,
  type Phase,
  type PhaseSchedule,
  type PhaseTrigger,
  type RoundConfig,
  type RoundConfigKey,
  type RoundEvent,
  type SupportPhase,
} from '@plaza/contracts';
import { supportSelection, type SupportCandidate } from '@plaza/recount';

export const roundStream = (roundId: string) => `round-${roundId}`;

export interface RoundState {
  readonly roundId: string;
  readonly config: RoundConfig;
  readonly phase: Phase;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** When each phase reached so far began (draft = creation). */
  readonly phaseStartedAt: Partial<Record<Phase, string>>;
  /**
   * The proposals the support phase sent to review (SupportSelectionDeclared), sorted; absent while the round has
   * no declared selection (always, for a round without a support phase).
   */
  readonly supportSelected?: readonly string[];
  readonly version: number;
}

/** A proposal of the round as the round's rules need to see it (for exclusive groups). */
export interface ProposalRef {
  readonly proposalId: string;
  readonly unitId: string;
}

export interface CreateRound {
  readonly kind: 'CreateRound';
  readonly config: RoundConfig;
  readonly actorId?: string;
}

/** Replaces the given top-level settings; the others stay as they are. */
export interface ConfigureRound {
  readonly kind: 'ConfigureRound';
  readonly changes: Partial<RoundConfig>;
  /** The round's proposals, so exclusive groups can be checked against them. */
  readonly proposals: readonly ProposalRef[];
  readonly actorId?: string;
}

export interface ChangePhase {
  readonly kind: 'ChangePhase';
  readonly to: Phase;
  readonly actorId?: string;
}

/** Moves the round through every phase whose scheduled time is at or before `ctx.now`. */
export interface AdvanceBySchedule {
  readonly kind: 'AdvanceBySchedule';
}

export type RoundCommand = CreateRound | ConfigureRound | ChangePhase | AdvanceBySchedule;

const phaseIndex = (phase: Phase) => PHASES.indexOf(phase);

/**
 * What may be changed in which phase, and why not otherwise. Units and currency are the ground proposals stand
 * on; ballot, outcome and eligibility are what voters are promised once voting opens.
 */
const LOCK_REASONS: Record<Exclude<RoundConfigKey, 'schedule'>, string> = {
  name: 'the round is closed; its name is part of the published record',
  description: 'the round is closed; its description is part of the published record',
  currency: 'the currency is fixed once submission opens: proposals state their costs in it',
  units: 'units and their budgets can be edited only while the round is a draft: once submission opens, residents propose ' +
    'against a unit and its budget, so changing them would change the ground under proposals already made',
  ballot: 'the ballot rules are locked once voting opens: ballots already cast were validated against them',
  outcome: 'the outcome rule is locked once voting opens: voters were told how winners would be chosen',
  eligibility: 'eligibility and the paper-ballot policy are locked once voting opens: voters were registered under them',
  comments: 'comments can be turned on or off until the round closes',
  support: 'the support settings are locked once the support phase opens: residents are supporting under them',
};
/** The phases come from libs/contracts (ROUND_CONFIG_LOCKED_FROM), which the web's round form reads too. */
const LOCKS = Object.fromEntries(
  (Object.keys(LOCK_REASONS) as Exclude<RoundConfigKey, 'schedule'>[]).map((key) => [key, { lockedFrom: ROUND_CONFIG_LOCKED_FROM[key], reason: LOCK_REASONS[key] }]),
) as Record<Exclude<RoundConfigKey, 'schedule'>, { lockedFrom: Phase; reason: string }>;

function refuseProblems(config: RoundConfig, proposals: readonly ProposalRef[] | null): void {
  const problems = [...roundConfigProblems(config)];
  if (proposals) {
    const byId = new Map(proposals.map((p) => [p.proposalId, p]));
    (config.outcome.exclusiveGroups ?? []).forEach((group, g) => {
      const missing = group.filter((id) => !byId.has(id));
      if (missing.length > 0)
        problems.push({ field: `outcome.exclusiveGroups.${g}`, message: `group ${g + 1} names proposals that are not in this round: ${missing.join(', ')}` });
      const units = new Set(group.flatMap((id) => (byId.has(id) ? [byId.get(id)!.unitId] : [])));
      if (units.size > 1)
        problems.push({
          field: `outcome.exclusiveGroups.${g}`,
          message: `group ${g + 1} mixes units (${[...units].join(', ')}); projects compete only within their own unit`,
        });
    });
  } else if ((config.outcome.exclusiveGroups ?? []).length > 0) {
    problems.push({ field: 'outcome.exclusiveGroups', message: 'a new round has no proposals yet; add exclusive groups once they are submitted' });
  }
  if (problems.length > 0) throw new Refusal('invalid-config', problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems[0]!.field);
}

function refusePastSchedule(schedule: PhaseSchedule, keys: readonly (keyof PhaseSchedule)[], now: Date): void {
  for (const key of keys) {
    const at = schedule[key];
    if (at !== undefined && Date.parse(at) <= now.getTime())
      throw new Refusal(
        'schedule-in-past',
        `schedule.${key} (${at}) is not in the future; to move the round now, change its phase with POST /rounds/:roundId/phase`,
        `schedule.${key}`,
      );
  }
}

/** Why `from → to` is not a legal move, or null when it is (`config`: whether the round has a support phase). */
export function phaseMoveProblem(from: Phase, to: Phase, config?: Pick<RoundConfig, 'support'>): string | null {
  if (!isLaterPhase(from, to)) return `the round is in phase ${from}; phases only move forward (${PHASES.join(' → ')})`;
  const withSupport = config?.support !== undefined;
  if (to === 'support' && !withSupport) return 'the round has no support phase; configure support (supportsPerResident and threshold) first';
  if (to === 'support' && from !== 'submission') return `the support phase follows submission (the round is in phase ${from})`;
  if (withSupport && !isLaterPhase('support', from) && from !== 'support' && isLaterPhase('support', to))
    return 'the round has a support phase: move it to support first, its selection decides which proposals go to review';
  if (to === 'closed' && from !== 'voting') return `voting must be open before it can close (the round is in phase ${from})`;
  if (to === 'published' && from !== 'closed') return `results can be published only after voting has closed (the round is in phase ${from})`;
  return null;
}

const actor = (actorId: string | undefined) => (actorId === undefined ? {} : { actorId });

function phaseChanged(from: Phase, to: Phase, trigger: PhaseTrigger, ctx: EventContext, actorId?: string): NewEvent {
  return newEvent('RoundPhaseChanged', { from, to, trigger, ...actor(actorId) }, ctx);
}

/** Pure: which events a round command produces given the round's current state (null = no such round). */
export function decideRound(command: RoundCommand, state: RoundState | null, ctx: EventContext): NewEvent[] {
  if (command.kind === 'CreateRound') {
    if (state) throw new Refusal('round-exists', `round ${ctx.roundId} already exists`);
    const config = plainConfig(command.config);
    refuseProblems(config, null);
    refusePastSchedule(config.schedule, SCHEDULED_PHASES.map((s) => s.key), ctx.now);
    return [newEvent('RoundCreated', { config, phase: 'draft', ...actor(command.actorId) }, ctx)];
  }
  if (!state) throw new NotFound(`round ${ctx.roundId} does not exist`);
  switch (command.kind) {
    case 'ConfigureRound': {
      const merged = plainConfig({ ...state.config, ...definedOnly(command.changes) });
      const changed = ROUND_CONFIG_KEYS.filter((key) => !sameValue(merged[key], state.config[key]));
      if (changed.length === 0) return [];
      for (const key of changed) {
        if (key === 'schedule') continue;
        const lock = LOCKS[key];
        if (phaseIndex(state.phase) >= phaseIndex(lock.lockedFrom))
          throw new Refusal('locked', `${key} cannot be changed in phase ${state.phase}: ${lock.reason}`, key);
      }
      if (changed.includes('schedule')) {
        const changedKeys = SCHEDULED_PHASES.filter(({ key }) => merged.schedule[key] !== state.config.schedule[key]);
        for (const { key, phase } of changedKeys) {
          if (phaseIndex(state.phase) >= phaseIndex(phase))
            throw new Refusal(
              'locked',
              `schedule.${key} cannot be changed: the round already reached phase ${phase}` +
                (state.phaseStartedAt[phase] ? ` at ${state.phaseStartedAt[phase]}` : ''),
              `schedule.${key}`,
            );
        }
        refusePastSchedule(merged.schedule, changedKeys.map((s) => s.key), ctx.now);
      }
      refuseProblems(merged, command.proposals);
      return [newEvent('RoundConfigured', { config: merged, changed, ...actor(command.actorId) }, ctx)];
    }
    case 'ChangePhase': {
      const problem = phaseMoveProblem(state.phase, command.to, state.config);
      if (problem) throw new Refusal('phase-order', problem, 'to');
      return [phaseChanged(state.phase, command.to, 'admin', ctx, command.actorId)];
    }
    case 'AdvanceBySchedule': {
      const events: NewEvent[] = [];
      let phase = state.phase;
      for (const { key, phase: next } of SCHEDULED_PHASES) {
        const at = state.config.schedule[key];
        if (at === undefined || !isLaterPhase(phase, next)) continue;
        if (Date.parse(at) > ctx.now.getTime()) break;
        // A move the rules forbid (closing a vote that never opened) waits for an administrator.
        if (phaseMoveProblem(phase, next, state.config)) break;
        events.push(phaseChanged(phase, next, 'schedule', ctx));
        phase = next;
      }
      return events;
    }
  }
}

/**
 * The next time the schedule would move the round, or null when nothing is scheduled after its phase or the
 * next scheduled move needs an administrator first (closing a vote that has not opened).
 */
export function nextScheduledAt(state: RoundState): string | null {
  for (const { key, phase } of SCHEDULED_PHASES) {
    const at = state.config.schedule[key];
    if (at !== undefined && isLaterPhase(state.phase, phase)) return phaseMoveProblem(state.phase, phase, state.config) ? null : at;
  }
  return null;
}

/** Pure: the round after one more of its events. */
export function evolveRound(state: RoundState | null, event: RoundEvent): RoundState | null {
  switch (event.type) {
    case 'RoundCreated':
      return {
        roundId: event.roundId,
        config: event.payload.config,
        phase: event.payload.phase,
        createdAt: event.occurredAt,
        updatedAt: event.occurredAt,
        phaseStartedAt: { draft: event.occurredAt },
        version: event.streamVersion,
      };
    case 'RoundConfigured':
      return state && { ...state, config: event.payload.config, updatedAt: event.occurredAt, version: event.streamVersion };
    case 'RoundPhaseChanged':
      return (
        state && {
          ...state,
          phase: event.payload.to,
          phaseStartedAt: { ...state.phaseStartedAt, [event.payload.to]: event.occurredAt },
          updatedAt: event.occurredAt,
          version: event.streamVersion,
        }
      );
    case 'SupportSelectionDeclared':
      return state && { ...state, supportSelected: [...event.payload.selected], updatedAt: event.occurredAt, version: event.streamVersion };
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}

/** True when this round's events leave the support phase: its selection must be declared with them. */
export function endsSupportPhase(events: readonly NewEvent[]): boolean {
  return events.some(isSupportEnd);
}

/** Where the selection goes: right after the phase change that leaves support (a schedule can move on further). */
export function withSelection(events: readonly NewEvent[], selection: NewEvent): NewEvent[] {
  const at = events.findIndex(isSupportEnd);
  return [...events.slice(0, at + 1), selection, ...events.slice(at + 1)];
}

const isSupportEnd = (e: NewEvent) => e.type === 'RoundPhaseChanged' && (e.payload as { from: Phase }).from === 'support';

/**
 * Pure: the SupportSelectionDeclared that ends the support phase, from the open proposals (status submitted) with
 * the supports they hold and the number of distinct supporters (libs/recount supportSelection decides).
 */
export function declareSupportSelection(state: RoundState, candidates: readonly SupportCandidate[], supporters: number, ctx: EventContext): NewEvent {
  const support = state.config.support;
  if (!support) throw new Error(`round ${state.roundId} has no support phase`);
  const threshold = omitUndefined(support.threshold, ['kind', 'minSupports', 'perUnit']);
  const { proposals, selected } = supportSelection(threshold, candidates);
  return newEvent('SupportSelectionDeclared', { threshold, proposals, selected, supporters }, ctx);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function omitUndefined<T extends object>(value: T, keys: readonly (keyof T)[]): T {
  const out: Partial<T> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out as T;
}

/**
 * The config as plain data with a fixed key set: DTO instances carry undefined fields and unknown extras,
 * events must carry neither (they are hashed into the ledger as they are).
 */
export function plainConfig(config: RoundConfig): RoundConfig {
  const unit = (u: BudgetUnit): BudgetUnit => ({ id: u.id, name: u.name, kind: u.kind, budget: u.budget });
  const ballot = (b: BallotRules): BallotRules => {
    const out = omitUndefined(b, ['type', 'minPicks', 'maxPicks', 'maxSumCost', 'totalPoints', 'maxPointsPerProject', 'rankPoints']);
    return out.rankPoints ? { ...out, rankPoints: [...out.rankPoints] } : out;
  };
  const outcome = (o: OutcomeRule): OutcomeRule => {
    const out = omitUndefined(o, ['rule', 'threshold', 'reserveFraction', 'exclusiveGroups', 'reportTies', 'tieBreak', 'lotterySeed']);
    if (out.tieBreak) (out as { tieBreak: string[] }).tieBreak = [...out.tieBreak];
    return out.exclusiveGroups ? { ...out, exclusiveGroups: out.exclusiveGroups.map((g) => [...g]) } : out;
  };
  const eligibility = (e: Eligibility): Eligibility => omitUndefined(e, ['mode', 'minAge', 'paperPolicy']);
  const support = (sp: SupportPhase): SupportPhase => ({
    supportsPerResident: sp.supportsPerResident,
    threshold: omitUndefined(sp.threshold, ['kind', 'minSupports', 'perUnit']),
  });
  return {
    name: config.name,
    ...(config.description !== undefined ? { description: config.description } : {}),
    currency: config.currency,
    units: config.units.map(unit),
    schedule: omitUndefined(config.schedule, SCHEDULED_PHASES.map((s) => s.key)),
    ballot: ballot(config.ballot),
    outcome: outcome(config.outcome),
    eligibility: eligibility(config.eligibility),
    ...(config.comments !== undefined ? { comments: { enabled: config.comments.enabled } } : {}),
    ...(config.support ? { support: support(config.support) } : {}),
  };
}

/** Structural equality of plain JSON values (key order ignored). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** The settings an administrator can still change in a phase (schedule: only entries of phases not reached). */
export function editableSettings(phase: Phase): RoundConfigKey[] {
  return ROUND_CONFIG_KEYS.filter((key) => (key === 'schedule' ? phase !== 'published' : phaseIndex(phase) < phaseIndex(LOCKS[key].lockedFrom)));
}
