import { createHash } from 'node:crypto';
import {
  parseRational,
  ratToJson,
  resultToJson,
  tally,
  type Ballot,
  type Instance,
  type Profile,
  type Rational,
  type RuleName,
  type RuleOptions,
  type TallyResult,
  type TieBreakCriterion,
} from '@plaza/tally';
import { minorDigits, type ResultsDeclaredPayload } from '@plaza/contracts';

/** The parts of a round's configuration the tally depends on (structurally a subset of `RoundConfig`). */
export interface TallyConfig {
  readonly currency: string;
  readonly units: readonly { readonly id: string; readonly budget: number }[];
  readonly ballot: { readonly type: 'approval' | 'knapsack' | 'cumulative' | 'ranked' | 'choose-one'; readonly rankPoints?: readonly number[] };
  readonly outcome: {
    readonly rule: RuleName;
    readonly threshold?: number;
    readonly reserveFraction?: string;
    readonly exclusiveGroups?: readonly (readonly string[])[];
    readonly reportTies?: boolean;
    readonly tieBreak?: readonly TieBreakCriterion[];
    readonly lotterySeed?: string;
  };
}

/** A proposal on a unit's ballot with the reviewed cost (minor units). */
export interface AcceptedProposal {
  readonly proposalId: string;
  readonly cost: number;
}

/** The ballot that counts for one pseudonym: `choices` in ballot order (rank order for ranked ballots). */
export interface CountedBallot {
  readonly voterPseudonym: string;
  readonly choices: readonly string[];
  readonly points?: readonly number[];
}

export const TIE_BREAKING = 'support-then-lower-cost-then-input-order' as const;

/** `tieBreaking` of a declared result: the historic name of the default, else the configured criteria joined by "-then-". */
export function tieBreakingName(tieBreak: readonly TieBreakCriterion[] | undefined): string {
  return tieBreak === undefined ? TIE_BREAKING : tieBreak.join('-then-');
}

/** The exact input handed to libs/tally, and its digest. */
export interface TallyInput {
  readonly instance: Instance;
  readonly profile: Profile;
  readonly rule: RuleName;
  readonly options: RuleOptions;
  /** sha256 hex of the RFC 8785 canonical JSON of {instance, profile, rule, options} (bigints as decimal strings). */
  readonly inputDigest: string;
}

export class RecountInputError extends Error {
  override readonly name = 'RecountInputError';
}

function isRational(x: unknown): x is Rational {
  return typeof x === 'object' && x !== null && typeof (x as Rational).n === 'bigint' && typeof (x as Rational).d === 'bigint';
}

/** JSON for hashing: bigints become decimal strings, exact rationals "n/d", undefined members are dropped. */
export function toDigestJson(x: unknown): unknown {
  if (typeof x === 'bigint') return x.toString();
  if (isRational(x)) return ratToJson(x);
  if (Array.isArray(x)) return x.map(toDigestJson);
  if (typeof x === 'object' && x !== null) {
    return Object.fromEntries(
      Object.entries(x)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toDigestJson(v)]),
    );
  }
  return x;
}

/**
 * RFC 8785 (JCS) text of a value in one pass, reading bigints as decimal strings and exact rationals as "n/d"
 * on the way (the same JSON `toDigestJson` builds, without building it): keys sorted by UTF-16 code units,
 * strings and numbers as ECMAScript's JSON.stringify writes them, undefined members dropped. Checked against
 * the `canonicalize` package in the spec. Pieces go to `emit` in order, so a digest never holds the whole text.
 */
export function writeCanonical(x: unknown, emit: (piece: string) => void): void {
  if (x === null) return emit('null');
  switch (typeof x) {
    case 'bigint':
      return emit(`"${x.toString()}"`);
    case 'string':
      return emit(JSON.stringify(x));
    case 'boolean':
      return emit(x ? 'true' : 'false');
    case 'number':
      if (!Number.isFinite(x)) throw new RangeError('non-finite numbers have no JSON form');
      return emit(JSON.stringify(x));
    case 'object': {
      if (isRational(x)) return emit(JSON.stringify(ratToJson(x)));
      if (Array.isArray(x)) {
        emit('[');
        for (let i = 0; i < x.length; i++) {
          if (i > 0) emit(',');
          if (x[i] === undefined) emit('null');
          else writeCanonical(x[i], emit);
        }
        return emit(']');
      }
      const o = x as Record<string, unknown>;
      const keys = Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort();
      emit('{');
      keys.forEach((k, i) => {
        emit((i > 0 ? ',' : '') + JSON.stringify(k) + ':');
        writeCanonical(o[k], emit);
      });
      return emit('}');
    }
    default:
      throw new RangeError(`${typeof x} has no JSON form`);
  }
}

export function canonicalDigestJson(x: unknown): string {
  const parts: string[] = [];
  writeCanonical(x, (p) => parts.push(p));
  return parts.join('');
}

/** sha256 hex of the canonical JSON of `x`, hashed in chunks as it is written. */
export function canonicalSha256(x: unknown): string {
  const hash = createHash('sha256');
  let buffer: string[] = [];
  let size = 0;
  writeCanonical(x, (p) => {
    buffer.push(p);
    size += p.length;
    if (size >= 1 << 16) {
      hash.update(buffer.join(''), 'utf8');
      buffer = [];
      size = 0;
    }
  });
  hash.update(buffer.join(''), 'utf8');
  return hash.digest('hex');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Maps one unit of a round onto libs/tally's model. Every consumer (the official tally, the audit recount and
 * `plaza verify`) goes through here, so they cannot disagree on the mapping:
 * - approval and knapsack → tally 'approval' (the knapsack cost limit is a ballot-validity rule, not a tally rule);
 *   cumulative → 'cumulative' with points; ranked → 'ordinal' with ordinalPoints = rankPoints (default Borda);
 *   choose-one → 'choose-one'.
 * - Instance: budget = the unit's budget, projects = the unit's accepted proposals in acceptance order (the last
 *   tie-breaker) with their reviewed cost. Amounts stay integers of the currency's minor unit and the scale says
 *   how many of them make one currency unit (2 for PLN or EUR), so Equal Shares' Add1 completion raises each
 *   voter's budget by ONE CURRENCY UNIT per step (1 złoty, 1 euro), exactly as Pabulib defines it.
 * - Ballots sorted by pseudonym, so the input (and its digest) cannot depend on arrival order.
 */
export function tallyInput(config: TallyConfig, unitId: string, accepted: readonly AcceptedProposal[], ballots: readonly CountedBallot[]): TallyInput {
  const unit = config.units.find((u) => u.id === unitId);
  if (!unit) throw new RecountInputError(`unit ${unitId} is not part of the round`);
  const instance: Instance = {
    budget: BigInt(unit.budget),
    scale: minorDigits(config.currency),
    currency: config.currency,
    projects: accepted.map((p) => ({ id: p.proposalId, cost: BigInt(p.cost) })),
  };
  const sorted = [...ballots].sort((a, b) => compareStrings(a.voterPseudonym, b.voterPseudonym));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].voterPseudonym === sorted[i - 1].voterPseudonym) {
      throw new RecountInputError(`more than one counted ballot for pseudonym ${sorted[i].voterPseudonym}`);
    }
  }
  const type = config.ballot.type;
  const withPoints = type === 'cumulative';
  const profileBallots: Ballot[] = sorted.map((b) => {
    if (withPoints && (!b.points || b.points.length !== b.choices.length)) {
      throw new RecountInputError(`cumulative ballot of ${b.voterPseudonym} has no points for every choice`);
    }
    return {
      voterId: b.voterPseudonym,
      projects: [...b.choices],
      ...(withPoints ? { points: b.points!.map((p) => BigInt(p)) } : {}),
    };
  });
  let profile: Profile;
  switch (type) {
    case 'approval':
    case 'knapsack':
      profile = { type: 'approval', ballots: profileBallots };
      break;
    case 'cumulative':
      profile = { type: 'cumulative', ballots: profileBallots };
      break;
    case 'ranked':
      profile = {
        type: 'ordinal',
        ballots: profileBallots,
        ...(config.ballot.rankPoints ? { ordinalPoints: config.ballot.rankPoints.map((p) => BigInt(p)) } : {}),
      };
      break;
    case 'choose-one':
      profile = { type: 'choose-one', ballots: profileBallots };
      break;
    default: {
      const never: never = type;
      throw new RecountInputError(`unknown ballot type ${String(never)}`);
    }
  }
  const o = config.outcome;
  const options: RuleOptions = {
    ...(o.threshold !== undefined ? { threshold: BigInt(o.threshold) } : {}),
    ...(o.reserveFraction !== undefined ? { reserveFraction: parseRational(o.reserveFraction) } : {}),
    ...(o.exclusiveGroups !== undefined ? { exclusive: o.exclusiveGroups.map((g) => [...g]) } : {}),
    ...(o.reportTies !== undefined ? { reportTies: o.reportTies } : {}),
    ...(o.tieBreak !== undefined ? { tieBreak: [...o.tieBreak] } : {}),
    ...(o.lotterySeed !== undefined ? { lotterySeed: o.lotterySeed } : {}),
  };
  const inputDigest = canonicalSha256({ instance, profile, rule: o.rule, options });
  return { instance, profile, rule: o.rule, options, inputDigest };
}

/** The tally of one unit and the payload that declares it. */
export function computeUnitTally(
  config: TallyConfig,
  unitId: string,
  accepted: readonly AcceptedProposal[],
  ballots: readonly CountedBallot[],
): { input: TallyInput; result: TallyResult; payload: ResultsDeclaredPayload } {
  const input = tallyInput(config, unitId, accepted, ballots);
  const result = tally(input.instance, input.profile, input.rule, input.options);
  const json = resultToJson(result) as { explanation: unknown };
  const payload: ResultsDeclaredPayload = {
    unitId,
    rule: input.rule,
    options: stripUndefined(config.outcome) as ResultsDeclaredPayload['options'],
    tieBreaking: tieBreakingName(config.outcome.tieBreak),
    inputDigest: input.inputDigest,
    selected: [...result.selected],
    spent: Number(result.spent),
    budget: Number(result.budget),
    status: result.status,
    explanation: json.explanation,
    ballotsCounted: ballots.length,
  };
  return { input, result, payload };
}

/**
 * The official result of one unit, as the voting service declares it and every verifier recomputes it.
 * `accepted` in acceptance order; `ballots` = the counted (latest) ballot of each pseudonym in that unit.
 */
export function computeUnitResult(
  config: TallyConfig,
  unitId: string,
  accepted: readonly AcceptedProposal[],
  ballots: readonly CountedBallot[],
): ResultsDeclaredPayload {
  return computeUnitTally(config, unitId, accepted, ballots).payload;
}

function stripUndefined<T extends object>(o: T): T {
  return JSON.parse(JSON.stringify(o)) as T;
}
