import type { GeneStats } from './gene-stats.js';
import { choleskyInPlace, choleskyInverse, choleskySolve } from './linalg.js';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * M(λ) = W + Σ_k w_k(λ) B_k into `out` ([m × m]), with w_k = s_k / (1 + λ s_k) for `order` 0, and its
 * λ-derivatives for order 1 (−s_k² / (1 + λ s_k)²) and 2 (2 s_k³ / (1 + λ s_k)³), which carry no W.
 */
export function assembleM(stats: GeneStats, lambda: number, out: Float64Array, order: 0 | 1 | 2 = 0): Float64Array {
  const { m, w, b } = stats;
  const { sizes, nSizes } = stats.pattern;
  const mm = m * m;
  if (order === 0) out.set(w);
  else out.fill(0);
  for (let k = 0; k < nSizes; k++) {
    const s = sizes[k];
    const d = 1 + lambda * s;
    const wk = order === 0 ? s / d : order === 1 ? -(s * s) / (d * d) : (2 * s * s * s) / (d * d * d);
    const base = k * mm;
    for (let i = 0; i < mm; i++) out[i] += wk * b[base + i];
  }
  return out;
}

/** Σ_j log(1 + λ n_j) = log det H_λ, summed over size classes. */
export function logDetH(stats: GeneStats, lambda: number): number {
  const { sizes, sizeCount, nSizes } = stats.pattern;
  let s = 0;
  for (let k = 0; k < nSizes; k++) s += sizeCount[k] * Math.log1p(lambda * sizes[k]);
  return s;
}

/**
 * −2 ℓ_R(λ), the REML criterion of SPEC §3 (lme4's REMLcrit at θ = √λ):
 * Σ_j log(1 + λ n_j) + log det(Xᵀ H⁻¹ X) + (n − p)(1 + log(2π r_λ / (n − p))).
 * NaN when M(λ) is not positive definite (r_λ = 0: the fixed effects fit the gene exactly).
 * `work` is an optional [m × m] scratch buffer.
 */
export function remlCriterion(stats: GeneStats, lambda: number, work = new Float64Array(stats.m * stats.m)): number {
  const { m } = stats;
  const { n, p } = stats.pattern;
  assembleM(stats, lambda, work);
  if (!choleskyInPlace(work, m)) return NaN;
  let logDetXHX = 0;
  for (let i = 0; i < p; i++) logDetXHX += 2 * Math.log(work[i * m + i]);
  const r = work[p * m + p] ** 2;
  const dof = n - p;
  return logDetH(stats, lambda) + logDetXHX + dof * (1 + LOG_2PI + Math.log(r / dof));
}

/** Everything the estimates need at one λ: β̂_λ, r_λ, σ²_e and (Xᵀ H⁻¹ X)⁻¹ (without σ²_e). */
export interface RemlProfile {
  lambda: number;
  criterion: number;
  /** r_λ = (y − Xβ̂)ᵀ H⁻¹ (y − Xβ̂). */
  r: number;
  /** r_λ / (n − p). */
  sigma2E: number;
  /** [p] β̂_λ on the original scale of y. */
  beta: Float64Array;
  /** [p × p] (Xᵀ H_λ⁻¹ X)⁻¹; Var(β̂) = σ²_e times this. */
  xhxInverse: Float64Array;
}

/** β̂_λ, r_λ and (Xᵀ H⁻¹ X)⁻¹ at λ (profileBeta in MixedModels.jl's terms); undefined where M(λ) is singular. */
export function profileAt(stats: GeneStats, lambda: number): RemlProfile | undefined {
  const { m } = stats;
  const { n, p } = stats.pattern;
  const l = assembleM(stats, lambda, new Float64Array(m * m));
  const beta = Float64Array.from({ length: p }, (_, i) => l[i * m + p]); // Xᵀ H⁻¹ y: the last column
  if (!choleskyInPlace(l, m)) return undefined;
  const r = l[p * m + p] ** 2;
  choleskySolve(l, m, p, beta);
  if (stats.pattern.interceptColumn >= 0) beta[stats.pattern.interceptColumn] += stats.shift;
  return {
    lambda,
    criterion: remlCriterion(stats, lambda),
    r,
    sigma2E: r / (n - p),
    beta,
    xhxInverse: choleskyInverse(l, m, p),
  };
}
