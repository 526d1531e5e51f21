import { readFileSync, writeFileSync } from 'node:fs';
import { parsePb, PbDocument, writePb } from './document';
import { fromElection, PbElection, toElection } from './election';

/** Reads and checks a `.pb` file (UTF-8). Throws `PbParseError` for malformed content. */
export function readPbFile(path: string): PbElection {
  return toElection(readPbDocumentFile(path));
}

/** Reads a `.pb` file at format level only. */
export function readPbDocumentFile(path: string): PbDocument {
  return parsePb(readFileSync(path, 'utf8'));
}

export function writePbFile(path: string, election: PbElection): void {
  writeFileSync(path, writePb(fromElection(election)), 'utf8');
}
