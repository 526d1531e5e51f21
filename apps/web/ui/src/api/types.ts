/** Shapes of the services' answers the pages share (the services' OpenAPI at /docs is the reference). */
import type { Phase, RoundConfig } from '@plaza/contracts';

export type { BallotType, BudgetUnit, Phase, RoundConfig, OutcomeRuleName, EligibilityMode, PaperPolicy } from '@plaza/contracts';
/** Phase order (as libs/contracts PHASES; a value import of contracts would pull class-validator into the page). */
export const PHASES = ['draft', 'submission', 'support', 'review', 'voting', 'closed', 'published'] as const satisfies readonly Phase[];

export interface Round {
  readonly roundId: string;
  readonly config: RoundConfig;
  readonly phase: Phase;
  /** When each phase reached so far began (ISO timestamps). */
  readonly phaseStartedAt: Partial<Record<Phase, string>>;
  readonly nextScheduledAt: string | null;
  /** Settings an administrator can still change in this phase. */
  readonly editable: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export interface Page<T> {
  readonly total: number;
  readonly items: readonly T[];
  /** The offset of the next page, null after the last (the proposals list: a page may stop early at its byte cap). */
  readonly next?: number | null;
}

export const PROPOSAL_STATUSES = ['submitted', 'withdrawn', 'accepted', 'rejected', 'merged'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

export interface Review {
  readonly feasibilityNotes: string;
  readonly costEstimate: number | null;
  readonly reviewerId: string;
  readonly reviewedAt: string;
}

export interface Proposal {
  readonly proposalId: string;
  readonly roundId: string;
  readonly unitId: string;
  readonly title: string;
  readonly description: string;
  /** The author's estimate, minor units. */
  readonly estimatedCost: number;
  readonly location: string | null;
  /** The author's per-round pseudonym (the ledger's); never the identity. */
  readonly authorPseudonym: string;
  /** The signed-in caller wrote it. */
  readonly mine: boolean;
  readonly status: ProposalStatus;
  readonly reviews: readonly Review[];
  /** Reviewed cost the tally uses (accepted only), minor units. */
  readonly cost: number | null;
  readonly decisionReason: string | null;
  readonly decidedBy: string | null;
  readonly mergedInto: string | null;
  readonly mergedFrom: readonly string[];
  readonly submittedAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export interface ProposalLink {
  readonly proposalId: string;
  readonly title: string;
  readonly status: ProposalStatus;
}

export interface HistoryEntry {
  readonly eventId: string;
  readonly type: string;
  readonly version: number;
  readonly occurredAt: string;
  readonly payload: Record<string, unknown>;
}

export interface ProposalDetail extends Proposal {
  readonly mergedIntoProposal: ProposalLink | null;
  readonly mergedFromProposals: readonly ProposalLink[];
  readonly history: readonly HistoryEntry[];
}
