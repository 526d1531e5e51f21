import 'reflect-metadata';
import fc from 'fast-check';
import type { RoundConfig } from '@plaza/contracts';
import { unitPb } from '@plaza/bundle';
import { computeFairness, pbVotes, shareWords, splitRecord, type BundleManifestView } from './fairness';

const ROUND = '01900000-0000-7000-8000-000000000001';
const id = (k: number) => `01900000-0000-7000-8000-${k.toString(16).padStart(12, '0')}`;
const pseudonym = (k: number) => k.toString(16).padStart(64, '0');

function config(type: RoundConfig['ballot']['type']): RoundConfig {
  return {
    name: 'Budżet; "zielony"',
    currency: 'PLN',
    units: [
      { id: 'centre', name: 'Centre; old town', kind: 'district', budget: 100_000 },
      { id: 'north', name: 'North', kind: 'district', budget: 50_000 },
    ],
    schedule: {},
    ballot: type === 'cumulative' ? { type, totalPoints: 10 } : { type },
    outcome: { rule: 'greedy' },
    eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
  } as RoundConfig;
}

describe('splitRecord', () => {
  it('splits on semicolons and honours quoted cells with doubled quotes', () => {
    expect(splitRecord('a;b;c')).toEqual(['a', 'b', 'c']);
    expect(splitRecord('"a;b";"say ""hi""";')).toEqual(['a;b', 'say "hi"', '']);
    expect(splitRecord('x')).toEqual(['x']);
  });
});

describe('pbVotes', () => {
  it('reads back exactly the ballots the audit bundle writes (titles with ; and quotes, every ballot type)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('approval', 'cumulative', 'ranked', 'choose-one', 'knapsack' as const),
        fc.array(fc.string(), { minLength: 1, maxLength: 5 }),
        fc.array(fc.uniqueArray(fc.nat({ max: 4 }), { minLength: 1, maxLength: 5 }), { maxLength: 30 }),
        (type, titles, picks) => {
          const projects = titles.map((title, k) => ({ proposalId: id(k + 1), cost: 1000 * (k + 1), title: title.replace(/[\r\n]/g, ' ') }));
          const ballots = picks.map((p, v) => {
            const choices = [...new Set(p.map((k) => projects[k % projects.length].proposalId))];
            return {
              voterPseudonym: pseudonym(v + 1),
              choices,
              ...(type === 'cumulative' ? { points: choices.map(() => 1) } : {}),
              eventId: id(1000 + v),
              unitId: 'centre',
              channel: 'online' as const,
            };
          });
          const text = unitPb(ROUND, config(type as RoundConfig['ballot']['type']), 'centre', projects, ballots);
          const read = pbVotes(text);
          const want = [...ballots].sort((a, b) => (a.voterPseudonym < b.voterPseudonym ? -1 : 1)).map((b) => ({ voterId: b.voterPseudonym, projects: [...b.choices] }));
          expect(read).toEqual(want);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('computeFairness', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  it('counts voters with a funded project per unit and across units by pseudonym, and refuses an incomplete bundle', async () => {
    const cfg = config('approval');
    const P = [1, 2, 3].map((k) => ({ proposalId: id(k), cost: 1000, title: `P${k}` }));
    const N = [4, 5].map((k) => ({ proposalId: id(k), cost: 1000, title: `N${k}` }));
    const ballot = (v: number, unitId: string, choices: string[]) => ({ voterPseudonym: pseudonym(v), choices, eventId: id(2000 + v), unitId, channel: 'online' as const });
    const files: Record<string, string> = {
      // Voter 1 gets P1; voter 2 only P3 (not funded); voter 3 votes in both units and gets N4 only.
      'pabulib-centre.pb': unitPb(ROUND, cfg, 'centre', P, [ballot(1, 'centre', [id(1), id(3)]), ballot(2, 'centre', [id(3)]), ballot(3, 'centre', [id(3)])]),
      'pabulib-north.pb': unitPb(ROUND, cfg, 'north', N, [ballot(3, 'north', [id(4)]), ballot(4, 'north', [id(5)])]),
    };
    const asked: string[] = [];
    globalThis.fetch = (async (url: string) => {
      asked.push(url);
      const name = decodeURIComponent(url.split('?')[0].split('/').pop()!);
      return new Response(files[name] ?? 'not found', { status: files[name] ? 200 : 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    }) as typeof fetch;
    const manifest: BundleManifestView = {
      roundId: ROUND,
      ledgerSize: 10,
      roundEntries: 10,
      checkpoints: 1,
      latestCheckpoint: { size: 10, rootHash: '', time: '' },
      files: Object.keys(files).map((name) => ({ name, bytes: files[name].length, sha256: '' })),
    };
    const units = [
      { unitId: 'centre', selected: [id(1), id(2)], ballotsCounted: 3 },
      { unitId: 'north', selected: [id(4)], ballotsCounted: 2 },
    ];
    const f = await computeFairness(ROUND, manifest, units);
    // Centre: voters got 1, 0, 0 funded projects (mean 1/3, Gini (−2·0 + 0·0 + 2·1) / (3·1) = 2/3); north: 1, 0.
    expect(f.units).toEqual([
      { unitId: 'centre', voters: 3, satisfied: 1, meanProjects: 1 / 3, gini: 2 / 3 },
      { unitId: 'north', voters: 2, satisfied: 1, meanProjects: 0.5, gini: 0.5 },
    ]);
    // Voters 1 (P1) and 3 (N4) of 4 distinct pseudonyms.
    expect(f).toMatchObject({ voters: 4, satisfied: 2, checkpointSize: 10 });
    expect(asked[0]).toBe(`/api/audit/rounds/${ROUND}/bundle/pabulib-centre.pb?size=10`);

    await expect(computeFairness(ROUND, manifest, [{ ...units[0], ballotsCounted: 4 }])).rejects.toMatchObject({ reason: 'incomplete' });
    await expect(computeFairness(ROUND, { ...manifest, files: [] }, units)).rejects.toMatchObject({ reason: 'no-bundle' });
  });
});

describe('shareWords', () => {
  it('says a share as residents read it, never "10 in 10" for 99.6 % nor "0 in 10" for 3 %', () => {
    expect([shareWords(0, 5), shareWords(5, 5), shareWords(996, 1000), shareWords(3, 100), shareWords(7, 10), shareWords(0, 0)]).toEqual([
      { kind: 'none' },
      { kind: 'all' },
      { kind: 'nearly' },
      { kind: 'hardly' },
      { kind: 'tens', k: 7 },
      { kind: 'none' },
    ]);
  });
});
