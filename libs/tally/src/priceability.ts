import { solveFeasibility } from './lp';
import { add, cmp, mul, rat, sub, ZERO, type Rational } from './rational';
import type { Instance } from './types';

/**
 * Priceability of an outcome W (Peters, Pierczyński, Skowron, "Proportional participatory budgeting with additive
 * utilities", NeurIPS 2021; the conditions pabutools.analysis.priceability checks). A price system is a voter budget
 * b and payments p_i(c) ≥ 0 such that
 *   (C1) a voter pays only for projects on their ballot,
 *   (C2) no voter pays more than b in total,
 *   (C3) the payments for each funded project add up to its cost,
 *   (C4) nobody pays for a project that is not funded,
 *   (C5) for each project that is not funded, its supporters' leftover money (b minus what they paid) is at most
 *        its cost — they could not have bought it together,
 * and the voters' money covers the budget (n·b ≥ budget) and W fits it (C0a). W is priceable if a price system
 * exists. pabutools' `priceable` also demands, by default, that W be exhaustive (no project left out would still
 * fit the money left): reported here separately as `exhaustive`, so pabutools' default answer is
 * `priceable && exhaustive`.
 *
 * Decided exactly: by exhibiting the price system an Equal Shares run already is (voter budget = the run's budget
 * per voter, payments = what each supporter paid in each round) and checking it, or by solving the linear program
 * over (b, p) in exact integer arithmetic when the instance is small enough (identical ballots are merged: averaging
 * the payments of voters with the same ballot keeps every condition, so one payment per ballot kind suffices).
 */
export type PriceabilityCheck =
  | {
      readonly status: 'priceable';
      readonly method: 'equal-shares-run' | 'linear-program';
      /** W leaves no project out that would still fit (pabutools' default `exhaustive=True` requires it). */
      readonly exhaustive: boolean;
      /** The price system's budget per voter, in the instance's smallest money unit, as "n/d" or an integer. */
      readonly voterBudget: string;
      /** What the voters paid for each funded project (their sum is its cost), largest single payment first. */
      readonly payments: readonly { readonly project: string; readonly payers: number; readonly largest: string }[];
    }
  | {
      readonly status: 'not-priceable';
      readonly exhaustive: boolean;
      /** Why, in words: a violated necessary condition, or "no price system exists" from the exact linear program. */
      readonly why: string;
    }
  | { readonly status: 'too-large'; readonly ballotKinds: number; readonly projects: number }
  | { readonly status: 'not-applicable'; readonly why: string };

/** Rows × columns of the exact linear program Plaza will solve (about a second on this machine at the limit). */
export const PRICEABILITY_MAX_CELLS = 60_000;

/** An Equal Shares run, as the explanation records it: the budget per voter and each round's price per utility unit. */
export interface EqualSharesRun {
  readonly perVoterBudget: Rational;
  readonly rounds: readonly { readonly project: string; readonly rho: Rational }[];
  /** Utility a voter has for a project: the project's cost (approval) or the voter's points. */
  readonly utility: 'cost' | 'points';
}

export interface PriceabilityInput {
  readonly instance: Instance;
  /** For each voter, the indices of the projects their ballot supports. */
  readonly chosen: readonly (readonly number[])[];
  /** For each voter, the points they gave to `chosen[k]` (points utilities only). */
  readonly points?: readonly (readonly bigint[])[];
  readonly funded: ReadonlySet<number>;
  readonly run?: EqualSharesRun;
}

const fmt = (r: Rational) => (r.d === 1n ? r.n.toString() : `${r.n}/${r.d}`);

export function checkPriceability(input: PriceabilityInput): PriceabilityCheck {
  const { instance, chosen, funded } = input;
  const m = instance.projects.length;
  const n = chosen.length;
  const costs = instance.projects.map((p) => p.cost);
  let spent = 0n;
  for (const c of funded) spent += costs[c];
  const left = instance.budget - spent;
  const exhaustive = costs.every((cost, c) => funded.has(c) || cost > left);
  if (n === 0) return { status: 'not-applicable', why: 'there are no ballots' };
  if (spent > instance.budget) return { status: 'not-priceable', exhaustive, why: 'the funded projects cost more than the budget' };
  const supporters = new Array<number>(m).fill(0);
  for (const c of chosen) for (const i of new Set(c)) supporters[i]++;
  for (const c of funded) {
    if (supporters[c] === 0 && costs[c] > 0n) {
      return { status: 'not-priceable', exhaustive, why: `funded project ${instance.projects[c].id} has no supporter to pay for it` };
    }
  }

  if (input.run) {
    const fromRun = priceSystemFromRun(input, exhaustive);
    if (fromRun) return fromRun;
  }
  return priceByLinearProgram(instance, chosen, funded, exhaustive);
}

/**
 * The price system an Equal Shares run defines: every voter starts with the run's budget per voter and, round by
 * round, each supporter of the bought project pays min(what they have left, rho × their utility). Checked
 * exactly against (C0)–(C5); undefined when the run does not make a valid price system for W (then the linear program
 * decides).
 */
function priceSystemFromRun(input: PriceabilityInput, exhaustive: boolean): PriceabilityCheck | undefined {
  const { instance, chosen, funded, run } = input;
  if (!run) return undefined;
  const index = new Map(instance.projects.map((p, i) => [p.id, i]));
  const bought = run.rounds.map((r) => index.get(r.project));
  if (bought.some((i) => i === undefined) || bought.length !== funded.size || !bought.every((i) => funded.has(i!))) return undefined;
  const n = chosen.length;
  const b = run.perVoterBudget;
  if (cmp(mul(b, rat(BigInt(n))), rat(instance.budget)) < 0) return undefined;
  const leftover: Rational[] = new Array<Rational>(n).fill(b);
  // Voters supporting each project, with their utility for it.
  const who: { voter: number; utility: bigint }[][] = instance.projects.map(() => []);
  chosen.forEach((c, v) => {
    c.forEach((i, k) => {
      const utility = run.utility === 'cost' ? instance.projects[i].cost : (input.points?.[v]?.[k] ?? 0n);
      who[i].push({ voter: v, utility });
    });
  });
  const payments: { project: string; payers: number; largest: string }[] = [];
  for (let k = 0; k < run.rounds.length; k++) {
    const i = bought[k]!;
    let paid = ZERO;
    let payers = 0;
    let largest = ZERO;
    for (const s of who[i]) {
      const want = mul(run.rounds[k].rho, rat(s.utility));
      const pay = cmp(want, leftover[s.voter]) < 0 ? want : leftover[s.voter];
      if (pay.n === 0n) continue;
      leftover[s.voter] = sub(leftover[s.voter], pay);
      paid = add(paid, pay);
      payers++;
      if (cmp(pay, largest) > 0) largest = pay;
    }
    if (cmp(paid, rat(instance.projects[i].cost)) !== 0) return undefined; // (C3)
    payments.push({ project: instance.projects[i].id, payers, largest: fmt(largest) });
  }
  // (C5): the supporters of every project not funded have at most its cost left.
  for (let i = 0; i < instance.projects.length; i++) {
    if (funded.has(i)) continue;
    let money = ZERO;
    for (const s of who[i]) money = add(money, leftover[s.voter]);
    if (cmp(money, rat(instance.projects[i].cost)) > 0) return undefined;
  }
  return { status: 'priceable', method: 'equal-shares-run', exhaustive, voterBudget: fmt(b), payments };
}

/**
 * (b, p) as a linear program over identical-ballot kinds g with weight w_g (voters with that ballot), every
 * variable ≥ 0:
 *   q[g,c] per-voter payment of kind g for funded c on its ballot;  s[g] per-voter leftover;  b;
 *   t[c] slack of (C5) for unfunded c;  u slack of n·b ≥ budget.
 *   (C2)  Σ_c q[g,c] + s[g] − b = 0                 for each kind g
 *   (C3)  Σ_g w_g q[g,c] = cost(c)                  for each funded c
 *   (C5)  Σ_{g ∋ c} w_g s[g] + t[c] = cost(c)        for each unfunded c someone supports
 *         n·b − u = budget
 */
function priceByLinearProgram(instance: Instance, chosen: readonly (readonly number[])[], funded: ReadonlySet<number>, exhaustive: boolean): PriceabilityCheck {
  const kinds = new Map<string, { projects: number[]; weight: number }>();
  for (const c of chosen) {
    const projects = [...new Set(c)].sort((x, y) => x - y);
    const key = projects.join(',');
    const k = kinds.get(key);
    if (k) k.weight++;
    else kinds.set(key, { projects, weight: 1 });
  }
  const groups = [...kinds.values()];
  const m = instance.projects.length;
  const fundedList = [...funded].sort((x, y) => x - y);
  const unfunded = [...Array(m).keys()].filter((i) => !funded.has(i) && groups.some((g) => g.projects.includes(i)));
  let columns = 0;
  const q = groups.map((g) => new Map(g.projects.filter((i) => funded.has(i)).map((i) => [i, columns++])));
  const s = groups.map(() => columns++);
  const b = columns++;
  const tCol = new Map(unfunded.map((i) => [i, columns++]));
  const u = columns++;
  const rowCount = groups.length + fundedList.length + unfunded.length + 1;
  if (rowCount * (columns + rowCount) > PRICEABILITY_MAX_CELLS) return { status: 'too-large', ballotKinds: groups.length, projects: m };

  const rows: Map<number, bigint>[] = [];
  const rhs: bigint[] = [];
  groups.forEach((_, k) => {
    const row = new Map<number, bigint>();
    for (const col of q[k].values()) row.set(col, 1n);
    row.set(s[k], 1n);
    row.set(b, -1n);
    rows.push(row);
    rhs.push(0n);
  });
  for (const c of fundedList) {
    const row = new Map<number, bigint>();
    groups.forEach((g, k) => {
      const col = q[k].get(c);
      if (col !== undefined) row.set(col, BigInt(g.weight));
    });
    rows.push(row);
    rhs.push(instance.projects[c].cost);
  }
  for (const c of unfunded) {
    const row = new Map<number, bigint>();
    groups.forEach((g, k) => {
      if (g.projects.includes(c)) row.set(s[k], BigInt(g.weight));
    });
    row.set(tCol.get(c)!, 1n);
    rows.push(row);
    rhs.push(instance.projects[c].cost);
  }
  rows.push(
    new Map([
      [b, BigInt(chosen.length)],
      [u, -1n],
    ]),
  );
  rhs.push(instance.budget);

  const answer = solveFeasibility({ columns, rows, rhs });
  if (!answer.feasible) {
    return { status: 'not-priceable', exhaustive, why: 'no price system exists (exact linear program): whatever the budget per voter, either a funded project cannot be paid for or the supporters of a project left out would have enough money left to buy it' };
  }
  const x = answer.x;
  // The solution is exact; check it against the conditions themselves all the same, so a mistake in building the
  // program can never show an outcome priceable that is not.
  const b0 = x[b];
  if (cmp(mul(b0, rat(BigInt(chosen.length))), rat(instance.budget)) < 0) throw new Error('priceability: n·b < budget in the solution');
  const left = groups.map((_, k) => {
    let spent = ZERO;
    for (const col of q[k].values()) spent = add(spent, x[col]);
    if (cmp(spent, b0) > 0) throw new Error('priceability: a voter pays more than b in the solution');
    return sub(b0, spent);
  });
  for (const c of fundedList) {
    let paid = ZERO;
    groups.forEach((g, k) => {
      const col = q[k].get(c);
      if (col !== undefined) paid = add(paid, mul(x[col], rat(BigInt(g.weight))));
    });
    if (cmp(paid, rat(instance.projects[c].cost)) !== 0) throw new Error('priceability: a funded project is not paid exactly in the solution');
  }
  for (const c of unfunded) {
    let money = ZERO;
    groups.forEach((g, k) => {
      if (g.projects.includes(c)) money = add(money, mul(left[k], rat(BigInt(g.weight))));
    });
    if (cmp(money, rat(instance.projects[c].cost)) > 0) throw new Error("priceability: a left-out project's supporters could buy it in the solution");
  }
  const payments = fundedList.map((c) => {
    let payers = 0;
    let largest = ZERO;
    groups.forEach((g, k) => {
      const col = q[k].get(c);
      if (col === undefined || x[col].n === 0n) return;
      payers += g.weight;
      if (cmp(x[col], largest) > 0) largest = x[col];
    });
    return { project: instance.projects[c].id, payers, largest: fmt(largest) };
  });
  return { status: 'priceable', method: 'linear-program', exhaustive, voterBudget: fmt(x[b]), payments };
}
