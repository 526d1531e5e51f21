export type {
  Ballot,
  BallotRules,
  BallotType,
  BallotValidation,
  Explanation,
  Instance,
  NotSelectedReason,
  Profile,
  Project,
  ProjectExplanation,
  RoundExplanation,
  RuleName,
  RuleOptions,
  TallyResult,
  TieBreakCriterion,
  TieDecision,
  TieReport,
} from './types';
export { DEFAULT_TIE_BREAK, RULE_NAMES, TIE_BREAK_CRITERIA } from './types';
export { lotteryTicket } from './prepare';
export type { Rational } from './rational';
export { formatRational, parseRational, rat, ratToJson } from './rational';
export { TallyInputError } from './prepare';
export { isRuleName, tally } from './tally';
export { validateBallot } from './validate';
export { describeReason, formatExplanationTable, formatMoney, resultToJson } from './explain';
export { commentHints, fromPabulib } from './from-pabulib';
export type { CommentHints, PabulibTally } from './from-pabulib';
export { ageBand, analyseFairness, checkEjr, checkPjr, EJR_MAX_PROJECTS, gini, shareInWords } from './analysis';
export type { AnalysedOutcome, EjrCheck, FairnessAnalysis, GroupAnalysis, Grouping } from './analysis';
export { checkPriceability, PRICEABILITY_MAX_CELLS } from './priceability';
export type { EqualSharesRun, PriceabilityCheck, PriceabilityInput } from './priceability';
export { solveFeasibility } from './lp';
export type { LinearSystem, LpAnswer } from './lp';
