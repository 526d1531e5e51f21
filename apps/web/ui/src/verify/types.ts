import type { RoundAuditReport, VerifyCheck, VerifyFailure, WitnessReport } from './libs';

export type { VerifyCheck } from './libs';

/**
 * Where the verifier reads a bundle from: the audit service over HTTP (httpBundleSource), files the user picked
 * (memoryBundleSource), a directory in the specs. Every byte is used exactly as given: no re-encoding.
 */
export interface BundleSource {
  /** manifest.json, its exact bytes or text; undefined when the bundle has none. */
  manifest(): Promise<Uint8Array | string | undefined>;
  /** One file of the bundle, its exact bytes or text; undefined when the bundle has no such file. `onBytes` reports a download's progress. */
  file(name: string, onBytes?: (loaded: number) => void): Promise<Uint8Array | string | undefined>;
  /**
   * Every file of the bundle but manifest.json, when the source can list them (a folder, picked files): then a
   * file the manifest does not list is caught. Over HTTP only the listed files (and the ones the format requires)
   * are asked for.
   */
  list?(): Promise<readonly string[]>;
  /** A name for reports (a URL or folder name). */
  readonly label?: string;
}

/**
 * What the verifier is doing, for a progress bar: `done` of `total` units, which depend on the phase: bytes for
 * download and ledger (read), checkpoint lines for checkpoints, SHA-256 computations for hashing; recount and done
 * are 0/1 and 1/1.
 */
export type VerifyPhase = 'download' | 'checkpoints' | 'ledger' | 'hashing' | 'recount' | 'done';

export interface VerifyProgress {
  readonly phase: VerifyPhase;
  readonly done: number;
  readonly total: number;
}

export interface BrowserVerifyOptions {
  /**
   * The signer's key to pin instead of trusting public-key.txt: the C2SP verifier key string, or the answer of
   * GET /api/audit/ledger/public-key (its `verifierKey`). Without it a bundle re-signed end to end with another
   * key verifies; compare `keyId` with the published one.
   */
  readonly trustedKey?: string | { readonly verifierKey: string };
  /** Witness verifier keys whose cosignatures the checkpoint covering the round must carry (as `plaza verify --witness`). */
  readonly witnesses?: readonly string[];
  /** How many of them (default all), as `--quorum`. */
  readonly quorum?: number;
  readonly onProgress?: (progress: VerifyProgress) => void;
  /** Stops the verification (the promise rejects with an AbortError). */
  readonly signal?: AbortSignal;
}

/** One failed check, located as precisely as the check allows: libs/bundle's, the same for `plaza verify --json`. */
export type { VerifyFailure } from './libs';

/** A check that ran, with its first failure's message and location when it failed. */
export interface CheckOutcome {
  readonly check: VerifyCheck;
  readonly ok: boolean;
  readonly message?: string;
  readonly index?: number;
  readonly eventId?: string;
  readonly checkpoint?: VerifyFailure['checkpoint'];
  readonly file?: string;
}

/** One declared result against the recount of the same ballots with the same libraries (libs/recount → libs/tally). */
export interface UnitRecount {
  readonly unitId: string;
  /** The unit's name from the round's configuration. */
  readonly unitName?: string;
  readonly budget?: number;
  /** The ResultsDeclared entry. */
  readonly declaredIndex: number;
  readonly declaredEventId: string;
  readonly declared: { readonly selected: readonly string[]; readonly spent: number; readonly inputDigest: string };
  readonly recomputed: { readonly selected: readonly string[]; readonly spent: number; readonly inputDigest: string; readonly ballotsCounted: number };
  /** True when every field of the declaration equals the recount. */
  readonly verified: boolean;
  /** Field by field, in plain English (empty when verified). */
  readonly differences: readonly string[];
}

export interface BrowserVerifyReport {
  /** Every check holds. */
  readonly ok: boolean;
  /** What was verified (the source's label). */
  readonly bundle?: string;
  readonly roundId?: string;
  /** The round's name and currency, from its RoundCreated entry. */
  readonly roundName?: string;
  readonly currency?: string;
  /** Checkpoint origin (the log's name). */
  readonly origin?: string;
  /** C2SP key ID (8 hex digits) of the key the checkpoints were checked with. */
  readonly keyId?: string;
  /** True when options.trustedKey was given; otherwise compare keyId with the published key's. */
  readonly keyPinned: boolean;
  readonly counts: {
    /** Ledger entries in the bundle (every round's, up to the latest checkpoint). */
    readonly entries: number;
    /** Of which this round's (carrying their event). */
    readonly roundEntries: number;
    /** Lines of checkpoints.jsonl. */
    readonly checkpoints: number;
    /** Checkpoints whose root was recomputed from the entries and matched. */
    readonly checkpointsVerified: number;
  };
  /** Hex root of the entries read (up to the first break). */
  readonly ledgerRoot: string;
  /** The last checkpoint whose signature verified. */
  readonly latestCheckpoint?: { readonly size: number; readonly rootHash: string; readonly time: string };
  /** Every check in VERIFY_CHECKS order, with its first failure. */
  readonly checks: readonly CheckOutcome[];
  /** All failures, the lowest entry index first, then the ones without an index in the order found. */
  readonly failures: readonly VerifyFailure[];
  /** The first failure. */
  readonly failure?: VerifyFailure;
  /** Per declared result: declaration vs recount. */
  readonly recount: readonly UnitRecount[];
  /** Titles of the round's proposals by id (the latest submitted or edited title), to show winners by name. */
  readonly proposalTitles: Readonly<Record<string, string>>;
  /** What the replay found (as `plaza verify --json` gives it). */
  readonly round?: Omit<RoundAuditReport, 'files' | 'fileDigests' | 'failures'>;
  /** With witnesses: which cosigned the checkpoint covering the round (as `plaza verify --witness`). */
  readonly witnesses?: WitnessReport;
  readonly elapsedMs: number;
  readonly timings: { readonly downloadMs: number; readonly ledgerMs: number; readonly recountMs: number };
}
