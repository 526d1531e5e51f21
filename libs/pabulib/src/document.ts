import { PbParseError } from './errors';
import { PbReadOptions, PbWarning, PbWarnings } from './warnings';

export type PbLineEnding = '\n' | '\r\n';
export type PbSectionName = 'META' | 'PROJECTS' | 'VOTES';

/** One section as a table: column names in file order, and one record of raw (unquoted, trimmed) cells per row. */
export interface PbTable {
  columns: string[];
  rows: Record<string, string>[];
}

/** Where things were in the parsed text (1-based physical line numbers), so later checks can name the line. */
export interface PbPositions {
  sections: Record<PbSectionName, number>;
  headers: Record<PbSectionName, number>;
  meta: Map<string, number>;
  projects: number[];
  votes: number[];
  /** Number of physical lines in the text (the line that "missing" errors point at). */
  lastLine: number;
}

/**
 * A `.pb` file at format level: every cell is the raw string. Keeps everything needed to write the same bytes
 * back: meta order (Map insertion order), column order, line ending, final newline, a leading BOM, and lines whose
 * ending differs from the dominant one (a real file, Wieliczka 2023, has one LF line among CRLF lines).
 */
export interface PbDocument {
  meta: Map<string, string>;
  projects: PbTable;
  votes: PbTable;
  lineEnding: PbLineEnding;
  finalNewline: boolean;
  /**
   * Line endings that differ from `lineEnding`, keyed by the 0-based index of the written line (section-name
   * lines, header lines and records, in output order; blank lines skipped by the reader are not counted).
   * Only the reader sets this; leave it out when building a document, and drop it after adding or removing rows.
   */
  lineEndingOverrides?: Map<number, PbLineEnding>;
  /** The text started with a U+FEFF byte order mark (stripped from the first line, written back by `writePb`). */
  bom?: boolean;
  /** Set by `parsePb`; `toElection` uses it for error line numbers (and assumes the canonical layout without it). */
  positions?: PbPositions;
  /** Quirks `parsePb` normalised (lenient reading); `toElection` carries them over to the election. */
  warnings?: PbWarning[];
}

const SECTIONS: readonly PbSectionName[] = ['META', 'PROJECTS', 'VOTES'];
const NO_ENDING = 0;
const LF = 1;
const CRLF = 2;

/**
 * Parses `.pb` text. Checks structure only: sections present once and in order, each with a header line, the
 * META header `key;value`, unique non-empty column names and META keys, every record with exactly as many cells as
 * its header, and correct quoting. Cells are trimmed outside quotes. Blank lines are skipped.
 * Meaning (numbers, ids, counts) is checked by `toElection`. Throws `PbParseError` naming the 1-based line.
 */
export function parsePb(text: string, options: PbReadOptions = {}): PbDocument {
  const warn = new PbWarnings(options.strict === true);
  const n = text.length;
  let pos = 0;
  const bom = n > 0 && text.charCodeAt(0) === 0xfeff;
  if (bom) pos = 1;

  const meta = new Map<string, string>();
  const tables: Record<'PROJECTS' | 'VOTES', PbTable> = {
    PROJECTS: { columns: [], rows: [] },
    VOTES: { columns: [], rows: [] },
  };
  const positions: PbPositions = {
    sections: { META: 0, PROJECTS: 0, VOTES: 0 },
    headers: { META: 0, PROJECTS: 0, VOTES: 0 },
    meta: new Map(),
    projects: [],
    votes: [],
    lastLine: 0,
  };
  const endings: number[] = [];
  let lfCount = 0;
  let crlfCount = 0;

  let section = -1; // index into SECTIONS of the current section
  let needHeader = false;
  let columns: string[] = [];
  let rows: Record<string, string>[] = [];
  let rowLines: number[] = [];
  let lineNo = 0;

  while (pos < n) {
    const nl = text.indexOf('\n', pos);
    let end: number;
    let next: number;
    let ending: number;
    if (nl === -1) {
      end = n;
      next = n;
      ending = NO_ENDING;
    } else {
      next = nl + 1;
      if (nl > pos && text.charCodeAt(nl - 1) === 13) {
        end = nl - 1;
        ending = CRLF;
      } else {
        end = nl;
        ending = LF;
      }
    }
    lineNo++;
    const line = text.slice(pos, end);
    pos = next;

    if (line.indexOf(';') === -1) {
      const bare = line.trim();
      if (bare === '') continue; // blank line
      const s = SECTIONS.indexOf(bare as PbSectionName);
      if (s !== -1) {
        if (bare !== line) warn.add(lineNo, 'stray-whitespace', `spaces around the section name ${bare}`, 'trim them');
        if (needHeader) throw new PbParseError(lineNo, `section ${SECTIONS[section]} has no header line`);
        if (s !== section + 1) {
          if (s <= section) throw new PbParseError(lineNo, `section ${bare} appears again or out of order`);
          throw new PbParseError(lineNo, `missing section ${SECTIONS[section + 1]} before ${bare}`);
        }
        section = s;
        needHeader = true;
        positions.sections[bare as PbSectionName] = lineNo;
        if (ending === LF) lfCount++;
        else if (ending === CRLF) crlfCount++;
        endings.push(ending);
        continue;
      }
    }

    if (section === -1) {
      throw new PbParseError(lineNo, `missing section META: the file must start with a line "META", found ${quoteForMessage(line)}`);
    }
    const cells = line.indexOf('"') === -1 ? splitPlain(line, lineNo, warn) : splitQuoted(line, lineNo, warn);

    if (needHeader) {
      const name = SECTIONS[section];
      checkHeader(name, cells, lineNo);
      positions.headers[name] = lineNo;
      needHeader = false;
      if (name !== 'META') {
        columns = cells;
        rows = [];
        rowLines = name === 'PROJECTS' ? positions.projects : positions.votes;
        tables[name] = { columns, rows };
      }
    } else if (section === 0) {
      if (cells.length !== 2) {
        throw new PbParseError(lineNo, `META row must have 2 cells (key;value), found ${cells.length}`);
      }
      const key = cells[0];
      if (key === '') throw new PbParseError(lineNo, 'empty META key');
      if (meta.has(key)) throw new PbParseError(lineNo, `duplicate META key "${key}" (first on line ${positions.meta.get(key)})`);
      meta.set(key, cells[1]);
      positions.meta.set(key, lineNo);
    } else {
      if (cells.length !== columns.length) {
        throw new PbParseError(
          lineNo,
          `${SECTIONS[section]} row has ${cells.length} cells but the header has ${columns.length} (${columns.join(';')})`,
        );
      }
      const row: Record<string, string> = {};
      for (let c = 0; c < columns.length; c++) row[columns[c]] = cells[c];
      rows.push(row);
      rowLines.push(lineNo);
    }
    if (ending === LF) lfCount++;
    else if (ending === CRLF) crlfCount++;
    endings.push(ending);
  }

  positions.lastLine = Math.max(lineNo, 1);
  if (section < 2) {
    throw new PbParseError(positions.lastLine, `missing section ${SECTIONS[section + 1]} (input ends on line ${positions.lastLine})`);
  }
  if (needHeader) throw new PbParseError(positions.lastLine, `section ${SECTIONS[section]} has no header line`);

  const dominant = crlfCount > lfCount || (crlfCount === lfCount && endings[0] === CRLF) ? CRLF : LF;
  const last = endings.length - 1;
  const finalNewline = endings[last] !== NO_ENDING;
  let overrides: Map<number, PbLineEnding> | undefined;
  for (let i = 0; i <= last; i++) {
    const e = endings[i];
    if (e === dominant || (i === last && e === NO_ENDING)) continue;
    // Only the last line can lack an ending, so every other entry is LF or CRLF here.
    (overrides ??= new Map()).set(i, e === CRLF ? '\r\n' : '\n');
  }

  const doc: PbDocument = {
    meta,
    projects: tables.PROJECTS,
    votes: tables.VOTES,
    lineEnding: dominant === CRLF ? '\r\n' : '\n',
    finalNewline,
    positions,
  };
  if (overrides) doc.lineEndingOverrides = overrides;
  if (bom) doc.bom = true;
  if (warn.list.length > 0) doc.warnings = warn.list;
  return doc;
}

function checkHeader(section: PbSectionName, cells: string[], lineNo: number): void {
  if (section === 'META') {
    if (cells.length !== 2 || cells[0] !== 'key' || cells[1] !== 'value') {
      throw new PbParseError(lineNo, `META header must be "key;value", found ${quoteForMessage(cells.join(';'))}`);
    }
    return;
  }
  const seen = new Set<string>();
  for (const c of cells) {
    if (c === '') throw new PbParseError(lineNo, `${section} header has an empty column name`);
    // Rows are plain objects keyed by column name; this name would set the prototype instead of a cell.
    if (c === '__proto__') throw new PbParseError(lineNo, `${section} header has the reserved column name "__proto__"`);
    if (seen.has(c)) throw new PbParseError(lineNo, `${section} header names column "${c}" twice`);
    seen.add(c);
  }
}

// Fast path (every line of the real files but a dozen): no quotes, so a cell is what lies between semicolons.
function splitPlain(line: string, lineNo: number, warn: PbWarnings): string[] {
  const cells = line.split(';');
  let padded: number[] | undefined;
  for (let i = 0; i < cells.length; i++) {
    const t = cells[i].trim();
    if (t.length !== cells[i].length) (padded ??= []).push(i + 1);
    cells[i] = t;
  }
  if (padded) warnPadding(warn, lineNo, padded);
  return cells;
}

function warnPadding(warn: PbWarnings, lineNo: number, cells: number[]): void {
  warn.add(lineNo, 'stray-whitespace', `spaces around cell${cells.length === 1 ? '' : 's'} ${cells.join(', ')}`, 'trim them');
}

/**
 * CSV cells with `"` quoting: a quoted cell runs to the next lone `"`, and `""` inside stands for `"`. Whitespace
 * around a quoted cell is dropped; anything else between the closing quote and the next `;` is an error, as is a
 * `"` inside an unquoted cell (the format quotes every cell containing `"`). Works on one line: records never span
 * lines in `.pb`, so an unterminated quote is reported on the line where it opened.
 */
function splitQuoted(line: string, lineNo: number, warn: PbWarnings): string[] {
  const cells: string[] = [];
  const n = line.length;
  let i = 0;
  const padded: number[] = [];
  for (;;) {
    let j = i;
    while (j < n && isSpace(line[j])) j++;
    if (j < n && line.charCodeAt(j) === 34) {
      if (j > i) padded.push(cells.length + 1);
      const parts: string[] = [];
      let escaped = false;
      let k = j + 1;
      for (;;) {
        const q = line.indexOf('"', k);
        if (q === -1) {
          throw new PbParseError(lineNo, `unterminated quoted cell (cell ${cells.length + 1} opens a quote at column ${j + 1} that is never closed)`);
        }
        if (q > k && line.charCodeAt(q - 1) === 92 && !endsCell(line, q + 1)) {
          // `\"` in the middle of a quoted cell: an escaped quote written the C way instead of doubled.
          if (!escaped) warn.add(lineNo, 'backslash-quote', `cell ${cells.length + 1} escapes quotes as \\" instead of ""`, 'read each \\" as one "');
          escaped = true;
          parts.push(line.slice(k, q - 1) + '"');
          k = q + 1;
        } else if (q + 1 < n && line.charCodeAt(q + 1) === 34) {
          parts.push(line.slice(k, q + 1));
          k = q + 2;
        } else {
          parts.push(line.slice(k, q));
          k = q + 1;
          break;
        }
      }
      cells.push(parts.join(''));
      const closed = k;
      while (k < n && isSpace(line[k])) k++;
      if (k > closed && padded[padded.length - 1] !== cells.length) padded.push(cells.length);
      if (k === n) {
        if (padded.length > 0) warnPadding(warn, lineNo, padded);
        return cells;
      }
      if (line.charCodeAt(k) !== 59) {
        throw new PbParseError(lineNo, `unexpected ${quoteForMessage(line[k])} after the closing quote of cell ${cells.length} (column ${k + 1})`);
      }
      i = k + 1;
    } else {
      const semi = line.indexOf(';', j);
      const end = semi === -1 ? n : semi;
      const raw = line.slice(i, end);
      let cell = raw.trim();
      if (cell.length !== raw.length) padded.push(cells.length + 1);
      if (cell.indexOf('"') !== -1) {
        const escaped = cell.indexOf('\\"') !== -1;
        const bare = (escaped ? cell.replaceAll('\\"', '') : cell).indexOf('"') !== -1;
        if (escaped) {
          warn.add(lineNo, 'backslash-quote', `unquoted cell ${cells.length + 1} ${showCell(cell)} escapes quotes as \\"`, 'read each \\" as one "');
          cell = cell.replaceAll('\\"', '"');
        }
        if (bare) {
          warn.add(
            lineNo,
            'unescaped-quote',
            `stray quote in unquoted cell ${cells.length + 1} ${showCell(cell)}; a cell containing " must be quoted and the " doubled`,
            'keep the quote as part of the text',
          );
        }
      }
      cells.push(cell);
      if (semi === -1) {
        if (padded.length > 0) warnPadding(warn, lineNo, padded);
        return cells;
      }
      i = semi + 1;
    }
  }
}

/** True when position `k` of `line` is the end of a cell: only spaces before the next `;` or the end of the line. */
function endsCell(line: string, k: number): boolean {
  while (k < line.length && isSpace(line[k])) k++;
  return k === line.length || line.charCodeAt(k) === 59;
}

// The characters String.prototype.trim removes, so quoted and unquoted cells are trimmed alike.
const SPACE = /\s/;
function isSpace(ch: string): boolean {
  return SPACE.test(ch);
}

// A cell as written, between angle quotes: JSON quoting would show its " as \\" and suggest backslashes in the file.
function showCell(s: string): string {
  return `«${s.length > 60 ? s.slice(0, 57) + '...' : s}»`;
}

function quoteForMessage(s: string): string {
  return JSON.stringify(s.length > 60 ? s.slice(0, 57) + '...' : s);
}

/** True when `cell` must be quoted to read back as itself. */
function needsQuotes(cell: string): boolean {
  if (cell === '') return false;
  if (cell.indexOf(';') !== -1 || cell.indexOf('"') !== -1) return true;
  // The reader trims unquoted cells, so surrounding whitespace survives only inside quotes.
  return cell.trim() !== cell;
}

function quoteCell(cell: string): string {
  return '"' + cell.replaceAll('"', '""') + '"';
}

function formatCell(cell: string, where: string): string {
  if (cell.indexOf('\n') !== -1 || cell.indexOf('\r') !== -1) {
    throw new RangeError(`${where}: a .pb cell cannot contain a line break: ${quoteForMessage(cell)}`);
  }
  return needsQuotes(cell) ? quoteCell(cell) : cell;
}

function formatRecord(cells: string[], where: string): string {
  if (cells.length === 1) {
    // A one-cell record must not read back as a blank line or a section-name line.
    const c = cells[0];
    if (c === '' || SECTIONS.includes(c as PbSectionName)) return quoteCell(c);
    return formatCell(c, where);
  }
  let out = formatCell(cells[0], where);
  for (let i = 1; i < cells.length; i++) out += ';' + formatCell(cells[i], where);
  return out;
}

/**
 * Writes `.pb` text, quoting cells that need it. Missing cells in a row are written empty. For a document from
 * `parsePb` of a well-formed file, `writePb(parsePb(text)) === text` (see the README's layout rules); it differs
 * only where the input had blank lines, spaces around cells, or quotes around cells that do not need them.
 * Throws a RangeError for a cell containing a line break (not representable) or a META key that is empty.
 */
export function writePb(doc: PbDocument): string {
  const lines: string[] = ['META', 'key;value'];
  for (const [key, value] of doc.meta) {
    if (key === '') throw new RangeError('META key must not be empty');
    lines.push(formatRecord([key, value], `META ${key}`));
  }
  writeTable(lines, 'PROJECTS', doc.projects);
  writeTable(lines, 'VOTES', doc.votes);

  const eol = doc.lineEnding;
  let text: string;
  const overrides = doc.lineEndingOverrides;
  if (!overrides || overrides.size === 0) {
    text = lines.join(eol);
    if (doc.finalNewline) text += eol;
  } else {
    const parts: string[] = [];
    const last = lines.length - 1;
    for (let i = 0; i <= last; i++) {
      parts.push(lines[i]);
      if (i < last || doc.finalNewline) parts.push(overrides.get(i) ?? eol);
    }
    text = parts.join('');
  }
  return doc.bom ? '\ufeff' + text : text;
}

function writeTable(lines: string[], name: 'PROJECTS' | 'VOTES', table: PbTable): void {
  if (table.columns.length === 0) throw new RangeError(`${name} needs at least one column`);
  lines.push(name);
  lines.push(formatRecord(table.columns, `${name} header`));
  const columns = table.columns;
  const cells: string[] = new Array<string>(columns.length);
  for (let r = 0; r < table.rows.length; r++) {
    const row = table.rows[r];
    for (let c = 0; c < columns.length; c++) cells[c] = row[columns[c]] ?? '';
    lines.push(formatRecord(cells, `${name} row ${r + 1}`));
  }
}
