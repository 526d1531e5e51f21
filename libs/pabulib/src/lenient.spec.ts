import { join } from 'node:path';
import { parsePb } from './document';
import { toElection } from './election';
import { PbParseError } from './errors';
import { readPbFile } from './fs';
import type { PbQuirk } from './warnings';

// Each quirk the lenient reader normalises: a minimal file read leniently (the warning names the line and what was
// done) and refused in strict mode; then the real archive files the quirks come from.
const META = ['META', 'key;value', 'num_projects;2', 'num_votes;2', 'budget;100', 'vote_type;cumulative', 'rule;greedy'];
const PROJECTS = ['PROJECTS', 'project_id;cost;name', 'a;60;First', 'b;40;Second'];
const VOTES = ['VOTES', 'voter_id;vote;points', 'v1;a,b;2,1', 'v2;b;3'];
const text = (meta = META, projects = PROJECTS, votes = VOTES) => [...meta, ...projects, ...votes].join('\n') + '\n';
const replace = (ls: string[], i: number, s: string) => ls.map((l, k) => (k === i ? s : l));
const read = (t: string, strict = false) => toElection(parsePb(t, { strict }), { strict });

function strictError(t: string): PbParseError {
  try {
    read(t, true);
  } catch (e) {
    if (e instanceof PbParseError) return e;
    throw e;
  }
  throw new Error('expected a PbParseError');
}

describe('lenient reading: each quirk is normalised with a warning, and refused in strict mode', () => {
  const cases: [PbQuirk, string, number, RegExp][] = [
    ['duplicate-project-in-vote', text(META, PROJECTS, replace(VOTES, 2, 'v1;a,b,a;2,1,5')), 14, /voter "v1" names project "a" twice; count it once/],
    ['unescaped-quote', text(META, replace(PROJECTS, 2, 'a;60;Boisko "Orlik"')), 10, /stray quote in unquoted cell 3 «Boisko "Orlik"».*; keep the quote as part of the text/],
    ['backslash-quote', text(META, replace(PROJECTS, 2, 'a;60;"Biletomat \\"Estakada\\""')), 10, /cell 3 escapes quotes as \\" instead of ""; read each \\" as one "/],
    ['backslash-quote', text(META, replace(PROJECTS, 2, 'a;60;Biletomat \\"Estakada\\"')), 10, /escapes quotes as \\"; read each \\" as one "/],
    ['stray-whitespace', text(META, replace(PROJECTS, 2, 'a; 60 ;First')), 10, /spaces around cell 2; trim them/],
    ['stray-whitespace', text(META, PROJECTS, replace(VOTES, 2, 'v1;a, b;2,1')), 14, /voter "v1": spaces between the project ids of the vote; trim them/],
    ['duplicate-voter-id', text(META, PROJECTS, replace(VOTES, 3, 'v1;b;3')), 15, /duplicate voter_id "v1" \(first on line 14\); keep both ballots, this one as "v1#2"/],
    ['count-mismatch', text(replace(META, 3, 'num_votes;3')), 4, /num_votes is 3 but VOTES has 2 rows; use the rows/],
  ];

  it.each(cases)('%s (%#)', (kind, t, line, message) => {
    const e = read(t);
    expect(e.warnings).toHaveLength(1);
    expect(e.warnings![0]).toMatchObject({ kind, line });
    expect(e.warnings![0].message).toMatch(message);
    const err = strictError(t);
    expect(err.line).toBe(line);
    expect(err.reason).toMatch(/refused in strict mode/);
  });

  it('normalises the values: the duplicate counted once (its first points kept), quotes kept or unescaped, cells trimmed', () => {
    expect(read(text(META, PROJECTS, replace(VOTES, 2, 'v1;a,b,a;2,1,5'))).votes[0]).toMatchObject({ projects: ['a', 'b'], points: [{ units: 2n }, { units: 1n }] });
    expect(read(text(META, replace(PROJECTS, 2, 'a;60;Boisko "Orlik"'))).projects[0].name).toBe('Boisko "Orlik"');
    expect(read(text(META, replace(PROJECTS, 2, 'a;60;"Biletomat \\"Estakada\\""'))).projects[0].name).toBe('Biletomat "Estakada"');
    expect(read(text(META, replace(PROJECTS, 2, 'a;60;Biletomat \\"Estakada\\"'))).projects[0].name).toBe('Biletomat "Estakada"');
    expect(read(text(META, replace(PROJECTS, 2, 'a; 60 ;First'))).projects[0].cost).toEqual({ units: 60n, scale: 0 });
    expect(read(text(META, PROJECTS, replace(VOTES, 3, 'v1;b;3'))).votes.map((v) => v.voterId)).toEqual(['v1', 'v1#2']);
  });

  it('a ballot naming a project three times gets one warning saying so', () => {
    const e = read(text(META, PROJECTS, replace(VOTES, 2, 'v1;a,a,b,a;1,1,1,1')));
    expect(e.warnings!.map((w) => w.message)).toEqual(['voter "v1" names project "a" 3 times; count it once']);
    expect(e.votes[0].projects).toEqual(['a', 'b']);
  });

  it('a clean file has no warnings', () => {
    expect(read(text()).warnings).toBeUndefined();
  });
});

describe('lenient reading: the real files the quirks come from (test/fixtures/pabulib-archive)', () => {
  const archive = (f: string) => join(__dirname, '..', '..', '..', 'test', 'fixtures', 'pabulib-archive', f);

  it('Częstochowa 2020: unescaped quotes in two names and a ballot naming project 579 four times', () => {
    const file = archive('Poland_Czestochowa_2020.pb');
    const e = readPbFile(file);
    expect(e.warnings!.map((w) => [w.line, w.kind])).toEqual([
      [36, 'unescaped-quote'],
      [39, 'unescaped-quote'],
      [11740, 'duplicate-project-in-vote'],
    ]);
    expect(e.warnings![2].message).toBe('voter "13026" names project "579" 4 times; count it once');
    expect(e.projects.find((p) => p.id === '611')!.name).toBe('Budowa boiska ogólnego wielofunkcyjnego "Orlik"');
    expect(e.votes.find((v) => v.voterId === '13026')!.projects).toEqual(['579']);
    expect(() => readPbFile(file, { strict: true })).toThrow(/^line 36: stray quote in unquoted cell 5 .*refused in strict mode/);
  });

  it('Budapest 2025 VIII. kerület: spaces at the end of two project names', () => {
    const file = archive('Hungary_Budapest_2025_VIII_Jozsefvaros.pb');
    const e = readPbFile(file);
    expect(e.warnings!.map((w) => [w.line, w.kind, w.message])).toEqual([
      [57, 'stray-whitespace', 'spaces around cell 4; trim them'],
      [58, 'stray-whitespace', 'spaces around cell 4; trim them'],
    ]);
    expect(() => readPbFile(file, { strict: true })).toThrow(/^line 57: spaces around cell 4/);
  });
});
