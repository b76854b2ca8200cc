import type { DesignPattern } from './pattern.js';

/**
 * One gene's sufficient statistics for the REML criterion: the within-group and per-size-class between-group
 * cross-products of the augmented matrix [X y]. With them, for any λ,
 *
 *     M(λ) = W + Σ_k s_k / (1 + λ s_k) · B_k  =  [Xᵀ H⁻¹ X, Xᵀ H⁻¹ y; yᵀ H⁻¹ X, yᵀ H⁻¹ y],
 *
 * so the Cholesky factor of M(λ) gives log det(Xᵀ H⁻¹ X) and, as its last pivot squared, r_λ (SPEC §3).
 * Within-group sums are taken around the group means (two passes), so yᵀH⁻¹y − … never cancels.
 */
export interface GeneStats {
  pattern: DesignPattern;
  /** p + 1, the order of the augmented matrices. */
  m: number;
  /** [m × m] Σ_i (z_i − z̄_j)(z_i − z̄_j)ᵀ with z = (x, y). */
  w: Float64Array;
  /** [nSizes × m × m] Σ_{j: n_j = s_k} z̄_j z̄_jᵀ. */
  b: Float64Array;
  /**
   * [p] b with the sums taken of y − X b, added back to β̂. The criterion, σ²s and SEs do not depend on b,
   * but the sums lose less to cancellation: the CPU takes the mean out through the intercept, the GPU its
   * whole first fit (see webgpu.ts).
   */
  betaOffset: Float64Array;
}

/** Sufficient statistics of `y` ([n], in the pattern's observation order). */
export function computeGeneStats(pattern: DesignPattern, y: Float64Array): GeneStats {
  const { n, p, q, groupOf, groupSize, sizeClassOf, nSizes, xc, xbar, wxx, bxx } = pattern;
  const m = p + 1;
  const mm = m * m;
  const ybar = new Float64Array(q);
  let shift = 0;
  for (let i = 0; i < n; i++) ybar[groupOf[i]] += y[i];
  if (pattern.interceptColumn >= 0) {
    for (let j = 0; j < q; j++) shift += ybar[j];
    shift /= n;
  }
  for (let j = 0; j < q; j++) ybar[j] = ybar[j] / groupSize[j] - shift;

  const w = new Float64Array(mm);
  const b = new Float64Array(nSizes * mm);
  let wyy = 0;
  for (let i = 0; i < n; i++) {
    const yi = y[i] - shift;
    const e = yi - ybar[groupOf[i]];
    wyy += e * e;
    const row = i * p;
    for (let a = 0; a < p; a++) w[a * m + p] += xc[row + a] * yi;
  }
  w[mm - 1] = wyy;
  for (let j = 0; j < q; j++) {
    const base = sizeClassOf[j] * mm;
    const yj = ybar[j];
    for (let a = 0; a < p; a++) b[base + a * m + p] += xbar[j * p + a] * yj;
    b[base + mm - 1] += yj * yj;
  }
  // The X blocks come from the pattern; mirror the xy column into the xy row.
  for (let k = 0; k <= nSizes; k++) {
    const target = k === 0 ? w : b;
    const base = k === 0 ? 0 : (k - 1) * mm;
    const source = k === 0 ? wxx : bxx;
    const sourceBase = k === 0 ? 0 : (k - 1) * p * p;
    for (let a = 0; a < p; a++) {
      for (let c = 0; c < p; c++) target[base + a * m + c] = source[sourceBase + a * p + c];
      target[base + p * m + a] = target[base + a * m + p];
    }
  }
  const betaOffset = new Float64Array(p);
  if (pattern.interceptColumn >= 0) betaOffset[pattern.interceptColumn] = shift;
  return { pattern, m, w, b, betaOffset };
}
