import { readFileSync, writeFileSync } from 'node:fs';
import { parsePb, PbDocument, writePb } from './document';
import { fromElection, PbElection, toElection } from './election';
import type { PbReadOptions } from './warnings';

/**
 * Reads and checks a `.pb` file (UTF-8). Lenient by default: known quirks are normalised and listed in
 * `election.warnings`; with `{ strict: true }` they are refused. Throws `PbParseError` for malformed content.
 */
export function readPbFile(path: string, options: PbReadOptions = {}): PbElection {
  return toElection(readPbDocumentFile(path, options), options);
}

/** Reads a `.pb` file at format level only. */
export function readPbDocumentFile(path: string, options: PbReadOptions = {}): PbDocument {
  return parsePb(readFileSync(path, 'utf8'), options);
}

export function writePbFile(path: string, election: PbElection): void {
  writeFileSync(path, writePb(fromElection(election)), 'utf8');
}
