import { join } from 'node:path';
import { readPbFile } from '@plaza/pabulib';
import { analyseFairness, fromPabulib, tally } from '@plaza/tally';

/**
 * Plaza's fairness analysis on six real Pabulib files against an independent computation of the same measures
 * (libs/tally/test/crosscheck/fairness_crosscheck.py: its own .pb reading, the outcome from the file's `selected`
 * column, exact fractions, and priceability as pabutools' linear program with one payment per voter, solved by
 * scipy's HiGHS). It follows pabutools' definitions (avg_satisfaction with Cost_Sat / Cardinality_Sat,
 * percent_non_empty_handed, utils.gini_coefficient, priceable with exhaustive=True) but is NOT pabutools' output:
 * pabutools publishes no values for real files and cannot be installed here. The figures below are what
 * `python3 libs/tally/test/crosscheck/fairness_crosscheck.py` printed (scipy 1.17.1); pabutools' own published
 * values, from its test suite, are checked in libs/tally/src/pabutools-published.spec.ts.
 */
const EXPECTED = [
  { dir: 'pabulib', file: 'Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb', voters: 27, emptyHanded: 0, cardinalityMean: 1.7407407407407407, cardinalityGini: 0.30575256107171, costMean: 21924.814814814814, costGini: 0.31650377678048, exhaustive: true, priceable: true },
  { dir: 'pabulib', file: 'Netherlands_Assen_2024.pb', voters: 84, emptyHanded: 5, cardinalityMean: 2.380952380952381, cardinalityGini: 0.32083333333333336, costMean: 24655.95238095238, costGini: 0.3267190657828483, exhaustive: false, priceable: true },
  { dir: 'pabulib-archive', file: 'Poland_Gdynia_2023_Kamienna_Gora__small.pb', voters: 161, emptyHanded: 72, cardinalityMean: 0.5527950310559007, cardinalityGini: 0.4472049689440994, costMean: 7739.130434782609, costGini: 0.4472049689440994, exhaustive: false, priceable: true },
  { dir: 'pabulib-archive', file: 'Poland_Warszawa_2018_Marysin_Wawerski_Poludniowy.pb', voters: 506, emptyHanded: 37, cardinalityMean: 1.0118577075098814, cardinalityGini: 0.1438287425889328, costMean: 73414.7233201581, costGini: 0.16305491770064562, exhaustive: true, priceable: true },
  { dir: 'pabulib-archive', file: 'Poland_Wroclaw_2016_Rejon_nr_13_250.pb', voters: 1975, emptyHanded: 772, cardinalityMean: 0.6091139240506329, cardinalityGini: 0.3908860759493671, costMean: 127367.08860759494, costGini: 0.4612975249654673, exhaustive: true, priceable: false },
  { dir: 'pabulib-archive', file: 'Poland_Poznan_2023_9_-_Stare_Miasto.pb', voters: 6119, emptyHanded: 3968, cardinalityMean: 0.3515280274554666, cardinalityGini: 0.6484719725445334, costMean: 281222.42196437326, costGini: 0.6484719725445334, exhaustive: true, priceable: false },
];

describe('fairness analysis against an independent computation on real files', () => {
  it.each(EXPECTED)('$file', (e) => {
    const t = fromPabulib(readPbFile(join(__dirname, '..', 'fixtures', e.dir, e.file)));
    if (!t.rule.name) throw new Error(t.rule.why);
    const result = tally(t.instance, t.profile, t.rule.name, t.rule.options);
    // The same outcome as the file's selected column (the script's outcome).
    const official = [...t.official!].filter(([, cell]) => cell.trim() !== '0').map(([id]) => id).sort();
    expect([...result.selected].sort()).toEqual(official);
    const a = analyseFairness(t.instance, t.profile, result);
    expect(a.voters).toBe(e.voters);
    expect(a.emptyHanded.count).toBe(e.emptyHanded);
    expect(a.cardinality.mean).toBeCloseTo(e.cardinalityMean, 9);
    expect(a.cardinality.gini).toBeCloseTo(e.cardinalityGini, 9);
    expect(a.cost.mean).toBeCloseTo(e.costMean, 6);
    expect(a.cost.gini).toBeCloseTo(e.costGini, 9);
    // pabutools' default priceability is Plaza's priceable and exhaustive together.
    expect(a.priceability).toMatchObject({ status: e.priceable ? 'priceable' : 'not-priceable', exhaustive: e.exhaustive });
  });
});
