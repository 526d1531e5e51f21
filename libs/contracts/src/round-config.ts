// class-transformer's @Type reads design-time metadata as these classes load: every importer needs the polyfill.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { IsMinorUnits } from './money';
import { singleLineProblem } from './text';

/**
 * The shared value types of a budget round (contracts v2). They are class-validator classes so the same
 * definition validates an HTTP body, a command and a consumed event payload; field-level rules live here,
 * rules that relate fields to each other live in `roundConfigProblems` (the proposals decider refuses with them).
 */

/**
 * A round's phases, in the only order they may take. `support` is optional: only a round configured with a
 * support phase (RoundConfig.support) enters it, between submission and review; other rounds skip it.
 */
export const PHASES = ['draft', 'submission', 'support', 'review', 'voting', 'closed', 'published'] as const;
export type Phase = (typeof PHASES)[number];

/** True when `to` comes after `from` (phases never move back). */
export function isLaterPhase(from: Phase, to: Phase): boolean {
  return PHASES.indexOf(to) > PHASES.indexOf(from);
}

export const UNIT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
export const BUDGET_UNIT_KINDS = ['district', 'category'] as const;
export type BudgetUnitKind = (typeof BUDGET_UNIT_KINDS)[number];

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** A UTC ISO-8601 timestamp string such as `2027-03-01T08:00:00Z` that is also a real date. */
export function IsUtcTimestamp(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isUtcTimestamp',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: { message: `${propertyName.toString()} must be a UTC ISO-8601 timestamp such as 2027-03-01T08:00:00Z`, ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && ISO_UTC.test(value) && !Number.isNaN(Date.parse(value)) },
    });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Groups of proposal ids (UUIDs): an array of 1..100 arrays, each of 2..1000 ids. */
function IsProposalGroups(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isProposalGroups',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: { message: `${propertyName.toString()} must be a list of groups, each a list of at least 2 proposal ids (UUIDs)`, ...options },
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) &&
          value.length <= 100 &&
          value.every(
            (group) =>
              Array.isArray(group) &&
              group.length >= 2 &&
              group.length <= 1000 &&
              group.every((id) => typeof id === 'string' && UUID.test(id)),
          ),
      },
    });
}

/** A district or a thematic category with its own budget; ballots and the tally are per unit. */
export class BudgetUnit {
  /** Short stable id used in URLs and ballots, e.g. `north`. */
  @Matches(UNIT_ID_PATTERN, { message: 'id must be 1-40 lower-case letters, digits or dashes, starting with a letter or digit' })
  readonly id!: string;

  @IsString()
  @Length(1, 200)
  readonly name!: string;

  @IsIn(BUDGET_UNIT_KINDS)
  readonly kind!: BudgetUnitKind;

  /** Minor units of the round's currency. */
  @IsMinorUnits()
  readonly budget!: number;
}

/** When each phase starts by itself; a missing time means an administrator moves the round by hand. */
export class PhaseSchedule {
  @IsOptional()
  @IsUtcTimestamp()
  readonly submissionOpensAt?: string;

  /** Only for rounds with a support phase (RoundConfig.support). */
  @IsOptional()
  @IsUtcTimestamp()
  readonly supportOpensAt?: string;

  @IsOptional()
  @IsUtcTimestamp()
  readonly reviewStartsAt?: string;

  @IsOptional()
  @IsUtcTimestamp()
  readonly votingOpensAt?: string;

  @IsOptional()
  @IsUtcTimestamp()
  readonly votingClosesAt?: string;

  @IsOptional()
  @IsUtcTimestamp()
  readonly resultsPublishedAt?: string;
}

export type ScheduleKey = keyof PhaseSchedule;

/** The phase each schedule entry opens, in phase order. */
export const SCHEDULED_PHASES: readonly { readonly key: ScheduleKey; readonly phase: Phase }[] = [
  { key: 'submissionOpensAt', phase: 'submission' },
  { key: 'supportOpensAt', phase: 'support' },
  { key: 'reviewStartsAt', phase: 'review' },
  { key: 'votingOpensAt', phase: 'voting' },
  { key: 'votingClosesAt', phase: 'closed' },
  { key: 'resultsPublishedAt', phase: 'published' },
];

export const BALLOT_TYPES = ['approval', 'knapsack', 'cumulative', 'ranked', 'choose-one'] as const;
export type BallotType = (typeof BALLOT_TYPES)[number];

/** What a valid ballot looks like. Which fields apply depends on `type` (see roundConfigProblems). */
export class BallotRules {
  @IsIn(BALLOT_TYPES)
  readonly type!: BallotType;

  /** approval, knapsack, ranked: fewest projects (ranking length) a ballot may name. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  readonly minPicks?: number;

  /** approval, knapsack, ranked: most projects (ranking length) a ballot may name. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  readonly maxPicks?: number;

  /** knapsack: total cost limit of one ballot in minor units; default = the unit's budget. */
  @IsOptional()
  @IsMinorUnits()
  readonly maxSumCost?: number;

  /** cumulative: points each voter distributes. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  readonly totalPoints?: number;

  /** cumulative: most points one project may get from one voter. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  readonly maxPointsPerProject?: number;

  /** ranked: points for rank 1, 2, …; default Borda (maxPicks, maxPicks-1, …, 1). */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsInt({ each: true })
  @Min(0, { each: true })
  @Max(1_000_000, { each: true })
  readonly rankPoints?: number[];
}

/** Rules of libs/tally a round may use. */
export const OUTCOME_RULE_NAMES = [
  'greedy',
  'greedy-no-skip',
  'greedy-threshold',
  'equalshares',
  'equalshares/add1',
  'equalshares-comparison',
  'equalshares/add1-comparison',
  'phragmen',
] as const;
export type OutcomeRuleName = (typeof OUTCOME_RULE_NAMES)[number];

/** Tie-breaking criteria a round may list (libs/tally's TIE_BREAK_CRITERIA). */
export const TIE_BREAK_CRITERIA = ['more-support', 'lower-cost', 'higher-cost', 'ballot-order', 'project-id', 'lottery'] as const;
export type TieBreakCriterion = (typeof TIE_BREAK_CRITERIA)[number];

/** A decimal fraction between 0 and 1 written as a string, e.g. `0.8` (kept exact, never a float). */
export const FRACTION_PATTERN = /^(0(\.\d{1,9})?|1(\.0{1,9})?)$/;

/** How the winners of a unit are computed from its ballots. */
export class OutcomeRule {
  @IsIn(OUTCOME_RULE_NAMES)
  readonly rule!: OutcomeRuleName;

  /** greedy-threshold only: minimum support (votes or points) a project needs. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  readonly threshold?: number;

  /** Poznań reserve rule: share of the budget the first pass may spend, as a decimal string such as "0.8". */
  @IsOptional()
  @Matches(FRACTION_PATTERN, { message: 'reserveFraction must be a decimal string between 0 and 1, such as "0.8"' })
  readonly reserveFraction?: string;

  /** Proposal ids of mutually exclusive projects: at most one per group is funded. */
  @IsOptional()
  @IsProposalGroups()
  readonly exclusiveGroups?: string[][];

  /** Report a tie at the budget boundary instead of breaking it. */
  @IsOptional()
  @IsBoolean()
  readonly reportTies?: boolean;

  /**
   * How ties are broken, in order (added in v2; absent = the default more-support, lower-cost, ballot-order, which
   * every older round keeps). `ballot-order` is the order proposals were accepted; `lottery` needs `lotterySeed`.
   * Locked with the rest of the outcome rule once voting opens, so the seed is fixed (and in the ledger, in the
   * RoundCreated / RoundConfigured event) before any ballot is cast.
   */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(TIE_BREAK_CRITERIA.length)
  @IsIn(TIE_BREAK_CRITERIA, { each: true })
  readonly tieBreak?: TieBreakCriterion[];

  /** The public lottery's seed (printable ASCII, 1-200 characters), published with the round's configuration. */
  @IsOptional()
  @Matches(/^[\x20-\x7e]{1,200}$/, { message: 'lotterySeed must be 1-200 printable ASCII characters' })
  readonly lotterySeed?: string;
}

export const ELIGIBILITY_MODES = ['roll', 'codes'] as const;
export type EligibilityMode = (typeof ELIGIBILITY_MODES)[number];
export const PAPER_POLICIES = ['refuse-if-voted-online', 'paper-overrides-online'] as const;
export type PaperPolicy = (typeof PAPER_POLICIES)[number];

/** Who may vote and how paper ballots meet online ones. */
export class Eligibility {
  @IsIn(ELIGIBILITY_MODES)
  readonly mode!: EligibilityMode;

  /** roll mode: minimum age on the day voting opens (the roll carries birth years). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(130)
  readonly minAge?: number;

  @IsIn(PAPER_POLICIES)
  readonly paperPolicy!: PaperPolicy;
}

/** Whether residents can comment on the round's proposals. */
export class CommentSettings {
  @IsBoolean()
  readonly enabled!: boolean;
}

export const SUPPORT_THRESHOLD_KINDS = ['count', 'top'] as const;
export type SupportThresholdKind = (typeof SUPPORT_THRESHOLD_KINDS)[number];

/**
 * Which proposals the support phase sends to review. `count`: every proposal with at least `minSupports`
 * supports. `top`: in each unit, the `perUnit` proposals with the most supports (at least one each); a tie at the
 * boundary selects every tied proposal (libs/recount supportSelection).
 */
export class SupportThreshold {
  @IsIn(SUPPORT_THRESHOLD_KINDS)
  readonly kind!: SupportThresholdKind;

  /** count: the fewest supports a proposal needs. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  readonly minSupports?: number;

  /** top: how many proposals of each unit go to review. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  readonly perUnit?: number;
}

/** The optional support phase: residents back proposals; the threshold decides which reach review (and the ballot). */
export class SupportPhase {
  /** How many proposals of the round one resident may support at once. */
  @IsInt()
  @Min(1)
  @Max(100)
  readonly supportsPerResident!: number;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => SupportThreshold)
  readonly threshold!: SupportThreshold;
}

/** Everything an administrator configures about a round. */
export class RoundConfig {
  @IsString()
  @Length(1, 200)
  readonly name!: string;

  /**
   * Optional free text about the round (added in v2; absent in older rounds): e.g. where an imported round came
   * from and the quirks its file had. Editable until the round closes, like the name.
   */
  @IsOptional()
  @IsString()
  @Length(0, 10000)
  readonly description?: string;

  /** ISO 4217 code, e.g. PLN. */
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be a 3-letter ISO 4217 code' })
  readonly currency!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => BudgetUnit)
  readonly units!: BudgetUnit[];

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PhaseSchedule)
  readonly schedule!: PhaseSchedule;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => BallotRules)
  readonly ballot!: BallotRules;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => OutcomeRule)
  readonly outcome!: OutcomeRule;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => Eligibility)
  readonly eligibility!: Eligibility;

  /** Comments on proposals (absent: on). Turning them off refuses new comments; the existing ones stay readable. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CommentSettings)
  readonly comments?: CommentSettings;

  /** The support phase (added in v2; absent = the round has none and goes from submission to review). */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SupportPhase)
  readonly support?: SupportPhase;
}

export const ROUND_CONFIG_KEYS = ['name', 'description', 'currency', 'units', 'schedule', 'ballot', 'outcome', 'eligibility', 'comments', 'support'] as const;
export type RoundConfigKey = (typeof ROUND_CONFIG_KEYS)[number];

/**
 * The phase from which each setting can no longer change (the proposals decider refuses with its reason; the web's
 * round form disables the field). The schedule is locked entry by entry, each once its phase is reached.
 */
export const ROUND_CONFIG_LOCKED_FROM: Readonly<Record<Exclude<RoundConfigKey, 'schedule'>, Phase>> = {
  name: 'closed',
  description: 'closed',
  currency: 'submission',
  units: 'submission',
  ballot: 'voting',
  outcome: 'voting',
  eligibility: 'voting',
  comments: 'closed',
  support: 'support',
};

/** A broken cross-field rule: the field path it concerns and why, in words an administrator can act on. */
export interface ConfigProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * Names that are not one line (line breaks, control characters): they would break the one-line places they are
 * written to (the `.pb` files' META and project names, CSV, headings). Checked at the HTTP edge (400 naming the
 * field), not in the event contract, so rounds stored before the rule still read and verify.
 */
export function roundTextProblems(config: Partial<Pick<RoundConfig, 'name' | 'units'>>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const line = (field: string, value: unknown) => {
    const problem = typeof value === 'string' ? singleLineProblem(field, value) : undefined;
    if (problem) problems.push({ field, message: problem });
  };
  line('name', config.name);
  if (Array.isArray(config.units)) config.units.forEach((u, i) => line(`units.${i}.name`, u?.name));
  return problems;
}

/**
 * Rules that relate fields of a (field-valid) config to each other. Empty when the config is coherent.
 * Pure, so the proposals decider refuses with it and consumers can check a config the same way.
 */
export function roundConfigProblems(config: RoundConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });

  const seen = new Set<string>();
  config.units.forEach((u, i) => {
    if (seen.has(u.id)) add(`units.${i}.id`, `unit id ${u.id} appears more than once; unit ids must be unique`);
    seen.add(u.id);
  });

  const b = config.ballot;
  const picks = b.type === 'approval' || b.type === 'knapsack' || b.type === 'ranked';
  if (!picks) {
    if (b.minPicks !== undefined) add('ballot.minPicks', `minPicks applies to approval, knapsack and ranked ballots, not ${b.type}`);
    if (b.maxPicks !== undefined) add('ballot.maxPicks', `maxPicks applies to approval, knapsack and ranked ballots, not ${b.type}`);
  }
  if (b.minPicks !== undefined && b.maxPicks !== undefined && b.maxPicks < b.minPicks)
    add('ballot.maxPicks', `maxPicks (${b.maxPicks}) must be at least minPicks (${b.minPicks})`);
  if (b.maxSumCost !== undefined && b.type !== 'knapsack') add('ballot.maxSumCost', `maxSumCost applies to knapsack ballots only, not ${b.type}`);
  if (b.type === 'cumulative') {
    if (b.totalPoints === undefined) add('ballot.totalPoints', 'cumulative ballots need totalPoints (points each voter distributes)');
    if (b.maxPointsPerProject !== undefined && b.totalPoints !== undefined && b.maxPointsPerProject > b.totalPoints)
      add('ballot.maxPointsPerProject', `maxPointsPerProject (${b.maxPointsPerProject}) cannot exceed totalPoints (${b.totalPoints})`);
  } else {
    if (b.totalPoints !== undefined) add('ballot.totalPoints', `totalPoints applies to cumulative ballots only, not ${b.type}`);
    if (b.maxPointsPerProject !== undefined) add('ballot.maxPointsPerProject', `maxPointsPerProject applies to cumulative ballots only, not ${b.type}`);
  }
  if (b.type === 'ranked') {
    if (b.maxPicks === undefined && b.rankPoints === undefined)
      add('ballot.maxPicks', 'ranked ballots need maxPicks (the ranking length) or rankPoints');
    if (b.rankPoints !== undefined) {
      if (b.maxPicks !== undefined && b.rankPoints.length !== b.maxPicks)
        add('ballot.rankPoints', `rankPoints has ${b.rankPoints.length} entries but a ranking may have ${b.maxPicks} places; give one value per place`);
      if (b.rankPoints.some((p, i) => i > 0 && p > b.rankPoints![i - 1]!))
        add('ballot.rankPoints', 'rankPoints must not increase: a higher rank cannot earn fewer points than a lower one');
      if (b.rankPoints[0] === 0) add('ballot.rankPoints', 'rankPoints must give the first rank more than 0 points');
    }
  } else if (b.rankPoints !== undefined) add('ballot.rankPoints', `rankPoints applies to ranked ballots only, not ${b.type}`);

  const o = config.outcome;
  if (o.threshold !== undefined && o.rule !== 'greedy-threshold')
    add('outcome.threshold', `threshold applies to the greedy-threshold rule only, not ${o.rule}`);
  if (o.rule === 'greedy-threshold' && o.threshold === undefined) add('outcome.threshold', 'the greedy-threshold rule needs a threshold');
  if (o.exclusiveGroups) {
    const inGroup = new Map<string, number>();
    o.exclusiveGroups.forEach((group, g) => {
      if (new Set(group).size !== group.length) add(`outcome.exclusiveGroups.${g}`, `group ${g + 1} names the same proposal twice`);
      for (const id of new Set(group)) {
        const other = inGroup.get(id);
        if (other !== undefined) add(`outcome.exclusiveGroups.${g}`, `proposal ${id} is in groups ${other + 1} and ${g + 1}; a proposal may be in one group only`);
        else inGroup.set(id, g);
      }
    });
  }

  if (o.tieBreak) {
    if (new Set(o.tieBreak).size !== o.tieBreak.length) add('outcome.tieBreak', 'each tie-breaking criterion may appear once');
    if (o.tieBreak.includes('lower-cost') && o.tieBreak.includes('higher-cost'))
      add('outcome.tieBreak', 'lower-cost and higher-cost contradict each other; choose one');
    if (o.tieBreak.includes('lottery') && o.lotterySeed === undefined)
      add('outcome.lotterySeed', 'the lottery needs its seed, fixed now so it is public before voting opens');
  }
  if (o.lotterySeed !== undefined && !o.tieBreak?.includes('lottery'))
    add('outcome.lotterySeed', 'a lottery seed applies only when outcome.tieBreak lists lottery');

  const e = config.eligibility;
  if (e.minAge !== undefined && e.mode !== 'roll') add('eligibility.minAge', 'minAge needs the voter roll (mode "roll"): voting codes carry no birth year');

  const sp = config.support;
  if (sp) {
    const t = sp.threshold;
    if (t.kind === 'count') {
      if (t.minSupports === undefined) add('support.threshold.minSupports', 'a count threshold needs minSupports (the fewest supports a proposal needs)');
      if (t.perUnit !== undefined) add('support.threshold.perUnit', 'perUnit applies to the top threshold only, not count');
    } else {
      if (t.perUnit === undefined) add('support.threshold.perUnit', 'a top threshold needs perUnit (how many proposals of each unit go to review)');
      if (t.minSupports !== undefined) add('support.threshold.minSupports', 'minSupports applies to the count threshold only, not top');
    }
  } else if (config.schedule.supportOpensAt !== undefined) {
    add('schedule.supportOpensAt', 'supportOpensAt needs a support phase: configure support (supportsPerResident and threshold) or remove it');
  }

  let previous: { key: ScheduleKey; at: number } | undefined;
  for (const { key } of SCHEDULED_PHASES) {
    const value = config.schedule[key];
    if (value === undefined) continue;
    const at = Date.parse(value);
    if (previous && at <= previous.at) add(`schedule.${key}`, `${key} must be later than ${previous.key}`);
    previous = { key, at };
  }
  return problems;
}
