import type { Prepared } from '../prepare';
import type { NotSelectedReason } from '../types';

/** Per-category / per-district caps only (the total is the rule's own business): why i would break one. */
export function capMisfit(p: Prepared, selected: readonly number[], i: number): NotSelectedReason | undefined {
  const { instance } = p;
  if (!instance.categoryLimits && !instance.districtLimits) return undefined;
  const project = instance.projects[i];
  for (const c of project.categories ?? []) {
    const limit = instance.categoryLimits?.[c];
    if (limit === undefined) continue;
    let used = 0n;
    for (const j of selected) if (instance.projects[j].categories?.includes(c)) used += instance.projects[j].cost;
    if (used + project.cost > limit) return { kind: 'over-limit', limit: 'category', key: c, left: limit - used };
  }
  const d = project.district;
  const limit = d === undefined ? undefined : instance.districtLimits?.[d];
  if (d !== undefined && limit !== undefined) {
    let used = 0n;
    for (const j of selected) if (instance.projects[j].district === d) used += instance.projects[j].cost;
    if (used + project.cost > limit) return { kind: 'over-limit', limit: 'district', key: d, left: limit - used };
  }
  return undefined;
}
