import { PbParseError } from './errors';

/**
 * Known quirks of real Pabulib files that the lenient reader normalises (the reference Python library, pabutools,
 * reads all of them):
 * - `stray-whitespace`: spaces around a cell or a list item (`1; 60`, `a, b`); trimmed.
 * - `unescaped-quote`: a `"` inside a cell that is not quoted (Częstochowa 2020: `... wielofunkcyjnego "Orlik"`);
 *   kept as a literal quote, as Python's csv module does.
 * - `backslash-quote`: a quote written `\"` instead of `""`; read as one `"`.
 * - `duplicate-project-in-vote`: a ballot naming the same project twice (Warszawa 2022 Wola, Warszawa 2026
 *   districts); counted once (the first occurrence, and its points, are kept).
 * - `duplicate-voter-id`: two VOTES rows with the same `voter_id`; both ballots are kept, the later one renamed.
 * - `count-mismatch`: `num_projects` / `num_votes` differ from the number of rows; the rows are used.
 */
export const PB_QUIRKS = [
  'stray-whitespace',
  'unescaped-quote',
  'backslash-quote',
  'duplicate-project-in-vote',
  'duplicate-voter-id',
  'count-mismatch',
] as const;
export type PbQuirk = (typeof PB_QUIRKS)[number];

/** One quirk met while reading leniently: where, what, and what the reader did about it. */
export interface PbWarning {
  readonly line: number;
  readonly kind: PbQuirk;
  /** The problem and what was done, e.g. `voter "242928" names project "1379" twice; counted once`. */
  readonly message: string;
}

export interface PbReadOptions {
  /** Refuse every quirk (a `PbParseError` naming the line) instead of normalising it with a warning. */
  readonly strict?: boolean;
}

/** Collects warnings in lenient mode; in strict mode the first quirk is thrown as a `PbParseError`. */
export class PbWarnings {
  readonly list: PbWarning[] = [];
  constructor(readonly strict: boolean) {}

  /** `problem` says what is wrong, `action` what the lenient reader does about it. */
  add(line: number, kind: PbQuirk, problem: string, action: string): void {
    if (this.strict) throw new PbParseError(line, `${problem} (refused in strict mode; the lenient reader would ${action})`);
    this.list.push({ line, kind, message: `${problem}; ${action}` });
  }
}

/** `warning: line N: …` lines, at most `perKind` of each kind followed by how many more there were. */
export function formatWarnings(warnings: readonly PbWarning[], perKind = 10): string[] {
  const shown = new Map<PbQuirk, number>();
  const lines: string[] = [];
  for (const w of warnings) {
    const n = (shown.get(w.kind) ?? 0) + 1;
    shown.set(w.kind, n);
    if (n <= perKind) lines.push(`warning: line ${w.line}: ${w.message}`);
  }
  for (const [kind, n] of shown) if (n > perKind) lines.push(`warning: … and ${n - perKind} more ${kind} warnings`);
  return lines;
}
