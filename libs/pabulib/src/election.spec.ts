import { decimalToString, parseDecimal } from './decimal';
import { parsePb, writePb } from './document';
import { fromElection, PbElection, toElection } from './election';
import { PbParseError } from './errors';

// Line numbers: META 1-8, PROJECTS 9-13, VOTES 14-18.
const META = ['META', 'key;value', 'num_projects;3', 'num_votes;3', 'budget;100.50', 'vote_type;cumulative', 'rule;greedy', 'max_sum_points;5'];
const PROJECTS = ['PROJECTS', 'project_id;cost;votes;score;name;category;target', 'L9/09/XI;60.25;2;5;"A; ""quoted"" name";green,roads;kids', 'b;40;1;1;B;;', '0050;0;0;0;C;;'];
const VOTES = ['VOTES', 'voter_id;vote;points;age', '1;L9/09/XI,b;3,1;50', '2;L9/09/XI;2;', '3;;;'];
const text = (meta = META, projects = PROJECTS, votes = VOTES) => [...meta, ...projects, ...votes].join('\n') + '\n';
const replace = (ls: string[], i: number, s: string) => ls.map((l, k) => (k === i ? s : l));

// Quirks that the lenient default normalises (see lenient.spec.ts) are errors here: strict reading.
function semanticError(t: string): PbParseError {
  try {
    toElection(parsePb(t, { strict: true }), { strict: true });
  } catch (e) {
    if (e instanceof PbParseError) return e;
    throw e;
  }
  throw new Error('expected a PbParseError');
}

describe('toElection', () => {
  it('types the document: string ids, exact decimals, lists, extras', () => {
    const e = toElection(parsePb(text()));
    expect(e.voteType).toBe('cumulative');
    expect(e.rule).toBe('greedy');
    expect(decimalToString(e.budget)).toBe('100.50');
    expect(e.budget).toEqual({ units: 10050n, scale: 2 });
    expect(decimalToString(e.maxSumPoints!)).toBe('5');
    expect(e.projects.map((p) => p.id)).toEqual(['L9/09/XI', 'b', '0050']);
    const [p] = e.projects;
    expect(p).toEqual({
      id: 'L9/09/XI',
      cost: { units: 6025n, scale: 2 },
      votes: 2,
      score: { units: 5n, scale: 0 },
      name: 'A; "quoted" name',
      categories: ['green', 'roads'],
      beneficiaries: ['kids'],
      extra: {},
    });
    expect(e.projects[1].categories).toEqual([]);
    expect(e.votes[0]).toEqual({ voterId: '1', projects: ['L9/09/XI', 'b'], points: [parseDecimal('3'), parseDecimal('1')], extra: { age: '50' } });
    expect(e.votes[2]).toEqual({ voterId: '3', projects: [], points: [], extra: { age: '' } });
    expect(e.layout?.projectColumns).toEqual(['project_id', 'cost', 'votes', 'score', 'name', 'category', 'target']);
  });

  const cases: [string, string, number, RegExp][] = [
    ['unknown project id in a vote', text(META, PROJECTS, replace(VOTES, 3, '2;L9/09/XI,zz;2,1;')), 17, /voter "2": unknown project id "zz" in vote/],
    ['empty project id in a vote', text(META, PROJECTS, replace(VOTES, 3, '2;L9/09/XI,,b;1,1,1;')), 17, /empty project id/],
    ['project named twice in a ballot', text(META, PROJECTS, replace(VOTES, 2, '1;b,b;1,1;50')), 16, /names project "b" twice/],
    ['num_projects mismatch', text(replace(META, 2, 'num_projects;4')), 3, /num_projects is 4 but PROJECTS has 3 rows/],
    ['num_votes mismatch', text(replace(META, 3, 'num_votes;2')), 4, /num_votes is 2 but VOTES has 3 rows/],
    ['num_votes not a number', text(replace(META, 3, 'num_votes;three')), 4, /num_votes must be a non-negative integer/],
    ['points count differs from vote count', text(META, PROJECTS, replace(VOTES, 2, '1;L9/09/XI,b;3;50')), 16, /1 points for 2 projects/],
    ['non-numeric points', text(META, PROJECTS, replace(VOTES, 3, '2;L9/09/XI;two;')), 17, /points item 1 is not a number: "two"/],
    ['non-numeric cost', text(META, replace(PROJECTS, 3, 'b;40 PLN;1;1;B;;')), 12, /project "b": cost must be a non-negative decimal number, found "40 PLN"/],
    ['decimal comma in cost', text(META, replace(PROJECTS, 3, 'b;"40,5";1;1;B;;')), 12, /cost must be a non-negative decimal/],
    ['negative cost', text(META, replace(PROJECTS, 3, 'b;-40;1;1;B;;')), 12, /cost must be a non-negative decimal/],
    ['non-integer votes', text(META, replace(PROJECTS, 3, 'b;40;1.5;1;B;;')), 12, /votes must be a non-negative integer/],
    ['non-numeric score', text(META, replace(PROJECTS, 3, 'b;40;1;x;B;;')), 12, /score must be a decimal number/],
    ['duplicate project id', text(META, replace(PROJECTS, 3, 'L9/09/XI;40;1;1;B;;')), 12, /duplicate project_id "L9\/09\/XI" \(first on line 11\)/],
    ['comma in a project id', text(META, replace(PROJECTS, 3, '"b,c";40;1;1;B;;')), 12, /project_id "b,c" contains a comma/],
    ['empty project id', text(META, replace(PROJECTS, 3, ';40;1;1;B;;')), 12, /empty project_id/],
    ['duplicate voter id', text(META, PROJECTS, replace(VOTES, 3, '1;L9/09/XI;2;')), 17, /duplicate voter_id "1" \(first on line 16\)/],
    ['missing obligatory META key', text(META.filter((l) => !l.startsWith('rule;'))), 2, /missing obligatory META key "rule"/],
    ['unknown vote_type', text(replace(META, 5, 'vote_type;plurality')), 6, /unknown vote_type "plurality"/],
    ['budget not a number', text(replace(META, 4, 'budget;lots')), 5, /META budget must be a non-negative decimal/],
    ['max_length not an integer', text([...META, 'max_length;3.5']), 9, /META max_length must be a non-negative integer/],
    ['missing cost column', text(META, replace(PROJECTS, 1, 'project_id;price;votes;score;name;category;target')), 10, /PROJECTS header lacks the obligatory column "cost"/],
    ['missing vote column', text(META, PROJECTS, replace(VOTES, 1, 'voter_id;ballot;points;age')), 15, /VOTES header lacks the obligatory column "vote"/],
    [
      'budgets list not matching the neighbourhoods',
      text([...META, 'neighborhoods;North,South', 'budget_per_neighborhood;10,20,30']),
      10,
      /budget_per_neighborhood has 3 items but neighborhoods has 2/,
    ],
    [
      'choose-1 ballot naming two projects',
      text(replace(META, 5, 'vote_type;choose-1'), PROJECTS, ['VOTES', 'voter_id;vote', '1;b', '2;L9/09/XI,b', '3;0050']),
      17,
      /a choose-1 ballot names exactly one project, found 2/,
    ],
  ];
  it.each(cases)('error: %s', (_label, t, line, message) => {
    const e = semanticError(t);
    expect(e.reason).toMatch(message);
    expect(e.line).toBe(line);
    expect(e.message).toBe(`line ${line}: ${e.reason}`);
  });

  it('without parse positions, names the line where writePb would put the record', () => {
    const doc = parsePb(text(META, PROJECTS, replace(VOTES, 4, '3;nope;1;')));
    delete doc.positions;
    const e = (() => {
      try {
        toElection(doc);
      } catch (err) {
        return err as PbParseError;
      }
      throw new Error('expected an error');
    })();
    expect(e).toBeInstanceOf(PbParseError);
    expect(e.line).toBe(18);
    expect(writePb(doc).split('\n')[17]).toBe('3;nope;1;');
  });

  it('falls back to canonical line numbers once rows were added, and reads missing cells as empty', () => {
    const doc = parsePb(text());
    doc.votes.rows.push({ voter_id: '4', vote: 'ghost', points: '1' });
    doc.meta.set('num_votes', '4');
    const e = (() => {
      try {
        toElection(doc);
      } catch (err) {
        return err as PbParseError;
      }
      throw new Error('expected an error');
    })();
    expect(e.reason).toMatch(/unknown project id "ghost"/);
    expect(e.line).toBe(19);
    doc.votes.rows[3].vote = 'b';
    expect(toElection(doc).votes[3]).toEqual({ voterId: '4', projects: ['b'], points: [parseDecimal('1')], extra: { age: '' } });
  });
});

describe('fromElection', () => {
  it('writes typed changes into META and recounts num_projects / num_votes', () => {
    const e = toElection(parsePb(text()));
    e.budget = parseDecimal('99.99');
    e.maxLength = 2;
    e.currency = 'PLN';
    e.votes.pop();
    const back = toElection(parsePb(writePb(fromElection(e))));
    expect(decimalToString(back.budget)).toBe('99.99');
    expect(back.maxLength).toBe(2);
    expect(back.currency).toBe('PLN');
    expect(back.meta.get('num_votes')).toBe('2');
    expect([...back.meta.keys()].slice(0, 6)).toEqual(['num_projects', 'num_votes', 'budget', 'vote_type', 'rule', 'max_sum_points']);
  });

  it('keeps the legacy target column name from the layout, and uses beneficiaries by default', () => {
    const e = toElection(parsePb(text()));
    expect(fromElection(e).projects.columns).toContain('target');
    const fresh: PbElection = { ...e, layout: undefined };
    const doc = fromElection(fresh);
    expect(doc.projects.columns).toEqual(['project_id', 'cost', 'votes', 'score', 'name', 'category', 'beneficiaries']);
    expect(doc.votes.columns).toEqual(['voter_id', 'vote', 'points', 'age']);
    expect(doc.projects.rows[0].beneficiaries).toBe('kids');
  });

  it('refuses project ids that a ballot could not name', () => {
    const e = toElection(parsePb(text()));
    e.projects[1].id = 'b,c';
    expect(() => fromElection(e)).toThrow(RangeError);
    e.projects[1].id = ' b';
    expect(() => fromElection(e)).toThrow(/cannot be written/);
  });

  it('builds a file from scratch with options', () => {
    const e: PbElection = {
      meta: new Map([['description', 'test']]),
      voteType: 'approval',
      rule: 'greedy',
      budget: parseDecimal('1000'),
      projects: [{ id: 'p;1', cost: parseDecimal('12.5'), name: 'x "y"', categories: [], beneficiaries: [], extra: { proposer: 'Ann' } }],
      votes: [{ voterId: 'v1', projects: ['p;1'], extra: {} }],
    };
    const t = writePb(fromElection(e, { lineEnding: '\r\n', finalNewline: false }));
    expect(t).toBe(
      [
        'META',
        'key;value',
        'description;test',
        'num_projects;1',
        'num_votes;1',
        'budget;1000',
        'vote_type;approval',
        'rule;greedy',
        'PROJECTS',
        'project_id;cost;name;proposer',
        '"p;1";12.5;"x ""y""";Ann',
        'VOTES',
        'voter_id;vote',
        'v1;"p;1"',
      ].join('\r\n'),
    );
    const back = toElection(parsePb(t));
    expect(back.projects[0]).toEqual({ ...e.projects[0], name: 'x "y"' });
    expect(back.votes).toEqual(e.votes);
  });
});
