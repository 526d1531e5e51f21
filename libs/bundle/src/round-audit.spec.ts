import 'reflect-metadata';
import type { RoundConfig } from '@plaza/contracts';
import { fromElection, parsePb, writePb, type PbElection } from '@plaza/pabulib';
import type { ReplayedBallot } from '@plaza/recount';
import { unitPb, unitPbPieces } from './round-audit';

const ROUND = '01900000-0000-7000-8000-0000000000f1';
const P = ['01900000-0000-7000-8000-00000000000a', '01900000-0000-7000-8000-00000000000b', '01900000-0000-7000-8000-00000000000c'];
const projects = P.map((proposalId, i) => ({ proposalId, cost: 100 * (i + 1), title: `Project ${i}; "quoted"` }));

function config(type: RoundConfig['ballot']['type']): RoundConfig {
  return {
    name: 'Synthetic',
    currency: 'PLN',
    units: [{ id: 'centre', name: 'Centre', kind: 'district', budget: 1000 }],
    schedule: {},
    ballot: { type, ...(type === 'cumulative' ? { totalPoints: 10 } : { maxPicks: 3 }) },
    outcome: { rule: 'greedy' },
    eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
  } as RoundConfig;
}

function ballots(n: number, withPoints: boolean): ReplayedBallot[] {
  // Unsorted on purpose: the file lists voters by pseudonym.
  return Array.from({ length: n }, (_, i) => {
    const k = (i * 7919) % n;
    const choices = P.slice(0, 1 + (k % 3));
    return {
      eventId: `e${k}`,
      voterPseudonym: k.toString(16).padStart(64, '0'),
      unitId: 'centre',
      channel: 'online' as const,
      choices,
      ...(withPoints ? { points: choices.map((_, j) => j + 1) } : {}),
    };
  });
}

/** The whole file in one fromElection / writePb, as unitPb wrote it before it was split into pieces. */
function oneShot(cfg: RoundConfig, list: ReplayedBallot[]): string {
  const dec = (n: number) => ({ units: BigInt(n), scale: 0 });
  const money = (n: number) => ({ units: BigInt(n), scale: 2 }); // the test rounds are in a two-decimal currency
  const cumulative = cfg.ballot.type === 'cumulative';
  const sorted = [...list].sort((x, y) => (x.voterPseudonym < y.voterPseudonym ? -1 : 1));
  const pieces = [...unitPbPieces(ROUND, cfg, 'centre', projects, [])];
  const header = parsePb(pieces.join(''));
  const election: PbElection = {
    meta: new Map<string, string>(),
    description: cfg.name,
    unit: 'Centre',
    instance: ROUND,
    subunit: 'centre',
    currency: cfg.currency,
    comment: header.meta.get('comment'),
    voteType: cumulative ? 'cumulative' : 'approval',
    rule: 'greedy',
    budget: money(1000),
    ...(cfg.ballot.maxPicks !== undefined ? { maxLength: cfg.ballot.maxPicks } : {}),
    ...(cfg.ballot.totalPoints !== undefined ? { maxSumPoints: dec(cfg.ballot.totalPoints) } : {}),
    projects: projects.map((p) => ({ id: p.proposalId, cost: money(p.cost), name: p.title, categories: [], beneficiaries: [], extra: {} })),
    votes: sorted.map((v) => ({ voterId: v.voterPseudonym, projects: [...v.choices], ...(cumulative ? { points: (v.points ?? []).map(dec) } : {}), extra: {} })),
  };
  return writePb(fromElection(election));
}

describe('unitPb in pieces', () => {
  it.each([
    ['approval', 0],
    ['approval', 1],
    ['approval', 25_001],
    ['cumulative', 0],
    ['cumulative', 10_000],
    ['cumulative', 10_001],
  ] as const)('%s with %d ballots equals the file written in one piece', (type, n) => {
    const cfg = config(type);
    const list = ballots(n, type === 'cumulative');
    const text = unitPb(ROUND, cfg, 'centre', projects, list);
    expect(text).toBe(oneShot(cfg, list));
    expect(parsePb(text).votes.rows).toHaveLength(n);
    if (n > 10_000) expect([...unitPbPieces(ROUND, cfg, 'centre', projects, list)].length).toBeGreaterThan(2);
  });
});
