import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type Io } from '../cli';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'pabulib');
const fixture = (name: string) => join(FIXTURES, name);
const archive = (name: string) => join(FIXTURES, '..', 'pabulib-archive', name);

async function plaza(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t) };
  const code = await run(argv, io);
  return { code, out, err };
}

describe('plaza tally', () => {
  it('uses the META rule and prints the required JSON fields', async () => {
    const r = await plaza('tally', fixture('Poland_Gdynia_2023_Karwiny__small.pb'), '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.rule).toBe('greedy-no-skip');
    expect(json.selected).toEqual(['2023/KAR/0006']);
    expect(json.selected.every((id: unknown) => typeof id === 'string')).toBe(true);
    expect(json.budget).toBe(29279);
    expect(json.spent).toBeLessThanOrEqual(json.budget);
    expect(json.money).toEqual({ scale: 0, spent: String(json.spent), budget: '29279', leftover: String(json.leftover) });
    expect(json.explanation.projects.length).toBe(5);
  });

  it('--compare-selected exits 0 when the outcome agrees and 1 when it does not', async () => {
    const agree = await plaza('tally', fixture('Poland_Wieliczka_2023_Green_Budget.pb'), '--compare-selected');
    expect(agree.code).toBe(0);
    expect(agree.out).toMatch(/agrees with the file's selected column \(30 projects\)/);
    expect(agree.out).toMatch(/price per supporter/);
    const differ = await plaza('tally', fixture('Poland_Gdynia_2023_Karwiny__small.pb'), '--rule', 'greedy', '--compare-selected', '--json');
    expect(differ.code).toBe(1);
    const json = JSON.parse(differ.out);
    expect(json.comparison.agree).toBe(false);
    expect(json.comparison.onlyInPlaza).toHaveLength(1);
    expect(json.comparison.onlyInFile).toEqual([]);
  });

  it('--no-skip, --threshold, --exclusive and --reserve-fraction change the greedy rule', async () => {
    const file = fixture('Poland_Gdynia_2023_Karwiny__small.pb');
    const skip = JSON.parse((await plaza('tally', file, '--rule', 'greedy', '--json')).out);
    const noSkip = JSON.parse((await plaza('tally', file, '--rule', 'greedy', '--no-skip', '--json')).out);
    expect(noSkip.selected).toEqual(skip.selected.slice(0, noSkip.selected.length));
    expect(noSkip.selected.length).toBeLessThan(skip.selected.length);
    const high = JSON.parse((await plaza('tally', file, '--rule', 'greedy', '--threshold', '100000', '--json')).out);
    expect(high.selected).toEqual([]);
    const [first, second] = skip.selected;
    const excl = JSON.parse((await plaza('tally', file, '--rule', 'greedy', '--exclusive', `${first},${second}`, '--json')).out);
    expect(excl.selected).toContain(first);
    expect(excl.selected).not.toContain(second);
    const reserve = JSON.parse((await plaza('tally', file, '--rule', 'greedy', '--reserve-fraction', '0.01', '--json')).out);
    expect(reserve.explanation.projects.some((p: { fromReserve?: boolean }) => p.fromReserve)).toBe(true);
  });

  it('--report-ties stops at a tie the default order would decide', async () => {
    const r = await plaza('tally', fixture('poland_warszawa_2022_praga-polnoc.pb'), '--report-ties', '--json');
    const json = JSON.parse(r.out);
    expect(json.status).toBe('tie');
    expect(json.explanation.ties[0].projects).toEqual(['24', '930']);
  });

  it('--tie-break decides praga-polnoc\'s boundary tie (24 vs 930, 554 votes each) by the criterion named; the lottery from its seed', async () => {
    const file = fixture('poland_warszawa_2022_praga-polnoc.pb');
    const winner = async (...flags: string[]) => {
      const json = JSON.parse((await plaza('tally', file, '--json', ...flags)).out);
      return [json.selected.includes('24') ? '24' : '930', json.explanation.ties[0].decidedBy, json.explanation.ties[0].note];
    };
    expect(await winner()).toEqual(['24', 'cost', expect.stringMatching(/decided by lower cost$/)]);
    expect(await winner('--tie-break', 'higher-cost')).toEqual(['930', 'higher-cost', expect.stringMatching(/decided by higher cost$/)]);
    expect(await winner('--tie-break', 'ballot-order')).toEqual(['24', 'order', expect.stringMatching(/decided by ballot order$/)]);
    expect(await winner('--tie-break', 'more-support,project-id')).toEqual(['24', 'project-id', expect.stringMatching(/decided by project id$/)]);
    // sha256("h\n930") < sha256("h\n24"), sha256("g\n24") < sha256("g\n930")
    expect(await winner('--tie-break', 'lottery', '--lottery-seed', 'h')).toEqual(['930', 'lottery', expect.stringMatching(/decided by the public lottery \(seed "h"\)$/)]);
    expect(await winner('--tie-break', 'lottery', '--lottery-seed', 'g')).toEqual(['24', 'lottery', expect.stringMatching(/decided by the public lottery \(seed "g"\)$/)]);
    const text = await plaza('tally', file, '--tie-break', 'lottery', '--lottery-seed', 'h');
    expect(text.out).toMatch(/lost a tie on support to 930 \(decided by the public lottery\)/);
  });

  it('--analyse adds the fairness analysis in plain words and in --json, per age band when the file has ages', async () => {
    const file = fixture('Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb');
    const text = await plaza('tally', file, '--analyse');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^fairness analysis:$/m);
    expect(text.out).toMatch(/^ {2}All 27 voters got at least one project they chose \(27 of 27\); 0 got none\.$/m);
    expect(text.out).toMatch(/^ {2}Age 65\+: all 4 voters got at least one project they chose\.$/m);
    expect(text.out).toMatch(/^ {2}Fair to groups \(EJR, checked exactly over 15 sets of projects\)/m);
    expect(text.out).toMatch(/^ {2}Priceable \(checked exactly\): give every voter [0-9,.]+ PLN and let each spend it only on projects they chose/m);
    expect(text.out).toMatch(/priceability: priceable \(linear-program, budget per voter [0-9/]+ smallest money units, exhaustive\)/);
    const json = JSON.parse((await plaza('tally', file, '--analyse', '--json')).out);
    expect(json.analysis).toMatchObject({ voters: 27, emptyHanded: { count: 0, share: 0 }, ejr: { status: 'satisfied', subsets: 15 }, priceability: { status: 'priceable', method: 'linear-program', exhaustive: true } });
    expect(json.analysis.groups.map((g: { group: string }) => g.group)).toEqual(['18–29', '30–44', '45–64', '65+', 'under 18']);
    const mes = JSON.parse((await plaza('tally', fixture('Netherlands_Assen_2024.pb'), '--analyse', '--json')).out);
    expect(mes.analysis.emptyHanded).toEqual({ count: 5, share: 5 / 84 });
    expect(mes.analysis.effectiveSupport[0]).toEqual({ project: '3', effectiveVotes: '43.00' });
    // Add1 ends below the budget with money a left-out project would fit: priceable by the run's own prices, not exhaustive.
    expect(mes.analysis.priceability).toMatchObject({ status: 'priceable', method: 'equal-shares-run', exhaustive: false });
    expect(JSON.parse((await plaza('tally', file, '--json')).out).analysis).toBeUndefined();
  });

  it('exits 2 with a one-line message (no stack) on usage and input errors', async () => {
    const cases: [string[], RegExp][] = [
      [['tally', 'no-such-file.pb'], /no-such-file\.pb: no such file/],
      [['tally', fixture('Netherlands_Assen_2024.pb'), '--rule', 'lottery'], /unknown rule "lottery"/],
      [['tally', fixture('Hungary_Budapest_2024.pb')], /META rule "unknown" is not a rule Plaza can apply; choose one with --rule/],
      [['tally', fixture('France_Toulouse_2019.pb'), '--compare-selected'], /has no selected column/],
      [['tally', fixture('Netherlands_Assen_2024.pb'), '--rule', 'greedy', '--exclusive', '1,nope'], /--exclusive: no project "nope"/],
      [['tally', fixture('Netherlands_Assen_2024.pb'), '--rule', 'greedy', '--reserve-fraction', '1.5'], /--reserve-fraction must be in \(0, 1\]/],
      [['tally', fixture('Netherlands_Assen_2024.pb'), '--rule', 'greedy-threshold'], /greedy-threshold needs a threshold/],
      [['tally'], /missing required argument 'file'/],
      [['tally', fixture('Netherlands_Assen_2024.pb'), '--no-skip'], /--no-skip only apply to the greedy rules, not equalshares\/add1/],
      [['tally', fixture('Netherlands_Assen_2024.pb'), '--tie-break', 'coin'], /--tie-break: unknown criterion "coin"/],
      [['tally', fixture('Netherlands_Assen_2024.pb'), '--tie-break', 'lottery'], /the lottery tie-break needs its seed/],
      [['tally', fixture('Netherlands_Assen_2024.pb'), '--lottery-seed', 'x'], /--lottery-seed needs --tie-break with the lottery criterion/],
    ];
    for (const [argv, message] of cases) {
      const r = await plaza(...argv);
      expect([argv, r.code]).toEqual([argv, 2]);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });

  it('reports a malformed file with its line number', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plaza-tally-'));
    const bad = join(dir, 'bad.pb');
    writeFileSync(bad, 'META\nkey;value\nnum_projects;1\nnum_votes;0\nbudget;abc\nvote_type;approval\nrule;greedy\nPROJECTS\nproject_id;cost\n1;5\nVOTES\nvoter_id;vote\n');
    const r = await plaza('tally', bad);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^plaza: .*bad\.pb: line \d+: /);
  });

  it('reads a quirky file leniently with warnings (text and --json), and --strict refuses it naming the line', async () => {
    const file = archive('Poland_Czestochowa_2020.pb');
    const text = await plaza('tally', file);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^warning: line 36: stray quote in unquoted cell 5 «Budowa boiska ogólnego wielofunkcyjnego "Orlik"».*keep the quote as part of the text$/m);
    expect(text.out).toMatch(/^warning: line 11740: voter "13026" names project "579" 4 times; count it once$/m);
    const json = JSON.parse((await plaza('tally', file, '--json')).out);
    expect(json.warnings.map((w: { line: number; kind: string }) => [w.line, w.kind])).toEqual([
      [36, 'unescaped-quote'],
      [39, 'unescaped-quote'],
      [11740, 'duplicate-project-in-vote'],
    ]);
    const strict = await plaza('tally', file, '--strict');
    expect(strict.code).toBe(2);
    expect(strict.err).toMatch(/Poland_Czestochowa_2020\.pb: line 36: stray quote in unquoted cell 5 .*\(refused in strict mode; the lenient reader would keep the quote as part of the text\)/);
    expect(JSON.parse((await plaza('tally', fixture('Poland_Gdynia_2023_Karwiny__small.pb'), '--json')).out).warnings).toEqual([]);
  });
});

describe('plaza conformance', () => {
  it('prints the table by META rule and the reason for each file not reproduced; exit 1 when one differs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plaza-conformance-'));
    for (const f of ['Poland_Gdynia_2023_Kamienna_Gora__small.pb', 'Poland_Katowice_2024_Zarzecze.pb', 'Poland_Zabrze_2020_Osiedle_Mlodego_Gornika.pb']) {
      writeFileSync(join(dir, f), readFileSync(archive(f)));
    }
    const r = await plaza('conformance', dir);
    expect(r.code).toBe(1);
    expect(r.out.split('\n').slice(0, 6)).toEqual([
      'META rule         files  reproduced  differs  no selected  refused',
      '----------------  -----  ----------  -------  -----------  -------',
      'greedy                1           0        0            1        0',
      'greedy-no-skip        1           1        0            0        0',
      'greedy-threshold      1           0        1            0        0',
      'total                 3           1        1            1        0',
    ]);
    expect(r.out).toMatch(/differs {5}Poland_Katowice_2024_Zarzecze\.pb \(greedy-threshold, cumulative\): selected in the file only: L20\/09\/XI \(selected=2\)/);
    expect(r.out).toMatch(/no-selected Poland_Zabrze_2020_Osiedle_Mlodego_Gornika\.pb \(greedy, choose-1\): no selected column/);
    const json = JSON.parse((await plaza('conformance', dir, '--json')).out);
    expect(json.table.at(-1)).toEqual({ metaRule: 'total', files: 3, reproduced: 1, differs: 1, 'no-selected': 1, refused: 0 });
    expect((await plaza('conformance', join(dir, 'nope'))).code).toBe(2);
  });
});

describe('plaza pb check', () => {
  it('prints FILE:LINE: severity: explanation [check] per problem, "ok" for a clean file; exit 1 when a problem is found', async () => {
    const clean = fixture('Poland_Gdynia_2023_Karwiny__small.pb');
    const quirky = archive('Hungary_Budapest_2025_VIII_Jozsefvaros.pb');
    const ok = await plaza('pb', 'check', clean);
    expect([ok.code, ok.out]).toEqual([0, `${clean}: ok\n`]);
    const r = await plaza('pb', 'check', clean, quirky);
    expect(r.code).toBe(1);
    expect(r.out.split('\n')).toEqual([
      `${clean}: ok`,
      `${quirky}:57: warning: spaces around cell 4; trim them [stray-whitespace]`,
      `${quirky}:58: warning: spaces around cell 4; trim them [stray-whitespace]`,
      `${quirky}: 0 errors, 2 warnings`,
      '',
    ]);
    const json = JSON.parse((await plaza('pb', 'check', quirky, '--json')).out);
    expect(json.files[0].problems[0]).toEqual({ line: 57, severity: 'warning', code: 'stray-whitespace', message: 'spaces around cell 4; trim them' });
    const missing = await plaza('pb', 'check', 'no-such-file.pb');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no-such-file\.pb: no such file/);
    expect((await plaza('pb', 'check')).code).toBe(2);
  });
});
