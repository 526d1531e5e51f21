/** Shapes of the voting and audit answers the vote pages read (apps/voting ballots.service, apps/audit proofs.controller). */
import type { BallotChannel } from '@plaza/contracts';

/** One ballot event of the caller, with its receipt (`GET /rounds/:roundId/ballots/mine`). */
export interface BallotVersion {
  readonly unitId: string;
  readonly channel: BallotChannel;
  readonly choices: readonly string[];
  readonly points?: readonly number[];
  readonly castAt: string;
  readonly eventId: string;
  readonly ballotVersion: number;
  readonly leafHash: string;
}

export interface MyBallots {
  readonly roundId: string;
  readonly phase: string;
  /** The unit the caller is registered in (a voting code: the code's unit). */
  readonly registeredUnit: string;
  readonly voterPseudonym: string;
  /** The latest ballot per unit. */
  readonly current: readonly BallotVersion[];
  /** Every ballot event, oldest first. */
  readonly history: readonly BallotVersion[];
}

/** `POST /rounds/:roundId/ballots` → the receipt. */
export interface CastReceipt {
  readonly roundId: string;
  readonly unitId: string;
  readonly channel: BallotChannel;
  readonly eventId: string;
  readonly leafHash: string;
  readonly ballotVersion: number;
}

/** `POST /rounds/:roundId/codes/sign-in`. */
export interface CodeSignIn {
  readonly roundId: string;
  readonly unitId: string;
  readonly token: string;
  readonly expiresAt: string;
}

/** `POST /auth/dev/token` (proposals, development only). */
export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: string;
}

// The audit service's answer shapes are defined once, with the audit pages.
import type { CheckpointView as Checkpoint, LedgerEntry } from '../audit/types';
export type { Checkpoint, LedgerEntry };

/** `POST /receipts/check` (audit). */
export type ReceiptCheck =
  | {
      readonly included: true;
      readonly eventId: string;
      readonly index: number;
      readonly leafHash: string;
      readonly entry: LedgerEntry;
      readonly size: number;
      readonly proof: readonly string[];
      readonly checkpoint: Checkpoint;
      /** Ballots only: a later version of the same ballot is in the ledger (never what it says). */
      readonly superseded?: boolean;
      /** Ballots only: counted at the close by the audit recount; null until the round is closed and recounted. */
      readonly counted?: boolean | null;
    }
  | {
      readonly included: false;
      readonly reason: string;
      readonly eventId: string;
      /** Present when the ledger holds the event (pending, or held with another leaf hash). */
      readonly index?: number;
      readonly pending?: boolean;
    };
