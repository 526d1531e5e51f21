import { parsePb, PbDocument, writePb } from './document';
import { PbParseError } from './errors';

const META = ['META', 'key;value', 'num_projects;2', 'num_votes;2', 'budget;100', 'vote_type;approval', 'rule;greedy'];
const PROJECTS = ['PROJECTS', 'project_id;cost;name', 'a;60;First', 'b;40;Second'];
const VOTES = ['VOTES', 'voter_id;vote', 'v1;a,b', 'v2;b'];
const lines = (...parts: string[][]) => parts.flat();
const pb = (ls: string[], eol = '\n', final = true) => ls.join(eol) + (final ? eol : '');

// Strict reading: quirks the lenient default normalises (see lenient.spec.ts) are errors here too.
function parseError(text: string): PbParseError {
  try {
    parsePb(text, { strict: true });
  } catch (e) {
    if (e instanceof PbParseError) return e;
    throw e;
  }
  throw new Error('expected a PbParseError');
}

function withoutPositions(doc: PbDocument): Omit<PbDocument, 'positions'> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { positions, ...rest } = doc;
  return rest;
}

describe('parsePb', () => {
  it('reads the three sections into meta (in order) and tables of raw cells', () => {
    const doc = parsePb(pb(lines(META, PROJECTS, VOTES)));
    expect([...doc.meta]).toEqual([
      ['num_projects', '2'],
      ['num_votes', '2'],
      ['budget', '100'],
      ['vote_type', 'approval'],
      ['rule', 'greedy'],
    ]);
    expect(doc.projects).toEqual({
      columns: ['project_id', 'cost', 'name'],
      rows: [
        { project_id: 'a', cost: '60', name: 'First' },
        { project_id: 'b', cost: '40', name: 'Second' },
      ],
    });
    expect(doc.votes.rows).toEqual([
      { voter_id: 'v1', vote: 'a,b' },
      { voter_id: 'v2', vote: 'b' },
    ]);
    expect(doc.lineEnding).toBe('\n');
    expect(doc.finalNewline).toBe(true);
    expect(doc.positions?.projects).toEqual([10, 11]);
    expect(doc.positions?.votes).toEqual([14, 15]);
    expect(doc.positions?.meta.get('budget')).toBe(5);
  });

  it('unquotes CSV cells: ; and doubled quotes inside quotes, empty quoted cell', () => {
    const doc = parsePb(pb(lines(META, ['PROJECTS', 'project_id;cost;name', 'a;60;"x; ""y"" z"', 'b;40;""'], VOTES)));
    expect(doc.projects.rows.map((r) => r.name)).toEqual(['x; "y" z', '']);
  });

  it('trims cells outside quotes, as the Pabulib format page writes "; " between cells', () => {
    const doc = parsePb(
      pb(['META', 'key; value', 'num_projects; 1', '  vote_type ;approval  ', 'PROJECTS', 'project_id; cost; name', 'a; 60 ;  " padded "  ', ' VOTES ', 'voter_id; vote', 'v1; a']),
    );
    expect([...doc.meta]).toEqual([
      ['num_projects', '1'],
      ['vote_type', 'approval'],
    ]);
    expect(doc.projects.rows).toEqual([{ project_id: 'a', cost: '60', name: ' padded ' }]);
    expect(doc.votes.rows).toEqual([{ voter_id: 'v1', vote: 'a' }]);
  });

  it('accepts CRLF, a missing final newline, blank lines, and a byte order mark', () => {
    const doc = parsePb('\ufeff' + pb(lines(META, [''], PROJECTS, ['   '], VOTES), '\r\n', false));
    expect(doc.lineEnding).toBe('\r\n');
    expect(doc.finalNewline).toBe(false);
    expect(doc.bom).toBe(true);
    expect(doc.meta.get('num_projects')).toBe('2');
    expect(doc.votes.rows).toHaveLength(2);
    // Line numbers count the blank lines.
    expect(doc.positions?.sections).toEqual({ META: 1, PROJECTS: 9, VOTES: 14 });
    expect(writePb(doc)).toBe('\ufeff' + pb(lines(META, PROJECTS, VOTES), '\r\n', false));
  });

  it('takes the dominant line ending and remembers the lines that differ', () => {
    const text = 'META\r\nkey;value\nnum_projects;2\r\nnum_votes;2\r\n' + pb(lines(META.slice(4), PROJECTS, VOTES), '\r\n');
    const doc = parsePb(text);
    expect(doc.lineEnding).toBe('\r\n');
    expect(doc.lineEndingOverrides).toEqual(new Map([[1, '\n']]));
    expect(writePb(doc)).toBe(text);
  });

  it('a document with no row lines keeps empty tables', () => {
    const doc = parsePb(pb(['META', 'key;value', 'PROJECTS', 'project_id;cost', 'VOTES', 'voter_id;vote']));
    expect(doc.meta.size).toBe(0);
    expect(doc.projects).toEqual({ columns: ['project_id', 'cost'], rows: [] });
    expect(doc.votes).toEqual({ columns: ['voter_id', 'vote'], rows: [] });
  });
});

describe('parsePb errors name the line', () => {
  const cases: [string, string, number, RegExp][] = [
    ['empty input', '', 1, /missing section META/],
    ['first line is not META', pb(['key;value', ...META.slice(1)]), 1, /missing section META/],
    ['PROJECTS missing before VOTES', pb(lines(META, VOTES)), 8, /missing section PROJECTS before VOTES/],
    ['input ends without VOTES', pb(lines(META, PROJECTS)), 11, /missing section VOTES/],
    ['input ends without PROJECTS', pb(META), 7, /missing section PROJECTS/],
    ['section repeated', pb(lines(META, PROJECTS, VOTES, ['META'])), 16, /section META appears again or out of order/],
    ['sections out of order', pb(lines(META, VOTES, PROJECTS)), 8, /missing section PROJECTS before VOTES/],
    ['section without header before the next one', pb(lines(META, ['PROJECTS'], VOTES)), 9, /section PROJECTS has no header line/],
    ['last section without header', pb(lines(META, PROJECTS, ['VOTES'])), 12, /section VOTES has no header line/],
    ['META header not key;value', pb(lines(['META', 'name;value'], META.slice(2), PROJECTS, VOTES)), 2, /META header must be "key;value"/],
    ['META row with 3 cells', pb(lines(META, ['comment;a;b'], PROJECTS, VOTES)), 8, /META row must have 2 cells/],
    ['META row with 1 cell', pb(lines(META, ['comment'], PROJECTS, VOTES)), 8, /META row must have 2 cells/],
    ['duplicate META key', pb(lines(META, ['budget;5'], PROJECTS, VOTES)), 8, /duplicate META key "budget" \(first on line 5\)/],
    ['PROJECTS row with too few cells', pb(lines(META, PROJECTS, ['c;10'], VOTES)), 12, /PROJECTS row has 2 cells but the header has 3/],
    ['VOTES row with too many cells', pb(lines(META, PROJECTS, VOTES, ['v3;a;x'])), 16, /VOTES row has 3 cells but the header has 2/],
    ['trailing semicolon', pb(lines(META, PROJECTS, ['VOTES', 'voter_id;vote', 'v1;a;'])), 14, /VOTES row has 3 cells/],
    ['unterminated quote', pb(lines(META, ['PROJECTS', 'project_id;cost;name', 'a;60;"First', 'b;40;"Se""cond"'], VOTES)), 10, /unterminated quoted cell/],
    ['stray quote in an unquoted cell', pb(lines(META, ['PROJECTS', 'project_id;cost;name', 'a;60;Fi"rst'], VOTES)), 10, /stray quote in unquoted cell 3/],
    ['text after a closing quote', pb(lines(META, ['PROJECTS', 'project_id;cost;name', 'a;60;"Fir"st'], VOTES)), 10, /unexpected "s" after the closing quote of cell 3/],
    ['duplicate column', pb(lines(META, ['PROJECTS', 'project_id;cost;cost'], VOTES)), 9, /PROJECTS header names column "cost" twice/],
    ['empty column name', pb(lines(META, PROJECTS, ['VOTES', 'voter_id;;vote'])), 13, /VOTES header has an empty column name/],
    ['__proto__ column', pb(lines(META, ['PROJECTS', 'project_id;__proto__'], VOTES)), 9, /reserved column name/],
  ];
  it.each(cases)('%s', (_label, text, line, message) => {
    const e = parseError(text);
    expect(e.line).toBe(line);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(`line ${line}: `)).toBe(true);
    expect(e).toBeInstanceOf(Error);
  });

  it('counts physical lines across CRLF and blank lines', () => {
    const e = parseError(pb(lines(META, ['', ''], PROJECTS, ['c;10']), '\r\n'));
    expect(e.line).toBe(14);
  });
});

describe('writePb', () => {
  const base = (): PbDocument => parsePb(pb(lines(META, PROJECTS, VOTES)));

  it('quotes exactly the cells that need it', () => {
    const doc = base();
    doc.projects.rows[0].name = 'a;b';
    doc.projects.rows[1].name = 'say "hi"';
    doc.votes.rows[0].voter_id = ' padded';
    const text = writePb(doc);
    expect(text).toContain('\na;60;"a;b"\n');
    expect(text).toContain('\nb;40;"say ""hi"""\n');
    expect(text).toContain('\n" padded";a,b\n');
    expect(text).toContain('\nv2;b\n');
    expect(withoutPositions(parsePb(text))).toEqual(withoutPositions(doc));
  });

  it('keeps one-cell records distinct from blank and section lines', () => {
    const doc: PbDocument = {
      meta: new Map(),
      projects: { columns: ['project_id'], rows: [{ project_id: '' }, { project_id: 'VOTES' }, { project_id: 'x' }] },
      votes: { columns: ['VOTES'], rows: [{ VOTES: 'META' }] },
      lineEnding: '\n',
      finalNewline: true,
    };
    const text = writePb(doc);
    expect(text).toBe('META\nkey;value\nPROJECTS\nproject_id\n""\n"VOTES"\nx\nVOTES\n"VOTES"\n"META"\n');
    expect(withoutPositions(parsePb(text))).toEqual(doc);
  });

  it('writes missing cells empty and honours line ending and final newline', () => {
    const doc = base();
    delete (doc.projects.rows[0] as Partial<Record<string, string>>).name;
    doc.lineEnding = '\r\n';
    doc.finalNewline = false;
    const text = writePb(doc);
    expect(text).toContain('\r\na;60;\r\n');
    expect(text.endsWith('\r\nv2;b')).toBe(true);
  });

  it('refuses cells with line breaks and tables without columns', () => {
    const doc = base();
    doc.projects.rows[0].name = 'two\nlines';
    expect(() => writePb(doc)).toThrow(/cannot contain a line break/);
    const doc2 = base();
    doc2.votes = { columns: [], rows: [] };
    expect(() => writePb(doc2)).toThrow(/at least one column/);
  });
});
