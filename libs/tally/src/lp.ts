import { rat, type Rational } from './rational';

/**
 * Exact feasibility of a system of linear equations over non-negative variables: is there x ≥ 0 with A·x = b?
 * Phase 1 of the simplex method with integer pivoting (every tableau entry stays an integer, divided exactly by the
 * previous pivot, so no fractions and no rounding) and Bland's rule (so it terminates). Meant for the small
 * systems of the priceability check; the caller bounds the size.
 *
 * Rows are sparse: `rows[i]` maps column → coefficient, `rhs[i]` is b_i; all integers.
 */
export interface LinearSystem {
  readonly columns: number;
  readonly rows: readonly ReadonlyMap<number, bigint>[];
  readonly rhs: readonly bigint[];
}

export type LpAnswer = { readonly feasible: true; readonly x: readonly Rational[] } | { readonly feasible: false };

export function solveFeasibility(system: LinearSystem): LpAnswer {
  const m = system.rows.length;
  const n = system.columns;
  // Columns 0..n-1 the variables, n..n+m-1 one artificial per row, n+m the right-hand side.
  const width = n + m + 1;
  const rhsCol = n + m;
  const t: bigint[][] = [];
  for (let i = 0; i < m; i++) {
    const row = new Array<bigint>(width).fill(0n);
    const sign = system.rhs[i] < 0n ? -1n : 1n;
    for (const [j, a] of system.rows[i]) row[j] = sign * a;
    row[n + i] = 1n;
    row[rhsCol] = sign * system.rhs[i];
    t.push(row);
  }
  // Phase-1 objective: minimise the sum of the artificials. Its reduced costs are −(column sums) over the variables.
  const obj = new Array<bigint>(width).fill(0n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) obj[j] -= t[i][j];
    obj[rhsCol] -= t[i][rhsCol];
  }
  t.push(obj);
  const basis = Array.from({ length: m }, (_, i) => n + i);
  let det = 1n;
  for (;;) {
    // Bland: the lowest-index variable with a negative reduced cost enters (artificials never re-enter).
    let s = -1;
    for (let j = 0; j < n; j++) {
      if (obj[j] < 0n) {
        s = j;
        break;
      }
    }
    if (s < 0) break;
    // Ratio test over rows with a positive entry: smallest rhs/entry, ties to the lowest basic index.
    let r = -1;
    for (let i = 0; i < m; i++) {
      if (t[i][s] <= 0n) continue;
      if (r < 0) {
        r = i;
        continue;
      }
      const c = t[i][rhsCol] * t[r][s] - t[r][rhsCol] * t[i][s];
      if (c < 0n || (c === 0n && basis[i] < basis[r])) r = i;
    }
    if (r < 0) break; // unbounded direction: cannot happen in phase 1 (the objective is bounded below by 0)
    const p = t[r][s];
    const pivotRow = t[r];
    for (let i = 0; i <= m; i++) {
      if (i === r) continue;
      const row = t[i];
      const f = row[s];
      if (f === 0n) {
        if (p !== det) for (let j = 0; j < width; j++) if (row[j] !== 0n) row[j] = (row[j] * p) / det;
        continue;
      }
      for (let j = 0; j < width; j++) row[j] = (row[j] * p - f * pivotRow[j]) / det;
    }
    basis[r] = s;
    det = p;
  }
  if (obj[rhsCol] !== 0n) return { feasible: false };
  const x = new Array<Rational>(n).fill(rat(0n));
  for (let i = 0; i < m; i++) if (basis[i] < n) x[basis[i]] = rat(t[i][rhsCol], det);
  return { feasible: true, x };
}
