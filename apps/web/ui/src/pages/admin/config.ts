/**
 * The round configuration's value lists, imported from libs/contracts (round-config.ts) — the same values the
 * proposals service validates and locks with, never a copy that could drift.
 */
import {
  BALLOT_TYPES,
  BUDGET_UNIT_KINDS,
  ELIGIBILITY_MODES,
  OUTCOME_RULE_NAMES,
  PAPER_POLICIES,
  ROUND_CONFIG_KEYS,
  ROUND_CONFIG_LOCKED_FROM,
  SCHEDULED_PHASES,
  TIE_BREAK_CRITERIA,
  type BallotType,
  type OutcomeRuleName,
  type RoundConfigKey,
  type ScheduleKey,
  type TieBreakCriterion,
} from '@plaza/contracts';

export { BALLOT_TYPES, ELIGIBILITY_MODES, OUTCOME_RULE_NAMES, PAPER_POLICIES, ROUND_CONFIG_KEYS, SCHEDULED_PHASES, TIE_BREAK_CRITERIA };
export type { RoundConfigKey, ScheduleKey, TieBreakCriterion };
export const UNIT_KINDS = BUDGET_UNIT_KINDS;

/** The phase from which each setting is locked (the proposals decider's locks); the schedule is locked entry by entry. */
export const LOCKED_FROM = ROUND_CONFIG_LOCKED_FROM;

/** The order ties are broken in when a round names none. */
export { DEFAULT_TIE_BREAK } from '@plaza/tally';

/** Ballot fields that apply to each type (roundConfigProblems refuses the others). */
export const usesPicks = (type: BallotType) => type === 'approval' || type === 'knapsack' || type === 'ranked';
/** Options of libs/tally's greedy family only (reserve rule, exclusive groups). */
export const isGreedy = (rule: OutcomeRuleName) => rule.startsWith('greedy');
