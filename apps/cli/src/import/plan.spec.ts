import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { RoundConfig } from '@plaza/contracts';
import { readPbFile, type PbElection } from '@plaza/pabulib';
import { computeUnitResult } from '@plaza/recount';
import { fromPabulib, rat } from '@plaza/tally';
import { ImportPlanError, planImport, rationalToDecimal, type ImportPlan } from './plan';

const DIR = join(__dirname, '../../../../test/fixtures/pabulib');
const files = readdirSync(DIR).filter((f) => f.endsWith('.pb')).sort();
const cache = new Map<string, PbElection>();
const load = (f: string): PbElection => {
  let e = cache.get(f);
  if (!e) cache.set(f, (e = readPbFile(join(DIR, f))));
  return e;
};
const plan = (f: string, options = {}): ImportPlan => planImport(load(f), { fileName: f, ...options });

/** What the official tally will declare for the plan, with file ids standing in for proposal ids and pseudonyms. */
function declared(p: ImportPlan): string[] {
  const result = computeUnitResult(
    p.config,
    p.unitId,
    p.projects.map((x) => ({ proposalId: x.pbId, cost: x.cost })),
    p.ballots.map((b) => ({ voterPseudonym: b.voterId, choices: b.choices, ...(b.points ? { points: b.points } : {}) })),
  );
  return [...result.selected].sort();
}

describe('planImport on every fixture', () => {
  // Rules the file does not name precisely need --rule; the rest map on their own.
  const needsRule = new Set(['Hungary_Budapest_2024.pb', 'US_Stanford_Dataset_PB_Chicago_39th_Ward_2020_vote_rankings.pb']);

  test.each(files)('%s maps to a round config the contracts accept', (f) => {
    if (needsRule.has(f)) {
      expect(() => plan(f)).toThrow(ImportPlanError);
      expect(() => plan(f)).toThrow(/pass --rule/);
    }
    const p = plan(f, needsRule.has(f) ? { rule: 'greedy' } : {});
    const errors = validateSync(plainToInstance(RoundConfig, p.config), { whitelist: true, forbidNonWhitelisted: true });
    expect(errors).toEqual([]);
    const e = load(f);
    expect(p.projects.map((x) => x.pbId)).toEqual(e.projects.map((x) => x.id));
    expect(p.voters).toHaveLength(e.votes.length);
    expect(new Set(p.voters).size).toBe(e.votes.length);
    expect(p.config.units).toHaveLength(1);
    expect(p.config.units[0].id).toBe(p.unitId);
  });

  // Wieliczka's Add1 run takes a few seconds at minor-unit resolution; Assen's takes ~40 s (README), so it is left out.
  const reproducible = files.filter(
    (f) => load(f).projects.some((x) => x.selected !== undefined) && !needsRule.has(f) && f !== 'Netherlands_Assen_2024.pb',
  );
  test.each(reproducible)('%s: the official tally on the planned round reproduces `selected`', (f) => {
    const p = plan(f);
    expect(declared(p)).toEqual([...p.official!].sort());
  });
});

describe('planImport mappings', () => {
  test('money becomes minor units (×100 for PLN and EUR)', () => {
    const p = plan('Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb');
    expect(p.moneyDigits).toBe(2);
    expect(p.config.currency).toBe('PLN');
    expect(p.config.units[0].budget).toBe(51_195_00);
    const e = load('Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb');
    expect(p.projects.map((x) => x.cost)).toEqual(e.projects.map((x) => Number(x.cost.units) * 100));
    expect(p.projects.map((x) => x.title)).toEqual(e.projects.map((x) => x.name));
  });

  test('approval with max_sum_cost is a knapsack ballot in minor units', () => {
    const p = plan('Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb');
    expect(p.config.ballot).toEqual({ type: 'knapsack', minPicks: 1, maxSumCost: 51_195_00 });
    expect(p.config.outcome).toEqual({ rule: 'greedy' });
    expect(p.official).toHaveLength(4);
  });

  test('approval limits and equal shares', () => {
    expect(plan('Netherlands_Assen_2024.pb').config).toMatchObject({
      currency: 'EUR',
      ballot: { type: 'approval', minPicks: 2 },
      outcome: { rule: 'equalshares/add1' },
    });
    expect(plan('Poland_Warszawa_2026.pb').config).toMatchObject({
      ballot: { type: 'approval', maxPicks: 5 },
      outcome: { rule: 'greedy-threshold', threshold: 3000 },
    });
  });

  test('cumulative: total and per-project points; threshold counts points', () => {
    expect(plan('France_Toulouse_2019.pb').config.ballot).toEqual({ type: 'cumulative', totalPoints: 7, maxPointsPerProject: 3 });
    const k = plan('Poland_Katowice_2024_Osiedle_Tysiaclecia.pb');
    expect(k.config.ballot).toEqual({ type: 'cumulative', totalPoints: 3 });
    expect(k.config.outcome).toEqual({ rule: 'greedy-threshold', threshold: 50 });
    expect(k.ballots[0].points?.length).toBe(k.ballots[0].choices.length);
  });

  test('ordinal: explicit rank points (Kraków 2022) and 3/2/1 from the score column (Kraków 2024)', () => {
    expect(plan('Poland_Krakow_2022_Krowodrza.pb').config.ballot).toEqual({ type: 'ranked', minPicks: 3, maxPicks: 3, rankPoints: [3, 2, 1] });
    const k24 = plan('Poland_Krakow_2024.pb');
    expect(k24.config.ballot).toEqual({ type: 'ranked', minPicks: 3, maxPicks: 3, rankPoints: [3, 2, 1] });
    expect(k24.notes.join('\n')).not.toMatch(/does not follow/);
    // Chicago ranks 1 to 4 projects and its score is a Borda count over each ballot's own length, which one
    // points-per-rank list cannot express: the plan says so.
    const chicago = plan('US_Stanford_Dataset_PB_Chicago_39th_Ward_2020_vote_rankings.pb', { rule: 'greedy' });
    expect(chicago.config.ballot).toEqual({ type: 'ranked', maxPicks: 4, rankPoints: [4, 3, 2, 1] });
    expect(chicago.notes.join('\n')).toMatch(/does not follow 4\/3\/2\/1/);
  });

  test('choose-1 and no-skip', () => {
    expect(plan('Poland_Wroclaw_2024.pb').config).toMatchObject({ ballot: { type: 'choose-one' }, outcome: { rule: 'greedy-no-skip' } });
  });

  test("Poznań's reserve rule comes from the META comment", () => {
    expect(plan('Poland_Poznan_2023_13_-_Jezyce_sw.Lazarz.pb').config.outcome).toEqual({ rule: 'greedy', reserveFraction: '0.8' });
  });

  test('a threshold the rule cannot carry is reported, not silently dropped', () => {
    const g = plan('Poland_Gdynia_2023_Karwiny__small.pb');
    expect(g.config.outcome).toEqual({ rule: 'greedy-no-skip' });
    expect(g.notes.join('\n')).toMatch(/min_project_score_threshold 50 cannot be combined with greedy-no-skip/);
  });

  test('legacy file without currency: PLN from the country', () => {
    const p = plan('poland_warszawa_2022_praga-polnoc.pb');
    expect(p.config.currency).toBe('PLN');
    expect(p.notes.join('\n')).toMatch(/no currency in META/);
  });

  test('unit id and round name come from META', () => {
    const p = plan('Poland_Wieliczka_2023_Green_Budget.pb');
    expect(p.unitId).toBe('green-budget');
    expect(p.config.name).toBe('Wieliczka 2023 Green Budget');
    expect(p.config.outcome).toEqual({ rule: 'equalshares/add1-comparison' });
    expect(p.projects.every((x) => x.title.length <= 200)).toBe(true);
  });

  test('--rule must be a Plaza rule', () => {
    expect(() => plan('Hungary_Budapest_2024.pb', { rule: 'borda' })).toThrow(/--rule borda: not one of/);
  });

  test('counted ballots that break a declared limit widen it, with a note', () => {
    const e = load('Poland_Lodz_2023_Chojny.pb');
    const tight: PbElection = { ...e, maxLength: 2 };
    const p = planImport(tight);
    expect(p.config.ballot.maxPicks).toBe(5);
    expect(p.notes.join('\n')).toMatch(/max_length 2 but a ballot names 5/);
  });

  test('amounts with more decimals than the currency are refused', () => {
    const e = load('Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb');
    expect(() => planImport({ ...e, budget: { units: 12345n, scale: 3 } })).toThrow(/more decimals/);
  });

  test('fromPabulib agrees on the projects the plan submits', () => {
    const e = load('Poland_Warszawa_2022_Wesola.pb');
    expect(plan('Poland_Warszawa_2022_Wesola.pb').projects.map((x) => BigInt(x.cost))).toEqual(
      fromPabulib(e).instance.projects.map((x) => x.cost * 100n),
    );
  });
});

test('rationalToDecimal', () => {
  expect(rationalToDecimal(rat(4n, 5n))).toBe('0.8');
  expect(rationalToDecimal(rat(1n))).toBe('1');
  expect(rationalToDecimal(rat(1n, 8n))).toBe('0.125');
  expect(rationalToDecimal(rat(1n, 3n))).toBeUndefined();
});

describe('planImport: the round description records how the file was read', () => {
  it('lists every warning of a quirky file with its line, and the config stays valid', () => {
    const file = join(DIR, '..', 'pabulib-archive', 'Poland_Czestochowa_2020.pb');
    const p = planImport(readPbFile(file), { fileName: file });
    expect(p.config.description!.split('\n')).toEqual([
      expect.stringMatching(/^Imported from the Pabulib file Poland_Czestochowa_2020\.pb \(.*\)\.$/),
      'Read with 3 warnings:',
      expect.stringMatching(/^- line 36: stray quote in unquoted cell 5 «Budowa boiska ogólnego wielofunkcyjnego "Orlik"».*keep the quote as part of the text$/),
      expect.stringMatching(/^- line 39: stray quote in unquoted cell 5/),
      '- line 11740: voter "13026" names project "579" 4 times; count it once',
    ]);
    expect(validateSync(plainToInstance(RoundConfig, p.config))).toEqual([]);
  });

  it('says so when the file was read without warnings', () => {
    expect(plan('Netherlands_Assen_2024.pb').config.description).toMatch(/^Imported from the Pabulib file Netherlands_Assen_2024\.pb .*Read without warnings\.$/);
  });
});
