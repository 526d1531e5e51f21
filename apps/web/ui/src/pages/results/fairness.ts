/**
 * "How many voters got at least one project they voted for?" The results API gives counts per project, not
 * ballots, so this is computed from the public audit bundle: its `pabulib-<unit>.pb` files hold every counted
 * ballot of a unit (voter = the round pseudonym, the same in every unit of a round). The bundle's verifier
 * checks those files against the ledger (`derived-file`), so this figure rests on the same ballots as the count.
 */
import { checkEjr, checkPriceability, gini, parseRational, type EjrCheck, type PriceabilityCheck } from '@plaza/tally';
import { api } from '../../api/client';

export interface ManifestFile {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface BundleManifestView {
  readonly roundId: string;
  readonly ledgerSize: number;
  readonly roundEntries: number;
  readonly checkpoints: number;
  readonly latestCheckpoint: { readonly size: number; readonly rootHash: string; readonly time: string };
  readonly files: readonly ManifestFile[];
}

export const pbFileName = (unitId: string) => `pabulib-${unitId}.pb`;

/** Splits one `.pb` record on `;`, honouring "quoted" cells with "" escapes (as libs/pabulib writes them). */
export function splitRecord(line: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let cell = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quote in a .pb record');
        cell += line.slice(i, q);
        if (line[q + 1] === '"') {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      cells.push(cell);
    } else {
      const end = line.indexOf(';', i);
      cells.push((end < 0 ? line.slice(i) : line.slice(i, end)).trim());
      i = end < 0 ? line.length : end;
    }
    if (i >= line.length) break;
    if (line[i] !== ';') throw new Error('a .pb record has text after a quoted cell');
    i++;
    if (i === line.length) {
      cells.push('');
      break;
    }
  }
  return cells;
}

/** The VOTES section of a `.pb` text: each voter's id and the project ids on their ballot. */
export function pbVotes(text: string): { voterId: string; projects: string[] }[] {
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === 'VOTES');
  if (start < 0) throw new Error('the .pb file has no VOTES section');
  const header = splitRecord(lines[start + 1] ?? '');
  const voterCol = header.indexOf('voter_id');
  const voteCol = header.indexOf('vote');
  if (voterCol < 0 || voteCol < 0) throw new Error('the VOTES section has no voter_id or vote column');
  const votes: { voterId: string; projects: string[] }[] = [];
  for (let i = start + 2; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    if (line.trim() === 'META' || line.trim() === 'PROJECTS') break;
    const cells = splitRecord(line);
    const list = cells[voteCol] ?? '';
    votes.push({ voterId: cells[voterCol], projects: list === '' ? [] : list.split(',').map((s) => s.trim()) });
  }
  return votes;
}

export interface UnitFairness {
  readonly unitId: string;
  readonly voters: number;
  /** Voters with at least one funded project on their ballot in this unit. */
  readonly satisfied: number;
  /** Mean number of funded projects on a voter's ballot (cardinality satisfaction) and its Gini coefficient. */
  readonly meanProjects: number;
  readonly gini: number;
  /** Exact EJR check (approval-style ballots with the unit's project costs known; see libs/tally). */
  readonly ejr?: EjrCheck;
  /**
   * Priceability (libs/tally checkPriceability): the Equal Shares run's own prices checked against the ballots, or
   * the exact linear program when the unit is small enough; same ballots and costs as the EJR check.
   */
  readonly priceability?: PriceabilityCheck;
}

/** How to say a share to residents: all, nearly all (≥ 95 %), k in 10, hardly any (≤ 5 %), none. */
export type ShareWords = { readonly kind: 'all' | 'nearly' | 'hardly' | 'none' } | { readonly kind: 'tens'; readonly k: number };
export function shareWords(count: number, total: number): ShareWords {
  if (total === 0 || count === 0) return { kind: 'none' };
  if (count === total) return { kind: 'all' };
  const share = count / total;
  if (share >= 0.95) return { kind: 'nearly' };
  if (share <= 0.05) return { kind: 'hardly' };
  return { kind: 'tens', k: Math.round(share * 10) };
}

export interface Fairness {
  readonly units: readonly UnitFairness[];
  /** Across units: distinct pseudonyms, and those with a funded project in at least one unit they voted in. */
  readonly voters: number;
  readonly satisfied: number;
  /** The checkpoint the bundle was cut at. */
  readonly checkpointSize: number;
}

export class FairnessUnavailable extends Error {
  constructor(readonly reason: 'no-bundle' | 'incomplete') {
    super(reason);
  }
}

export async function fetchManifest(roundId: string, signal?: AbortSignal): Promise<BundleManifestView> {
  return api.audit.get<BundleManifestView>(`/rounds/${roundId}/bundle`, { signal, anonymous: true });
}

/**
 * Downloads each unit's `.pb` from the bundle (cut at the manifest's checkpoint) and counts. `expected` is each
 * unit's `ballotsCounted` from the declared results: a bundle cut before the declaration would hold fewer
 * ballots, and then no figure is given rather than a wrong one.
 */
export interface FairnessUnitInput {
  readonly unitId: string;
  readonly selected: readonly string[];
  readonly ballotsCounted: number;
  /** Minor units; with every project's cost (the declared explanation) it allows the EJR check. */
  readonly budget?: number;
  readonly explanation?: {
    readonly projects: readonly { readonly id: string; readonly cost: string }[];
    /** Equal Shares: each round's price per unit of utility ("n/d") and the budget per voter (minor units, "n/d"). */
    readonly rounds?: readonly { readonly project: string; readonly rho: string }[];
    readonly perVoterBudget?: string;
    readonly utility?: 'cost' | 'points';
  } | null;
}

const APPROVAL_STYLE = new Set(['approval', 'knapsack', 'choose-one']);

export async function computeFairness(
  roundId: string,
  manifest: BundleManifestView,
  units: readonly FairnessUnitInput[],
  signal?: AbortSignal,
  ballotType?: string,
): Promise<Fairness> {
  const satisfiedAnywhere = new Map<string, boolean>();
  const perUnit: UnitFairness[] = [];
  for (const unit of units) {
    const name = pbFileName(unit.unitId);
    if (!manifest.files.some((f) => f.name === name)) throw new FairnessUnavailable('no-bundle');
    const text = await api.audit.get<string>(`/rounds/${roundId}/bundle/${name}`, { query: { size: manifest.latestCheckpoint.size }, signal, anonymous: true });
    const votes = pbVotes(text);
    if (votes.length !== unit.ballotsCounted) throw new FairnessUnavailable('incomplete');
    const funded = new Set(unit.selected);
    let satisfied = 0;
    const got: number[] = [];
    for (const v of votes) {
      const count = v.projects.filter((p) => funded.has(p)).length;
      got.push(count);
      if (count > 0) satisfied++;
      satisfiedAnywhere.set(v.voterId, (satisfiedAnywhere.get(v.voterId) ?? false) || count > 0);
    }
    const meanProjects = got.length === 0 ? 0 : got.reduce((a, b) => a + b, 0) / got.length;
    const projects = unit.explanation?.projects;
    let ejr: EjrCheck | undefined;
    let priceability: PriceabilityCheck | undefined;
    if (ballotType && APPROVAL_STYLE.has(ballotType) && projects && unit.budget !== undefined) {
      const index = new Map(projects.map((p, i) => [p.id, i]));
      const instance = { budget: BigInt(unit.budget), scale: 0, projects: projects.map((p) => ({ id: p.id, cost: BigInt(p.cost) })) };
      const chosen = votes.map((v) => v.projects.map((id) => index.get(id)).filter((i): i is number => i !== undefined));
      const fundedIdx = new Set(unit.selected.map((id) => index.get(id)).filter((i): i is number => i !== undefined));
      ejr = checkEjr(instance, chosen, fundedIdx);
      const x = unit.explanation;
      const run =
        x?.rounds && x.perVoterBudget
          ? { perVoterBudget: parseRational(x.perVoterBudget), rounds: x.rounds.map((r) => ({ project: r.project, rho: parseRational(r.rho) })), utility: x.utility ?? 'cost' }
          : undefined;
      priceability = checkPriceability({ instance, chosen, funded: fundedIdx, run });
    }
    perUnit.push({ unitId: unit.unitId, voters: votes.length, satisfied, meanProjects, gini: gini(got), ...(ejr ? { ejr } : {}), ...(priceability ? { priceability } : {}) });
  }
  let satisfied = 0;
  for (const happy of satisfiedAnywhere.values()) if (happy) satisfied++;
  return { units: perUnit, voters: satisfiedAnywhere.size, satisfied, checkpointSize: manifest.latestCheckpoint.size };
}
