import { exp } from '../numerics/libm.js';
import { brentMinimize, brentRoot } from '../numerics/brent.js';
import type { GeneStats } from './gene-stats.js';
import { gridCriterion, remlCriterion, remlScore, workspaceFor } from './reml.js';
import { momentLambda, withinGroupFit } from './starting-values.js';

/**
 * The search runs on h = λ / (1 + λ) ∈ [0, H_MAX], the intra-class correlation, which maps λ ∈ [0, ∞) onto a
 * bounded interval. A fixed grid plus the moment-based start brackets the global minimum; the optimum is
 * then the root of the score d(−2ℓ_R)/dλ in the bracket (Brent's zeroin). A root is located to the
 * precision of the score, where a minimiser of the criterion's value only gets √ε, which in f32 would be
 * 3e-4 in h. Both backends run these steps.
 */
export const H_GRID: readonly number[] = [
  0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999, 0.99999,
];
/** Upper end of the search in h: λ = 1e8. */
export const H_MAX = 1 - 1e-8;
/** The grid of the search: H_GRID and H_MAX, ascending. */
const GRID: readonly number[] = [...H_GRID, H_MAX];
/**
 * λ̂ above this (σ²_g a million times σ²_e), where h loses its resolution of λ, is searched again on log λ, up to
 * LAMBDA_MAX (searchLogLambda).
 */
export const UPPER_LAMBDA = 1e6;
/**
 * Upper end of the search on log λ: σ²_e = 1e-15 σ²_g, about where a within-group deviation of y's centred and
 * scaled values is lost to f64 rounding. An optimum there means no residual variance is left to estimate.
 */
export const LAMBDA_MAX = 1e15;
/** Decades of λ on the grid of the search on log λ, from 1e4 to LAMBDA_MAX. */
const LOG_LAMBDA_GRID = Array.from({ length: 12 }, (_, i) => (4 + i) * Math.LN10);
/** The λs of the two grids, whose criterion a pattern may keep its part of (reml.ts' gridCriterion). */
export const GRID_LAMBDAS = GRID.length + LOG_LAMBDA_GRID.length;
/** Absolute tolerance in h of the root search. */
export const H_TOLERANCE = 1e-14;
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
  /** True when the optimum runs to the upper end of the search (λ̂ = LAMBDA_MAX): no residual variance is left. */
  atUpperBound: boolean;
  /** The grid in h (H_GRID, H_MAX and the start) and the criterion there, Infinity where it is not finite. */
  grid: { h: number[]; values: number[] };
}

/** argmin over λ ≥ 0 of −2 ℓ_R(λ). λ̂ is set to exactly 0 when √λ̂ < SINGULAR_THETA. */
export function searchLambda(stats: GeneStats): LambdaSearch {
  const ws = workspaceFor(stats.m);
  const f = (h: number): number => remlCriterion(stats, lambdaOf(h), ws.l);
  const lambdaStart = momentLambda(stats);
  const hStart = lambdaStart / (1 + lambdaStart);
  const points = GRID.slice();
  if (hStart > 0 && hStart < H_MAX && !points.includes(hStart)) {
    let at = points.length;
    while (points[at - 1] > hStart) at--;
    points.splice(at, 0, hStart);
  }
  const values = new Array<number>(points.length);
  for (let i = 0; i < points.length; i++) {
    // The grid's own points are every gene's (gridCriterion keeps what their criterion takes of the pattern); the start is the gene's.
    const v = points[i] === hStart ? f(hStart) : gridCriterion(stats, lambdaOf(points[i]), ws.l);
    values[i] = Number.isNaN(v) ? Infinity : v;
  }
  let best = 0;
  for (let i = 1; i < points.length; i++) if (values[i] < values[best]) best = i;

  const score = (h: number): number => remlScore(stats, lambdaOf(h), ws);
  let h = points[best];
  let criterion = values[best];
  let evaluations = points.length;
  let converged = true;
  const lo = points[Math.max(best - 1, 0)];
  const hi = points[Math.min(best + 1, points.length - 1)];
  const scoreLo = score(best === 0 ? 0 : lo);
  const scoreHi = score(hi);
  evaluations += 2;
  if (best === 0 && scoreLo >= 0) {
    // The criterion rises from λ = 0: a boundary fit.
  } else if (scoreLo < 0 && scoreHi > 0) {
    const root = brentRoot(score, best === 0 ? 0 : lo, hi, scoreLo, scoreHi, H_TOLERANCE);
    evaluations += root.evaluations;
    converged = root.converged;
    const atRoot = f(root.x);
    if (atRoot <= criterion) {
      h = root.x;
      criterion = atRoot;
    }
  } else {
    // The score does not change sign across the bracket (a flat or odd criterion): minimise its value.
    const refined = brentMinimize(f, lo, hi, 1e-12);
    evaluations += refined.evaluations;
    converged = refined.converged;
    if (refined.fx <= criterion) {
      h = refined.x;
      criterion = refined.fx;
    }
  }
  let lambda = lambdaOf(h);
  if (Math.sqrt(lambda) < SINGULAR_THETA) {
    lambda = 0;
    criterion = values[0];
  }
  const grid = { h: points, values };
  // Where h2 = 1 is a point of the parameter space the search ends at H_MAX (admitsH2One).
  if (lambda > UPPER_LAMBDA && !admitsH2One(stats)) return { lambdaStart, grid, ...searchLogLambda(stats, evaluations) };
  return { lambdaStart, lambda, criterion, evaluations, converged: converged && Number.isFinite(criterion), atUpperBound: false, grid };
}

/**
 * True when h2 = 1 (σ²_e = 0) belongs to the parameter space: no residual degrees of freedom are left within groups
 * (in a kinship, within the null space of Z K Zᵀ) once X is fitted there, n − q − rank = 0 (withinGroupFit), so
 * the criterion has a finite limit as λ → ∞ and nothing holds σ²_e above 0. The usual case is a kinship with one
 * sample per individual (its null space the direction a centred GRM gives no variance, explained by the intercept).
 * There the criterion in λ loses its precision beyond λ ≈ 1e8 (the null space's part of M(λ) cancels against
 * itself, and a search on log λ would settle wherever rounding makes it lowest), so the search stops at H_MAX, and
 * an optimum there is reported at λ = 1e8 (h2 = 1 − 1e-8), within 1e-8 of h2 = 1's estimates. With replicates the
 * criterion rises to infinity as λ → ∞ instead, and the search goes on over log λ.
 */
export function admitsH2One(stats: GeneStats): boolean {
  const { n, q } = stats.pattern;
  return n - q - withinGroupFit(stats).rank <= 0;
}

/**
 * The search again on t = ln λ over [1e4, LAMBDA_MAX], for an optimum above UPPER_LAMBDA (h2 within 1e-6 of 1,
 * where h resolves λ no better than 1e-8 relative): the best decade of a grid, then the root of the score in t to
 * 1e-12 (1e-12 relative in λ). The optimum at LAMBDA_MAX is reported as atUpperBound. `evaluations`: those so far.
 */
function searchLogLambda(stats: GeneStats, evaluations: number): Omit<LambdaSearch, 'lambdaStart' | 'grid'> {
  const ws = workspaceFor(stats.m);
  const f = (t: number): number => remlCriterion(stats, exp(t), ws.l);
  const score = (t: number): number => remlScore(stats, exp(t), ws);
  const values = LOG_LAMBDA_GRID.map((t) => {
    const v = gridCriterion(stats, exp(t), ws.l);
    return Number.isNaN(v) ? Infinity : v;
  });
  evaluations += values.length;
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] < values[best]) best = i;
  const last = LOG_LAMBDA_GRID.length - 1;
  let t = LOG_LAMBDA_GRID[best];
  let criterion = values[best];
  let converged = Number.isFinite(criterion);
  if (best < last) {
    const lo = LOG_LAMBDA_GRID[Math.max(best - 1, 0)];
    const hi = LOG_LAMBDA_GRID[best + 1];
    const scoreLo = score(lo);
    const scoreHi = score(hi);
    evaluations += 2;
    if (scoreLo < 0 && scoreHi > 0) {
      const root = brentRoot(score, lo, hi, scoreLo, scoreHi, 1e-12);
      evaluations += root.evaluations;
      const atRoot = f(root.x);
      if (atRoot <= criterion) {
        t = root.x;
        criterion = atRoot;
      }
      converged &&= root.converged;
    } else {
      const refined = brentMinimize(f, lo, hi, 1e-12);
      evaluations += refined.evaluations;
      converged &&= refined.converged;
      if (refined.fx <= criterion) {
        t = refined.x;
        criterion = refined.fx;
      }
    }
  }
  return { lambda: exp(t), criterion, evaluations, converged, atUpperBound: best === last };
}
