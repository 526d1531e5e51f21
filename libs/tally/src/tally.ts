import { prepare, type Prepared } from './prepare';
import { rat, add, toNumber, type Rational } from './rational';
import { greedy } from './rules/greedy';
import { certifies, mesExact, mesFloat, type FloatRun, type MesRun } from './rules/mes';
import { phragmen } from './rules/phragmen';
import type {
  Explanation,
  Instance,
  NotSelectedReason,
  Profile,
  ProjectExplanation,
  RoundExplanation,
  RuleName,
  RuleOptions,
  TallyResult,
  TieReport,
} from './types';
import { RULE_NAMES } from './types';

export function isRuleName(name: string): name is RuleName {
  return (RULE_NAMES as readonly string[]).includes(name);
}

interface Outcome {
  selected: number[];
  reasons: Map<number, NotSelectedReason>;
  fromReserve?: Set<number>;
  rounds?: RoundExplanation[];
  ties: TieReport[];
  undecided: boolean;
  notes: string[];
  perVoterBudget?: Rational;
  add1Steps?: number;
  utility?: 'cost' | 'points';
  comparison?: Explanation['comparison'];
}

/**
 * Computes the outcome of `rule` on one instance and its ballots, with the explanation. Exact and deterministic:
 * ties are broken by more support, then lower cost, then input order (or reported with `options.reportTies`).
 */
export function tally(instance: Instance, profile: Profile, rule: RuleName, options: RuleOptions = {}): TallyResult {
  const p = prepare(instance, profile, options);
  const outcome = run(p, rule, options);
  return toResult(p, rule, outcome);
}

/**
 * `equalshares/add1` with the one-unit loop itself (every raise run, no jumps): the reference the jumping loop is
 * tested against. Not part of the library's API.
 */
export function tallyAdd1OneUnit(instance: Instance, profile: Profile, options: RuleOptions = {}): TallyResult {
  const p = prepare(instance, profile, options);
  return toResult(p, 'equalshares/add1', add1(p, options, true));
}

function run(p: Prepared, rule: RuleName, options: RuleOptions): Outcome {
  switch (rule) {
    case 'greedy':
    case 'greedy-no-skip':
    case 'greedy-threshold': {
      if (rule === 'greedy-threshold' && options.threshold === undefined) {
        throw new RangeError('greedy-threshold needs a threshold (META min_project_score_threshold or --threshold)');
      }
      const o = greedy(p, { ...options, noSkip: options.noSkip || rule === 'greedy-no-skip' });
      const notes = [...o.notes];
      if (options.threshold !== undefined) notes.push(`only projects with support ≥ ${options.threshold} are eligible`);
      if (rule === 'greedy-no-skip' || options.noSkip) notes.push('stops at the first project that does not fit');
      return { ...o, notes };
    }
    case 'equalshares':
    case 'equalshares/add1':
    case 'equalshares-comparison':
    case 'equalshares/add1-comparison': {
      const withAdd1 = rule.startsWith('equalshares/add1');
      const o = withAdd1 ? add1(p, options) : mes(p, options);
      if (!rule.endsWith('-comparison') || o.undecided) return o;
      return compareWithGreedy(p, o, options);
    }
    case 'phragmen': {
      const o = phragmen(p, options);
      return { ...o, notes: ['sequential Phragmén; every ballot counts as approval of the projects it names'] };
    }
    default: {
      const never: never = rule;
      throw new RangeError(`unknown rule ${String(never)}`);
    }
  }
}

function fromMes(r: MesRun, perVoter: Rational, notes: string[], add1Steps?: number): Outcome {
  return { ...r, notes, perVoterBudget: perVoter, add1Steps, utility: r.utility };
}

function mes(p: Prepared, options: RuleOptions): Outcome {
  const perVoter = rat(p.instance.budget, BigInt(Math.max(1, p.n)));
  return fromMes(mesExact(p, perVoter, options), perVoter, [utilityNote(p)]);
}

function utilityNote(p: Prepared): string {
  return p.profile.type === 'approval' || p.profile.type === 'choose-one'
    ? 'Equal Shares with cost utilities: supporters of a project share its cost equally, within what each has left'
    : 'Equal Shares with score utilities: supporters pay in proportion to the points they gave';
}

/**
 * Add1 completion as Pabulib defines it: raise every voter's budget by one currency unit at a time while the
 * outcome still fits the real budget, and keep the last outcome that fits (not "stop once exhaustive").
 * Instead of running every raise, the loop jumps: a run `jump` raises ahead that provably decides like the current
 * one (`certifies`, and the README's "Add1 jumps") shows every raise in between gives the same, fitting, outcome.
 * Jumps double while they are certified; an interval that is not is split at its middle, its upper run kept for
 * the upper half, down to single raises next to an outcome change. The
 * intermediate runs may be done in floats when every decision in them is clear by a wide margin; the outcome
 * returned and the run that overspends are both recomputed exactly. `stepping` runs every raise (the reference).
 */
function add1(p: Prepared, options: RuleOptions, stepping = false): Outcome {
  const n = BigInt(Math.max(1, p.n));
  const B = p.instance.budget;
  const unit = 10n ** BigInt(p.instance.scale);
  const initial = rat(B, n);
  const start = options.add1Integral ? rat(B / n) : initial;
  const supported = p.supporters.filter(
    (s, i) => s.length > 0 && (options.threshold === undefined || p.support[i] >= options.threshold),
  ).length;
  let totalCost = 0n;
  for (const pr of p.instance.projects) totalCost += pr.cost;
  const exact = { ...options, reportTies: false };
  const perVoterAt = (k: bigint) => (k === 0n ? initial : add(start, rat(k * unit)));
  // Floats when every decision is clear, else exact (which gives no reference to confirm a jump with).
  type Run = { selected: number[]; cost: bigint; float?: FloatRun };
  const runAt = (k: bigint, reference?: FloatRun): Run => {
    const perVoter = perVoterAt(k);
    const float = mesFloat(p, toNumber(perVoter), options.threshold, reference);
    return float ? { ...float, float } : mesExact(p, perVoter, exact, false);
  };
  // Past this raise every voter could pay for every project alone: nothing can change any more.
  const limit = totalCost + unit;
  const kLimit = (limit * start.d - start.n) / (start.d * unit);
  let k = 0n;
  let current = runAt(0n);
  // Runs ahead of k not yet certified, nearest last: a jump that could not be certified keeps its run as the upper
  // end of the intervals between, so splitting an interval costs one run (its middle), not a new climb.
  const ahead: { k: bigint; run: Run }[] = [];
  let jump = 2n;
  for (;;) {
    if (current.selected.length === supported || k >= kLimit) break;
    let next = ahead[ahead.length - 1];
    if (!next && !stepping && current.float) {
      const target = k + jump > kLimit ? kLimit : k + jump;
      next = { k: target, run: runAt(target, current.float) };
      ahead.push(next);
    }
    if (next && next.k > k + 1n) {
      if (current.float && next.run.float && certifies(current.float, next.run.float)) {
        // Every raise up to next.k gives the current (fitting) outcome.
        ahead.pop();
        if (ahead.length === 0) jump = (next.k - k) * 2n;
        k = next.k;
        current = next.run;
        continue;
      }
      // A change may lie within (or the check is too coarse to exclude one): split the interval.
      if (ahead.length === 1) jump = jump > 2n ? jump / 2n : 2n;
      const mid = k + (next.k - k) / 2n;
      ahead.push({ k: mid, run: runAt(mid, current.float) });
      continue;
    }
    ahead.pop();
    const candidate = next ? next.run : runAt(k + 1n);
    if (candidate.cost > B) {
      // Confirm the overspend exactly; if floats misjudged it, carry on from the exact run.
      const confirm = mesExact(p, perVoterAt(k + 1n), exact, false);
      if (confirm.cost > B) break;
      current = confirm;
    } else {
      current = candidate;
    }
    k += 1n;
  }
  const perVoter = perVoterAt(k);
  const best = mesExact(p, perVoter, options);
  if (!best.undecided && best.cost > B) throw new Error('internal: Add1 outcome overspends when recomputed exactly');
  return fromMes(best, perVoter, [
    utilityNote(p),
    `Add1 completion: ${k} raise(s) of one currency unit per voter; the next raise would overspend`,
  ], Number(k));
}

/** Switch to greedy only if more voters prefer greedy's outcome (satisfaction: approved / points of selected). */
function compareWithGreedy(p: Prepared, o: Outcome, options: RuleOptions): Outcome {
  const g = greedy(p, { reportTies: options.reportTies, threshold: options.threshold });
  const inMes = new Set(o.selected);
  const inGreedy = new Set(g.selected);
  let prefersMes = 0;
  let prefersGreedy = 0;
  for (const grp of p.groups) {
    let sm = 0n;
    let sg = 0n;
    grp.items.forEach((i, k) => {
      if (inMes.has(i)) sm += grp.points[k];
      if (inGreedy.has(i)) sg += grp.points[k];
    });
    if (sm > sg) prefersMes += grp.weight;
    else if (sg > sm) prefersGreedy += grp.weight;
  }
  const switched = prefersGreedy > prefersMes;
  const note = `comparison with greedy: ${prefersMes} voter(s) prefer Equal Shares, ${prefersGreedy} prefer greedy` +
    (switched ? ' — switched to greedy' : ' — Equal Shares kept');
  if (!switched) return { ...o, notes: [...o.notes, note], comparison: { prefersMes, prefersGreedy, switchedToGreedy: false } };
  return {
    selected: g.selected,
    reasons: g.reasons,
    ties: [...o.ties, ...g.ties],
    undecided: g.undecided,
    notes: [...o.notes, note],
    comparison: { prefersMes, prefersGreedy, switchedToGreedy: true },
  };
}

function toResult(p: Prepared, rule: RuleName, o: Outcome): TallyResult {
  const { instance } = p;
  const position = new Map<number, number>();
  o.selected.forEach((i, k) => position.set(i, k + 1));
  let spent = 0n;
  for (const i of o.selected) spent += instance.projects[i].cost;
  const projects: ProjectExplanation[] = p.order.map((i) => {
    const pr = instance.projects[i];
    const round = position.get(i);
    return {
      id: pr.id,
      ...(pr.name !== undefined ? { name: pr.name } : {}),
      cost: pr.cost,
      votes: p.votes[i],
      support: p.support[i],
      selected: round !== undefined,
      ...(round !== undefined ? { round } : {}),
      ...(o.fromReserve?.has(i) ? { fromReserve: true } : {}),
      ...(round === undefined ? { reason: o.reasons.get(i) ?? { kind: 'did-not-fit', left: instance.budget - spent } } : {}),
    };
  });
  const explanation: Explanation = {
    rule,
    notes: o.notes,
    projects,
    ties: o.ties,
    ...(o.rounds ? { rounds: o.rounds } : {}),
    ...(o.utility ? { utility: o.utility } : {}),
    ...(o.perVoterBudget ? { perVoterBudget: o.perVoterBudget } : {}),
    ...(o.add1Steps !== undefined ? { add1Steps: o.add1Steps } : {}),
    ...(o.comparison ? { comparison: o.comparison } : {}),
  };
  return {
    rule,
    selected: o.selected.map((i) => instance.projects[i].id),
    spent,
    budget: instance.budget,
    leftover: instance.budget - spent,
    scale: instance.scale,
    ...(instance.currency !== undefined ? { currency: instance.currency } : {}),
    status: o.undecided ? 'tie' : 'ok',
    explanation,
  };
}
