export {
  canonicalDigestJson,
  canonicalSha256,
  computeUnitResult,
  computeUnitTally,
  RecountInputError,
  sha256Hex,
  tallyInput,
  TIE_BREAKING,
  tieBreakingName,
  toDigestJson,
} from './compute-unit-result';
export type { AcceptedProposal, CountedBallot, TallyConfig, TallyInput } from './compute-unit-result';
export { ballotDigest, mayVoteIn, RoundReplay } from './round-replay';
export type { ReplayAnomaly, ReplayedBallot } from './round-replay';
export { DEFAULT_MIN_CELL, suppressSmallCells } from './participation';
export type { BandCount, PublishedBand } from './participation';
export { BALLOT_COMMITMENT_DOMAIN, ballotCommitment, countBallots } from './counting-rule';
export type { BallotContent, CastRecord, CountingRound, CountOutcome, ExclusionKind, OpenedContent, OpenResult } from './counting-rule';
export type { OpeningProblem } from './round-replay';
export { SupportReplay, supportSelection, supportSelectionDifferences } from './support-selection';
export type { SupportAnomaly, SupportCandidate, SupportComparison, SupportSelection } from './support-selection';
