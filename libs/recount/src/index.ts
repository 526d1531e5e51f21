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
