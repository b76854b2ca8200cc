import { symmetricEigen } from '../../numerics/symmetric-eigen.js';
import { type KenwardRoger, kenwardRogerDf, kenwardRogerF } from './kenward-roger.js';
import { pFUpper, pTwoSidedT } from '../../stats/distributions.js';

/**
 * What lmerTest keeps of a fit for its Wald tests of linear hypotheses Lβ = 0: β̂, Var(β̂), the Jacobian of
 * Var(β̂) over the variance parameters (its `Jac_list`) and their asymptotic covariance A = 2 (∇² D)⁻¹ (its
 * `vcov_varpar`). Any parameterisation of the variance does: at the optimum the Satterthwaite df do not depend on it.
 */
export interface BetaCovariance {
  /** [p] β̂. */
  beta: Float64Array;
  /** [p × p] Var(β̂). */
  vcov: Float64Array;
  /** One [p × p] ∂Var(β̂)/∂φ_i per variance parameter φ_i. */
  jacobian: Float64Array[];
  /** [m × m] A, m = jacobian.length; undefined where the deviance's Hessian is not positive definite (df NaN). */
  varparCov: Float64Array | undefined;
  /** A model without random terms: every test's df is lm's n − p; undefined for a mixed model. */
  residualDf?: number;
  /** y's scale over the statistics' (GeneStats.scale): estimates and SEs are these times it; t, df, F and p are not. */
  scale: number;
  /**
   * `--ddf kenward-roger`: the adjusted Var(β̂) and what its df need (kenward-roger.ts); the tests are then
   * pbkrtest's, as lmerTest's with ddf = "Kenward-Roger".
   */
  kenwardRoger?: KenwardRoger;
}

/** A t test of one linear combination lᵀβ (lmerTest's `contest1D`). */
export interface TTest {
  estimate: number;
  se: number;
  df: number;
  t: number;
  p: number;
}

/** An F test of the rows of L (lmerTest's `contestMD`): F, numerator df (the rank of L Var(β̂) Lᵀ), denominator df. */
export interface FTest {
  f: number;
  ndf: number;
  ddf: number;
  p: number;
}

/** uᵀ M v for the [p × p] row-major M. */
function bilinear(u: ArrayLike<number>, m: Float64Array, v: ArrayLike<number>, p: number): number {
  let s = 0;
  for (let i = 0; i < p; i++) {
    if (u[i] === 0) continue;
    let row = 0;
    for (let j = 0; j < p; j++) row += m[i * p + j] * v[j];
    s += u[i] * row;
  }
  return s;
}

/** Satterthwaite's df of the variance lᵀ Var(β̂) l = `variance`: 2 variance² / (gᵀ A g), g_i = lᵀ (∂Var(β̂)/∂φ_i) l. */
function satterthwaite(cov: BetaCovariance, l: ArrayLike<number>, variance: number): number {
  if (cov.residualDf !== undefined) return cov.residualDf;
  const { jacobian, varparCov } = cov;
  if (varparCov === undefined) return NaN;
  const p = cov.beta.length;
  const g = jacobian.map((j) => bilinear(l, j, l, p));
  return (2 * variance * variance) / bilinear(g, varparCov, g, g.length);
}

/**
 * lmerTest's `contest1D` with Satterthwaite's df (Kenward–Roger's adjusted variance and df where `cov` has them):
 * lᵀβ̂, its SE, df, t and the two-sided p-value.
 */
export function contest1D(cov: BetaCovariance, l: ArrayLike<number>): TTest {
  const p = cov.beta.length;
  let estimate = 0;
  for (let j = 0; j < p; j++) estimate += l[j] * cov.beta[j];
  const { variance, df } = contestVariance(cov, l);
  const se = Math.sqrt(variance);
  const t = estimate / se;
  return { estimate: estimate * cov.scale, se: se * cov.scale, df, t, p: pTwoSidedT(t, df) };
}

/** contest1D's variance of lᵀβ̂ (Kenward–Roger's adjusted one where `cov` has it) and its df. */
function contestVariance(cov: BetaCovariance, l: ArrayLike<number>): { variance: number; df: number } {
  const p = cov.beta.length;
  const kr = cov.kenwardRoger;
  const variance = bilinear(l, kr?.adjusted ?? cov.vcov, l, p);
  return { variance, df: kr !== undefined ? kenwardRogerDf(kr, cov.vcov, l, p) : satterthwaite(cov, l, variance) };
}

/**
 * The coefficients' tests (contest1D of each unit vector) into `fit`'s [p] se, df, t and p: where the engine's own
 * Satterthwaite tests are to be replaced by Kenward–Roger's.
 */
export function retestCoefficients(cov: BetaCovariance, fit: { se: Float64Array; df: Float64Array; t: Float64Array; p: Float64Array }): void {
  eachUnitVector(cov.beta.length, (k, unit) => {
    const test = contest1D(cov, unit);
    fit.se[k] = test.se;
    fit.df[k] = test.df;
    fit.t[k] = test.t;
    fit.p[k] = test.p;
  });
}

/** Each unit vector of length p, handed to `take` with its index (the same array each time). */
function eachUnitVector(p: number, take: (k: number, unit: Float64Array) => void): void {
  const unit = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    unit.fill(0);
    unit[k] = 1;
    take(k, unit);
  }
}

/**
 * [p] each β̂_k's df (contest1D's of the unit vector, without its p-value, which the callers compute themselves) that
 * `cov` covers (the leading ones; NaN for the rest, and where A is undefined).
 */
export function coefficientDf(cov: BetaCovariance | undefined, p: number): Float64Array {
  const df = new Float64Array(p).fill(NaN);
  if (cov !== undefined) eachUnitVector(cov.beta.length, (k, unit) => { df[k] = contestVariance(cov, unit).df; });
  return df;
}

/** lmerTest's relative tolerance on the eigenvalues of L Var(β̂) Lᵀ (sqrt(.Machine$double.eps)). */
const RANK_EPS = Math.sqrt(2 ** -52);

/**
 * lmerTest's `contestMD` with Satterthwaite's df, for the [rows × p] row-major L: with L Var(β̂) Lᵀ = P diag(d) Pᵀ
 * and its q eigenvalues above RANK_EPS · d_1, F = Σ_m (P_mᵀ L β̂)² / d_m / q on q and `get_Fstat_ddf`'s denominator
 * df, from each PᵀL row's Satterthwaite df ν_m: ν when one, their mean when all equal to 1e-8, 2 when one is ≤ 2,
 * else 2E / (E − q) with E = Σ ν_m / (ν_m − 2). One row, or rank one, is the squared t test.
 */
export function contestMD(cov: BetaCovariance, l: Float64Array, rows: number): FTest {
  const p = cov.beta.length;
  if (cov.kenwardRoger !== undefined && rows > 0) {
    // lmerTest hands every L to pbkrtest's KRmodcomp, one row or more.
    const { f, ndf, ddf } = kenwardRogerF(cov.kenwardRoger, cov.vcov, cov.beta, l, rows);
    return { f, ndf, ddf, p: pFUpper(f, ndf, ddf) };
  }
  const row = (r: number): Float64Array => l.subarray(r * p, (r + 1) * p);
  const squaredT = (test: TTest, ndf: number): FTest => ({ f: test.t * test.t, ndf, ddf: test.df, p: pFUpper(test.t * test.t, ndf, test.df) });
  if (rows === 0) return { f: NaN, ndf: NaN, ddf: NaN, p: NaN };
  if (rows === 1) return squaredT(contest1D(cov, row(0)), 1);
  const vl = new Float64Array(rows * rows);
  for (let a = 0; a < rows; a++) for (let b = 0; b <= a; b++) vl[a * rows + b] = vl[b * rows + a] = bilinear(row(a), cov.vcov, row(b), p);
  const { values: d, vectors } = symmetricEigen(vl, rows, { vectors: true });
  const tol = Math.max(RANK_EPS * d[0], 0);
  const q = d.filter((x) => x > tol).length;
  if (q === 0) return { f: NaN, ndf: NaN, ddf: NaN, p: NaN };
  // Row m of PᵀL: Σ_a P[a, m] L[a, ·].
  const ptl = Array.from({ length: q }, (_, m) => {
    const out = new Float64Array(p);
    for (let a = 0; a < rows; a++) for (let j = 0; j < p; j++) out[j] += vectors![a * rows + m] * l[a * p + j];
    return out;
  });
  if (q === 1) return squaredT(contest1D(cov, ptl[0]), 1);
  let f = 0;
  const nu = new Float64Array(q);
  for (let m = 0; m < q; m++) {
    let e = 0;
    for (let j = 0; j < p; j++) e += ptl[m][j] * cov.beta[j];
    f += (e * e) / d[m];
    nu[m] = satterthwaite(cov, ptl[m], d[m]);
  }
  f /= q;
  const ddf = fStatisticDf(nu);
  return { f, ndf: q, ddf, p: pFUpper(f, q, ddf) };
}

/** lmerTest's `get_Fstat_ddf` (see contestMD). */
function fStatisticDf(nu: Float64Array): number {
  if (nu.length === 1) return nu[0];
  if (nu.every((v, m) => m === 0 || Math.abs(v - nu[m - 1]) < 1e-8)) return nu.reduce((s, v) => s + v, 0) / nu.length;
  if (nu.some((v) => v <= 2)) return 2;
  const e = nu.reduce((s, v) => s + v / (v - 2), 0);
  return (2 * e) / (e - nu.length);
}
