import { cmp, mulInt, rat } from '../rational';
import { latestDecision, type Prepared } from '../prepare';
import type { NotSelectedReason, RuleOptions, TieReport } from '../types';

export interface GreedyOutcome {
  readonly selected: number[];
  readonly reasons: Map<number, NotSelectedReason>;
  readonly fromReserve: Set<number>;
  readonly ties: TieReport[];
  readonly undecided: boolean;
  readonly notes: string[];
}

interface Spend {
  total: bigint;
  category: Map<string, bigint>;
  district: Map<string, bigint>;
}

/**
 * Why project i cannot be added to what is spent, or undefined if it fits the budget and every per-category /
 * per-district cap.
 */
export function misfit(p: Prepared, spend: Spend, i: number): NotSelectedReason | undefined {
  const { instance } = p;
  const project = instance.projects[i];
  const left = instance.budget - spend.total;
  if (project.cost > left) return { kind: 'did-not-fit', left };
  for (const c of project.categories ?? []) {
    const limit = instance.categoryLimits?.[c];
    if (limit === undefined) continue;
    const used = spend.category.get(c) ?? 0n;
    if (used + project.cost > limit) return { kind: 'over-limit', limit: 'category', key: c, left: limit - used };
  }
  const d = project.district;
  const dl = d === undefined ? undefined : instance.districtLimits?.[d];
  if (d !== undefined && dl !== undefined) {
    const used = spend.district.get(d) ?? 0n;
    if (used + project.cost > dl) return { kind: 'over-limit', limit: 'district', key: d, left: dl - used };
  }
  return undefined;
}

export function newSpend(): Spend {
  return { total: 0n, category: new Map(), district: new Map() };
}

export function charge(p: Prepared, spend: Spend, i: number): void {
  const project = p.instance.projects[i];
  spend.total += project.cost;
  for (const c of project.categories ?? []) spend.category.set(c, (spend.category.get(c) ?? 0n) + project.cost);
  if (project.district !== undefined) {
    spend.district.set(project.district, (spend.district.get(project.district) ?? 0n) + project.cost);
  }
}

/**
 * Utilitarian greedy in the default order (support desc, cost asc, input order) with the composable options:
 * threshold, no-skip, exclusive groups, Poznań's reserve rule. `initial` lets completions start from a partial outcome.
 */
export function greedy(p: Prepared, options: RuleOptions, initial: readonly number[] = []): GreedyOutcome {
  const { instance, support } = p;
  const selected: number[] = [];
  const reasons = new Map<number, NotSelectedReason>();
  const fromReserve = new Set<number>();
  const ties: TieReport[] = [];
  const notes: string[] = [];
  const spend = newSpend();
  for (const i of initial) {
    selected.push(i);
    charge(p, spend, i);
  }
  const stopAtFirstMisfit = options.noSkip === true || options.reserveFraction !== undefined;
  const groupsOf = new Map<number, number[]>();
  (options.exclusive ?? []).forEach((group, g) => {
    for (const id of group) {
      const i = p.index.get(id);
      if (i === undefined) throw new RangeError(`exclusive group names unknown project ${id}`);
      groupsOf.set(i, [...(groupsOf.get(i) ?? []), g]);
    }
  });
  const chosenInGroup = new Map<number, number>();

  const candidates = p.order.filter((i) => !selected.includes(i));
  let stopped: number | undefined;
  let undecided = false;
  // Ties are examined once per run of equal support, at the point the run starts.
  const tieChecked = new Set<number>();

  for (let k = 0; k < candidates.length; k++) {
    const i = candidates[k];
    const project = instance.projects[i];
    if (stopped !== undefined) {
      reasons.set(i, { kind: 'stopped', at: instance.projects[stopped].id });
      continue;
    }
    if (options.threshold !== undefined && support[i] < options.threshold) {
      reasons.set(i, { kind: 'below-threshold', threshold: options.threshold });
      continue;
    }
    const excludedBy = (groupsOf.get(i) ?? []).map((g) => chosenInGroup.get(g)).find((x) => x !== undefined);
    if (excludedBy !== undefined) {
      reasons.set(i, { kind: 'excluded', by: instance.projects[excludedBy].id });
      continue;
    }
    if (!tieChecked.has(i)) {
      const run = candidates.slice(k).filter((j) => support[j] === support[i]);
      run.forEach((j) => tieChecked.add(j));
      if (run.length > 1) {
        const tie = boundaryTie(p, options, spend, run, chosenInGroup, groupsOf, stopAtFirstMisfit);
        if (tie) {
          ties.push(tie);
          if (options.reportTies) {
            for (const j of candidates.slice(k)) reasons.set(j, { kind: 'undecided-tie' });
            undecided = true;
            break;
          }
        }
      }
    }
    const why = misfit(p, spend, i);
    if (why === undefined) {
      selected.push(i);
      charge(p, spend, i);
      for (const g of groupsOf.get(i) ?? []) if (!chosenInGroup.has(g)) chosenInGroup.set(g, i);
      continue;
    }
    const lostTo = tieLoss(p, spend, i, selected);
    reasons.set(i, lostTo ?? why);
    if (stopAtFirstMisfit) {
      stopped = i;
      if (options.reserveFraction !== undefined && why.kind === 'did-not-fit') {
        // Fund from reserves iff left ≥ fraction × cost.
        if (cmp(rat(why.left), mulInt(options.reserveFraction, project.cost)) >= 0) {
          selected.push(i);
          charge(p, spend, i);
          fromReserve.add(i);
          reasons.delete(i);
          notes.push(`${project.id} funded from reserves: ${why.left} of its cost ${project.cost} was left`);
        }
      }
    }
  }
  return { selected, reasons, fromReserve, ties, undecided, notes };
}

/** Equal-support projects whose fate depends on the order among them: some fit, some then no longer do. */
function boundaryTie(
  p: Prepared,
  options: RuleOptions,
  start: Spend,
  run: readonly number[],
  chosenInGroup: ReadonlyMap<number, number>,
  groupsOf: ReadonlyMap<number, number[]>,
  stopAtFirstMisfit: boolean,
): TieReport | undefined {
  const live = run.filter(
    (j) =>
      (options.threshold === undefined || p.support[j] >= options.threshold) &&
      !(groupsOf.get(j) ?? []).some((g) => chosenInGroup.has(g)),
  );
  // Each one alone would fit, but not all of them in the default order.
  const fitsAlone = live.filter((j) => misfit(p, start, j) === undefined);
  if (fitsAlone.length < 2) return undefined;
  const spend: Spend = { total: start.total, category: new Map(start.category), district: new Map(start.district) };
  const sharesGroup = (a: number, b: number) =>
    (groupsOf.get(a) ?? []).some((g) => (groupsOf.get(b) ?? []).includes(g));
  let anyOut = false;
  const taken: number[] = [];
  for (const j of fitsAlone) {
    if (misfit(p, spend, j) === undefined && !taken.some((t) => sharesGroup(t, j))) {
      charge(p, spend, j);
      taken.push(j);
    } else {
      anyOut = true;
      if (stopAtFirstMisfit) break;
    }
  }
  if (!anyOut) return undefined;
  const ids = fitsAlone.map((j) => p.instance.projects[j].id);
  // The criterion needed to order them all: the latest one that separates two neighbours in tie-break order.
  const t = p.tieBreaker;
  const decided = latestDecision(t, fitsAlone.slice(1).map((j, k) => t.decidedBy(fitsAlone[k], j)));
  const decidedBy = options.reportTies ? 'undecided' : decided;
  return {
    projects: ids,
    support: p.support[fitsAlone[0]],
    decidedBy,
    note:
      `${ids.join(', ')} have equal support ${p.support[fitsAlone[0]]} and not all of them fit` +
      (options.reportTies ? '; left undecided' : `; decided by ${t.describe(decided).replace(/^more support, then /, '')}`),
  };
}

/** A project that would have fitted had it been taken before an equal-support project that was selected. */
function tieLoss(p: Prepared, spend: Spend, i: number, selected: readonly number[]): NotSelectedReason | undefined {
  const rivals = selected.filter((j) => p.support[j] === p.support[i]);
  if (rivals.length === 0) return undefined;
  const before: Spend = { total: spend.total, category: new Map(spend.category), district: new Map(spend.district) };
  for (const j of rivals) {
    const project = p.instance.projects[j];
    before.total -= project.cost;
    for (const c of project.categories ?? []) before.category.set(c, (before.category.get(c) ?? 0n) - project.cost);
    if (project.district !== undefined) {
      before.district.set(project.district, (before.district.get(project.district) ?? 0n) - project.cost);
    }
  }
  if (misfit(p, before, i) !== undefined) return undefined;
  const decidedBy = latestDecision(p.tieBreaker, rivals.map((j) => p.tieBreaker.decidedBy(j, i)));
  return { kind: 'lost-tie', to: rivals.map((j) => p.instance.projects[j].id), decidedBy };
}
