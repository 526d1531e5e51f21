/** Answers of the endpoints only the admin pages use (the services' OpenAPI at /docs is the reference). */
import type { EligibilityMode, Phase } from '../../api/types';

/** POST /rounds, PATCH /rounds/:id, POST /rounds/:id/phase. */
export interface RoundCommandResult {
  readonly roundId: string;
  readonly version: number;
  readonly phase: Phase;
  readonly events: readonly string[];
}

/** POST …/proposals/:pid/reviews|accept|reject|merge. */
export interface ProposalCommandResult {
  readonly proposalId: string;
  readonly version: number;
  readonly status: string;
  readonly events: readonly string[];
}

/** POST /rounds/:id/voters/roll. */
export interface RollImportResult {
  readonly roundId: string;
  readonly registered: number;
  readonly unchanged: number;
  readonly belowMinAge: number;
  /** Residents of this file per unit. */
  readonly onRoll: Readonly<Record<string, number>>;
}

/** GET /rounds/:id/voters/summary. */
export interface VotersSummary {
  readonly roundId: string;
  readonly mode: EligibilityMode;
  readonly groups: readonly {
    readonly unitId: string;
    readonly source: string;
    readonly voters: number;
    readonly codesSignedIn: number;
  }[];
  /** Registered voters per age band over the round; null where suppressed (under ageBandMinCell). */
  readonly byAgeBand: Readonly<Record<string, number | null>>;
  readonly ageBandMinCell: number;
}

/** A paper batch's report (GET /rounds/:id/paper-batches[/:batchId], POST …/close). */
export interface PaperBatch {
  readonly roundId: string;
  readonly batchId: string;
  readonly unitId: string;
  readonly operatorId: string;
  readonly status: 'open' | 'closed';
  readonly sheetsCounted: number;
  readonly entered: number;
  /** Sheets set aside as refused (not eligible, already voted, spoiled). */
  readonly refused: number;
  /** entered + refused − sheetsCounted: 0 when the batch reconciles. */
  readonly discrepancy: number;
  readonly reconciled: boolean;
  readonly openedAt: string;
  readonly closedAt: string | null;
}

/** POST …/paper-batches/:batchId/ballots. */
export interface BallotReceipt {
  readonly eventId: string;
  readonly leafHash: string;
  readonly ballotVersion: number;
  readonly unitId: string;
  readonly channel: string;
}
