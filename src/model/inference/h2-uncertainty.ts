import { brentRoot } from '../../numerics/brent.js';
import type { GeneStats } from '../gene-stats.js';
import { H_GRID, H_MAX, lambdaOf } from '../lambda-search.js';
import { remlCriterion, type RemlDerivatives, remlDerivatives, remlHessian } from '../reml.js';

/** qchisq(0.95, 1): the cut-off of the restricted likelihood-ratio test that the 95% interval inverts. */
export const H2_CUTOFF_95 = 3.841458820694124;
/** Absolute tolerance in h of the interval's end points. */
export const H2_INTERVAL_TOLERANCE = 1e-10;

/** Uncertainty of h2 = λ / (1 + λ) at the REML optimum λ̂ (SPEC §4). */
export interface H2Uncertainty {
  /** Delta-method standard error of ĥ2; NaN where the REML Hessian is not positive definite. */
  se: number;
  /** Lower end of the 95% profile-likelihood interval; exactly 0 when it reaches the boundary. */
  lo: number;
  /** Upper end of the 95% profile-likelihood interval; exactly 1 when it runs to the upper end of the search. */
  hi: number;
}

/**
 * The standard error and 95% profile-likelihood interval of h2 = λ / (1 + λ) at the REML optimum λ̂.
 *
 * `se`, the delta method on the REML information (GCTA's convention), with D(λ, σ²) = log det H_λ +
 * log det(Xᵀ H_λ⁻¹ X) + (n − p) log(2π σ²) + r_λ / σ² the REML deviance and H its Hessian in (λ, σ²) at
 * (λ̂, σ̂²_e = r_λ̂ / (n − p)):
 *
 *     Var(λ̂) = [2 H⁻¹]_λλ = 2 / (D_λλ − D_λσ²² / D_σ²σ²),   se = Var(λ̂)^½ · dh2/dλ = Var(λ̂)^½ / (1 + λ̂)².
 *
 * (The denominator is the second derivative of the profiled criterion remlCriterion.) At an interior optimum this
 * equals lmerTest's delta method in (θ = √λ, σ). At the boundary λ̂ = 0 the same formula is used, as D is smooth
 * through λ = 0: there it is GCTA's kind of value, the curvature of the likelihood at the boundary. It is NaN
 * where H is not positive definite (the profiled criterion is concave at λ = 0). lmerTest's parameterisation gives
 * 0 there instead (dh2/dθ = 0 at θ = 0), which says nothing about the uncertainty; the interval is the answer to
 * trust at a boundary.
 *
 * `[lo, hi]`, the restricted likelihood ratio inverted: the h with remlCriterion(λ(h)) − remlCriterion(λ̂) ≤
 * qchisq(0.95, 1), for the stretch of h around ĥ where that holds. Each end is found by stepping out from ĥ over
 * H_GRID (and H_MAX) to the first point beyond the cut-off, then Brent's root finder on h between it and the last
 * point within, to H2_INTERVAL_TOLERANCE. lo = 0 exactly when the criterion stays within the cut-off down to λ = 0
 * (always so at a singular fit, λ̂ = 0); hi = 1 exactly when it stays within up to h = H_MAX (λ = 1e8).
 * All three are NaN where the criterion is not finite at λ̂.
 */
export function h2Uncertainty(stats: GeneStats, lambdaHat: number,
  derivatives = remlDerivatives(stats, lambdaHat)): H2Uncertainty {
  return { se: h2StandardError(stats, lambdaHat, derivatives), ...h2ProfileInterval(stats, lambdaHat) };
}

/**
 * Values of the criterion already known at some h (the search's grid: searchLambda's LambdaSearch.grid) and at λ̂,
 * so that the interval need not evaluate them again.
 */
export interface KnownCriterion {
  /** remlCriterion at λ̂. */
  atOptimum: number;
  /** Points in h and the criterion there (Infinity where it is not finite). */
  grid: { h: readonly number[]; values: readonly number[] };
}

/**
 * The profile excess at λ̂: h ↦ remlCriterion(λ(h)) − remlCriterion(λ̂) − H2_CUTOFF_95, ≤ 0 inside the 95% interval
 * and > 0 beyond it; a criterion that is not finite (M(λ) singular) counts as beyond. Undefined where the criterion
 * is not finite at λ̂. `known`: values it takes instead of evaluating them (the same numbers).
 */
function profileExcess(stats: GeneStats, lambdaHat: number, known?: KnownCriterion): ((h: number) => number) | undefined {
  const best = known?.atOptimum ?? remlCriterion(stats, lambdaHat);
  if (!(lambdaHat >= 0) || !Number.isFinite(best)) return undefined;
  const grid = known?.grid;
  return (h: number): number => {
    const at = grid?.h.indexOf(h) ?? -1;
    const v = (grid !== undefined && at >= 0 ? grid.values[at] : remlCriterion(stats, lambdaOf(h))) - best - H2_CUTOFF_95;
    return Number.isNaN(v) ? Infinity : v;
  };
}

/**
 * The 95% profile-likelihood interval [lo, hi] of h2 at λ̂ (see h2Uncertainty); NaN where the criterion is not
 * finite. `known`: the criterion's values the caller has (the same interval, with fewer evaluations).
 */
export function h2ProfileInterval(stats: GeneStats, lambdaHat: number, known?: KnownCriterion): { lo: number; hi: number } {
  const excess = profileExcess(stats, lambdaHat, known);
  if (excess === undefined) return { lo: NaN, hi: NaN };
  const hHat = lambdaHat / (1 + lambdaHat);
  const lo = intervalEnd(excess, hHat, H_GRID.filter((h) => h < hHat).reverse(), 0);
  const hi = intervalEnd(excess, hHat, [...H_GRID, H_MAX].filter((h) => h > hHat), 1);
  return { lo, hi };
}

/** How close (in h) to the f64 root an end found in f32 must be for confirmedInterval to keep it: SPEC §6's 1e-4 on h2. */
export const H2_END_CHECK = 1e-4;

/**
 * An interval of h2 found elsewhere (in f32 on a GPU), kept where the f64 criterion confirms it, else the f64 one
 * (h2ProfileInterval). Confirmed means lo ≤ ĥ ≤ hi and each end within H2_END_CHECK of a root of the f64 profile
 * excess: inside the cut-off H2_END_CHECK towards ĥ and beyond it H2_END_CHECK away (an end at 0 or 1: inside the
 * cut-off there). Four evaluations of the criterion, against about forty for the interval itself.
 */
export function confirmedInterval(stats: GeneStats, lambdaHat: number, interval: { lo: number; hi: number }): { lo: number; hi: number } {
  const excess = profileExcess(stats, lambdaHat);
  const hHat = lambdaHat / (1 + lambdaHat);
  const { lo, hi } = interval;
  const confirmed = excess !== undefined && lo <= hHat && hHat <= hi &&
    (lo === 0 ? excess(0) <= 0 : excess(Math.min(lo + H2_END_CHECK, hHat)) <= 0 && excess(Math.max(lo - H2_END_CHECK, 0)) > 0) &&
    (hi === 1 ? excess(H_MAX) <= 0 : excess(Math.max(hi - H2_END_CHECK, hHat)) <= 0 && excess(Math.min(hi + H2_END_CHECK, H_MAX)) > 0);
  return confirmed ? interval : h2ProfileInterval(stats, lambdaHat);
}

/**
 * One end of the interval: the first of `steps` (ordered away from ĥ) beyond the cut-off brackets the root with
 * the point before it; `bound` when none is beyond.
 */
function intervalEnd(excess: (h: number) => number, hHat: number, steps: number[], bound: number): number {
  let inside = hHat;
  let fInside = Math.min(excess(hHat), 0); // −cut-off up to rounding: ĥ is the optimum
  for (const h of steps) {
    let outside = h;
    let fOutside = excess(h);
    if (fOutside <= 0) {
      inside = h;
      fInside = fOutside;
      continue;
    }
    // Brent's secant steps need finite values: bisect until the outer end of the bracket has one.
    while (!Number.isFinite(fOutside) && Math.abs(outside - inside) > H2_INTERVAL_TOLERANCE) {
      const mid = 0.5 * (inside + outside);
      const fMid = excess(mid);
      if (fMid <= 0) {
        inside = mid;
        fInside = fMid;
      } else {
        outside = mid;
        fOutside = fMid;
      }
    }
    if (!Number.isFinite(fOutside)) return 0.5 * (inside + outside);
    return brentRoot(excess, inside, outside, fInside, fOutside, H2_INTERVAL_TOLERANCE).x;
  }
  return bound;
}

/** se of ĥ2 by the delta method (see h2Uncertainty); NaN where the Hessian in (λ, σ²) is not positive definite. */
export function h2StandardError(stats: GeneStats, lambda: number, d: RemlDerivatives | undefined): number {
  const { n, p } = stats.pattern;
  if (d === undefined || !(d.r > 0)) return NaN;
  // As in satterthwaite.ts, in (λ, σ²) at σ² = σ̂²(λ), where D_σ² = 0.
  const { lambdaLambda: hLL, lambdaSigma2: hLS, sigma2Sigma2: hSS } = remlHessian(stats, d, d.r / (n - p));
  const det = hLL * hSS - hLS * hLS;
  if (!(hSS > 0) || !(det > 0)) return NaN;
  const varLambda = (2 * hSS) / det;
  return Math.sqrt(varLambda) / (1 + lambda) ** 2;
}
