import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDecimals, decimalFromUnits, decimalToString, PbDecimal } from './decimal';
import { parsePb, PbDocument, writePb } from './document';
import { fromElection, PbElection, toElection } from './election';
import { readPbFile } from './fs';

const DIR = join(__dirname, '../../../test/fixtures/pabulib');

// Voters and projects per file, from the fixture README's table.
const FIXTURES: Record<string, { voters: number; projects: number; voteType: string }> = {
  'Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb': { voters: 27, projects: 4, voteType: 'approval' },
  'Netherlands_Assen_2024.pb': { voters: 84, projects: 14, voteType: 'approval' },
  'Poland_Gdynia_2023_Karwiny__small.pb': { voters: 590, projects: 5, voteType: 'approval' },
  'Poland_Warszawa_2022_Wesola.pb': { voters: 1320, projects: 44, voteType: 'approval' },
  'poland_warszawa_2022_praga-polnoc.pb': { voters: 2614, projects: 90, voteType: 'approval' },
  'Poland_Lodz_2023_Chojny.pb': { voters: 3623, projects: 29, voteType: 'approval' },
  'Poland_Warszawa_2024_Ochota.pb': { voters: 4038, projects: 49, voteType: 'approval' },
  'Poland_Wieliczka_2023_Green_Budget.pb': { voters: 6586, projects: 64, voteType: 'approval' },
  'Netherlands_Amsterdam_252.pb': { voters: 8520, projects: 85, voteType: 'approval' },
  'Poland_Poznan_2023_13_-_Jezyce_sw.Lazarz.pb': { voters: 11402, projects: 14, voteType: 'approval' },
  'Hungary_Budapest_2024.pb': { voters: 28943, projects: 175, voteType: 'approval' },
  'Poland_Warszawa_2026.pb': { voters: 61668, projects: 83, voteType: 'approval' },
  'Poland_Czestochowa_2024_Mirow.pb': { voters: 379, projects: 11, voteType: 'cumulative' },
  'France_Toulouse_2019.pb': { voters: 1494, projects: 30, voteType: 'cumulative' },
  'Poland_Katowice_2024_Osiedle_Tysiaclecia.pb': { voters: 3779, projects: 13, voteType: 'cumulative' },
  'US_Stanford_Dataset_PB_Chicago_39th_Ward_2020_vote_rankings.pb': { voters: 314, projects: 13, voteType: 'ordinal' },
  'Poland_Krakow_2022_Krowodrza.pb': { voters: 2227, projects: 23, voteType: 'ordinal' },
  'Poland_Krakow_2024.pb': { voters: 65101, projects: 119, voteType: 'ordinal' },
  'Poland_Zabrze_2020_Biskupice.pb': { voters: 405, projects: 2, voteType: 'choose-1' },
  'Poland_Wroclaw_2018_Rejon_nr_4_250.pb': { voters: 2931, projects: 7, voteType: 'choose-1' },
  'Poland_Wroclaw_2024.pb': { voters: 65826, projects: 58, voteType: 'choose-1' },
};
const NAMES = Object.keys(FIXTURES);

/**
 * How each file's `score` column is made from the ballots, as far as it is known. Points files: the sum of the
 * `points` cells. Kraków 2024: 3/2/1 points by rank (README). Chicago 39th Ward: the README says the file does not
 * tell; the recount shows it is a Borda count over each ballot's own length (a ballot of n projects gives n to its
 * first, 1 to its last), matching all 13 projects exactly.
 */
const SCORING: Record<string, 'points' | 'rank-3-2-1' | 'borda-ballot-length'> = {
  'France_Toulouse_2019.pb': 'points',
  'Poland_Czestochowa_2024_Mirow.pb': 'points',
  'Poland_Katowice_2024_Osiedle_Tysiaclecia.pb': 'points',
  'Poland_Krakow_2022_Krowodrza.pb': 'points',
  'Poland_Krakow_2024.pb': 'rank-3-2-1',
  'US_Stanford_Dataset_PB_Chicago_39th_Ward_2020_vote_rankings.pb': 'borda-ballot-length',
};

const texts = new Map<string, string>();
const docs = new Map<string, PbDocument>();
const elections = new Map<string, PbElection>();
function text(name: string): string {
  let t = texts.get(name);
  if (t === undefined) texts.set(name, (t = readFileSync(join(DIR, name), 'utf8')));
  return t;
}
function doc(name: string): PbDocument {
  let d = docs.get(name);
  if (d === undefined) docs.set(name, (d = parsePb(text(name))));
  return d;
}
function election(name: string): PbElection {
  let e = elections.get(name);
  if (e === undefined) elections.set(name, (e = toElection(doc(name))));
  return e;
}
function project(e: PbElection, id: string) {
  const p = e.projects.find((x) => x.id === id);
  if (!p) throw new Error(`no project ${id}`);
  return p;
}
function voter(e: PbElection, id: string) {
  const v = e.votes.find((x) => x.voterId === id);
  if (!v) throw new Error(`no voter ${id}`);
  return v;
}
const str = (d: PbDecimal | undefined) => (d === undefined ? undefined : decimalToString(d));

describe('Pabulib fixtures', () => {
  it('the folder holds exactly the 21 documented files', () => {
    const onDisk = readdirSync(DIR).filter((f) => f.endsWith('.pb')).sort();
    expect(onDisk).toEqual([...NAMES].sort());
  });

  describe.each(NAMES)('%s', (name) => {
    const expected = FIXTURES[name];

    it('parses; num_projects / num_votes match the rows and the README', () => {
      const d = doc(name);
      expect(d.meta.get('num_projects')).toBe(String(expected.projects));
      expect(d.meta.get('num_votes')).toBe(String(expected.voters));
      expect(d.projects.rows).toHaveLength(expected.projects);
      expect(d.votes.rows).toHaveLength(expected.voters);
      const e = election(name);
      expect(e.voteType).toBe(expected.voteType);
      expect(e.projects).toHaveLength(expected.projects);
      expect(e.votes).toHaveLength(expected.voters);
    });

    it('writes back byte for byte: writePb(parsePb(text)) === text', () => {
      expect(writePb(doc(name)) === text(name)).toBe(true);
    });

    it('writes back byte for byte through the typed view: writePb(fromElection(toElection(doc))) === text', () => {
      expect(writePb(fromElection(election(name))) === text(name)).toBe(true);
    });

    it('the PROJECTS votes column equals the number of ballots naming each project', () => {
      const e = election(name);
      const counted = new Map<string, number>();
      for (const v of e.votes) {
        v.projects.forEach((id, i) => {
          // Cumulative files count voters who gave at least one point (none of these files lists a 0).
          if (v.points && v.points[i].units <= 0n) return;
          counted.set(id, (counted.get(id) ?? 0) + 1);
        });
      }
      for (const p of e.projects) expect([p.id, p.votes]).toEqual([p.id, counted.get(p.id) ?? 0]);
    });

    it('the PROJECTS score column (where present) equals the recount from the ballots', () => {
      const e = election(name);
      const hasScore = doc(name).projects.columns.includes('score');
      expect(hasScore).toBe(SCORING[name] !== undefined);
      if (!hasScore) return;
      const scoring = SCORING[name];
      expect(e.votes.every((v) => v.points !== undefined)).toBe(scoring === 'points');
      const totals = new Map<string, PbDecimal>();
      for (const v of e.votes) {
        v.projects.forEach((id, i) => {
          const n = v.projects.length;
          const add =
            scoring === 'points' ? v.points![i] : scoring === 'rank-3-2-1' ? decimalFromUnits(BigInt(3 - i)) : decimalFromUnits(BigInt(n - i));
          totals.set(id, addDecimals(totals.get(id) ?? decimalFromUnits(0n), add));
        });
      }
      for (const p of e.projects) expect([p.id, str(p.score)]).toEqual([p.id, str(totals.get(p.id) ?? decimalFromUnits(0n))]);
    });
  });

  it('records line endings: CRLF, LF, missing final newline, and the one LF line inside CRLF Wieliczka', () => {
    expect(doc('France_Toulouse_2019.pb').lineEnding).toBe('\r\n');
    expect(doc('Hungary_Budapest_2024.pb').lineEnding).toBe('\n');
    expect(doc('Poland_Krakow_2024.pb').finalNewline).toBe(false);
    expect(doc('Poland_Warszawa_2026.pb').finalNewline).toBe(false);
    expect(doc('Poland_Lodz_2023_Chojny.pb').finalNewline).toBe(true);
    const w = doc('Poland_Wieliczka_2023_Green_Budget.pb');
    expect(w.lineEnding).toBe('\r\n');
    // Line 12 (`rule;...`) ends in a bare LF; it is output line index 11.
    expect(w.lineEndingOverrides).toEqual(new Map([[11, '\n']]));
    expect(text('Poland_Wieliczka_2023_Green_Budget.pb').split('\r\n')[11]).toBe('rule;equalshares/add1-comparison\ndate_begin;03.04.2023');
    for (const name of NAMES) {
      if (name !== 'Poland_Wieliczka_2023_Green_Budget.pb') expect([name, doc(name).lineEndingOverrides]).toEqual([name, undefined]);
    }
  });

  it('Wieliczka: quoted names with doubled quotes', () => {
    const e = election('Poland_Wieliczka_2023_Green_Budget.pb');
    expect(project(e, '81').name).toBe(
      'Sensoryczna ścieżka dla dzieci oraz domki dla zwierząt w Parku "Stok pod Baranem" - wykonane z ekologicznych recyklingowanych materiałów',
    );
    expect(project(e, '80').name).toBe('Drzewne przytulasy i relaksacyjne gniazda w Parku "Stok pod Baranem"');
    expect(str(project(e, '81').cost)).toBe('68000');
    expect(project(e, '81').votes).toBe(233);
    expect(project(e, '81').extra).toEqual({ latitude: '49.9765294757085', longitude: '20.0635242462158' });
    expect(voter(e, '1').projects).toEqual(['70', '20', '21', '25', '6']);
    expect(e.rule).toBe('equalshares/add1-comparison');
    expect(str(e.budget)).toBe('1000000');
  });

  it('Kraków 2022: quoted names, ordinal ballots with points 3,2,1', () => {
    const e = election('Poland_Krakow_2022_Krowodrza.pb');
    expect(project(e, '18').name).toBe('"Kultura szansą dla więźniów samotności i starości"');
    expect(project(e, '2').name).toBe('STWÓRZMY "ZIELONĄ ŚCIANĘ" PRZY MŁYNÓWCE KRÓLEWSKIEJ 3.0');
    const v = voter(e, 'E1177117');
    expect(v.projects).toEqual(['16', '6', '29']);
    expect(v.points?.map(decimalToString)).toEqual(['3', '2', '1']);
    expect(v.extra).toEqual({ voting_method: 'internet' });
    expect(e.votes.every((b) => b.points?.map(decimalToString).join(',') === '3,2,1')).toBe(true);
  });

  it('Katowice and Mirów: cumulative points and voter data', () => {
    const k = election('Poland_Katowice_2024_Osiedle_Tysiaclecia.pb');
    const v = voter(k, '1400184442');
    expect(v.projects).toEqual(['L9/09/XI', 'L9/10/XI']);
    expect(v.points?.map(decimalToString)).toEqual(['2', '1']);
    expect(v.extra).toEqual({ age: '50', sex: 'F' });
    expect(str(k.maxSumPoints)).toBe('3');
    expect(str(k.minProjectScoreThreshold)).toBe('50');
    expect(project(k, 'L9/09/XI').categories).toEqual(['public transit and roads']);

    const m = election('Poland_Czestochowa_2024_Mirow.pb');
    const w = voter(m, '7');
    expect(w.projects).toEqual(['795', '435', '687']);
    expect(w.points?.map(decimalToString)).toEqual(['6', '2', '2']);
    expect(w.extra).toEqual({ sex: 'M', voting_method: 'internet' });
    expect(str(m.maxSumPoints)).toBe('10');
  });

  it('praga-polnoc: legacy layout (category before votes, target, vote last, language polish)', () => {
    const d = doc('poland_warszawa_2022_praga-polnoc.pb');
    expect(d.projects.columns).toEqual(['project_id', 'cost', 'category', 'votes', 'name', 'target', 'selected', 'latitude', 'longitude']);
    expect(d.votes.columns).toEqual(['voter_id', 'age', 'sex', 'voting_method', 'vote']);
    const e = election('poland_warszawa_2022_praga-polnoc.pb');
    expect(e.meta.get('language')).toBe('polish');
    expect(e.currency).toBeUndefined();
    const withTargets = e.projects.filter((p) => p.beneficiaries.length > 1);
    expect(withTargets.length).toBeGreaterThan(0);
    for (const p of e.projects) {
      expect(p.extra.target).toBeUndefined();
      expect(p.beneficiaries.join(',')).toBe(d.projects.rows[e.projects.indexOf(p)].target);
      expect(p.categories.join(',')).toBe(d.projects.rows[e.projects.indexOf(p)].category);
    }
  });

  it('string ids are kept as written', () => {
    const krakow = election('Poland_Krakow_2024.pb');
    const p = project(krakow, 'BO.OM.97/24');
    expect([str(p.cost), p.votes, str(p.score), p.selected]).toEqual(['200000', 7166, '16141', '1']);
    expect(project(election('Poland_Poznan_2023_13_-_Jezyce_sw.Lazarz.pb'), 'XIII.2').name).toBe('Bezobsługowe stacje naprawy rowerów');
    expect(str(project(election('Poland_Gdynia_2023_Karwiny__small.pb'), '2023/KAR/0004').cost)).toBe('9800');
    expect(str(project(election('Poland_Zabrze_2020_Biskupice.pb'), 'P0050').cost)).toBe('298800');
    expect(voter(election('US_Stanford_Dataset_PB_Chicago_39th_Ward_2020_vote_rankings.pb'), '126-10').projects).toEqual([
      '1405',
      '1403',
      '1402',
      '1400',
    ]);
    expect(voter(election('Netherlands_Assen_2024.pb'), 'vote01006bcf-62b6-435d-a0de-2966c3e75249').projects).toEqual(['1', '2', '6', '9', '13']);
  });

  it('Amsterdam: neighbourhoods with their budgets; Toulouse: extra project columns; Wrocław: choose-1', () => {
    const a = election('Netherlands_Amsterdam_252.pb');
    expect(a.neighborhoods).toEqual(['Oostelijke Eilanden', 'Haarlemmerhouttuinen', 'Other']);
    expect(a.budgetPerNeighborhood?.map(decimalToString)).toEqual(['150000', '100000', '250000']);
    expect(str(a.maxSumCost)).toBe('500000');
    expect(a.projects.every((p) => p.selected === undefined && a.neighborhoods!.includes(p.extra.neighborhood))).toBe(true);

    const t = election('France_Toulouse_2019.pb');
    expect(Object.keys(t.projects[0].extra)).toEqual(['subunit', 'proposer', 'public_id']);
    expect(str(t.maxPoints)).toBe('3');
    expect(t.currency).toBe('EUR');

    const w = election('Poland_Wroclaw_2024.pb');
    expect(voter(w, '1')).toEqual({ voterId: '1', projects: ['61'], extra: { age: '52', sex: 'M', voting_method: 'internet' } });
    expect(w.rule).toBe('greedy-no-skip');
  });

  it('readPbFile reads and checks a file', () => {
    const e = readPbFile(join(DIR, 'Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb'));
    expect(e.projects.map((p) => p.selected)).toEqual(['1', '1', '1', '1']);
    expect(e.meta.get('fully_funded')).toBe('1');
  });
});
