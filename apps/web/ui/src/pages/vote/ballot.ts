/**
 * The ballot rules of one unit, as the voting service applies them (apps/voting ballot.decider
 * `tallyBallotRules` → libs/tally `validateBallot`), and what the ballot pages may let a resident do with
 * them: what can still be picked, totals, points left, rank order. Pure (no browser, no React), so the
 * unit tests prove the page allows exactly the ballots the API accepts.
 */
import { validateBallot, type BallotRules as TallyBallotRules } from '@plaza/tally';
import type { BallotType, RoundConfig } from '@plaza/contracts';

/** A proposal on the unit's ballot: its id and the reviewed cost the tally uses (minor units). */
export interface BallotProject {
  readonly id: string;
  readonly cost: number;
}

/** The effective rules of one unit's ballot (defaults filled in as the voting service fills them). */
export interface UnitBallotRules {
  readonly type: BallotType;
  /** Fewest projects a ballot may name (0: an empty ballot is accepted). */
  readonly minPicks: number;
  /** Most projects a ballot may name (ranked: the ranking length), if limited. */
  readonly maxPicks?: number;
  /** knapsack: total cost limit of one ballot (the ballot's maxSumCost, default the unit's budget). */
  readonly maxSumCost?: number;
  /** cumulative: points each voter distributes. */
  readonly totalPoints?: number;
  /** cumulative: most points one project may get from one voter. */
  readonly maxPointsPerProject?: number;
  /** ranked: points for place 1, 2, … when the round sets them (else Borda over the ranking's length). */
  readonly rankPoints?: readonly number[];
}

/**
 * What the resident has chosen so far. `choices` keeps the order they were chosen in (ranked: the
 * ranking, most preferred first); `points` holds cumulative points by proposal id.
 */
export interface Selection {
  readonly choices: readonly string[];
  readonly points: Readonly<Record<string, number>>;
}

/** The body of `POST /rounds/:roundId/ballots` without the unit. */
export interface BallotBody {
  readonly choices: string[];
  readonly points?: number[];
}

export const EMPTY_SELECTION: Selection = { choices: [], points: {} };

/** The unit's rules from the round's config, exactly as the voting service derives them. */
export function unitRules(config: Pick<RoundConfig, 'ballot' | 'units'>, unitId: string): UnitBallotRules {
  const b = config.ballot;
  switch (b.type) {
    case 'approval':
      return { type: b.type, minPicks: b.minPicks ?? 0, ...(b.maxPicks !== undefined ? { maxPicks: b.maxPicks } : {}) };
    case 'knapsack': {
      const budget = config.units.find((u) => u.id === unitId)?.budget ?? 0;
      return {
        type: b.type,
        minPicks: b.minPicks ?? 0,
        ...(b.maxPicks !== undefined ? { maxPicks: b.maxPicks } : {}),
        maxSumCost: b.maxSumCost ?? budget,
      };
    }
    case 'cumulative':
      return {
        type: b.type,
        minPicks: 0,
        ...(b.totalPoints !== undefined ? { totalPoints: b.totalPoints } : {}),
        ...(b.maxPointsPerProject !== undefined ? { maxPointsPerProject: b.maxPointsPerProject } : {}),
      };
    case 'ranked': {
      const maxPicks = b.maxPicks ?? b.rankPoints?.length;
      return {
        type: b.type,
        minPicks: b.minPicks ?? 1,
        ...(maxPicks !== undefined ? { maxPicks } : {}),
        ...(b.rankPoints ? { rankPoints: [...b.rankPoints] } : {}),
      };
    }
    case 'choose-one':
      return { type: b.type, minPicks: 1, maxPicks: 1 };
  }
}

/** libs/tally's form of the rules (what the voting service validates with). */
export function tallyRules(rules: UnitBallotRules, projects: readonly BallotProject[]): TallyBallotRules {
  const list = projects.map((p) => ({ id: p.id, cost: BigInt(p.cost) }));
  const picks = {
    ...(rules.type !== 'cumulative' && rules.type !== 'choose-one' && rules.minPicks > 0 ? { minLength: rules.minPicks } : {}),
    ...(rules.type !== 'choose-one' && rules.maxPicks !== undefined ? { maxLength: rules.maxPicks } : {}),
  };
  switch (rules.type) {
    case 'approval':
      return { type: 'approval', ...picks, projects: list };
    case 'knapsack':
      return { type: 'approval', ...picks, maxSumCost: BigInt(rules.maxSumCost ?? 0), projects: list };
    case 'cumulative':
      return {
        type: 'cumulative',
        ...(rules.maxPointsPerProject !== undefined ? { maxPoints: BigInt(rules.maxPointsPerProject) } : {}),
        ...(rules.totalPoints !== undefined ? { maxSumPoints: BigInt(rules.totalPoints) } : {}),
        projects: list,
      };
    case 'ranked':
      return { type: 'ordinal', minLength: rules.minPicks, ...picks, projects: list };
    case 'choose-one':
      return { type: 'choose-one', projects: list };
  }
}

const costOf = (projects: readonly BallotProject[]) => {
  const byId = new Map(projects.map((p) => [p.id, p.cost]));
  return (id: string) => byId.get(id) ?? 0;
};

/** Total reviewed cost of the chosen projects (minor units). */
export function totalCost(selection: Selection, projects: readonly BallotProject[]): number {
  const cost = costOf(projects);
  return selection.choices.reduce((sum, id) => sum + cost(id), 0);
}

/** Points given so far (cumulative). */
export function pointsUsed(selection: Selection): number {
  return Object.values(selection.points).reduce((sum, p) => sum + p, 0);
}

/** Cumulative points still to give (Infinity when the round sets no total). */
export function pointsLeft(rules: UnitBallotRules, selection: Selection): number {
  return rules.totalPoints === undefined ? Infinity : Math.max(0, rules.totalPoints - pointsUsed(selection));
}

/** Why a project cannot be added to the ballot as it is now, or undefined if it can. */
export type PickBlock =
  | { readonly reason: 'maxPicks'; readonly max: number }
  /** Adding it would cost `over` more than the limit; `left` is what the ballot still has. */
  | { readonly reason: 'budget'; readonly left: number; readonly over: number }
  | { readonly reason: 'unknown' };

export function pickBlock(rules: UnitBallotRules, selection: Selection, projects: readonly BallotProject[], id: string): PickBlock | undefined {
  if (selection.choices.includes(id)) return undefined;
  const project = projects.find((p) => p.id === id);
  if (!project) return { reason: 'unknown' };
  if (rules.type === 'choose-one') return undefined; // choosing another replaces the choice
  if (rules.maxPicks !== undefined && selection.choices.length >= rules.maxPicks) return { reason: 'maxPicks', max: rules.maxPicks };
  if (rules.type === 'knapsack' && rules.maxSumCost !== undefined) {
    const left = rules.maxSumCost - totalCost(selection, projects);
    if (project.cost > left) return { reason: 'budget', left, over: project.cost - left };
  }
  return undefined;
}

/** Adds a project (if the rules allow it now) or removes it; choose-one replaces the choice. */
export function toggle(rules: UnitBallotRules, selection: Selection, projects: readonly BallotProject[], id: string): Selection {
  if (selection.choices.includes(id)) return remove(selection, id);
  if (pickBlock(rules, selection, projects, id)) return selection;
  if (rules.type === 'choose-one') return { choices: [id], points: {} };
  return { ...selection, choices: [...selection.choices, id] };
}

export function remove(selection: Selection, id: string): Selection {
  const points = { ...selection.points };
  delete points[id];
  return { choices: selection.choices.filter((c) => c !== id), points };
}

/** The most points this project may hold now: its cap and what is left in total. */
export function maxPointsFor(rules: UnitBallotRules, selection: Selection, id: string): number {
  const current = selection.points[id] ?? 0;
  const cap = rules.maxPointsPerProject ?? Infinity;
  return Math.max(0, Math.min(cap, current + pointsLeft(rules, selection)));
}

/**
 * Gives a project `points` (clamped to what the rules allow now; 0 takes it off the ballot). Returns the
 * new selection and whether the wish had to be cut down.
 */
export function setPoints(rules: UnitBallotRules, selection: Selection, id: string, points: number): { selection: Selection; clamped: boolean } {
  const wanted = Number.isFinite(points) ? Math.max(0, Math.trunc(points)) : 0;
  const value = Math.min(wanted, maxPointsFor(rules, selection, id));
  const clamped = value !== wanted;
  if (value === 0) return { selection: remove(selection, id), clamped };
  const choices = selection.choices.includes(id) ? selection.choices : [...selection.choices, id];
  return { selection: { choices, points: { ...selection.points, [id]: value } }, clamped };
}

/** Moves the choice at `from` to `to` (ranked ballots), keeping everything else in order. */
export function move(selection: Selection, from: number, to: number): Selection {
  const n = selection.choices.length;
  if (from < 0 || from >= n || to < 0 || to >= n || from === to) return selection;
  const choices = [...selection.choices];
  const [item] = choices.splice(from, 1);
  choices.splice(to, 0, item!);
  return { ...selection, choices };
}

/** Points a ranked place earns: the round's rankPoints, or Borda over the ranking's length (n … 1). */
export function rankPointsAt(rules: UnitBallotRules, place: number, length: number): number {
  if (rules.rankPoints) return rules.rankPoints[place] ?? 0;
  return Math.max(0, length - place);
}

/**
 * The API body. Cumulative ballots list the projects with points in the ballot's own order; every other
 * type sends the choices as chosen (ranked: most preferred first) and no points.
 */
export function toBallot(rules: UnitBallotRules, selection: Selection, projects: readonly BallotProject[]): BallotBody {
  if (rules.type === 'cumulative') {
    const chosen = projects.filter((p) => (selection.points[p.id] ?? 0) > 0).map((p) => p.id);
    // Ids no longer on the ballot stay so the API can say so rather than the page silently dropping them.
    const others = selection.choices.filter((id) => !chosen.includes(id) && (selection.points[id] ?? 0) > 0);
    const choices = [...chosen, ...others];
    return { choices, points: choices.map((id) => selection.points[id]!) };
  }
  return { choices: [...selection.choices] };
}

/** A ballot from the API (the current one in `ballots/mine`) as a selection to start editing from. */
export function fromBallot(ballot: { readonly choices: readonly string[]; readonly points?: readonly number[] }): Selection {
  const points: Record<string, number> = {};
  ballot.points?.forEach((p, k) => {
    const id = ballot.choices[k];
    if (id !== undefined) points[id] = p;
  });
  return { choices: [...ballot.choices], points };
}

/** A problem with the ballot as it stands, in a form the page translates. */
export type BallotProblem =
  | { readonly code: 'minPicks'; readonly min: number; readonly count: number }
  | { readonly code: 'maxPicks'; readonly max: number; readonly count: number }
  | { readonly code: 'chooseOne'; readonly count: number }
  | { readonly code: 'budget'; readonly total: number; readonly limit: number }
  | { readonly code: 'pointsCap'; readonly id: string; readonly points: number; readonly max: number }
  | { readonly code: 'pointsTotal'; readonly total: number; readonly max: number }
  | { readonly code: 'duplicate'; readonly id: string }
  | { readonly code: 'unknown'; readonly id: string };

/** Everything that stops this selection from being a valid ballot (empty when it may be submitted). */
export function checkBallot(rules: UnitBallotRules, selection: Selection, projects: readonly BallotProject[]): BallotProblem[] {
  const body = toBallot(rules, selection, projects);
  const problems: BallotProblem[] = [];
  const known = new Set(projects.map((p) => p.id));
  const seen = new Set<string>();
  for (const id of body.choices) {
    if (seen.has(id)) problems.push({ code: 'duplicate', id });
    seen.add(id);
    if (!known.has(id)) problems.push({ code: 'unknown', id });
  }
  const count = body.choices.length;
  if (rules.type === 'choose-one') {
    if (count !== 1) problems.push({ code: 'chooseOne', count });
  } else if (rules.type !== 'cumulative') {
    if (count < rules.minPicks) problems.push({ code: 'minPicks', min: rules.minPicks, count });
    if (rules.maxPicks !== undefined && count > rules.maxPicks) problems.push({ code: 'maxPicks', max: rules.maxPicks, count });
  }
  if (rules.type === 'knapsack' && rules.maxSumCost !== undefined) {
    const cost = costOf(projects);
    const total = [...seen].reduce((sum, id) => sum + cost(id), 0);
    if (total > rules.maxSumCost) problems.push({ code: 'budget', total, limit: rules.maxSumCost });
  }
  if (rules.type === 'cumulative') {
    const points = body.points ?? [];
    points.forEach((p, k) => {
      if (rules.maxPointsPerProject !== undefined && p > rules.maxPointsPerProject) {
        problems.push({ code: 'pointsCap', id: body.choices[k]!, points: p, max: rules.maxPointsPerProject });
      }
    });
    const total = points.reduce((sum, p) => sum + p, 0);
    if (rules.totalPoints !== undefined && total > rules.totalPoints) problems.push({ code: 'pointsTotal', total, max: rules.totalPoints });
  }
  return problems;
}

/** The API's own verdict (libs/tally validateBallot), with the API's field names (`choices`, `points.k`). */
export function apiProblems(rules: UnitBallotRules, selection: Selection, projects: readonly BallotProject[]): { field: string; message: string }[] {
  const body = toBallot(rules, selection, projects);
  const result = validateBallot(tallyRules(rules, projects), {
    voterId: 'ballot',
    projects: body.choices,
    ...(body.points ? { points: body.points.map((p) => BigInt(p)) } : {}),
  });
  if (result.ok) return [];
  return result.errors.map((e) => {
    const m = /^points\[(\d+)\]$/.exec(e.field);
    return { field: e.field === 'projects' ? 'choices' : m ? `points.${m[1]}` : e.field, message: e.message };
  });
}
