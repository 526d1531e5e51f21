import { cmp, div, gcd, mulInt, rat, toNumber, ZERO, type Rational } from '../rational';
import { latestDecision, type Prepared } from '../prepare';
import type { NotSelectedReason, RoundExplanation, RuleOptions, TieReport } from '../types';
import { capMisfit } from './caps';

export interface MesRun {
  readonly selected: number[];
  readonly rounds: RoundExplanation[];
  readonly reasons: Map<number, NotSelectedReason>;
  readonly ties: TieReport[];
  readonly undecided: boolean;
  readonly cost: bigint;
  readonly utility: 'cost' | 'points';
}

/** Supporters of every project in flat typed arrays: the shape both the exact and the float runs iterate. */
export interface MesData {
  readonly start: Int32Array;
  readonly group: Int32Array;
  readonly util: bigint[];
  readonly utilF: Float64Array;
  readonly weightF: Float64Array;
  /** The supporter's group weight per entry (one indirection less in the float loop). */
  readonly weightE: Float64Array;
  /** Per project: the utility every supporter gives it when they all give the same (cost utilities), else NaN. */
  readonly uniformF: Float64Array;
  readonly totalUtil: bigint[];
  readonly totalUtilF: Float64Array;
}

const cache = new WeakMap<Prepared, MesData>();

/**
 * Utility of a supporter: cost utilities for approval / choose-one ballots (every supporter of a project values it at
 * its cost, so rho × cost is what each supporter pays), the points themselves for cumulative / ordinal ballots.
 */
export function mesData(p: Prepared): MesData {
  const hit = cache.get(p);
  if (hit) return hit;
  const m = p.instance.projects.length;
  const costUtility = p.profile.type === 'approval' || p.profile.type === 'choose-one';
  const start = new Int32Array(m + 1);
  for (let i = 0; i < m; i++) start[i + 1] = start[i] + p.supporters[i].length;
  const total = start[m];
  const group = new Int32Array(total);
  const util: bigint[] = new Array<bigint>(total);
  const utilF = new Float64Array(total);
  const weightF = new Float64Array(p.groups.length);
  p.groups.forEach((g, k) => (weightF[k] = g.weight));
  const totalUtil: bigint[] = new Array<bigint>(m).fill(0n);
  const totalUtilF = new Float64Array(m);
  const weightE = new Float64Array(total);
  const uniformF = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let uniform: bigint | undefined;
    let same = true;
    p.supporters[i].forEach((s, k) => {
      const u = costUtility ? p.instance.projects[i].cost : s.points;
      group[start[i] + k] = s.group;
      util[start[i] + k] = u;
      utilF[start[i] + k] = Number(u);
      weightE[start[i] + k] = p.groups[s.group].weight;
      totalUtil[i] += u * BigInt(p.groups[s.group].weight);
      if (uniform === undefined) uniform = u;
      else if (uniform !== u) same = false;
    });
    totalUtilF[i] = Number(totalUtil[i]);
    uniformF[i] = same && uniform !== undefined && Number.isSafeInteger(Number(uniform)) ? Number(uniform) : NaN;
  }
  const data = { start, group, util, utilF, weightF, weightE, uniformF, totalUtil, totalUtilF };
  cache.set(p, data);
  return data;
}

/** Relative gap below which a float decision is not trusted and is settled exactly. */
const TRUST = 1e-9;

interface FloatEval {
  rho: number;
  /** Relative error bound of rho (from cancellation in cost − paid). */
  err: number;
}

/**
 * Float rho of project i given per-group budgets: the fixed point of r = (cost − paid by those who cannot afford
 * r·u) / (utility of the rest), iterated upward from a lower bound `from`. Returns 'unaffordable' when the supporters'
 * money cannot cover the cost, 'uncertain' when floats are too close to tell.
 */
function evalFloat(d: MesData, cost: number, i: number, budget: Float64Array, from: number): FloatEval | 'unaffordable' | 'uncertain' {
  const s0 = d.start[i];
  const s1 = d.start[i + 1];
  const { group, utilF, weightE } = d;
  const U = d.totalUtilF[i];
  const uniform = d.uniformF[i];
  let r = Math.max(from, cost / U);
  for (let iter = 0; iter < 1000; iter++) {
    let paid = 0;
    let up = 0;
    let richMoney = 0;
    let minRich = Infinity;
    if (uniform === uniform) {
      // Every supporter gives the same utility (cost utilities): compare budgets with r·u once, sum weights.
      const line = r * uniform;
      let poorWeight = 0;
      let minBudget = Infinity;
      for (let s = s0; s < s1; s++) {
        const b = budget[group[s]];
        const w = weightE[s];
        if (b < line) {
          paid += w * b;
          poorWeight += w;
        } else {
          richMoney += w * b;
          if (b < minBudget) minBudget = b;
        }
      }
      up = poorWeight * uniform;
      minRich = minBudget / uniform;
    } else {
      for (let s = s0; s < s1; s++) {
        const b = budget[group[s]];
        const u = utilF[s];
        const w = weightE[s];
        if (b < r * u) {
          paid += w * b;
          up += w * u;
        } else {
          richMoney += w * b;
          const ratio = b / u;
          if (ratio < minRich) minRich = ratio;
        }
      }
    }
    if (iter === 0) {
      const money = paid + richMoney;
      if (money < cost * (1 - TRUST)) return 'unaffordable';
      if (money <= cost * (1 + TRUST)) return 'uncertain';
    }
    const left = cost - paid;
    if (U - up <= 0 || left <= 0) return 'uncertain';
    const next = left / (U - up);
    // Nobody else drops out at the new price: it is the fixed point.
    if (minRich >= next) return { rho: next, err: TRUST + (4e-16 * (s1 - s0 + 8) * (cost + paid)) / left };
    r = next;
  }
  return 'uncertain';
}

interface Candidate {
  readonly i: number;
  /** A lower bound on rho (budgets only shrink, so rho only grows), as a float. */
  lb: number;
}

/** The decisions of a float run: its winners in order, each with an upper bound of the price it was bought at. */
export interface FloatRun {
  readonly selected: number[];
  readonly cost: bigint;
  readonly rhoUpper: number[];
  /**
   * Per round, a lower bound on the price of every candidate that did not win it and was still in the running
   * (affordable and within the caps): what `certifies` compares with a lower run's winner prices.
   */
  readonly otherLow: number[];
}

/**
 * Whether every start budget between `lower`'s and `upper`'s (upper ≥ lower) gives `lower`'s outcome: the same
 * winners in both runs, and in every round every other candidate still in the running at `upper` priced above the
 * upper bound of the price `lower`'s winner paid (see the README's "Add1 jumps", point 2).
 */
export function certifies(lower: FloatRun, upper: FloatRun): boolean {
  if (lower.selected.length !== upper.selected.length) return false;
  for (let t = 0; t < lower.selected.length; t++) {
    if (lower.selected[t] !== upper.selected[t] || upper.otherLow[t] <= lower.rhoUpper[t]) return false;
  }
  return true;
}

/**
 * One Method of Equal Shares run in floats, with every float decision checked against an error bound. Returns the
 * selection when every decision was clear, or undefined when one was too close to call (then run it exactly).
 *
 * With `reference` (a run at a lower start budget this run will be compared with by `certifies`), candidates are
 * examined up to the reference winner's price in each round, so that `otherLow` is tight where the comparison
 * needs it.
 */
export function mesFloat(p: Prepared, perVoter: number, threshold?: bigint, reference?: FloatRun): FloatRun | undefined {
  const { instance } = p;
  const d = mesData(p);
  const budget = new Float64Array(p.groups.length).fill(perVoter);
  let remaining: Candidate[] = [];
  for (let i = 0; i < instance.projects.length; i++) {
    if (d.totalUtil[i] > 0n && (threshold === undefined || p.support[i] >= threshold)) {
      remaining.push({ i, lb: Number(instance.projects[i].cost) / d.totalUtilF[i] });
    }
  }
  const selected: number[] = [];
  const rhoUpper: number[] = [];
  const otherLows: number[] = [];
  let spent = 0n;
  const caps = instance.categoryLimits !== undefined || instance.districtLimits !== undefined;
  for (;;) {
    const round = selected.length;
    // In a comparison with a reference, candidates are examined up to the reference winner's price.
    const refUpper = reference && round < reference.rhoUpper.length ? reference.rhoUpper[round] : 0;
    remaining.sort((a, b) => a.lb - b.lb);
    let best: { i: number; e: FloatEval } | undefined;
    let runnerUp = Infinity;
    // The lowest price any non-winner could have here (for the comparison with a reference).
    let otherLow = Infinity;
    const gone = new Set<number>();
    for (const c of remaining) {
      const reach = Math.max(best ? best.e.rho * (1 + best.e.err) : -Infinity, refUpper);
      if (best && c.lb * (1 - TRUST) > reach) {
        runnerUp = Math.min(runnerUp, c.lb);
        otherLow = Math.min(otherLow, c.lb * (1 - TRUST));
        break;
      }
      if (caps && capMisfit(p, selected, c.i)) {
        gone.add(c.i);
        continue;
      }
      const e = evalFloat(d, Number(instance.projects[c.i].cost), c.i, budget, c.lb);
      if (e === 'uncertain') return undefined;
      if (e === 'unaffordable') {
        gone.add(c.i);
        continue;
      }
      c.lb = e.rho * (1 - e.err);
      if (!best || e.rho < best.e.rho) {
        if (best) {
          runnerUp = Math.min(runnerUp, best.e.rho);
          otherLow = Math.min(otherLow, best.e.rho * (1 - best.e.err));
        }
        best = { i: c.i, e };
      } else {
        runnerUp = Math.min(runnerUp, e.rho);
        otherLow = Math.min(otherLow, e.rho * (1 - e.err));
      }
    }
    remaining = remaining.filter((c) => !gone.has(c.i));
    if (!best) break;
    // The runner-up must be clearly worse, or the tie-breaking (exact) has to decide.
    if (runnerUp !== Infinity && runnerUp <= best.e.rho * (1 + 2 * best.e.err)) return undefined;
    const i = best.i;
    const rho = best.e.rho;
    for (let s = d.start[i]; s < d.start[i + 1]; s++) {
      const g = d.group[s];
      const pay = rho * d.utilF[s];
      budget[g] = budget[g] > pay ? budget[g] - pay : 0;
    }
    selected.push(i);
    rhoUpper.push(rho * (1 + best.e.err));
    otherLows.push(otherLow);
    spent += instance.projects[i].cost;
    remaining = remaining.filter((c) => c.i !== i);
  }
  const run: FloatRun = { selected, cost: spent, rhoUpper, otherLow: otherLows };
  return run;
}

/**
 * Method of Equal Shares with every voter starting at `perVoter`, in exact arithmetic: floats only pick which
 * candidates to evaluate exactly; the choice itself, the prices and the charges are exact. Ties in rho are broken by
 * the default order (more support, lower cost, input order), or reported with `reportTies`.
 */
export function mesExact(p: Prepared, perVoter: Rational, options: RuleOptions = {}, explain = true): MesRun {
  const { instance } = p;
  const d = mesData(p);
  const m = instance.projects.length;
  const reasons = new Map<number, NotSelectedReason>();
  const rounds: RoundExplanation[] = [];
  const ties: TieReport[] = [];
  const selected: number[] = [];
  let spent = 0n;
  // Budget classes: groups that paid the same prices hold the same exact budget, so exact arithmetic is done once
  // per class, not once per voter. Class 0 is "nothing left". A class's budget is classNum / D, where D (the lcm of
  // the prices' denominators so far) only grows; numerators written under an older D are rescaled when read.
  let D = perVoter.d;
  let epoch = 0;
  const epochD: bigint[] = [D];
  const scaleCache = new Map<number, bigint>();
  const classNum: bigint[] = [0n, perVoter.n];
  const classEpoch: number[] = [0, 0];
  const classF: number[] = [0, toNumber(perVoter)];
  const groupClass = new Int32Array(p.groups.length).fill(1);
  const budgetF = new Float64Array(p.groups.length).fill(classF[1]);
  const num = (cls: number): bigint => {
    const e = classEpoch[cls];
    if (e === epoch) return classNum[cls];
    let f = scaleCache.get(e);
    if (f === undefined) scaleCache.set(e, (f = D / epochD[e]));
    classNum[cls] *= f;
    classEpoch[cls] = epoch;
    return classNum[cls];
  };
  let shift = 0n;
  const approx = (n: bigint): number => Number(n >> shift) / Number(D >> shift);
  const setShift = () => {
    shift = BigInt(Math.max(0, D.toString(16).length * 4 - 64));
  };
  setShift();

  let remaining: Candidate[] = [];
  for (let i = 0; i < m; i++) {
    if (options.threshold !== undefined && p.support[i] < options.threshold) {
      reasons.set(i, { kind: 'below-threshold', threshold: options.threshold });
    } else if (d.totalUtil[i] === 0n) reasons.set(i, { kind: 'no-support' });
    else remaining.push({ i, lb: Number(instance.projects[i].cost) / d.totalUtilF[i] });
  }
  const cmpOrder = (a: number, b: number) => p.tieBreaker.compare(a, b);
  let undecided = false;

  const evalExact = (i: number): { rho: Rational; poor: number } | undefined => {
    const cost = instance.projects[i].cost;
    // (class, utility) -> total weight
    const agg = new Map<number, Map<bigint, bigint>>();
    for (let s = d.start[i]; s < d.start[i + 1]; s++) {
      const g = d.group[s];
      const cls = groupClass[g];
      let byU = agg.get(cls);
      if (!byU) agg.set(cls, (byU = new Map()));
      byU.set(d.util[s], (byU.get(d.util[s]) ?? 0n) + BigInt(p.groups[g].weight));
    }
    const entries: { n: bigint; u: bigint; w: bigint; key: number }[] = [];
    for (const [cls, byU] of agg) {
      const n = num(cls);
      for (const [u, w] of byU) entries.push({ n, u, w, key: classF[cls] / Number(u) });
    }
    // By budget per unit of utility; floats order them, exact comparison where floats cannot tell.
    entries.sort((a, b) => {
      const diff = a.key - b.key;
      if (Math.abs(diff) > 1e-9 * Math.max(Math.abs(a.key), Math.abs(b.key))) return diff;
      const l = a.n * b.u;
      const r = b.n * a.u;
      return l < r ? -1 : l > r ? 1 : 0;
    });
    // Everything in units of 1/D: r = (cost·D − paid) / (D·denom); "cannot pay r·u" ⇔ (cost·D − paid)·u > n·denom.
    let paid = 0n;
    let denom = d.totalUtil[i];
    let poor = 0n;
    const costD = cost * D;
    for (const e of entries) {
      if ((costD - paid) * e.u > e.n * denom) {
        paid += e.n * e.w;
        denom -= e.u * e.w;
        poor += e.w;
        if (denom === 0n) return undefined;
      } else {
        return { rho: rat(costD - paid, D * denom), poor: Number(poor) };
      }
    }
    return undefined;
  };

  for (;;) {
    remaining.sort((a, b) => a.lb - b.lb || cmpOrder(a.i, b.i));
    // Float pass: the best float rho with its error bound; everything within reach of it is settled exactly.
    const gone = new Set<number>();
    const floatRho = new Map<number, FloatEval | 'uncertain'>();
    let bestHigh = Infinity;
    for (const c of remaining) {
      if (c.lb * (1 - TRUST) > bestHigh) break;
      const cap = capMisfit(p, selected, c.i);
      if (cap) {
        reasons.set(c.i, cap);
        gone.add(c.i);
        continue;
      }
      const e = evalFloat(d, Number(instance.projects[c.i].cost), c.i, budgetF, c.lb);
      if (e === 'unaffordable') {
        reasons.set(c.i, { kind: 'not-affordable', supportersMoney: explain ? money(c.i) : ZERO });
        gone.add(c.i);
        continue;
      }
      floatRho.set(c.i, e);
      if (e !== 'uncertain') {
        c.lb = e.rho * (1 - e.err);
        bestHigh = Math.min(bestHigh, e.rho * (1 + e.err));
      }
    }
    let best: { i: number; rho: Rational; poor: number }[] = [];
    for (const [i, e] of floatRho) {
      if (e !== 'uncertain' && e.rho * (1 - e.err) > bestHigh) continue;
      const x = evalExact(i);
      if (!x) {
        reasons.set(i, { kind: 'not-affordable', supportersMoney: explain ? money(i) : ZERO });
        gone.add(i);
        continue;
      }
      remaining.find((c) => c.i === i)!.lb = toNumber(x.rho) * (1 - TRUST);
      const s = best.length === 0 ? -1 : cmp(x.rho, best[0].rho);
      if (s < 0) best = [{ i, ...x }];
      else if (s === 0) best.push({ i, ...x });
    }
    remaining = remaining.filter((c) => !gone.has(c.i));
    if (best.length === 0) {
      if (remaining.length === 0) break;
      continue;
    }
    best.sort((a, b) => cmpOrder(a.i, b.i));
    if (best.length > 1) {
      const ids = best.map((b) => instance.projects[b.i].id);
      const decided = tieDecision(p, best.map((b) => b.i));
      ties.push({
        projects: ids,
        support: p.support[best[0].i],
        decidedBy: options.reportTies ? 'undecided' : decided.by,
        note:
          `round ${rounds.length + 1}: ${ids.join(', ')} have the same price per unit of utility` +
          (options.reportTies ? '; left undecided' : `; decided by ${decided.words}`),
      });
      if (options.reportTies) {
        undecided = true;
        for (const c of remaining) reasons.set(c.i, { kind: 'undecided-tie' });
        break;
      }
    }
    const { i, rho, poor } = best[0];
    const cost = instance.projects[i].cost;
    // New common denominator D' = lcm(D, rho.d); a payment rho·u is then rho.n·u·(D'/rho.d) units.
    const nextD = (D / gcd(D, rho.d)) * rho.d;
    if (nextD !== D) {
      D = nextD;
      epoch += 1;
      epochD.push(D);
      scaleCache.clear();
      setShift();
    }
    const perUnit = rho.n * (D / rho.d);
    const moved = new Map<number, Map<bigint, number>>();
    for (let s = d.start[i]; s < d.start[i + 1]; s++) {
      const g = d.group[s];
      const from = groupClass[g];
      if (from === 0) continue;
      const u = d.util[s];
      let byU = moved.get(from);
      if (!byU) moved.set(from, (byU = new Map()));
      let to = byU.get(u);
      if (to === undefined) {
        const left = num(from) - perUnit * u;
        if (left > 0n) {
          to = classNum.length;
          classNum.push(left);
          classEpoch.push(epoch);
          classF.push(approx(left));
        } else {
          to = 0;
        }
        byU.set(u, to);
      }
      groupClass[g] = to;
      budgetF[g] = classF[to];
    }
    selected.push(i);
    spent += cost;
    const costUtility = p.profile.type === 'approval' || p.profile.type === 'choose-one';
    const price = costUtility ? mulInt(rho, cost) : rho;
    rounds.push({
      round: rounds.length + 1,
      project: instance.projects[i].id,
      cost,
      rho,
      pricePerSupporter: price,
      effectiveVotes: price.n === 0n ? ZERO : div(rat(cost), price),
      supporters: Number(p.votes[i]),
      paidAllTheyHad: poor,
    });
    remaining = remaining.filter((c) => c.i !== i);
  }
  return { selected, rounds, reasons, ties, undecided, cost: spent, utility: p.profile.type === 'approval' || p.profile.type === 'choose-one' ? 'cost' : 'points' };

  function money(i: number): Rational {
    let n = 0n;
    for (let s = d.start[i]; s < d.start[i + 1]; s++) n += num(groupClass[d.group[s]]) * BigInt(p.groups[d.group[s]].weight);
    return rat(n, D);
  }
}

/**
 * What decided a tie among `tied` (in tie-break order): the default keeps its historic report ("order", all criteria
 * named); a configured tie-break names the criteria up to the one that separated the winner from the runner-up.
 */
export function tieDecision(p: Prepared, tied: readonly number[]): { by: import('../types').TieDecision; words: string } {
  const t = p.tieBreaker;
  if (t.isDefault) return { by: 'order', words: t.describe() };
  const by = latestDecision(t, [t.decidedBy(tied[0], tied[1])]);
  return { by, words: t.describe(by) };
}
