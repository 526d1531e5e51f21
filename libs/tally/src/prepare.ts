import type { Ballot, Instance, Profile } from './types';

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
  /** Project indices in the default tie-breaking order: more support, then lower cost, then input order. */
  readonly order: readonly number[];
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

export function prepare(instance: Instance, profile: Profile): Prepared {
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
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => compareDefault(support, instance, a, b));
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
