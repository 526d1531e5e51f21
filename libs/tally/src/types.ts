import type { Rational } from './rational';

/** How a ballot expresses preferences. Pabulib's `choose-1` is `choose-one` here. */
export type BallotType = 'approval' | 'cumulative' | 'ordinal' | 'choose-one';

/** Money is bigint in the instance's smallest unit: one currency unit = 10^scale units. */
export interface Project {
  readonly id: string;
  readonly cost: bigint;
  readonly name?: string;
  readonly categories?: readonly string[];
  /** District (or neighbourhood) the project belongs to, for per-district spending caps. */
  readonly district?: string;
}

export interface Instance {
  readonly budget: bigint;
  /** Decimal places of the money unit: costs and budget are in units of 10^-scale currency. */
  readonly scale: number;
  readonly currency?: string;
  /** Input order; it is also the last tie-breaker. */
  readonly projects: readonly Project[];
  /** Upper bound on the summed cost of selected projects per category. */
  readonly categoryLimits?: Readonly<Record<string, bigint>>;
  /** Upper bound on the summed cost of selected projects per district / neighbourhood. */
  readonly districtLimits?: Readonly<Record<string, bigint>>;
}

/**
 * One voter's ballot. approval: the set of approved ids; choose-one: exactly one id; ordinal: most preferred first;
 * cumulative: ids with `points` in the same order.
 */
export interface Ballot {
  readonly voterId: string;
  readonly projects: readonly string[];
  /** Points per listed project (cumulative; ordinal when the file gives explicit rank points). */
  readonly points?: readonly bigint[];
}

export interface Profile {
  readonly type: BallotType;
  readonly ballots: readonly Ballot[];
  /**
   * Ordinal ballots without explicit points: points for rank 1, 2, … (e.g. Kraków 3/2/1), 0 past the list.
   * Default: Borda over each ballot's own length (n points to the first of n, 1 to the last), Pabulib's default.
   */
  readonly ordinalPoints?: readonly bigint[];
}

/** What a valid ballot looks like in a round. */
export interface BallotRules {
  readonly type: BallotType;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** approval: knapsack ballots, total cost of the approved projects ≤ this. */
  readonly maxSumCost?: bigint;
  /** cumulative: most points one project may get from one voter. */
  readonly maxPoints?: bigint;
  readonly minSumPoints?: bigint;
  readonly maxSumPoints?: bigint;
  /** At most this many projects of any one category (Budapest: 3). */
  readonly maxPerCategory?: number;
  /** Categories of projects, needed to check `maxPerCategory`, and the set of valid ids. */
  readonly projects?: readonly Pick<Project, 'id' | 'cost' | 'categories'>[];
}

export type BallotValidation = { ok: true } | { ok: false; errors: { field: string; message: string }[] };

export type RuleName =
  | 'greedy'
  | 'greedy-no-skip'
  | 'greedy-threshold'
  | 'equalshares'
  | 'equalshares/add1'
  | 'equalshares-comparison'
  | 'equalshares/add1-comparison'
  | 'phragmen';

export const RULE_NAMES: readonly RuleName[] = [
  'greedy',
  'greedy-no-skip',
  'greedy-threshold',
  'equalshares',
  'equalshares/add1',
  'equalshares-comparison',
  'equalshares/add1-comparison',
  'phragmen',
];

export interface RuleOptions {
  /** greedy-threshold: minimum support (votes for approval/choose-one, score for points). */
  readonly threshold?: bigint;
  /** Stop at the first project that does not fit (greedy-no-skip does this by name). */
  readonly noSkip?: boolean;
  /** Mutually exclusive groups of project ids: at most one of each group, the first in support order. */
  readonly exclusive?: readonly (readonly string[])[];
  /**
   * Poznań's reserve rule: greedy stops at the first project that does not fit and still funds it
   * (from reserves, over the budget) if at least this fraction of its cost is left.
   */
  readonly reserveFraction?: Rational;
  /** Stop at the first tie that the tie-breaking would have to decide, and report it instead of the outcome past it. */
  readonly reportTies?: boolean;
  /**
   * Add1 completion: start from the integral per-voter budget floor(B/n) instead of B/n (equalshares.net's
   * "integral" option). Default false, which is what reproduces the Pabulib files.
   */
  readonly add1Integral?: boolean;
  /**
   * How ties are broken, in order; default `DEFAULT_TIE_BREAK` (more support, lower cost, ballot order). Ballot order
   * (the instance's project order) always ends the list as the last resort, so the order is total.
   */
  readonly tieBreak?: readonly TieBreakCriterion[];
  /** The public lottery's seed, fixed before voting opens; required when `tieBreak` names `lottery`. */
  readonly lotterySeed?: string;
}

/**
 * Tie-breaking criteria a round may list: `more-support` (for Equal Shares / Phragmén ties in price or time; equal
 * by definition in greedy ties), `lower-cost`, `higher-cost`, `ballot-order` (earlier on the ballot, i.e. the
 * instance order), `project-id` (smaller id, compared as strings), `lottery` (a seeded public lottery: smaller
 * sha256 hex of `seed + "\n" + project id` first, reproducible by anyone from the recorded seed).
 */
export const TIE_BREAK_CRITERIA = ['more-support', 'lower-cost', 'higher-cost', 'ballot-order', 'project-id', 'lottery'] as const;
export type TieBreakCriterion = (typeof TIE_BREAK_CRITERIA)[number];
export const DEFAULT_TIE_BREAK: readonly TieBreakCriterion[] = ['more-support', 'lower-cost', 'ballot-order'];
/** What decided a tie: `cost` = lower cost, `order` = ballot order (the names from before tie-breaking was configurable). */
export type TieDecision = 'support' | 'cost' | 'higher-cost' | 'order' | 'project-id' | 'lottery';

export type NotSelectedReason =
  | { kind: 'did-not-fit'; left: bigint }
  | { kind: 'over-limit'; limit: 'category' | 'district'; key: string; left: bigint }
  | { kind: 'below-threshold'; threshold: bigint }
  | { kind: 'excluded'; by: string }
  | { kind: 'stopped'; at: string }
  | { kind: 'lost-tie'; to: readonly string[]; decidedBy: TieDecision }
  | { kind: 'not-affordable'; supportersMoney: Rational }
  | { kind: 'no-support' }
  | { kind: 'undecided-tie' }
  | { kind: 'comparison'; note: string };

export interface ProjectExplanation {
  readonly id: string;
  readonly name?: string;
  readonly cost: bigint;
  /** Votes (ballots naming it). */
  readonly votes: bigint;
  /** Support the rule ranks by: votes for approval/choose-one, points for cumulative/ordinal. */
  readonly support: bigint;
  readonly selected: boolean;
  /** 1-based position in the selection order. */
  readonly round?: number;
  readonly fromReserve?: boolean;
  readonly reason?: NotSelectedReason;
}

/** One Equal Shares (or Phragmén) round. */
export interface RoundExplanation {
  readonly round: number;
  readonly project: string;
  readonly cost: bigint;
  /** Equal Shares: price per unit of utility (rho). Phragmén: the time the project became affordable. */
  readonly rho: Rational;
  /** Equal Shares, approval: the most any supporter pays (= rho × cost); points: the price per point. */
  readonly pricePerSupporter: Rational;
  /** cost / most any supporter pays: the number of supporters who could pay in full (approval ballots). */
  readonly effectiveVotes: Rational;
  readonly supporters: number;
  /** Supporters who could not pay the full price and paid all they had left. */
  readonly paidAllTheyHad: number;
}

export interface TieReport {
  readonly projects: readonly string[];
  readonly support: bigint;
  /** What the default order would decide on; with `reportTies` it is left undecided. */
  readonly decidedBy: TieDecision | 'undecided';
  readonly note: string;
}

export interface Explanation {
  readonly rule: RuleName;
  readonly notes: readonly string[];
  readonly projects: readonly ProjectExplanation[];
  readonly rounds?: readonly RoundExplanation[];
  readonly ties: readonly TieReport[];
  /** Equal Shares: `cost` (approval / choose-one: supporters share the cost) or `points` (price per point). */
  readonly utility?: 'cost' | 'points';
  /** Equal Shares: each voter's starting budget (after Add1 raises). */
  readonly perVoterBudget?: Rational;
  /** Equal Shares with Add1: how many one-unit raises the final outcome used. */
  readonly add1Steps?: number;
  readonly comparison?: { readonly prefersMes: number; readonly prefersGreedy: number; readonly switchedToGreedy: boolean };
}

export interface TallyResult {
  readonly rule: RuleName;
  /** Project ids in selection order. */
  readonly selected: readonly string[];
  readonly spent: bigint;
  readonly budget: bigint;
  readonly leftover: bigint;
  readonly scale: number;
  readonly currency?: string;
  /** `tie` when `reportTies` stopped at a tie: `selected` then holds only what was decided before it. */
  readonly status: 'ok' | 'tie';
  readonly explanation: Explanation;
}
