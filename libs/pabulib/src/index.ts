export { PbParseError } from './errors';
export {
  addDecimals,
  compareDecimals,
  decimalEquals,
  decimalFromUnits,
  decimalToString,
  decimalToUnits,
  isIntegerDecimal,
  parseDecimal,
  sumDecimals,
  tryParseDecimal,
} from './decimal';
export type { PbDecimal } from './decimal';
export { parsePb, writePb } from './document';
export type { PbDocument, PbLineEnding, PbPositions, PbSectionName, PbTable } from './document';
export { canonicalPositions, fromElection, PB_VOTE_TYPES, splitList, toElection } from './election';
export type { FromElectionOptions, PbElection, PbLayout, PbProject, PbVote, PbVoteType } from './election';
export { readPbDocumentFile, readPbFile, writePbFile } from './fs';
export { formatWarnings, PB_QUIRKS } from './warnings';
export type { PbQuirk, PbReadOptions, PbWarning } from './warnings';
