import type { AgeBand, RoundConfig } from '@plaza/contracts';
import type { FieldProblem } from '../ballots/ballot.decider';

export interface RollEntry {
  readonly residentId: string;
  readonly unitId: string;
  readonly birthYear?: number;
  /** 1-based line in the file, for messages. */
  readonly line: number;
}

export interface ParsedRoll {
  readonly entries: RollEntry[];
  readonly problems: FieldProblem[];
}

const HEADERS: Record<string, 'residentId' | 'unitId' | 'birthYear'> = {
  resident_id: 'residentId',
  residentid: 'residentId',
  unit_id: 'unitId',
  unitid: 'unitId',
  unit: 'unitId',
  district: 'unitId',
  birth_year: 'birthYear',
  birthyear: 'birthYear',
};

/** One CSV line into fields: commas, double quotes around fields, "" for a quote inside. */
function splitCsvLine(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return undefined;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') return undefined;
    } else {
      const end = line.indexOf(',', i);
      field = end < 0 ? line.slice(i) : line.slice(i, end);
      i = end < 0 ? line.length : end;
    }
    out.push(field.trim());
    if (i >= line.length) return out;
    i++; // the comma
  }
}

/**
 * Reads a voter roll: a header line naming `resident_id`, `unit_id` (or `district`) and optionally `birth_year`,
 * then one resident per line. Every problem is reported with its line (field `csv.<line>`), so an administrator
 * can fix the file in one go; a roll with any problem is refused whole.
 */
export function parseRoll(csv: string, config: Pick<RoundConfig, 'units'>, thisYear: number): ParsedRoll {
  const problems: FieldProblem[] = [];
  const lines = csv.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '')?.map((h) => h.toLowerCase().replace(/\s+/g, '_'));
  const columns = header?.map((h) => HEADERS[h]);
  if (!header || !columns || !columns.includes('residentId') || !columns.includes('unitId')) {
    return { entries: [], problems: [{ field: 'csv.1', message: 'the first line must name the columns: resident_id, unit_id and optionally birth_year' }] };
  }
  const unknownColumn = header.find((_, k) => columns[k] === undefined);
  if (unknownColumn !== undefined) problems.push({ field: 'csv.1', message: `unknown column ${unknownColumn}` });
  const units = new Set(config.units.map((u) => u.id));
  const seen = new Map<string, number>();
  const entries: RollEntry[] = [];
  lines.slice(1).forEach((text, k) => {
    const line = k + 2;
    if (text.trim() === '') return;
    const field = `csv.${line}`;
    const cells = splitCsvLine(text);
    if (!cells) return problems.push({ field, message: 'unbalanced quotes' });
    if (cells.length !== header.length) return problems.push({ field, message: `${cells.length} value(s), the header names ${header.length}` });
    const get = (c: 'residentId' | 'unitId' | 'birthYear') => cells[columns.indexOf(c)];
    const residentId = get('residentId');
    const unitId = get('unitId');
    const year = columns.includes('birthYear') ? get('birthYear') : '';
    const before = problems.length;
    if (!residentId || residentId.length > 200) problems.push({ field, message: 'resident_id must be 1-200 characters' });
    // `code:` identities are voting codes' (see codeIdentity): a roll entry must never share a code's pseudonym.
    else if (residentId.toLowerCase().startsWith('code:')) problems.push({ field, message: 'resident_id must not start with code: (reserved for voting codes)' });
    if (!units.has(unitId)) problems.push({ field, message: `unit ${unitId || '(empty)'} is not part of this round` });
    let birthYear: number | undefined;
    if (year !== '' && year !== undefined) {
      if (!/^\d{4}$/.test(year) || Number(year) > thisYear || Number(year) < thisYear - 130) problems.push({ field, message: `birth_year ${year} is not a plausible year` });
      else birthYear = Number(year);
    }
    const earlier = seen.get(residentId);
    if (residentId && earlier !== undefined) problems.push({ field, message: `resident ${residentId} is already on line ${earlier}` });
    seen.set(residentId, line);
    if (problems.length === before) entries.push({ residentId, unitId, line, ...(birthYear !== undefined ? { birthYear } : {}) });
  });
  if (entries.length === 0 && problems.length === 0) problems.push({ field: 'csv', message: 'the roll names no residents' });
  return { entries, problems };
}

/**
 * Age reached in the year voting opens (the roll has birth years only), and its band for turnout figures.
 * Under 16 has no band: such voters exist only where a round sets no minimum age.
 */
export function ageInYear(birthYear: number, year: number): number {
  return year - birthYear;
}

export function ageBand(age: number): AgeBand | undefined {
  if (age < 16) return undefined;
  if (age < 18) return '16-17';
  if (age < 30) return '18-29';
  if (age < 45) return '30-44';
  if (age < 65) return '45-64';
  return '65+';
}

/** The year that decides ages: the year voting opens by the schedule, else the year of the import. */
export function referenceYear(config: Pick<RoundConfig, 'schedule'>, now: Date): number {
  const opens = config.schedule.votingOpensAt;
  return (opens ? new Date(opens) : now).getUTCFullYear();
}
