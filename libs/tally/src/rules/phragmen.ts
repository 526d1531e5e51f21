import { add, cmp, div, mulInt, rat, toNumber, ZERO, type Rational } from '../rational';
import { type Prepared } from '../prepare';
import { tieDecision } from './mes';
import type { NotSelectedReason, RoundExplanation, RuleOptions, TieReport } from '../types';
import { charge, misfit, newSpend } from './greedy';

export interface PhragmenRun {
  readonly selected: number[];
  readonly rounds: RoundExplanation[];
  readonly reasons: Map<number, NotSelectedReason>;
  readonly ties: TieReport[];
  readonly undecided: boolean;
}

/**
 * Sequential Phragmén for PB: voters earn money at a constant rate; a project is bought, at the moment its
 * supporters together hold its cost, with all their money (their load becomes that time). A project that no longer
 * fits the budget is dropped and the process continues. Every ballot counts as approval of the projects it names.
 */
export function phragmen(p: Prepared, options: RuleOptions = {}): PhragmenRun {
  const { instance } = p;
  const m = instance.projects.length;
  // Loads take one of the round times: store each group's as an index into `times` (0 = no load).
  const times: Rational[] = [ZERO];
  const level = new Array<number>(p.groups.length).fill(0);
  const reasons = new Map<number, NotSelectedReason>();
  const rounds: RoundExplanation[] = [];
  const ties: TieReport[] = [];
  const selected: number[] = [];
  const spend = newSpend();
  let remaining: number[] = [];
  for (let i = 0; i < m; i++) {
    if (options.threshold !== undefined && p.support[i] < options.threshold) {
      reasons.set(i, { kind: 'below-threshold', threshold: options.threshold });
    } else if (p.supporters[i].length === 0) reasons.set(i, { kind: 'no-support' });
    else remaining.push(i);
  }
  let undecided = false;
  const exactTime = (i: number): Rational => {
    const perLevel = new Map<number, bigint>();
    for (const s of p.supporters[i]) {
      const l = level[s.group];
      if (l !== 0) perLevel.set(l, (perLevel.get(l) ?? 0n) + BigInt(p.groups[s.group].weight));
    }
    let load: Rational = rat(instance.projects[i].cost);
    for (const [l, count] of perLevel) load = add(load, mulInt(times[l], count));
    return div(load, rat(p.votes[i]));
  };
  // Floats find the earliest candidates; only those within rounding reach of the earliest are timed exactly.
  const timesF: number[] = [0];
  while (remaining.length > 0) {
    const approx = remaining.map((i) => {
      let load = Number(instance.projects[i].cost);
      for (const s of p.supporters[i]) load += p.groups[s.group].weight * timesF[level[s.group]];
      return load / Number(p.votes[i]);
    });
    const minF = Math.min(...approx);
    let best: { i: number; t: Rational }[] = [];
    remaining.forEach((i, k) => {
      if (approx[k] > minF * (1 + 1e-9) + 1e-300) return;
      const t = exactTime(i);
      const c = best.length === 0 ? -1 : cmp(t, best[0].t);
      if (c < 0) best = [{ i, t }];
      else if (c === 0) best.push({ i, t });
    });
    best.sort((a, b) => p.tieBreaker.compare(a.i, b.i));
    if (best.length > 1) {
      const ids = best.map((b) => instance.projects[b.i].id);
      const decided = tieDecision(p, best.map((b) => b.i));
      ties.push({
        projects: ids,
        support: p.support[best[0].i],
        decidedBy: options.reportTies ? 'undecided' : decided.by,
        note: `${ids.join(', ')} become affordable at the same time` + (options.reportTies ? '; left undecided' : `; decided by ${decided.words}`),
      });
      if (options.reportTies) {
        undecided = true;
        for (const i of remaining) reasons.set(i, { kind: 'undecided-tie' });
        break;
      }
    }
    const { i, t } = best[0];
    remaining = remaining.filter((j) => j !== i);
    const why = misfit(p, spend, i);
    if (why) {
      reasons.set(i, why);
      continue;
    }
    selected.push(i);
    charge(p, spend, i);
    times.push(t);
    timesF.push(toNumber(t));
    for (const s of p.supporters[i]) level[s.group] = times.length - 1;
    const cost = instance.projects[i].cost;
    rounds.push({
      round: rounds.length + 1,
      project: instance.projects[i].id,
      cost,
      rho: t,
      pricePerSupporter: div(rat(cost), rat(p.votes[i])),
      effectiveVotes: rat(p.votes[i]),
      supporters: Number(p.votes[i]),
      paidAllTheyHad: Number(p.votes[i]),
    });
  }
  return { selected, rounds, reasons, ties, undecided };
}
