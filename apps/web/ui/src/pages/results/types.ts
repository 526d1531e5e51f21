/**
 * Shapes of the answers the results page reads: the voting service's GET /rounds/:id/results (declared
 * results with their libs/tally explanation and participation), and the audit service's verification.
 * The explanation is libs/tally's `resultToJson(result).explanation`: bigints as decimal strings (money in
 * minor units), exact rationals as "n/d" strings.
 */
import type { BudgetUnit, OutcomeRuleName } from '../../api/types';

/** null: suppressed (a small cell, or one from which a small cell could be worked out). */
export interface BandFigures {
  readonly registered: number | null;
  readonly voted: number | null;
  readonly turnout: number | null;
}

export interface Participation {
  readonly registered: number;
  readonly voted: number;
  readonly turnout: number | null;
  readonly byChannel: { readonly online: number; readonly paper: number };
  /**
   * Age band (`16-17` … `65+`) → figures; `unknown` for voters without a birth year on the roll. Whole round only
   * (absent for a unit), cells under `ageBandMinCell` suppressed.
   */
  readonly byAgeBand?: Readonly<Record<string, BandFigures>>;
  readonly ageBandMinCell?: number;
}

export interface Winner {
  readonly rank: number;
  readonly proposalId: string;
  readonly title: string | null;
  readonly cost: number;
}

export type NotSelectedReason =
  | { readonly kind: 'did-not-fit'; readonly left: string }
  | { readonly kind: 'over-limit'; readonly limit: 'category' | 'district'; readonly key: string; readonly left: string }
  | { readonly kind: 'below-threshold'; readonly threshold: string }
  | { readonly kind: 'excluded'; readonly by: string }
  | { readonly kind: 'stopped'; readonly at: string }
  | { readonly kind: 'lost-tie'; readonly to: readonly string[]; readonly decidedBy: TieDecision }
  | { readonly kind: 'not-affordable'; readonly supportersMoney: string }
  | { readonly kind: 'no-support' }
  | { readonly kind: 'undecided-tie' }
  | { readonly kind: 'comparison'; readonly note: string };

export interface ProjectExplanation {
  readonly id: string;
  readonly name?: string;
  /** Minor units. */
  readonly cost: string;
  readonly votes: string;
  readonly support: string;
  readonly selected: boolean;
  readonly round?: number;
  readonly fromReserve?: boolean;
  readonly reason?: NotSelectedReason;
}

export interface RoundExplanation {
  readonly round: number;
  readonly project: string;
  readonly cost: string;
  /** "n/d" */
  readonly rho: string;
  /** "n/d", minor units per supporter (approval) or per point. */
  readonly pricePerSupporter: string;
  readonly effectiveVotes: string;
  readonly supporters: number;
  readonly paidAllTheyHad: number;
}

/** What decided a tie (libs/tally): the default's cost / order, or a criterion the round configured. */
export type TieDecision = 'cost' | 'order' | 'support' | 'higher-cost' | 'project-id' | 'lottery';

export interface TieReport {
  readonly projects: readonly string[];
  readonly support: string;
  readonly decidedBy: TieDecision | 'undecided';
  readonly note: string;
}

export interface Explanation {
  readonly rule: string;
  readonly notes: readonly string[];
  readonly projects: readonly ProjectExplanation[];
  readonly rounds?: readonly RoundExplanation[];
  readonly ties: readonly TieReport[];
  readonly utility?: 'cost' | 'points';
  /** "n/d" minor units. */
  readonly perVoterBudget?: string;
  readonly add1Steps?: number;
  readonly comparison?: { readonly prefersMes: number; readonly prefersGreedy: number; readonly switchedToGreedy: boolean };
}

export interface UnitResult {
  readonly unitId: string;
  readonly name: string;
  readonly kind: BudgetUnit['kind'];
  readonly budget: number;
  readonly declaredEventId: string | null;
  readonly status: 'ok' | 'tie' | null;
  readonly rule: OutcomeRuleName | null;
  readonly options: {
    readonly rule: OutcomeRuleName;
    readonly threshold?: number;
    readonly reserveFraction?: string;
    readonly reportTies?: boolean;
    readonly tieBreak?: readonly string[];
    readonly lotterySeed?: string;
  } | null;
  readonly tieBreaking: string | null;
  readonly inputDigest: string | null;
  readonly spent: number | null;
  readonly ballotsCounted: number;
  readonly winners: readonly Winner[];
  readonly selected: readonly string[];
  readonly explanation: Explanation | null;
  readonly participation: Participation;
}

export interface ResultsView {
  readonly roundId: string;
  readonly name: string;
  readonly currency: string;
  readonly phase: string;
  readonly closedAt: string | null;
  readonly votingClosedEventId: string;
  readonly units: readonly UnitResult[];
  readonly participation: Participation;
  readonly paperBatches: {
    readonly batches: number;
    readonly open: number;
    readonly sheetsCounted: number;
    readonly entered: number;
    /** Sheets set aside as refused. */
    readonly refused: number;
    /** Paper sheets that replaced the voter's online ballot (paper-overrides-online), listed per batch. */
    readonly overrides: number;
    readonly unconfirmed: number;
    readonly perBatch: readonly {
      readonly batchId: string;
      readonly unitId: string;
      readonly status: string;
      readonly entered: number;
      readonly refused: number;
      readonly overrides: number;
      readonly confirmedBy: string | null;
    }[];
  };
}

export type VerificationStatus = 'no-results' | 'pending' | 'verified' | 'disputed';

export interface VerificationView {
  readonly roundId: string;
  readonly status: VerificationStatus;
  readonly units: readonly {
    readonly unitId: string;
    readonly status: 'verified' | 'disputed';
    readonly declaredEventId: string;
    readonly declaredIndex: number;
    readonly differences: readonly string[];
    readonly verifiedAt: string;
  }[];
  readonly pending: readonly { readonly declaredEventId: string; readonly declaredIndex: number }[];
}

/** "n/d" (or a plain integer string) → a JS number, for display only (the exact value stays in the ledger). */
export function rationalValue(text: string | undefined | null): number {
  if (!text) return NaN;
  const [n, d = '1'] = text.split('/');
  return Number(n) / Number(d);
}

/** Equal Shares rules (and their comparison variants) whose explanation carries rounds with prices. */
export function isEqualShares(rule: string | null | undefined): boolean {
  return !!rule && rule.startsWith('equalshares');
}
