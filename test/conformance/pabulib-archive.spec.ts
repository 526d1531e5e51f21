import { join } from 'node:path';
import { conformanceRows, conformanceTable, type ConformanceRow } from '../../apps/cli/src/commands/conformance';

// The archive sample (test/fixtures/pabulib-archive, see its README) as a conformance suite: `plaza tally` with the
// file's META rule and no options, compared with the file's `selected` column. Every file that states a rule Plaza
// applies and has a `selected` column is reproduced, except the two whose special `selected` values mark projects
// funded outside the stated rule (documented in libs/tally/README.md, "Conformance with the Pabulib archive").
const DIR = join(__dirname, '..', 'fixtures', 'pabulib-archive');

describe('Pabulib archive sample: the conformance table', () => {
  let rows: ConformanceRow[];
  beforeAll(() => {
    rows = conformanceRows(DIR);
  });
  const row = (file: string) => rows.find((r) => r.file === file)!;

  it('counts by META rule', () => {
    expect(conformanceTable(rows)).toEqual([
      { metaRule: 'greedy', files: 8, reproduced: 3, differs: 0, 'no-selected': 5, refused: 0 },
      { metaRule: 'greedy-custom', files: 3, reproduced: 2, differs: 1, 'no-selected': 0, refused: 0 },
      { metaRule: 'greedy-exclusive', files: 2, reproduced: 2, differs: 0, 'no-selected': 0, refused: 0 },
      { metaRule: 'greedy-no-skip', files: 2, reproduced: 2, differs: 0, 'no-selected': 0, refused: 0 },
      { metaRule: 'greedy-threshold', files: 3, reproduced: 2, differs: 1, 'no-selected': 0, refused: 0 },
      { metaRule: 'unknown', files: 5, reproduced: 0, differs: 0, 'no-selected': 3, refused: 2 },
      { metaRule: 'total', files: 23, reproduced: 11, differs: 2, 'no-selected': 8, refused: 2 },
    ]);
  });

  it('reproduces every file with a stated rule and a selected column but the two documented exceptions', () => {
    const judged = rows.filter((r) => r.metaRule !== 'unknown' && r.status !== 'no-selected');
    expect(judged.filter((r) => r.status !== 'reproduced').map((r) => r.file)).toEqual([
      'Poland_Katowice_2024_Zarzecze.pb',
      'Poland_Poznan_2023_5_-_Grunwald_Polnoc_Grunwald_Poludnie_Stary_Grunwald.pb',
    ]);
    // Bielany's comment names the two projects that exclude each other; without them greedy differs by 7 projects.
    expect(row('Poland_Warszawa_2022_Bielany.pb').status).toBe('reproduced');
  });

  it('explains each difference: only projects with a special selected value, and what the file says about them', () => {
    expect(row('Poland_Poznan_2023_5_-_Grunwald_Polnoc_Grunwald_Poludnie_Stary_Grunwald.pb').reason).toMatch(
      /^selected in the file only: V\.3 \(selected=3\); only projects with a special selected value differ: the META comment says: #2: Sometimes, additional funds/,
    );
    expect(row('Poland_Katowice_2024_Zarzecze.pb').reason).toBe(
      'selected in the file only: L20/09/XI (selected=2), L20/08/XI (selected=2); only projects with a special selected value differ: selected=2 is not explained in the META comment',
    );
  });

  it('refuses only the files whose rule is unknown, and says so; the others lack a selected column', () => {
    expect(rows.filter((r) => r.status === 'refused').map((r) => [r.file, r.reason])).toEqual([
      ['Hungary_Budapest_2025_VIII_Jozsefvaros.pb', 'META rule "unknown" is not a rule Plaza can apply; choose one with --rule'],
      ['Hungary_Veszprem_2025.pb', 'META rule "unknown" is not a rule Plaza can apply; choose one with --rule'],
    ]);
    for (const r of rows.filter((x) => x.status === 'no-selected')) expect(r.reason).toBe('no selected column: nothing to compare with');
  });

  it('reads the quirky files leniently (and every other file without a warning)', () => {
    expect(rows.filter((r) => r.warnings > 0).map((r) => [r.file, r.warnings])).toEqual([
      ['Hungary_Budapest_2025_VIII_Jozsefvaros.pb', 2],
      ['Poland_Czestochowa_2020.pb', 3],
    ]);
  });

  it('in strict mode the quirky files are refused naming the line', () => {
    const strict = conformanceRows(DIR, true).filter((r) => r.warnings === 0 && r.metaRule === '?');
    expect(strict.map((r) => [r.file, r.reason])).toEqual([
      ['Hungary_Budapest_2025_VIII_Jozsefvaros.pb', expect.stringMatching(/^line 57: spaces around cell 4 \(refused in strict mode/)],
      ['Poland_Czestochowa_2020.pb', expect.stringMatching(/^line 36: stray quote in unquoted cell 5/)],
    ]);
  });
});
