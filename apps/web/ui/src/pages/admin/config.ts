/**
 * The value lists of libs/contracts round-config.ts, typed against its types so they cannot drift (a value import
 * of @plaza/contracts would pull class-validator into the page).
 */
import type { BallotType, EligibilityMode, OutcomeRuleName, PaperPolicy, Phase } from '../../api/types';
import type { RoundConfig } from '../../api/types';

export const BALLOT_TYPES = ['approval', 'knapsack', 'cumulative', 'ranked', 'choose-one'] as const satisfies readonly BallotType[];
export const OUTCOME_RULE_NAMES = [
  'greedy',
  'greedy-no-skip',
  'greedy-threshold',
  'equalshares',
  'equalshares/add1',
  'equalshares-comparison',
  'equalshares/add1-comparison',
  'phragmen',
] as const satisfies readonly OutcomeRuleName[];
export const ELIGIBILITY_MODES = ['roll', 'codes'] as const satisfies readonly EligibilityMode[];
export const PAPER_POLICIES = ['refuse-if-voted-online', 'paper-overrides-online'] as const satisfies readonly PaperPolicy[];
export const UNIT_KINDS = ['district', 'category'] as const;

export type ScheduleKey = keyof RoundConfig['schedule'];
/** The phase each schedule entry opens, in phase order (as SCHEDULED_PHASES). */
export const SCHEDULED_PHASES = [
  { key: 'submissionOpensAt', phase: 'submission' },
  { key: 'reviewStartsAt', phase: 'review' },
  { key: 'votingOpensAt', phase: 'voting' },
  { key: 'votingClosesAt', phase: 'closed' },
  { key: 'resultsPublishedAt', phase: 'published' },
] as const satisfies readonly { key: ScheduleKey; phase: Phase }[];

export const ROUND_CONFIG_KEYS = ['name', 'currency', 'units', 'schedule', 'ballot', 'outcome', 'eligibility'] as const satisfies readonly (keyof RoundConfig)[];
export type RoundConfigKey = (typeof ROUND_CONFIG_KEYS)[number];

/** The phase from which each setting is locked (the proposals decider's LOCKS); the schedule is locked entry by entry. */
export const LOCKED_FROM: Record<Exclude<RoundConfigKey, 'schedule'>, Phase> = {
  name: 'closed',
  currency: 'submission',
  units: 'submission',
  ballot: 'voting',
  outcome: 'voting',
  eligibility: 'voting',
};

/** Ballot fields that apply to each type (roundConfigProblems refuses the others). */
export const usesPicks = (type: BallotType) => type === 'approval' || type === 'knapsack' || type === 'ranked';
/** Options of libs/tally's greedy family only (reserve rule, exclusive groups). */
export const isGreedy = (rule: OutcomeRuleName) => rule.startsWith('greedy');
