import { checkPriceability, PRICEABILITY_MAX_CELLS, type PriceabilityCheck } from './priceability';
import { formatRational } from './rational';
import type { Rational } from './rational';
import type { Instance, Profile, RuleName } from './types';

/** What the analysis needs of an outcome: a TallyResult, or a declared result read back from JSON. */
export interface AnalysedOutcome {
  readonly rule: RuleName;
  readonly selected: readonly string[];
  readonly explanation: {
    readonly rounds?: readonly { readonly project: string; readonly effectiveVotes: Rational; readonly rho?: Rational }[];
    /** Equal Shares: the budget per voter of the run (with the rounds' rho, the price system priceability exhibits). */
    readonly perVoterBudget?: Rational;
    readonly utility?: 'cost' | 'points';
  };
}

/**
 * Fairness of an outcome, in the measures pabutools offers for approval ballots (pabutools.analysis:
 * satisfaction averages and their Gini coefficient, the share of voters with no funded project) plus an exact EJR
 * check on small instances and Equal Shares' effective support per project. Pure and exact where it decides
 * (EJR uses bigint arithmetic); averages and Gini coefficients are reported as floats.
 *
 * A voter's projects are the ones their ballot names (approval, choose-one) or gives points to (cumulative,
 * ordinal). Cardinality satisfaction = how many of them are funded; cost satisfaction = their total cost.
 */
export interface FairnessAnalysis {
  readonly voters: number;
  /** Voters none of whose projects is funded (ballots naming nothing count as empty-handed too). */
  readonly emptyHanded: { readonly count: number; readonly share: number };
  readonly cardinality: { readonly mean: number; readonly gini: number };
  /** In currency units (money / 10^scale). */
  readonly cost: { readonly mean: number; readonly gini: number };
  /** The same per group of voters, for each grouping given (e.g. district, age band). */
  readonly groups: readonly GroupAnalysis[];
  readonly ejr: EjrCheck;
  /** PJR (cardinality): satisfied whenever EJR is (EJR implies PJR); checked exactly when EJR fails. */
  readonly pjr: EjrCheck;
  /** Priceability (see PriceabilityCheck): exhibited from an Equal Shares run, or decided by an exact linear program. */
  readonly priceability: PriceabilityCheck;
  /** Equal Shares outcomes: effective support (cost / the most any supporter paid) of each project funded by MES. */
  readonly effectiveSupport?: readonly { readonly project: string; readonly effectiveVotes: string }[];
  /** The figures in plain words for residents. */
  readonly plain: readonly string[];
}

export interface GroupAnalysis {
  readonly grouping: string;
  readonly group: string;
  readonly voters: number;
  readonly emptyHandedShare: number;
  readonly meanCardinality: number;
}

/**
 * EJR for approval ballots with cardinality satisfaction (Peters, Pierczyński, Skowron 2021): for every set T of
 * projects and every group S of voters who all approve T with |S| ≥ cost(T)·n/budget, some voter of S has at least
 * |T| funded projects. Checked exactly over every affordable T when there are at most `EJR_MAX_PROJECTS` projects.
 */
export type EjrCheck =
  | { readonly status: 'satisfied'; readonly subsets: number }
  | { readonly status: 'violated'; readonly projects: readonly string[]; readonly groupSize: number; readonly needed: number }
  | { readonly status: 'too-large'; readonly projects: number }
  | { readonly status: 'not-applicable'; readonly why: string };

export const EJR_MAX_PROJECTS = 16;
/** Distinct ballots × subsets of projects the exact check may visit (about a second on this machine). */
export const EJR_MAX_WORK = 2 ** 28;

export interface Grouping {
  /** e.g. "district", "age". */
  readonly name: string;
  /** voterId → group; voters missing from the map are left out of this grouping. */
  readonly of: ReadonlyMap<string, string>;
}

/** Standard Gini coefficient of non-negative values: Σ(2i − n − 1)·x_i / (n·Σx) over the values sorted ascending. */
export function gini(values: readonly number[]): number {
  const n = values.length;
  const xs = [...values].sort((a, b) => a - b);
  const total = xs.reduce((s, x) => s + x, 0);
  if (n === 0 || total === 0) return 0;
  let acc = 0;
  for (let i = 0; i < n; i++) acc += (2 * (i + 1) - n - 1) * xs[i];
  return acc / (n * total);
}

/**
 * A share in words residents read at a glance: "7 in 10 voters", with "all", "nearly all", "hardly any" and
 * "none" at the ends so a rounded figure never says "10 in 10" for 99.6 % or "0 in 10" for 3 %.
 */
export function shareInWords(count: number, total: number, noun = 'voters'): string {
  if (total === 0 || count === 0) return `no ${noun}`;
  if (count === total) return total === 1 ? `the only one of the ${noun}` : `all ${total} ${noun}`;
  const share = count / total;
  if (share >= 0.95) return `nearly all ${noun}`;
  if (share <= 0.05) return `hardly any ${noun}`;
  return `${Math.round(share * 10)} in 10 ${noun}`;
}

export function ageBand(age: string): string | undefined {
  const a = Number(age);
  if (age.trim() === '' || !Number.isFinite(a) || a < 0 || a > 130) return undefined;
  if (a < 18) return 'under 18';
  if (a < 30) return '18–29';
  if (a < 45) return '30–44';
  if (a < 65) return '45–64';
  return '65+';
}

export function analyseFairness(instance: Instance, profile: Profile, result: AnalysedOutcome, groupings: readonly Grouping[] = []): FairnessAnalysis {
  const index = new Map(instance.projects.map((p, i) => [p.id, i]));
  const funded = new Set(result.selected.map((id) => index.get(id)!));
  const unit = 10 ** instance.scale;
  const card: number[] = [];
  const cost: number[] = [];
  const chosen: number[][] = [];
  for (const b of profile.ballots) {
    const mine = b.projects.map((id) => index.get(id)!).filter((i, k) => i !== undefined && (b.points === undefined || b.points[k] > 0n));
    chosen.push(mine);
    let c = 0;
    let money = 0n;
    for (const i of mine) {
      if (funded.has(i)) {
        c++;
        money += instance.projects[i].cost;
      }
    }
    card.push(c);
    cost.push(Number(money) / unit);
  }
  const n = card.length;
  const empty = card.filter((c) => c === 0).length;
  const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);

  const groups: GroupAnalysis[] = [];
  for (const g of groupings) {
    const byGroup = new Map<string, number[]>();
    profile.ballots.forEach((b, k) => {
      const key = g.of.get(b.voterId);
      if (key === undefined || key === '') return;
      let list = byGroup.get(key);
      if (!list) byGroup.set(key, (list = []));
      list.push(card[k]);
    });
    for (const [group, cs] of [...byGroup].sort(([a], [b]) => a.localeCompare(b))) {
      groups.push({ grouping: g.name, group, voters: cs.length, emptyHandedShare: cs.filter((c) => c === 0).length / cs.length, meanCardinality: mean(cs) });
    }
  }

  const approval = profile.type === 'approval' || profile.type === 'choose-one';
  const ejr: EjrCheck = approval ? checkEjr(instance, chosen, funded) : { status: 'not-applicable', why: 'EJR is checked for approval ballots only' };
  const pjr: EjrCheck = !approval
    ? { status: 'not-applicable', why: 'PJR is checked for approval ballots only' }
    : ejr.status === 'violated'
      ? checkPjr(instance, chosen, funded)
      : ejr;

  const priceability: PriceabilityCheck =
    profile.type === 'ordinal'
      ? { status: 'not-applicable', why: 'priceability is checked for approval, choose-one and points ballots' }
      : checkPriceability({
          instance,
          chosen,
          points: profile.type === 'cumulative' ? chosenPoints(profile, index) : undefined,
          funded,
          run: equalSharesRun(result),
        });

  const effective =
    result.explanation.rounds && result.rule.startsWith('equalshares')
      ? result.explanation.rounds.map((r) => ({ project: r.project, effectiveVotes: formatRational(r.effectiveVotes, 2) }))
      : undefined;

  const money = (x: number) => `${x.toLocaleString('en-US', { maximumFractionDigits: 2 })}${instance.currency ? ` ${instance.currency}` : ''}`;
  const plain = [
    `${capital(shareInWords(n - empty, n))} got at least one project they chose (${n - empty} of ${n}); ${empty} got none.`,
    `On average a voter got ${mean(card).toFixed(2)} of the projects they chose, worth ${money(mean(cost))}.`,
    `Gini coefficient of how many projects voters got: ${gini(card).toFixed(3)}; of what they are worth: ${gini(cost).toFixed(3)} (0 = everybody got the same, 1 = one voter got everything).`,
    ...groups.map((g) => `${capital(g.grouping)} ${g.group}: ${shareInWords(Math.round((1 - g.emptyHandedShare) * g.voters), g.voters)} got at least one project they chose.`),
    ejrWords(ejr),
    ...(ejr.status === 'violated' ? [pjrWords(pjr)] : []),
    priceabilityWords(priceability, (minor) => money(minor / unit)),
  ];
  return {
    voters: n,
    emptyHanded: { count: empty, share: n === 0 ? 0 : empty / n },
    cardinality: { mean: mean(card), gini: gini(card) },
    cost: { mean: mean(cost), gini: gini(cost) },
    groups,
    ejr,
    pjr,
    priceability,
    ...(effective ? { effectiveSupport: effective } : {}),
    plain,
  };
}

/** The points each voter gave to the projects `analyseFairness` counts as theirs (those with points > 0). */
function chosenPoints(profile: Profile, index: ReadonlyMap<string, number>): bigint[][] {
  return profile.ballots.map((b) => b.projects.flatMap((id, k) => (index.get(id) !== undefined && (b.points?.[k] ?? 0n) > 0n ? [b.points![k]] : [])));
}

function equalSharesRun(result: AnalysedOutcome) {
  const x = result.explanation;
  if (!result.rule.startsWith('equalshares') || !x.perVoterBudget || !x.rounds || x.rounds.some((r) => !r.rho)) return undefined;
  return { perVoterBudget: x.perVoterBudget, rounds: x.rounds.map((r) => ({ project: r.project, rho: r.rho! })), utility: x.utility ?? 'cost' };
}

function priceabilityWords(p: PriceabilityCheck, money: (x: number) => string): string {
  const tail = (exhaustive: boolean) =>
    exhaustive ? '' : ' (The outcome leaves money unspent that would still buy a project left out, so it is not exhaustive.)';
  switch (p.status) {
    case 'priceable': {
      const [n, d = '1'] = p.voterBudget.split('/');
      const how = p.method === 'equal-shares-run' ? 'the Equal Shares count itself shows how' : 'checked exactly';
      return `Priceable (${how}): give every voter ${money(Number(n) / Number(d))} and let each spend it only on projects they chose — the funded projects can be paid for exactly, and no project left out had supporters with enough money left to buy it.${tail(p.exhaustive)}`;
    }
    case 'not-priceable':
      return `Not priceable (checked exactly): ${p.why}.${tail(p.exhaustive)}`;
    case 'too-large':
      return `Priceability: too large to check exactly (${p.ballotKinds} different ballots over ${p.projects} projects; Plaza solves up to ${PRICEABILITY_MAX_CELLS.toLocaleString('en-US')} cells of the linear program).`;
    case 'not-applicable':
      return `Priceability: not checked — ${p.why}.`;
  }
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function ejrWords(e: EjrCheck): string {
  switch (e.status) {
    case 'satisfied':
      return `Fair to groups (EJR, checked exactly over ${e.subsets} sets of projects): every group of voters large enough to pay for some projects they all wanted got at least that many of its projects.`;
    case 'violated':
      return `Not fair to every group (EJR fails): ${e.groupSize} voters all wanted ${e.projects.join(', ')} — enough to pay for them — yet none of them got ${e.needed === 1 ? 'any' : e.needed} of their projects.`;
    case 'too-large':
      return `Fairness to groups (EJR): too large to check exactly (${e.projects} projects; Plaza checks up to ${EJR_MAX_PROJECTS}, and fewer when there are many different ballots).`;
    case 'not-applicable':
      return `Fairness to groups (EJR): not checked — ${e.why}.`;
  }
}

function pjrWords(e: EjrCheck): string {
  switch (e.status) {
    case 'satisfied':
      return 'The weaker guarantee still holds (PJR, checked exactly): every such group got, together, at least as many funded projects as it could pay for.';
    case 'violated':
      return `Even the weaker guarantee fails (PJR): ${e.groupSize} voters all wanted ${e.projects.join(', ')}, yet together they got ${e.needed === 1 ? 'none of their projects' : `fewer than ${e.needed} of their projects`}.`;
    case 'too-large':
      return 'The weaker guarantee (PJR): too large to check exactly.';
    case 'not-applicable':
      return `PJR: not checked — ${e.why}.`;
  }
}

/**
 * Exact PJR check (cardinality): for every affordable T and every group of voters who all approve T and can pay for
 * it, the funded projects approved by someone in the group number at least |T|. A violating group exists iff, for
 * some set F of funded projects smaller than T, the approvers of T whose funded projects all lie in F can pay for T.
 */
export function checkPjr(instance: Instance, chosen: readonly number[][], funded: ReadonlySet<number>): EjrCheck {
  const m = instance.projects.length;
  if (m > EJR_MAX_PROJECTS) return { status: 'too-large', projects: m };
  let fundedMask = 0;
  for (const i of funded) fundedMask |= 1 << i;
  const fundedBits = [...funded].sort((a, b) => a - b);
  const weights = new Map<number, number>();
  for (const c of chosen) {
    let mask = 0;
    for (const i of c) mask |= 1 << i;
    weights.set(mask, (weights.get(mask) ?? 0) + 1);
  }
  const groups = [...weights].map(([mask, weight]) => ({ mask, got: mask & fundedMask, weight }));
  if (groups.length * 2 ** m * 2 ** fundedBits.length > EJR_MAX_WORK) return { status: 'too-large', projects: m };
  const n = BigInt(chosen.length);
  const costs = instance.projects.map((p) => p.cost);
  let subsets = 0;
  for (let t = 1; t < 1 << m; t++) {
    const { cost, size } = subsetCost(t, costs);
    if (cost > instance.budget) continue;
    subsets++;
    const approvers = groups.filter((g) => (g.mask & t) === t);
    // Every F ⊆ funded with |F| < |T|, as a combination of funded project bits.
    for (let f = 0; f < 1 << fundedBits.length; f++) {
      let fm = 0;
      let fs = 0;
      for (let k = 0; k < fundedBits.length; k++) {
        if (f & (1 << k)) {
          fm |= 1 << fundedBits[k];
          fs++;
        }
      }
      if (fs >= size) continue;
      let w = 0n;
      for (const g of approvers) if ((g.got & ~fm) === 0) w += BigInt(g.weight);
      if (w > 0n && w * instance.budget >= cost * n) {
        const ids: string[] = [];
        for (let i = 0; i < m; i++) if (t & (1 << i)) ids.push(instance.projects[i].id);
        return { status: 'violated', projects: ids, groupSize: Number(w), needed: size };
      }
    }
  }
  return { status: 'satisfied', subsets };
}

/** Total cost and number of the projects whose bits are set in `t`. */
function subsetCost(t: number, costs: readonly bigint[]): { cost: bigint; size: number } {
  let cost = 0n;
  let size = 0;
  for (let i = 0; i < costs.length; i++) {
    if (t & (1 << i)) {
      cost += costs[i];
      size++;
    }
  }
  return { cost, size };
}

/** Exact EJR check (see EjrCheck) over voter groups with identical approval sets. */
export function checkEjr(instance: Instance, chosen: readonly number[][], funded: ReadonlySet<number>): EjrCheck {
  const m = instance.projects.length;
  if (m > EJR_MAX_PROJECTS) return { status: 'too-large', projects: m };
  // Identical ballots as one weighted mask.
  const weights = new Map<number, { weight: number; sat: number }>();
  for (const c of chosen) {
    let mask = 0;
    for (const i of c) mask |= 1 << i;
    const w = weights.get(mask);
    if (w) w.weight++;
    else weights.set(mask, { weight: 1, sat: c.filter((i) => funded.has(i)).length });
  }
  const groups = [...weights].map(([mask, w]) => ({ mask, ...w }));
  if (groups.length * 2 ** m > EJR_MAX_WORK) return { status: 'too-large', projects: m };
  const n = BigInt(chosen.length);
  const budget = instance.budget;
  const costs = instance.projects.map((p) => p.cost);
  let subsets = 0;
  for (let t = 1; t < 1 << m; t++) {
    const { cost, size } = subsetCost(t, costs);
    if (cost > budget) continue;
    subsets++;
    // Voters who approve all of T and have fewer than |T| funded projects: if they alone are enough to pay for T,
    // they are a cohesive group EJR leaves short.
    let low = 0n;
    for (const g of groups) if ((g.mask & t) === t && g.sat < size) low += BigInt(g.weight);
    if (low > 0n && low * budget >= cost * n) {
      const ids: string[] = [];
      for (let i = 0; i < m; i++) if (t & (1 << i)) ids.push(instance.projects[i].id);
      return { status: 'violated', projects: ids, groupSize: Number(low), needed: size };
    }
  }
  return { status: 'satisfied', subsets };
}
