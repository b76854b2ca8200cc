import { brentMinimize } from './brent.js';
import type { GeneStats } from './gene-stats.js';
import { remlCriterion } from './reml.js';
import { momentLambda } from './starting-values.js';

/**
 * The search runs on h = λ / (1 + λ) ∈ [0, H_MAX], the intra-class correlation, which maps λ ∈ [0, ∞) onto a
 * bounded interval. A fixed grid plus the moment-based start brackets the global minimum; Brent then
 * refines within the bracket. Both backends use this grid.
 */
export const H_GRID: readonly number[] = [
  0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999, 0.99999,
];
/** Upper end of the search: λ = 1e8. An optimum there means the residual variance is zero. */
export const H_MAX = 1 - 1e-8;
/** Brent's absolute tolerance in h. */
export const H_TOLERANCE = 1e-12;
/** lme4's `isSingular` tolerance on θ = √λ. */
export const SINGULAR_THETA = 1e-4;

/** λ from h. */
export function lambdaOf(h: number): number {
  return h / (1 - h);
}

/** Outcome of the λ search (an OptSummary in MixedModels.jl's terms). */
export interface LambdaSearch {
  /** The moment-based start λ0 (NaN where not estimable). */
  lambdaStart: number;
  lambda: number;
  criterion: number;
  /** Criterion evaluations, grid included. */
  evaluations: number;
  converged: boolean;
  /** True when the optimum lies at the upper end H_MAX. */
  atUpperBound: boolean;
}

/** argmin over λ ≥ 0 of −2 ℓ_R(λ). λ̂ is set to exactly 0 when √λ̂ < SINGULAR_THETA. */
export function searchLambda(stats: GeneStats): LambdaSearch {
  const work = new Float64Array(stats.m * stats.m);
  const f = (h: number): number => remlCriterion(stats, lambdaOf(h), work);
  const lambdaStart = momentLambda(stats);
  const hStart = lambdaStart / (1 + lambdaStart);
  const points = [...H_GRID, H_MAX];
  if (hStart > 0 && hStart < H_MAX && !points.includes(hStart)) points.push(hStart);
  points.sort((a, b) => a - b);
  const values = points.map((h) => {
    const v = f(h);
    return Number.isNaN(v) ? Infinity : v;
  });
  let best = 0;
  for (let i = 1; i < points.length; i++) if (values[i] < values[best]) best = i;

  const lo = points[Math.max(best - 1, 0)];
  const hi = points[Math.min(best + 1, points.length - 1)];
  const refined = brentMinimize(f, lo, hi, H_TOLERANCE);
  let h = refined.x;
  let criterion = refined.fx;
  // Brent never evaluates the ends of its interval, so the boundary λ = 0 is compared explicitly.
  if (values[best] <= criterion) {
    h = points[best];
    criterion = values[best];
  }
  let lambda = lambdaOf(h);
  if (Math.sqrt(lambda) < SINGULAR_THETA) {
    lambda = 0;
    criterion = values[0];
  }
  return {
    lambdaStart,
    lambda,
    criterion,
    evaluations: points.length + refined.evaluations,
    converged: refined.converged && Number.isFinite(criterion),
    atUpperBound: H_MAX - h <= 2 * (Math.sqrt(Number.EPSILON) * h + H_TOLERANCE),
  };
}
