import 'reflect-metadata';
import { basename } from 'node:path';
import type { BallotRules, OutcomeRule, OutcomeRuleName, RoundConfig } from '@plaza/contracts';
import { OUTCOME_RULE_NAMES, roundConfigProblems, UNIT_ID_PATTERN } from '@plaza/contracts';
import { decimalToUnits, type PbDecimal, type PbElection } from '@plaza/pabulib';
import { fromPabulib, type Rational } from '@plaza/tally';
import { currencyForCountry, minorDigits, toMinorUnits } from './money';

/** One project of the file as it will be submitted and accepted. */
export interface PlannedProject {
  /** `project_id` in the file. */
  readonly pbId: string;
  readonly title: string;
  readonly description: string;
  /** Minor units; used as estimated cost and as the accepted (reviewed) cost. */
  readonly cost: number;
}

/** One ballot of the file, in file ids; `plaza import` maps them to proposal ids once the proposals exist. */
export interface PlannedBallot {
  readonly voterId: string;
  readonly choices: readonly string[];
  /** Cumulative ballots only: points in the order of `choices`. */
  readonly points?: readonly number[];
}

/** Everything `plaza import` sends, derived from the file alone (no I/O), so it can be checked before any call. */
export interface ImportPlan {
  readonly config: RoundConfig;
  readonly unitId: string;
  /** File order: it is also the acceptance order, which the tally uses as its last tie-breaker. */
  readonly projects: readonly PlannedProject[];
  /** One identity per `voter_id`, file order. */
  readonly voters: readonly string[];
  readonly ballots: readonly PlannedBallot[];
  /** Project ids whose `selected` cell is not 0, file order; undefined when the file has no `selected` column. */
  readonly official?: readonly string[];
  /** Amounts in the file are multiplied by 10^moneyDigits to get minor units. */
  readonly moneyDigits: number;
  /** What the mapping had to decide or could not express; printed by `plaza import`. */
  readonly notes: readonly string[];
}

export interface PlanOptions {
  /** Overrides META `rule` (needed when it is `unknown` or a rule Plaza cannot apply). */
  readonly rule?: string;
  /** Overrides META `currency` (needed when the file has none and its country is not known). */
  readonly currency?: string;
  /** Round name; default from META unit, instance and subunit. */
  readonly name?: string;
  /** Used in the default name when META has no unit. */
  readonly fileName?: string;
}

/** Longest round description the proposals service accepts. */
export const DESCRIPTION_MAX = 10000;

/**
 * The round's description: where it came from, and every quirk the lenient reader normalised (line and what was
 * done), so whoever looks at the round can tell the file was not read exactly as written.
 */
export function importDescription(e: PbElection, fileName?: string): string {
  const source = `Imported from the Pabulib file ${fileName ? basename(fileName) : '(unnamed)'}` + (e.description ? ` (${e.description})` : '') + '.';
  const warnings = e.warnings ?? [];
  if (warnings.length === 0) return (source + ' Read without warnings.').slice(0, DESCRIPTION_MAX);
  const lines = [source, `Read with ${warnings.length} warning${warnings.length === 1 ? '' : 's'}:`];
  let used = lines.join('\n').length;
  for (let i = 0; i < warnings.length; i++) {
    const line = `- line ${warnings[i].line}: ${warnings[i].message}`;
    const rest = `- … and ${warnings.length - i} more`;
    if (used + 1 + line.length + 1 + rest.length > DESCRIPTION_MAX) {
      lines.push(rest);
      break;
    }
    lines.push(line);
    used += 1 + line.length;
  }
  return lines.join('\n').slice(0, DESCRIPTION_MAX);
}

/** Titles the proposals service accepts; longer names are cut and kept whole in the description. */
export const TITLE_MAX = 200;

export class ImportPlanError extends Error {
  override readonly name = 'ImportPlanError';
}

function slug(text: string): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ł/g, 'l')
    .replace(/Ł/g, 'L')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return UNIT_ID_PATTERN.test(s) ? s : 'main';
}

function integerPoints(d: PbDecimal, what: string): number {
  let v: bigint;
  try {
    v = decimalToUnits(d, 0);
  } catch {
    throw new ImportPlanError(`${what}: points must be whole numbers in a Plaza round`);
  }
  return Number(v);
}

/** A reduced fraction whose denominator divides 10^9 as a decimal string ("0.8"); undefined otherwise. */
export function rationalToDecimal(r: Rational): string | undefined {
  for (let digits = 0; digits <= 9; digits++) {
    const scaled = r.n * 10n ** BigInt(digits);
    if (scaled % r.d === 0n) {
      const units = (scaled / r.d).toString().padStart(digits + 1, '0');
      return digits === 0 ? units : `${units.slice(0, -digits)}.${units.slice(-digits)}`;
    }
  }
  return undefined;
}

function isOutcomeRule(name: string): name is OutcomeRuleName {
  return (OUTCOME_RULE_NAMES as readonly string[]).includes(name);
}

/**
 * Maps a Pabulib election to the round Plaza will run: one budget unit with the file's budget, the ballot type
 * and limits of `vote_type`, the outcome rule of META `rule` (with threshold, no-skip, Poznań reserve), the
 * projects in file order and one voter per `voter_id`. Money becomes minor units (×100 for two-decimal
 * currencies): the official tally runs on minor units, and for the Equal Shares files the Add1 completion then
 * raises per-voter budgets by one minor unit per step, which reproduces the official outcome of Assen 2024 and
 * Wieliczka 2023 (see plan.spec.ts and the README).
 */
export function planImport(e: PbElection, options: PlanOptions = {}): ImportPlan {
  const notes: string[] = [];
  const t = fromPabulib(e);
  const currency = options.currency ?? e.currency ?? currencyForCountry(e.country);
  if (!currency) {
    throw new ImportPlanError(`the file has no currency and its country (${e.country ?? 'none'}) is not known; pass --currency`);
  }
  if (!/^[A-Z]{3}$/.test(currency)) throw new ImportPlanError(`currency ${JSON.stringify(currency)} is not an ISO 4217 code`);
  if (!e.currency && !options.currency) notes.push(`no currency in META: ${currency} assumed from country ${e.country}`);
  const digits = minorDigits(currency);
  const money = (d: PbDecimal, what: string) => {
    try {
      return toMinorUnits(d, digits, what);
    } catch (error) {
      throw new ImportPlanError((error as Error).message);
    }
  };

  const unitName = e.subunit || e.unit || 'City';
  const unitId = slug(unitName);
  const budget = money(e.budget, 'budget');
  const name =
    options.name ??
    ([e.unit, e.instance, e.subunit].filter((x): x is string => !!x).join(' ').slice(0, 200) ||
      (options.fileName ? basename(options.fileName) : 'Pabulib import'));

  const projects: PlannedProject[] = e.projects.map((p) => {
    const named = p.name?.trim() ?? '';
    // The proposals service wants titles of 3 to 200 characters.
    const full = named === '' ? `Project ${p.id}` : named.length < 3 ? `${named} (project ${p.id})` : named;
    const title = full.length > TITLE_MAX ? `${full.slice(0, TITLE_MAX - 1)}…` : full;
    return {
      pbId: p.id,
      title,
      description: `Pabulib project ${p.id}${full !== title ? `: ${full}` : ''}`,
      cost: money(p.cost, `cost of project ${p.id}`),
    };
  });
  if (projects.some((p) => p.title.endsWith('…'))) notes.push(`names longer than ${TITLE_MAX} characters are cut in the title and kept whole in the description`);
  const costOf = new Map(projects.map((p) => [p.pbId, p.cost]));

  const ballot = ballotRules(e, costOf, money, notes);
  const outcome = outcomeRule(e, t.rule, options.rule, notes);
  if (e.neighborhoods) notes.push('per-neighbourhood spending caps (budget_per_neighborhood) are not part of a Plaza round: ignored');
  if (e.categories && e.budgetPerCategory) notes.push('per-category budgets are not part of a Plaza round: ignored');
  if (t.ballotRules.maxPerCategory !== undefined) notes.push(`the per-category ballot limit (${t.ballotRules.maxPerCategory}) is not part of a Plaza round: ignored`);

  const config: RoundConfig = {
    name,
    description: importDescription(e, options.fileName),
    currency,
    units: [{ id: unitId, name: unitName.slice(0, 200), kind: 'district', budget }],
    schedule: {},
    ballot,
    outcome,
    eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
  };
  const problems = roundConfigProblems(config);
  if (problems.length) throw new ImportPlanError(`the round config would be refused: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);

  const ballots: PlannedBallot[] = e.votes.map((v) => ({
    voterId: v.voterId,
    choices: v.projects,
    ...(ballot.type === 'cumulative' && v.points ? { points: v.points.map((p) => integerPoints(p, `ballot of voter ${v.voterId}`)) } : {}),
  }));
  const official = t.official ? e.projects.filter((p) => { const s = t.official!.get(p.id); return s !== undefined && s.trim() !== '' && Number(s) !== 0; }).map((p) => p.id) : undefined;
  return {
    config,
    unitId,
    projects,
    voters: e.votes.map((v) => v.voterId),
    ballots,
    ...(official ? { official } : {}),
    moneyDigits: digits,
    notes,
  };
}

function ballotRules(
  e: PbElection,
  costOf: ReadonlyMap<string, number>,
  money: (d: PbDecimal, what: string) => number,
  notes: string[],
): BallotRules {
  const lengths = e.votes.map((v) => v.projects.length);
  const longest = lengths.reduce((m, l) => Math.max(m, l), 0);
  const shortest = lengths.reduce((m, l) => Math.min(m, l), Number.MAX_SAFE_INTEGER);
  // The file's ballots were all counted, so a declared limit that some of them break is widened to admit them.
  const picks = (): { minPicks?: number; maxPicks?: number } => {
    let min = e.minLength;
    let max = e.maxLength;
    if (min !== undefined && shortest < min) {
      notes.push(`min_length ${min} but a ballot names ${shortest}: minPicks lowered to ${shortest}`);
      min = shortest;
    }
    if (max !== undefined && longest > max) {
      notes.push(`max_length ${max} but a ballot names ${longest}: maxPicks raised to ${longest}`);
      max = longest;
    }
    return { ...(min !== undefined && min >= 1 ? { minPicks: min } : {}), ...(max !== undefined ? { maxPicks: max } : {}) };
  };
  switch (e.voteType) {
    case 'approval': {
      if (e.maxSumCost === undefined) return { type: 'approval', ...picks() };
      let maxSumCost = money(e.maxSumCost, 'max_sum_cost');
      const heaviest = e.votes.reduce((m, v) => Math.max(m, v.projects.reduce((s, id) => s + (costOf.get(id) ?? 0), 0)), 0);
      if (heaviest > maxSumCost) {
        notes.push(`max_sum_cost is exceeded by a counted ballot (${heaviest} minor units): maxSumCost raised to it`);
        maxSumCost = heaviest;
      }
      return { type: 'knapsack', ...picks(), maxSumCost };
    }
    case 'cumulative':
    case 'scoring': {
      if (e.voteType === 'scoring') notes.push('scoring ballots are imported as cumulative ballots');
      const sums = e.votes.map((v) => (v.points ?? []).reduce((s, p) => s + integerPoints(p, `ballot of voter ${v.voterId}`), 0));
      const most = e.votes.reduce((m, v) => Math.max(m, ...(v.points ?? []).map((p) => integerPoints(p, `ballot of voter ${v.voterId}`))), 0);
      let totalPoints = e.maxSumPoints !== undefined ? integerPoints(e.maxSumPoints, 'max_sum_points') : undefined;
      const heaviest = sums.reduce((m, s) => Math.max(m, s), 0);
      if (totalPoints === undefined) {
        notes.push(`no max_sum_points: totalPoints set to the largest ballot total, ${heaviest}`);
        totalPoints = heaviest;
      } else if (heaviest > totalPoints) {
        notes.push(`max_sum_points ${totalPoints} but a ballot gives ${heaviest}: totalPoints raised`);
        totalPoints = heaviest;
      }
      let maxPointsPerProject = e.maxPoints !== undefined ? integerPoints(e.maxPoints, 'max_points') : undefined;
      if (maxPointsPerProject !== undefined && most > maxPointsPerProject) {
        notes.push(`max_points ${maxPointsPerProject} but a ballot gives ${most} to one project: raised`);
        maxPointsPerProject = most;
      }
      if (maxPointsPerProject !== undefined && maxPointsPerProject > totalPoints) maxPointsPerProject = totalPoints;
      return { type: 'cumulative', totalPoints, ...(maxPointsPerProject !== undefined ? { maxPointsPerProject } : {}) };
    }
    case 'ordinal': {
      const p = picks();
      const maxPicks = p.maxPicks ?? longest;
      const rankPoints = rankPointsOf(e, maxPicks, notes);
      return { type: 'ranked', ...(p.minPicks !== undefined ? { minPicks: p.minPicks } : {}), maxPicks, rankPoints };
    }
    case 'choose-1':
      return { type: 'choose-one' };
  }
}

/**
 * Points per rank for ordinal files: the file's explicit `points` when every ballot gives the same points to the
 * same rank (Kraków 2022: 3,2,1), else maxPicks, maxPicks-1, …, 1 (Kraków 2024's `score` column follows it).
 */
function rankPointsOf(e: PbElection, maxPicks: number, notes: string[]): number[] {
  const fixed = Array.from({ length: maxPicks }, (_, i) => maxPicks - i);
  if (e.votes.some((v) => v.points)) {
    const byRank: number[] = [];
    for (const v of e.votes) {
      (v.points ?? []).forEach((p, i) => {
        const value = integerPoints(p, `ballot of voter ${v.voterId}`);
        if (byRank[i] === undefined) byRank[i] = value;
        else if (byRank[i] !== value) {
          throw new ImportPlanError(`ordinal ballots give rank ${i + 1} different points (${byRank[i]} and ${value}); a Plaza round has one points-per-rank list`);
        }
      });
    }
    while (byRank.length < maxPicks) byRank.push(byRank.length ? Math.max(0, byRank[byRank.length - 1] - 1) : maxPicks);
    return byRank.slice(0, maxPicks);
  }
  const recorded = e.projects.every((p) => p.score !== undefined);
  if (recorded) {
    const score = new Map<string, number>();
    for (const v of e.votes) v.projects.forEach((id, i) => score.set(id, (score.get(id) ?? 0) + (fixed[i] ?? 0)));
    const agrees = e.projects.every((p) => decimalToUnits(p.score!, 0) === BigInt(score.get(p.id) ?? 0));
    if (!agrees) notes.push(`the file's score column does not follow ${fixed.join('/')} points per rank; Plaza uses ${fixed.join('/')}`);
  } else notes.push(`no points in the file: ranks score ${fixed.join('/')}`);
  return fixed;
}

function outcomeRule(
  e: PbElection,
  mapped: ReturnType<typeof fromPabulib>['rule'],
  override: string | undefined,
  notes: string[],
): OutcomeRule {
  let name: OutcomeRuleName;
  let reserve: Rational | undefined;
  if (override !== undefined) {
    if (!isOutcomeRule(override)) throw new ImportPlanError(`--rule ${override}: not one of ${OUTCOME_RULE_NAMES.join(', ')}`);
    name = override;
  } else if (mapped.name === undefined) {
    throw new ImportPlanError(`${mapped.why}; pass --rule`);
  } else {
    name = mapped.name;
    reserve = mapped.options.reserveFraction;
    notes.push(...mapped.notes);
  }
  const thresholdCell = e.minProjectScoreThreshold;
  const threshold = thresholdCell === undefined ? undefined : integerPoints(thresholdCell, 'min_project_score_threshold');
  if (threshold !== undefined && name !== 'greedy-threshold') {
    if (name === 'greedy') {
      name = 'greedy-threshold';
      notes.push(`greedy with min_project_score_threshold ${threshold} runs as greedy-threshold`);
    } else {
      notes.push(`min_project_score_threshold ${threshold} cannot be combined with ${name} in a Plaza round: not applied`);
    }
  }
  if (name === 'greedy-threshold' && threshold === undefined) throw new ImportPlanError('greedy-threshold needs META min_project_score_threshold');
  let reserveFraction: string | undefined;
  if (reserve) {
    reserveFraction = rationalToDecimal(reserve);
    if (reserveFraction === undefined) throw new ImportPlanError(`reserve fraction ${reserve.n}/${reserve.d} is not a decimal with at most 9 places`);
  }
  return {
    rule: name,
    ...(name === 'greedy-threshold' ? { threshold } : {}),
    ...(reserveFraction !== undefined ? { reserveFraction } : {}),
  };
}
