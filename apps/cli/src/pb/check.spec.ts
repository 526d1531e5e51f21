import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkPb, type CheckProblem } from './check';

// Line numbers: META 1-16, PROJECTS 17-21, VOTES 22-26.
const META = [
  'META',
  'key;value',
  'description;test',
  'country;Poland',
  'unit;Testowo',
  'instance;2024',
  'num_projects;3',
  'num_votes;3',
  'budget;100',
  'vote_type;approval',
  'rule;greedy',
  'date_begin;01.05.2024',
  'date_end;2024',
  'min_length;1',
  'max_length;2',
  'max_sum_cost;100',
];
const PROJECTS = ['PROJECTS', 'project_id;cost;votes;selected', 'a;60;2;1', 'b;30;2;1', 'c;50;1;0'];
const VOTES = ['VOTES', 'voter_id;vote', '1;a,b', '2;a,b', '3;c'];
const text = (meta = META, projects = PROJECTS, votes = VOTES) => [...meta, ...projects, ...votes].join('\n') + '\n';
const replace = (ls: string[], i: number, s: string) => ls.map((l, k) => (k === i ? s : l));
const brief = (ps: CheckProblem[]) => ps.map((p) => [p.line, p.severity, p.code]);

describe('checkPb: each kind of problem names its line', () => {
  it('reports nothing on a clean file', () => {
    expect(checkPb(text())).toEqual([]);
  });

  const cases: [string, string, [number, string, string][], RegExp][] = [
    ['format: a row with too many cells', text(META, PROJECTS, replace(VOTES, 3, '2;a;b')), [[25, 'error', 'format']], /VOTES row has 3 cells but the header has 2/],
    ['num_votes vs the rows', text(replace(META, 7, 'num_votes;4')), [[8, 'error', 'count-mismatch']], /num_votes is 4 but VOTES has 3 rows/],
    ['num_projects vs the rows', text(replace(META, 6, 'num_projects;2')), [[7, 'error', 'count-mismatch']], /num_projects is 2 but PROJECTS has 3 rows/],
    ['an obligatory META key missing', text(META.filter((l) => !l.startsWith('country;'))), [[2, 'error', 'meta-missing']], /obligatory META key "country" is missing/],
    ['a rule Pabulib does not define', text(replace(META, 10, 'rule;lottery')), [[11, 'error', 'meta-rule']], /META rule "lottery" is not a Pabulib rule/],
    ['a date in another format', text(replace(META, 11, 'date_begin;2024-05-01')), [[12, 'warning', 'meta-date']], /date_begin "2024-05-01" is neither dd\.mm\.yyyy nor a year/],
    ['the budget covers every project', text(replace(META, 8, 'budget;140'), replace(PROJECTS, 4, 'c;50;1;1')), [[9, 'warning', 'budget-covers-all']], /covers every project \(140 in all\) but META fully_funded is not 1/],
    ['a ballot longer than max_length', text(replace(META, 14, 'max_length;1')), [[24, 'error', 'max-length'], [25, 'error', 'max-length']], /voter "1": choose at most 1 project\(s\) \(got 2\)/],
    ['an empty ballot below min_length', text(META, replace(PROJECTS, 4, 'c;50;0;0'), replace(VOTES, 4, '3;')), [[26, 'error', 'min-length']], /voter "3": choose at least 1 project\(s\) \(got 0\)/],
    ['a ballot over max_sum_cost', text(replace(META, 15, 'max_sum_cost;80')), [[24, 'error', 'max-sum-cost'], [25, 'error', 'max-sum-cost']], /voter "1": the chosen projects cost 90 in total, more than 80/],
    ['votes column vs the recount', text(META, replace(PROJECTS, 4, 'c;50;7;0')), [[21, 'error', 'votes-recount']], /project "c": votes column says 7, the ballots give 1/],
    ['selected vs the stated rule', text(META, replace(replace(PROJECTS, 3, 'b;30;2;0'), 4, 'c;50;1;1')), [[20, 'warning', 'selected-vs-rule'], [21, 'warning', 'selected-vs-rule']], /project "b" is not selected but the META rule greedy selects it/],
    ['a project named twice in a ballot (a quirk)', text(META, PROJECTS, replace(VOTES, 4, '3;c,c')), [[26, 'error', 'duplicate-project-in-vote']], /voter "3" names project "c" twice; count it once/],
    ['spaces around a cell (a quirk)', text(META, replace(PROJECTS, 2, 'a; 60;2;1')), [[19, 'warning', 'stray-whitespace']], /spaces around cell 2/],
  ];
  it.each(cases)('%s', (_label, t, expected, message) => {
    const problems = checkPb(t);
    expect(brief(problems)).toEqual(expected);
    expect(problems[0].message).toMatch(message);
  });

  it('cumulative ballots: points per project and in total', () => {
    const meta = [...replace(replace(META, 9, 'vote_type;cumulative'), 15, 'max_points;2'), 'max_sum_points;3'].filter((l) => !/^(min|max)_length|max_sum_cost/.test(l));
    const projects = ['PROJECTS', 'project_id;cost;votes;score;selected', 'a;60;2;4;1', 'b;30;2;3;1', 'c;50;1;2;0'];
    const votes = ['VOTES', 'voter_id;vote;points', '1;a,b;2,1', '2;a,b;2,2', '3;c;2'];
    const problems = checkPb(text(meta, projects, votes));
    expect(brief(problems)).toEqual([[24, 'error', 'sum-points']]);
    expect(problems[0].message).toBe('voter "2": give at most 3 point(s) in total (got 4)');
    const over = checkPb(text(meta, replace(projects, 3, 'b;30;2;2;1'), replace(replace(votes, 3, '2;a,b;2,1'), 4, '3;c;3')));
    expect(over.map((p) => [p.line, p.code, p.message])).toEqual([
      [20, 'score-recount', 'project "c": score column says 2, the ballots give 3'],
      [25, 'max-points', 'voter "3": at most 2 point(s) per project (got 3)'],
    ]);
  });
});

describe('checkPb on the real files', () => {
  const FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
  const check = (dir: string, f: string) => checkPb(readFileSync(join(FIXTURES, dir, f), 'utf8'));
  // Files with a problem pb check should find (each one asserted below); every other fixture is clean.
  const known = new Set([
    'Hungary_Budapest_2024.pb',
    'Hungary_Budapest_2025_VIII_Jozsefvaros.pb',
    'Poland_Czestochowa_2020.pb',
    'Poland_Katowice_2024_Zarzecze.pb',
    'Poland_Poznan_2023_5_-_Grunwald_Polnoc_Grunwald_Poludnie_Stary_Grunwald.pb',
    'Worldwide_Mechanical_Turk_Utilities_3.pb',
  ]);
  const clean = ['pabulib', 'pabulib-archive'].flatMap((dir) =>
    readdirSync(join(FIXTURES, dir))
      .filter((f) => f.endsWith('.pb') && !known.has(f))
      .map((f) => [dir, f] as const),
  );

  it.each(clean)('%s/%s: nothing to report', (dir, f) => {
    expect(check(dir, f)).toEqual([]);
  });

  it('Budapest 2024: one ballot breaks the per-category limit its comment states', () => {
    expect(check('pabulib', 'Hungary_Budapest_2024.pb')).toEqual([
      { line: 21502, severity: 'error', code: 'per-category', message: 'voter "21304": at most 3 project(s) of category Social (got 4)' },
    ]);
  });

  it('Częstochowa 2020: the quirks, and the votes/score of project 579 that counted its four mentions in one ballot', () => {
    const problems = check('pabulib-archive', 'Poland_Czestochowa_2020.pb');
    expect(brief(problems)).toEqual([
      [30, 'error', 'votes-recount'],
      [30, 'error', 'score-recount'],
      [36, 'error', 'unescaped-quote'],
      [39, 'error', 'unescaped-quote'],
      [11740, 'error', 'duplicate-project-in-vote'],
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      'project "579": votes column says 704, the ballots give 701',
      'project "579": score column says 5437, the ballots give 5434',
      expect.stringMatching(/^stray quote in unquoted cell 5 «Budowa boiska ogólnego wielofunkcyjnego "Orlik"»/),
      expect.stringMatching(/^stray quote in unquoted cell 5 «MP 36 z Kukuczki "Wymarzony plac zabaw"»/),
      'voter "13026" names project "579" 4 times; count it once',
    ]);
  });

  it('Katowice 2024 Zarzecze and Poznań 2023 district 5: projects selected outside the stated rule', () => {
    expect(brief(check('pabulib-archive', 'Poland_Katowice_2024_Zarzecze.pb'))).toEqual([
      [31, 'warning', 'selected-vs-rule'],
      [32, 'warning', 'selected-vs-rule'],
    ]);
    expect(check('pabulib-archive', 'Poland_Poznan_2023_5_-_Grunwald_Polnoc_Grunwald_Poludnie_Stary_Grunwald.pb').map((p) => p.message)).toEqual([
      'project "V.3" is selected (3) but the META rule greedy-custom does not select it',
    ]);
  });

  it('Budapest 2025 VIII. kerület: spaces after two project names', () => {
    expect(brief(check('pabulib-archive', 'Hungary_Budapest_2025_VIII_Jozsefvaros.pb'))).toEqual([
      [57, 'warning', 'stray-whitespace'],
      [58, 'warning', 'stray-whitespace'],
    ]);
  });

  it('Mechanical Turk "Utilities 3": eleven ballots spread 99 of the 100 points the META requires', () => {
    const problems = check('pabulib-archive', 'Worldwide_Mechanical_Turk_Utilities_3.pb');
    expect(problems).toHaveLength(11);
    for (const p of problems) expect([p.severity, p.code, p.message]).toEqual(['error', 'sum-points', expect.stringMatching(/: give at least 100 point\(s\) in total \(got 99\)$/)]);
  });
});
