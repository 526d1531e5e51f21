import type { Ballot, BallotType, Instance, Profile } from '../src';

/** A small instance: projects as [id, cost] (plus categories / district), budget in whole units. */
export function instance(
  budget: number,
  projects: readonly (readonly [string, number, { categories?: string[]; district?: string }?])[],
  extra: Partial<Instance> = {},
): Instance {
  return {
    budget: BigInt(budget),
    scale: 0,
    projects: projects.map(([id, cost, more]) => ({ id, cost: BigInt(cost), ...(more ?? {}) })),
    ...extra,
  };
}

/** Approval-style ballots: each entry is [count, ids] (count identical voters). */
export function approvals(type: BallotType, ...spec: readonly (readonly [number, string[]])[]): Profile {
  const ballots: Ballot[] = [];
  for (const [count, ids] of spec) {
    for (let k = 0; k < count; k++) ballots.push({ voterId: `v${ballots.length + 1}`, projects: ids });
  }
  return { type, ballots };
}

/** Point ballots: each entry is [count, {id: points}]. */
export function pointBallots(type: BallotType, ...spec: readonly (readonly [number, Record<string, number>])[]): Profile {
  const ballots: Ballot[] = [];
  for (const [count, pts] of spec) {
    for (let k = 0; k < count; k++) {
      ballots.push({
        voterId: `v${ballots.length + 1}`,
        projects: Object.keys(pts),
        points: Object.values(pts).map((p) => BigInt(p)),
      });
    }
  }
  return { type, ballots };
}
