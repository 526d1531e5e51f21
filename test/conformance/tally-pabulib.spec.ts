import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { readPbFile } from '@plaza/pabulib';
import { fromPabulib, tally, validateBallot, type PabulibTally, type RuleName, type RuleOptions, type TallyResult } from '@plaza/tally';

// Conformance of libs/tally with the real Pabulib elections in test/fixtures/pabulib (see its README for what
// decided each file). A project counts as officially selected when its `selected` cell is not 0.
const DIR = join(__dirname, '..', 'fixtures', 'pabulib');
const cache = new Map<string, PabulibTally>();
function load(file: string): PabulibTally {
  let t = cache.get(file);
  if (!t) cache.set(file, (t = fromPabulib(readPbFile(join(DIR, file)))));
  return t;
}
const official = (t: PabulibTally) => [...t.official!].filter(([, cell]) => cell.trim() !== '0').map(([id]) => id).sort();
const sorted = (r: TallyResult) => [...r.selected].sort();
function run(file: string, rule?: RuleName, options?: RuleOptions): TallyResult {
  const t = load(file);
  if (rule) return tally(t.instance, t.profile, rule, options ?? {});
  if (!t.rule.name) throw new Error(`${file}: ${t.rule.why}`);
  return tally(t.instance, t.profile, t.rule.name, t.rule.options);
}

// Every file with a `selected` column, the rule its META names, and what Plaza applies for it.
const WITH_SELECTED: readonly [file: string, metaRule: string, applied: RuleName][] = [
  ['Netherlands_Assen_2024.pb', 'equalshares/add1', 'equalshares/add1'],
  ['Poland_Czestochowa_2024_Mirow.pb', 'greedy', 'greedy'],
  ['Poland_Gdynia_2023_Karwiny__small.pb', 'greedy-no-skip', 'greedy-no-skip'],
  ['Poland_Katowice_2024_Osiedle_Tysiaclecia.pb', 'greedy-threshold', 'greedy-threshold'],
  ['Poland_Krakow_2022_Krowodrza.pb', 'greedy', 'greedy'],
  ['Poland_Krakow_2024.pb', 'greedy', 'greedy'],
  ['Poland_Lodz_2023_Chojny.pb', 'greedy-threshold', 'greedy-threshold'],
  ['Poland_Poznan_2023_13_-_Jezyce_sw.Lazarz.pb', 'greedy-custom', 'greedy'],
  ['Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb', 'greedy', 'greedy'],
  ['Poland_Warszawa_2022_Wesola.pb', 'greedy', 'greedy'],
  ['Poland_Warszawa_2024_Ochota.pb', 'greedy-exclusive', 'greedy'],
  ['Poland_Warszawa_2026.pb', 'greedy-threshold', 'greedy-threshold'],
  ['Poland_Wieliczka_2023_Green_Budget.pb', 'equalshares/add1-comparison', 'equalshares/add1-comparison'],
  ['Poland_Wroclaw_2018_Rejon_nr_4_250.pb', 'greedy-no-skip', 'greedy-no-skip'],
  ['Poland_Wroclaw_2024.pb', 'greedy-no-skip', 'greedy-no-skip'],
  ['poland_warszawa_2022_praga-polnoc.pb', 'greedy', 'greedy'],
];

describe('Pabulib conformance: the META rule reproduces `selected`', () => {
  it('covers every fixture with a selected column except Budapest', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.pb'));
    const withSelected = files.filter((f) => load(f).official !== undefined);
    expect([...WITH_SELECTED.map(([f]) => f), 'Hungary_Budapest_2024.pb'].sort()).toEqual(withSelected.sort());
  });

  it.each(WITH_SELECTED)('%s (%s)', (file, metaRule, applied) => {
    const t = load(file);
    expect(t.metaRule).toBe(metaRule);
    expect(t.rule.name).toBe(applied);
    const r = run(file);
    expect(sorted(r)).toEqual(official(t));
    expect(r.spent).toBeLessThanOrEqual(t.instance.budget);
  });

  it('equalshares/add1 reproduces Wieliczka 2023 and Assen 2024', () => {
    for (const file of ['Poland_Wieliczka_2023_Green_Budget.pb', 'Netherlands_Assen_2024.pb']) {
      expect(sorted(run(file, 'equalshares/add1'))).toEqual(official(load(file)));
    }
  });
});

describe('Pabulib conformance: what each rule variant needs', () => {
  it('Wieliczka needs the completion: Equal Shares alone funds less; the comparison keeps Equal Shares', () => {
    const t = load('Poland_Wieliczka_2023_Green_Budget.pb');
    const plain = run('Poland_Wieliczka_2023_Green_Budget.pb', 'equalshares');
    expect(sorted(plain)).not.toEqual(official(t));
    expect(plain.spent).toBeLessThan(run('Poland_Wieliczka_2023_Green_Budget.pb', 'equalshares/add1').spent);
    const cmp = run('Poland_Wieliczka_2023_Green_Budget.pb').explanation.comparison!;
    expect(cmp.switchedToGreedy).toBe(false);
    expect(cmp.prefersMes).toBeGreaterThan(cmp.prefersGreedy);
  });

  it('Gdynia needs the stop: plain greedy adds one more project', () => {
    const t = load('Poland_Gdynia_2023_Karwiny__small.pb');
    const skip = run('Poland_Gdynia_2023_Karwiny__small.pb', 'greedy');
    expect(skip.selected.length).toBe(official(t).length + 1);
  });

  it("Poznań needs the reserve rule read from its comment: plain greedy would skip to a cheap project", () => {
    const t = load('Poland_Poznan_2023_13_-_Jezyce_sw.Lazarz.pb');
    expect(t.rule.name && t.rule.options.reserveFraction).toEqual({ n: 4n, d: 5n });
    const r = run('Poland_Poznan_2023_13_-_Jezyce_sw.Lazarz.pb');
    // XIII.11 (800,000) stops the rule with 110,000 left: less than 80 %, so no reserve funding.
    expect(r.explanation.projects.find((p) => p.id === 'XIII.11')?.reason).toEqual({ kind: 'did-not-fit', left: 110000n });
    expect(r.explanation.projects.some((p) => p.fromReserve)).toBe(false);
    const plain = run('Poland_Poznan_2023_13_-_Jezyce_sw.Lazarz.pb', 'greedy');
    expect(sorted(plain)).not.toEqual(official(t));
    expect(plain.selected).toContain('XIII.2');
  });

  it.each([
    ['Poland_Lodz_2023_Chojny.pb', 50n],
    ['Poland_Katowice_2024_Osiedle_Tysiaclecia.pb', 50n],
    ['Poland_Warszawa_2026.pb', 3000n],
  ])('%s takes its threshold (%s) from META', (file, threshold) => {
    const t = load(file);
    expect(t.rule.name && t.rule.options.threshold).toBe(threshold);
  });
});

describe('Pabulib conformance: ties pin the tie-breaking', () => {
  it('praga-polnoc: 24 and 930 tie on 554 votes and only one fits; lower cost (24) wins, as officially', () => {
    const t = load('poland_warszawa_2022_praga-polnoc.pb');
    const r = run('poland_warszawa_2022_praga-polnoc.pb');
    expect(r.explanation.ties).toEqual([expect.objectContaining({ projects: ['24', '930'], support: 554n, decidedBy: 'cost' })]);
    expect(r.explanation.projects.find((p) => p.id === '930')?.reason).toEqual({ kind: 'lost-tie', to: ['24'], decidedBy: 'cost' });
    expect(t.official!.get('24')).toBe('1');
    expect(t.official!.get('930')).toBe('0');
    const reported = run('poland_warszawa_2022_praga-polnoc.pb', 'greedy', { reportTies: true });
    expect(reported.status).toBe('tie');
    expect(reported.selected).not.toContain('24');
  });

  it.each([
    ['Poland_Warszawa_2022_Wesola.pb', '588', '1868', 304n],
    ['Poland_Warszawa_2024_Ochota.pb', '74', '163', 1021n],
  ])('%s: %s and %s tie across the boundary, but %s would not fit even first, so no order changes the outcome', (file, winner, loser, support) => {
    const t = load(file);
    const r = run(file, 'greedy', { reportTies: true });
    const w = r.explanation.projects.find((p) => p.id === winner)!;
    const l = r.explanation.projects.find((p) => p.id === loser)!;
    expect([w.support, l.support, w.selected, l.selected]).toEqual([support, support, true, false]);
    expect(l.reason).toMatchObject({ kind: 'did-not-fit' });
    // Not fitting even with the winner's cost still available:
    expect(l.cost).toBeGreaterThan(r.leftover + w.cost);
    expect(r.status).toBe('ok');
    expect(sorted(r)).toEqual(official(t));
  });

  it('Assen: projects 2 and 11 tie exactly in Equal Shares; 2 (cheaper) goes first and both are funded', () => {
    const r = run('Netherlands_Assen_2024.pb');
    expect(r.explanation.ties).toEqual([expect.objectContaining({ projects: ['2', '11'] })]);
    const round = (id: string) => r.explanation.rounds!.find((x) => x.project === id)!;
    expect(round('2').rho).toEqual(round('11').rho);
    expect(round('11').round).toBe(round('2').round + 1);
  });
});

describe('Pabulib conformance: Budapest 2024, the documented exception', () => {
  const file = 'Hungary_Budapest_2024.pb';

  it('loads with its ballot limits: at most 3 approvals per category (from the comment) and 15 in total', () => {
    const t = load(file);
    expect(t.instance.projects).toHaveLength(175);
    expect(t.ballotRules).toMatchObject({ type: 'approval', maxLength: 15, maxPerCategory: 3 });
    const categories = new Set(t.instance.projects.flatMap((p) => p.categories ?? []));
    expect(categories.size).toBeGreaterThan(1);
    // One ballot of 28,943 breaks the per-category limit the comment states: a data glitch, reported with its reason.
    const invalid = t.profile.ballots
      .map((b) => [b.voterId, validateBallot(t.ballotRules, b)] as const)
      .filter(([, v]) => !v.ok);
    expect(invalid).toEqual([
      ['21304', { ok: false, errors: [{ field: 'projects', message: 'at most 3 project(s) of category Social (got 4)' }] }],
    ]);
  });

  it('does not reproduce `selected`: the file holds only the online ballots (≈10 % were paper) and its rule is unknown', () => {
    const t = load(file);
    expect(t.metaRule).toBe('unknown');
    expect(t.rule.name).toBeUndefined();
    // (Add1 is left out here: in forints it takes ~23,000 one-unit raises; the benchmark times it.)
    for (const rule of ['greedy', 'equalshares'] as const) {
      expect(sorted(run(file, rule))).not.toEqual(official(t));
    }
  });
});

describe('Pabulib conformance: recounting support from the ballots equals the PROJECTS columns', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.pb'));
  it.each(files)('%s', (file) => {
    const t = load(file);
    const r = tally(t.instance, t.profile, 'greedy');
    let checked = 0;
    for (const p of r.explanation.projects) {
      const rec = t.recorded.get(p.id)!;
      if (rec.votes !== undefined) {
        expect([p.id, p.votes]).toEqual([p.id, BigInt(rec.votes)]);
        checked++;
      }
      if (rec.score !== undefined) {
        expect([p.id, p.support]).toEqual([p.id, rec.score]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('Pabulib conformance: Amsterdam per-neighbourhood caps', () => {
  it('loads the caps and greedy keeps every neighbourhood within its cap', () => {
    const t = load('Netherlands_Amsterdam_252.pb');
    expect(t.instance.districtLimits).toEqual({ 'Oostelijke Eilanden': 150000n, Haarlemmerhouttuinen: 100000n, Other: 250000n });
    const r = tally(t.instance, t.profile, 'greedy');
    const spent = new Map<string, bigint>();
    for (const id of r.selected) {
      const p = t.instance.projects.find((x) => x.id === id)!;
      spent.set(p.district!, (spent.get(p.district!) ?? 0n) + p.cost);
    }
    for (const [district, amount] of spent) expect(amount).toBeLessThanOrEqual(t.instance.districtLimits![district]);
    expect(r.explanation.projects.some((p) => p.reason?.kind === 'over-limit')).toBe(true);
  });
});
