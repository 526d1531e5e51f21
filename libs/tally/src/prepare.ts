import { createHash } from 'node:crypto';
import { DEFAULT_TIE_BREAK, TIE_BREAK_CRITERIA, type Ballot, type Instance, type Profile, type RuleOptions, type TieBreakCriterion, type TieDecision } from './types';

/** Input that no rule can tally (unknown project, malformed points): reported, never guessed around. */
export class TallyInputError extends Error {
  override readonly name = 'TallyInputError';
}

/** Voters with identical ballots, merged: every rule here treats them identically. */
export interface VoterGroup {
  readonly weight: number;
  /** Project indices, ascending. */
  readonly items: readonly number[];
  /** Points per item (1 for approval / choose-one). */
  readonly points: readonly bigint[];
}

export interface Prepared {
  readonly instance: Instance;
  readonly profile: Profile;
  readonly n: number;
  readonly index: ReadonlyMap<string, number>;
  readonly votes: readonly bigint[];
  readonly support: readonly bigint[];
  readonly groups: readonly VoterGroup[];
  /** Project indices by support, ties broken by `tieBreaker` (default: lower cost, then input order). */
  readonly order: readonly number[];
  readonly tieBreaker: TieBreaker;
  /** Supporting groups per project, with the group's points for it. */
  readonly supporters: readonly { readonly group: number; readonly points: bigint }[][];
}

/** Points of rank `pos` (0-based) on an ordinal ballot naming `length` projects. */
export function rankPoints(profile: Profile, pos: number, length: number): bigint {
  if (profile.ordinalPoints) return profile.ordinalPoints[pos] ?? 0n;
  return BigInt(length - pos);
}

export function compareDefault(support: readonly bigint[], instance: Instance, a: number, b: number): number {
  if (support[a] !== support[b]) return support[a] > support[b] ? -1 : 1;
  const ca = instance.projects[a].cost;
  const cb = instance.projects[b].cost;
  if (ca !== cb) return ca < cb ? -1 : 1;
  return a - b;
}

const DECISION: Record<TieBreakCriterion, TieDecision> = {
  'more-support': 'support',
  'lower-cost': 'cost',
  'higher-cost': 'higher-cost',
  'ballot-order': 'order',
  'project-id': 'project-id',
  lottery: 'lottery',
};

/** How a round breaks ties: a total order on projects and which criterion separated two of them. */
export interface TieBreaker {
  /** The criteria in force, always ending with `ballot-order` unless a total criterion comes before it. */
  readonly criteria: readonly TieBreakCriterion[];
  /** True for the default (more support, lower cost, ballot order), whose explanations keep their historic wording. */
  readonly isDefault: boolean;
  readonly seed?: string;
  /** Negative when project `a` wins the tie against `b`. */
  compare(a: number, b: number): number;
  /** The criterion that separates `a` and `b` (never equal for a ≠ b). */
  decidedBy(a: number, b: number): TieDecision;
  /** The criteria in words, e.g. "more support, then lower cost, then input order". */
  describe(upTo?: TieDecision): string;
}

/** The lottery's ticket for a project: sha256 hex of `seed + "\n" + id`; smaller tickets win. */
export function lotteryTicket(seed: string, projectId: string): string {
  return createHash('sha256').update(`${seed}\n${projectId}`, 'utf8').digest('hex');
}

/** Checks `tieBreak` / `lotterySeed` and returns the tie-breaker over `instance`'s projects. */
export function tieBreaker(support: readonly bigint[], instance: Instance, options: Pick<RuleOptions, 'tieBreak' | 'lotterySeed'>): TieBreaker {
  const given = options.tieBreak;
  const isDefault = given === undefined;
  const list = [...(given ?? DEFAULT_TIE_BREAK)];
  for (const c of list) if (!(TIE_BREAK_CRITERIA as readonly string[]).includes(c)) throw new RangeError(`unknown tie-break criterion ${JSON.stringify(c)}; one of: ${TIE_BREAK_CRITERIA.join(', ')}`);
  if (new Set(list).size !== list.length) throw new RangeError(`tie-break criteria must not repeat: ${list.join(', ')}`);
  if (list.includes('lower-cost') && list.includes('higher-cost')) throw new RangeError('tie-break lists both lower-cost and higher-cost');
  const seed = options.lotterySeed;
  if (list.includes('lottery') && (seed === undefined || seed === '')) throw new RangeError('the lottery tie-break needs its seed (fixed before voting opens)');
  const total = list.findIndex((c) => c === 'ballot-order' || c === 'project-id' || c === 'lottery');
  const criteria: TieBreakCriterion[] = total === -1 ? [...list, 'ballot-order'] : list.slice(0, total + 1);
  const tickets = criteria.includes('lottery') ? instance.projects.map((p) => lotteryTicket(seed!, p.id)) : [];
  const by = (c: TieBreakCriterion, a: number, b: number): number => {
    switch (c) {
      case 'more-support':
        return support[a] === support[b] ? 0 : support[a] > support[b] ? -1 : 1;
      case 'lower-cost':
      case 'higher-cost': {
        const ca = instance.projects[a].cost;
        const cb = instance.projects[b].cost;
        if (ca === cb) return 0;
        return (ca < cb ? -1 : 1) * (c === 'lower-cost' ? 1 : -1);
      }
      case 'ballot-order':
        return a - b;
      case 'project-id': {
        const ia = instance.projects[a].id;
        const ib = instance.projects[b].id;
        return ia === ib ? a - b : ia < ib ? -1 : 1;
      }
      case 'lottery':
        return tickets[a] === tickets[b] ? a - b : tickets[a] < tickets[b] ? -1 : 1;
    }
  };
  const label = (c: TieBreakCriterion): string =>
    ({
      'more-support': 'more support',
      'lower-cost': 'lower cost',
      'higher-cost': 'higher cost',
      'ballot-order': isDefault ? 'input order' : 'ballot order',
      'project-id': 'project id',
      lottery: `the public lottery (seed ${JSON.stringify(seed)})`,
    })[c];
  return {
    criteria,
    isDefault,
    ...(seed !== undefined ? { seed } : {}),
    compare(a, b) {
      for (const c of criteria) {
        const r = by(c, a, b);
        if (r !== 0) return r;
      }
      return a - b;
    },
    decidedBy(a, b) {
      for (const c of criteria) if (by(c, a, b) !== 0) return DECISION[c];
      return 'order';
    },
    describe(upTo) {
      const k = upTo === undefined ? criteria.length - 1 : criteria.findIndex((c) => DECISION[c] === upTo);
      return criteria.slice(0, k === -1 ? criteria.length : k + 1).map(label).join(', then ');
    },
  };
}

/** Of several decisions, the one latest in the tie-breaker's list (the criterion that was needed to settle them all). */
export function latestDecision(t: TieBreaker, decisions: readonly TieDecision[]): TieDecision {
  let best = -1;
  for (const d of decisions) best = Math.max(best, t.criteria.findIndex((c) => DECISION[c] === d));
  return best === -1 ? 'order' : DECISION[t.criteria[best]];
}

export function prepare(instance: Instance, profile: Profile, options: Pick<RuleOptions, 'tieBreak' | 'lotterySeed'> = {}): Prepared {
  const m = instance.projects.length;
  const index = new Map<string, number>();
  instance.projects.forEach((p, i) => {
    if (index.has(p.id)) throw new TallyInputError(`duplicate project id ${p.id}`);
    if (p.cost < 0n) throw new TallyInputError(`project ${p.id} has a negative cost`);
    index.set(p.id, i);
  });
  const countsOnly = profile.type === 'approval' || profile.type === 'choose-one';
  // Counted in doubles while that is exact (the usual case, and several times faster than bigint), else in bigint.
  const votesF = new Float64Array(m);
  const supportF = new Float64Array(m);
  const supportBig: bigint[] = new Array<bigint>(m).fill(0n);
  const seenIn = new Int32Array(m).fill(-1);
  const pointsOf = (ballot: Ballot, pos: number, id: string): bigint => {
    if (profile.type === 'cumulative' || (profile.type === 'ordinal' && ballot.points)) {
      const given = ballot.points?.[pos];
      if (given === undefined) throw new TallyInputError(`ballot ${ballot.voterId} has no points for project ${id}`);
      if (given < 0n) throw new TallyInputError(`ballot ${ballot.voterId} gives negative points to ${id}`);
      return given;
    }
    return profile.type === 'ordinal' ? rankPoints(profile, pos, ballot.projects.length) : 1n;
  };
  const ballots = profile.ballots;
  for (let b = 0; b < ballots.length; b++) {
    const ballot = ballots[b];
    const ids = ballot.projects;
    if (profile.type === 'choose-one' && ids.length > 1) {
      throw new TallyInputError(`choose-one ballot ${ballot.voterId} names ${ids.length} projects`);
    }
    for (let pos = 0; pos < ids.length; pos++) {
      const i = index.get(ids[pos]);
      if (i === undefined) throw new TallyInputError(`ballot ${ballot.voterId} names unknown project ${ids[pos]}`);
      if (seenIn[i] === b) throw new TallyInputError(`ballot ${ballot.voterId} names project ${ids[pos]} twice`);
      seenIn[i] = b;
      if (countsOnly) {
        votesF[i] += 1;
        supportF[i] += 1;
        continue;
      }
      const pts = pointsOf(ballot, pos, ids[pos]);
      if (pts > 0n || profile.type !== 'cumulative') votesF[i] += 1;
      supportBig[i] += pts;
    }
  }
  const votes = Array.from(votesF, (v) => BigInt(v));
  const support = countsOnly ? Array.from(supportF, (v) => BigInt(v)) : supportBig;
  const ties = tieBreaker(support, instance, options);
  // Support first (greedy's ranking), then the round's tie-breaking.
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => (support[a] !== support[b] ? (support[a] > support[b] ? -1 : 1) : ties.compare(a, b)));
  let groups: VoterGroup[] | undefined;
  let supporters: { group: number; points: bigint }[][] | undefined;
  const build = () => {
    const byKey = new Map<string, { weight: number; items: number[]; points: bigint[] }>();
    for (const ballot of ballots) {
      const items = ballot.projects.map((id) => index.get(id)!);
      const points = ballot.projects.map((id, pos) => pointsOf(ballot, pos, id));
      const perm = items.map((_, k) => k).sort((a, b) => items[a] - items[b]);
      const sortedItems = perm.map((k) => items[k]);
      const sortedPoints = perm.map((k) => points[k]);
      const key = sortedItems.map((i, k) => (sortedPoints[k] === 1n ? `${i}` : `${i}:${sortedPoints[k]}`)).join(',');
      const g = byKey.get(key);
      if (g) g.weight += 1;
      else byKey.set(key, { weight: 1, items: sortedItems, points: sortedPoints });
    }
    // Sorted by content so no result can depend on the order of the ballots.
    groups = [...byKey.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, g]) => g);
    supporters = Array.from({ length: m }, () => []);
    groups.forEach((g, gi) => {
      g.items.forEach((i, k) => {
        if (g.points[k] > 0n) supporters![i].push({ group: gi, points: g.points[k] });
      });
    });
  };
  return {
    instance,
    profile,
    n: profile.ballots.length,
    index,
    votes,
    support,
    order,
    tieBreaker: ties,
    get groups() {
      if (!groups) build();
      return groups!;
    },
    get supporters() {
      if (!supporters) build();
      return supporters!;
    },
  };
}
