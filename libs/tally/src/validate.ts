import type { Ballot, BallotRules, BallotValidation } from './types';

/**
 * Checks one ballot against the round's rules. Returns every problem found, each with the field it concerns,
 * so a voting API can show them all at once.
 */
export function validateBallot(rules: BallotRules, ballot: Ballot): BallotValidation {
  const errors: { field: string; message: string }[] = [];
  const ids = ballot.projects;
  const known = rules.projects ? new Map(rules.projects.map((p) => [p.id, p])) : undefined;
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) errors.push({ field: 'projects', message: `project ${id} is named more than once` });
    seen.add(id);
    if (known && !known.has(id)) errors.push({ field: 'projects', message: `project ${id} is not on this ballot` });
  }
  const count = ids.length;
  if (rules.type === 'choose-one' && count !== 1) {
    errors.push({ field: 'projects', message: `choose exactly one project (got ${count})` });
  }
  if (rules.minLength !== undefined && count < rules.minLength) {
    errors.push({ field: 'projects', message: `choose at least ${rules.minLength} project(s) (got ${count})` });
  }
  if (rules.maxLength !== undefined && count > rules.maxLength) {
    errors.push({ field: 'projects', message: `choose at most ${rules.maxLength} project(s) (got ${count})` });
  }
  if (rules.maxSumCost !== undefined && known) {
    let total = 0n;
    for (const id of seen) total += known.get(id)?.cost ?? 0n;
    if (total > rules.maxSumCost) {
      errors.push({ field: 'projects', message: `the chosen projects cost ${total} in total, more than ${rules.maxSumCost}` });
    }
  }
  if (rules.maxPerCategory !== undefined && known) {
    const perCategory = new Map<string, number>();
    for (const id of seen) for (const c of known.get(id)?.categories ?? []) perCategory.set(c, (perCategory.get(c) ?? 0) + 1);
    for (const [c, k] of perCategory) {
      if (k > rules.maxPerCategory) {
        errors.push({ field: 'projects', message: `at most ${rules.maxPerCategory} project(s) of category ${c} (got ${k})` });
      }
    }
  }
  const usesPoints = rules.type === 'cumulative';
  if (usesPoints || ballot.points !== undefined) {
    const points = ballot.points;
    if (!points) {
      errors.push({ field: 'points', message: 'points are missing' });
    } else if (points.length !== count) {
      errors.push({ field: 'points', message: `${points.length} point value(s) for ${count} project(s)` });
    } else {
      let sum = 0n;
      points.forEach((pt, k) => {
        sum += pt;
        if (pt <= 0n) errors.push({ field: `points[${k}]`, message: `points must be positive (got ${pt})` });
        if (rules.maxPoints !== undefined && pt > rules.maxPoints) {
          errors.push({ field: `points[${k}]`, message: `at most ${rules.maxPoints} point(s) per project (got ${pt})` });
        }
      });
      if (rules.minSumPoints !== undefined && sum < rules.minSumPoints) {
        errors.push({ field: 'points', message: `give at least ${rules.minSumPoints} point(s) in total (got ${sum})` });
      }
      if (rules.maxSumPoints !== undefined && sum > rules.maxSumPoints) {
        errors.push({ field: 'points', message: `give at most ${rules.maxSumPoints} point(s) in total (got ${sum})` });
      }
    }
  }
  return errors.length === 0 ? { ok: true } : { ok: false, errors };
}
