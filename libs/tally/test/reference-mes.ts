import { add, cmp, div, mulInt, rat, sub, ZERO, type Rational } from '../src/rational';
import type { Instance, Profile } from '../src';

/**
 * A deliberately naive Method of Equal Shares, one voter at a time, in exact fractions, written from the
 * definition (equalshares.net's reference code): the production engine must agree with it on every instance.
 * Utilities: cost for approval / choose-one, points otherwise. Ties: lower rho, then more support, lower cost,
 * input order. Returns selected ids in order.
 */
export function referenceMes(inst: Instance, profile: Profile, perVoter: Rational): string[] {
  const costUtility = profile.type === 'approval' || profile.type === 'choose-one';
  const n = profile.ballots.length;
  const budget: Rational[] = Array.from({ length: n }, () => perVoter);
  const util = (v: number, c: number): bigint => {
    const b = profile.ballots[v];
    const pos = b.projects.indexOf(inst.projects[c].id);
    if (pos < 0) return 0n;
    if (costUtility) return inst.projects[c].cost;
    if (b.points) return b.points[pos];
    return BigInt(b.projects.length - pos);
  };
  const support = inst.projects.map((_, c) => {
    let s = 0n;
    for (let v = 0; v < n; v++) {
      const u = util(v, c);
      if (u > 0n) s += costUtility ? 1n : u;
    }
    return s;
  });
  const remaining = new Set(inst.projects.map((_, c) => c).filter((c) => support[c] > 0n));
  const selected: string[] = [];
  for (;;) {
    let best: { c: number; rho: Rational } | undefined;
    for (const c of [...remaining]) {
      const cost = inst.projects[c].cost;
      const voters = [...Array(n).keys()].filter((v) => util(v, c) > 0n);
      let money: Rational = ZERO;
      for (const v of voters) money = add(money, budget[v]);
      if (cmp(money, rat(cost)) < 0) {
        remaining.delete(c);
        continue;
      }
      voters.sort((a, b) => cmp(div(budget[a], rat(util(a, c))), div(budget[b], rat(util(b, c)))));
      let paid: Rational = ZERO;
      let denom = voters.reduce((s, v) => s + util(v, c), 0n);
      let rho: Rational | undefined;
      for (const v of voters) {
        const r = div(sub(rat(cost), paid), rat(denom));
        if (cmp(mulInt(r, util(v, c)), budget[v]) > 0) {
          paid = add(paid, budget[v]);
          denom -= util(v, c);
        } else {
          rho = r;
          break;
        }
      }
      if (!rho) {
        remaining.delete(c);
        continue;
      }
      const better =
        !best ||
        cmp(rho, best.rho) < 0 ||
        (cmp(rho, best.rho) === 0 &&
          (support[c] > support[best.c] ||
            (support[c] === support[best.c] &&
              (cost < inst.projects[best.c].cost || (cost === inst.projects[best.c].cost && c < best.c)))));
      if (better) best = { c, rho };
    }
    if (!best) return selected;
    const { c, rho } = best;
    for (let v = 0; v < n; v++) {
      const u = util(v, c);
      if (u === 0n) continue;
      const pay = mulInt(rho, u);
      budget[v] = cmp(budget[v], pay) > 0 ? sub(budget[v], pay) : ZERO;
    }
    selected.push(inst.projects[c].id);
    remaining.delete(c);
  }
}

/** Add1 as Pabulib defines it, one raise at a time with the naive engine: the last outcome that fits. */
export function referenceAdd1(inst: Instance, profile: Profile): { selected: string[]; raises: number } {
  const n = BigInt(profile.ballots.length);
  const B = inst.budget;
  const costOf = (ids: string[]) => ids.reduce((s, id) => s + inst.projects.find((p) => p.id === id)!.cost, 0n);
  let best = referenceMes(inst, profile, rat(B, n));
  let raises = 0;
  const supported = new Set(profile.ballots.flatMap((b) => b.projects)).size;
  const total = inst.projects.reduce((s, p) => s + p.cost, 0n);
  for (let k = 1n; best.length < supported; k++) {
    const perVoter = add(rat(B, n), rat(k));
    if (cmp(perVoter, rat(total + 1n)) > 0) break;
    const next = referenceMes(inst, profile, perVoter);
    if (costOf(next) > B) break;
    best = next;
    raises = Number(k);
  }
  return { selected: best, raises };
}
