import { decimalToUnits, type PbDecimal, type PbElection } from '@plaza/pabulib';
import { div, parseRational, rat, type Rational } from './rational';
import { isRuleName } from './tally';
import type { BallotRules, BallotType, Instance, Profile, Project, RuleName, RuleOptions } from './types';

/** A Pabulib election as Plaza tallies it, plus what the file says about the real outcome. */
export interface PabulibTally {
  readonly instance: Instance;
  readonly profile: Profile;
  readonly ballotRules: BallotRules;
  /** META `rule` as written. */
  readonly metaRule: string;
  /** The Plaza rule META `rule` maps to, with the options the file implies, or why it cannot be mapped. */
  readonly rule: { name: RuleName; options: RuleOptions; notes: string[] } | { name: undefined; why: string };
  /** Scale of points (cumulative / explicit ordinal points): points are bigint in units of 10^-pointScale. */
  readonly pointScale: number;
  /** PROJECTS `votes` / `score` as written (score at `pointScale`), for recount checks. */
  readonly recorded: ReadonlyMap<string, { votes?: number; score?: bigint }>;
  /** Raw `selected` cells when the file has the column: a value other than 0 counts as selected. */
  readonly official?: ReadonlyMap<string, string>;
}

export interface CommentHints {
  /** Poznań: "if the remaining budget is enough to fund at least 80% of that project, we fund it as well". */
  readonly reserveFraction?: Rational;
  /** Budapest: "Each voter could approve at most 3 projects in each category". */
  readonly maxPerCategory?: number;
  /** Warszawa 2022 Bielany: "projects 201 and 1932 ... could not be implemented simultaneously". */
  readonly exclusive?: string[][];
}

/**
 * The machine-usable parts of a META `comment`. Only phrasings seen in Pabulib files are recognised; anything else
 * is left to the user (pass the rule options explicitly).
 */
export function commentHints(comment: string | undefined): CommentHints {
  if (!comment) return {};
  const reserve = /remaining budget is enough to fund at least (\d+(?:\.\d+)?)\s*%/i.exec(comment);
  const perCategory = /approve at most (\d+) projects in each category/i.exec(comment);
  const exclusive = [...comment.matchAll(/projects ([^\s,;]+) and ([^\s,;]+)[^#.]*?could not be implemented simultaneously/gi)].map((m) => [m[1], m[2]]);
  return {
    ...(reserve ? { reserveFraction: div(parseRational(reserve[1]), rat(100n)) } : {}),
    ...(perCategory ? { maxPerCategory: Number(perCategory[1]) } : {}),
    ...(exclusive.length > 0 ? { exclusive } : {}),
  };
}

function maxScale(values: Iterable<PbDecimal | undefined>): number {
  let s = 0;
  for (const v of values) if (v && v.scale > s) s = v.scale;
  return s;
}

/** Converts a parsed `.pb` election into Plaza's instance, profile and ballot rules. */
export function fromPabulib(e: PbElection): PabulibTally {
  const type: BallotType = e.voteType === 'choose-1' ? 'choose-one' : e.voteType === 'scoring' ? 'cumulative' : e.voteType;
  const scale = maxScale([e.budget, e.maxSumCost, ...e.projects.map((p) => p.cost), ...(e.budgetPerNeighborhood ?? []), ...(e.budgetPerCategory ?? [])]);
  const money = (d: PbDecimal) => decimalToUnits(d, scale);
  const pointScale = maxScale([
    ...e.votes.flatMap((v) => v.points ?? []),
    ...e.projects.map((p) => p.score),
    e.minProjectScoreThreshold,
    e.maxPoints,
    e.maxSumPoints,
    e.minSumPoints,
  ]);
  const pts = (d: PbDecimal) => decimalToUnits(d, pointScale);

  const projects: Project[] = e.projects.map((p) => {
    const district = p.extra['neighborhood'] || p.extra['district'] || undefined;
    return {
      id: p.id,
      cost: money(p.cost),
      ...(p.name !== undefined ? { name: p.name } : {}),
      categories: p.categories,
      ...(district !== undefined ? { district } : {}),
    };
  });
  const limits = (names: string[] | undefined, budgets: PbDecimal[] | undefined): Record<string, bigint> | undefined =>
    names && budgets ? Object.fromEntries(names.map((n, k) => [n, money(budgets[k])])) : undefined;
  const districtLimits = limits(e.neighborhoods, e.budgetPerNeighborhood);
  const categoryLimits = limits(e.categories, e.budgetPerCategory);
  const instance: Instance = {
    budget: money(e.budget),
    scale,
    ...(e.currency !== undefined ? { currency: e.currency } : {}),
    projects,
    ...(districtLimits ? { districtLimits } : {}),
    ...(categoryLimits ? { categoryLimits } : {}),
  };
  const profile: Profile = {
    type,
    ballots: e.votes.map((v) => ({
      voterId: v.voterId,
      projects: v.projects,
      ...(v.points && (type === 'cumulative' || type === 'ordinal') ? { points: v.points.map(pts) } : {}),
    })),
  };
  const hints = commentHints(e.comment);
  const ballotRules: BallotRules = {
    type,
    ...(e.minLength !== undefined ? { minLength: e.minLength } : {}),
    ...(e.maxLength !== undefined ? { maxLength: e.maxLength } : {}),
    ...(e.maxSumCost !== undefined ? { maxSumCost: money(e.maxSumCost) } : {}),
    ...(e.maxPoints !== undefined ? { maxPoints: pts(e.maxPoints) } : {}),
    ...(e.minSumPoints !== undefined ? { minSumPoints: pts(e.minSumPoints) } : {}),
    ...(e.maxSumPoints !== undefined ? { maxSumPoints: pts(e.maxSumPoints) } : {}),
    ...(hints.maxPerCategory !== undefined ? { maxPerCategory: hints.maxPerCategory } : {}),
    projects,
  };
  const recorded = new Map<string, { votes?: number; score?: bigint }>();
  for (const p of e.projects) {
    recorded.set(p.id, {
      ...(p.votes !== undefined ? { votes: p.votes } : {}),
      ...(p.score !== undefined ? { score: pts(p.score) } : {}),
    });
  }
  const hasSelected = e.projects.some((p) => p.selected !== undefined);
  const official = hasSelected ? new Map(e.projects.map((p) => [p.id, p.selected ?? ''])) : undefined;
  // Approval and choose-one thresholds count votes; points thresholds count points.
  const threshold =
    e.minProjectScoreThreshold === undefined
      ? undefined
      : type === 'approval' || type === 'choose-one'
        ? decimalToUnits(e.minProjectScoreThreshold, 0)
        : pts(e.minProjectScoreThreshold);
  return {
    instance,
    profile,
    ballotRules,
    metaRule: e.rule,
    rule: mapRule(e.rule, threshold, hints),
    pointScale,
    recorded,
    ...(official ? { official } : {}),
  };
}

function mapRule(
  metaRule: string,
  threshold: bigint | undefined,
  hints: CommentHints,
): PabulibTally['rule'] {
  const options: RuleOptions = threshold !== undefined ? { threshold } : {};
  if (metaRule === 'greedy-exclusive') {
    if (hints.exclusive) {
      return {
        name: 'greedy',
        options: { ...options, exclusive: hints.exclusive },
        notes: [`greedy-exclusive: mutually exclusive projects read from the META comment: ${hints.exclusive.map((g) => g.join(' / ')).join('; ')}`],
      };
    }
    return {
      name: 'greedy',
      options,
      notes: ['greedy-exclusive: the file does not list the conflicting projects; pass them with --exclusive'],
    };
  }
  if (metaRule === 'greedy-custom') {
    if (hints.reserveFraction) {
      return {
        name: 'greedy',
        options: { ...options, reserveFraction: hints.reserveFraction },
        notes: ['greedy-custom read from the META comment as the reserve rule (stop, then fund from reserves)'],
      };
    }
    return { name: undefined, why: 'greedy-custom: the META comment does not describe a rule Plaza can apply' };
  }
  if (isRuleName(metaRule)) {
    return { name: metaRule, options, notes: [] };
  }
  return { name: undefined, why: `META rule ${JSON.stringify(metaRule)} is not a rule Plaza can apply` };
}
