import { ln } from '../../numerics/libm.js';
import { computeGeneStats, type GeneStats } from '../gene-stats.js';
import { choleskyInPlace } from '../../numerics/linalg.js';
import { assembleM, logDetH } from '../reml.js';
import type { TermsPattern } from './terms-pattern.js';

const LOG_2PI = ln(2 * Math.PI);

/** `--method`: lme4's REML criterion (REMLcrit) or the deviance (ML). */
export type Method = 'reml' | 'ml';
export const METHODS: readonly Method[] = ['reml', 'ml'];

/**
 * One gene under a model with K scalar random intercepts: its pattern, its sufficient statistics (on y / scale,
 * see GeneStats) and the method, with the scratch its criterion evaluations reuse. The criterion is computed as
 * MixedModels.jl names its steps: setTheta → updateL (the blocked Cholesky factor) → objective.
 */
export interface TermsGene {
  pattern: TermsPattern;
  stats: GeneStats;
  method: Method;
  /** [m × m], m = q2 + p + 1: the lower Cholesky factor of Ω(θ) after updateL (see TermsPattern). */
  l: Float64Array;
  /** θ of the last updateL. */
  theta: Float64Array;
}

/** The gene with values `y` ([pattern.n], in pattern row order). */
export function termsGene(pattern: TermsPattern, y: Float64Array, method: Method): TermsGene {
  const stats = computeGeneStats(pattern.base, y);
  return { pattern, stats, method, l: new Float64Array(stats.m * stats.m), theta: new Float64Array(pattern.K) };
}

/** Denominator of σ̂² = r_θ / dof: n − p for REML, n for ML (MixedModels.jl's `ssqdenom`). */
export function ssqdenom(gene: TermsGene): number {
  return gene.method === 'reml' ? gene.pattern.n - gene.pattern.p : gene.pattern.n;
}

/**
 * updateL: the lower Cholesky factor of Ω(θ) into gene.l (θ: [K] relative standard deviations; only θ_k² matters,
 * so a negative θ_k acts as |θ_k|). False where Ω(θ) is not positive definite (r_θ = 0: X fits y exactly).
 */
export function updateL(gene: TermsGene, theta: ArrayLike<number>): boolean {
  const { stats, l, pattern } = gene;
  const { q2, termOfColumn, K } = pattern;
  const m = stats.m;
  for (let k = 0; k < K; k++) gene.theta[k] = theta[k];
  assembleM(stats, K > 0 ? theta[0] * theta[0] : 0, l);
  for (let a = 0; a < q2; a++) {
    const ta = theta[termOfColumn[a]];
    for (let b = 0; b < m; b++) {
      l[a * m + b] *= ta;
      l[b * m + a] *= ta;
    }
    l[a * m + a] += 1;
  }
  return choleskyInPlace(l, m);
}

/** Σ log x_i² over the pivots [from, to) of gene.l, as the log of products (libm's ln is slow), kept in range. */
function logPivotsSquared(gene: TermsGene, from: number, to: number): number {
  const { l } = gene;
  const m = gene.stats.m;
  let sum = 0;
  let product = 1;
  for (let i = from; i < to; i++) {
    product *= l[i * m + i] * l[i * m + i];
    if (!(product > 1e-150 && product < 1e150)) {
      sum += ln(product);
      product = 1;
    }
  }
  return sum + ln(product);
}

/** The pieces of the criterion after updateL: log|L_θ|², log|R_X|² and r_θ, on the statistics' scale. */
export interface CriterionPieces {
  logDetL: number;
  logDetRX: number;
  r: number;
}

/** The criterion's pieces from the factor of the last updateL. */
export function criterionPieces(gene: TermsGene): CriterionPieces {
  const { pattern, stats, l } = gene;
  const m = stats.m;
  const lambda1 = pattern.K > 0 ? gene.theta[0] * gene.theta[0] : 0;
  return {
    logDetL: logDetH(stats, lambda1) + logPivotsSquared(gene, 0, pattern.q2),
    logDetRX: logPivotsSquared(gene, pattern.q2, pattern.q2 + pattern.p),
    r: l[m * m - 1] ** 2,
  };
}

/**
 * objective(θ): lme4's REMLcrit (REML) or deviance (ML) of the gene on y's own scale (SPEC §3):
 *
 *     REML:  log|L_θ|² + log|R_X|² + (n − p)[1 + log(2π r_θ / (n − p))]
 *     ML:    log|L_θ|²             +  n     [1 + log(2π r_θ / n)]
 *
 * NaN where Ω(θ) is not positive definite.
 */
export function objective(gene: TermsGene, theta: ArrayLike<number>): number {
  if (!updateL(gene, theta)) return NaN;
  const { logDetL, logDetRX, r } = criterionPieces(gene);
  const dof = ssqdenom(gene);
  const rxTerm = gene.method === 'reml' ? logDetRX : 0;
  return logDetL + rxTerm + dof * (1 + LOG_2PI + ln(r / dof)) + 2 * dof * ln(gene.stats.scale);
}

/**
 * lmerTest's deviance as a function of its variance parameters (θ, σ), σ on the statistics' scale (its
 * `devfun_vp`): log|L_θ|² + r_θ / σ² + n log(2πσ²), and for REML + log|R_X|² − p log(2πσ²). NaN where Ω(θ) is
 * singular.
 */
export function devianceAt(gene: TermsGene, theta: ArrayLike<number>, sigma: number): number {
  if (!updateL(gene, theta)) return NaN;
  const { logDetL, logDetRX, r } = criterionPieces(gene);
  const s2 = sigma * sigma;
  const { n, p } = gene.pattern;
  const ml = logDetL + r / s2 + n * (LOG_2PI + ln(s2));
  return gene.method === 'reml' ? ml + logDetRX - p * (LOG_2PI + ln(s2)) : ml;
}

/** β̂_θ and (Xᵀ V_θ⁻¹ X)⁻¹ σ⁻² on the statistics' scale, from the factor of the last updateL. */
export interface BetaProfile {
  /** [p] β̂_θ (the statistics' offset added back; still divided by stats.scale). */
  beta: Float64Array;
  /** [p × p] (R_Xᵀ R_X)⁻¹: Var(β̂) = σ² times this. */
  c: Float64Array;
}

/** profileBeta: solves R_X β = c_β with R_X = L_XXᵀ from the factor of the last updateL. */
export function profileBeta(gene: TermsGene): BetaProfile {
  const { pattern, stats, l } = gene;
  const { q2, p } = pattern;
  const m = stats.m;
  const y = m - 1;
  const beta = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = l[y * m + q2 + i];
    for (let k = i + 1; k < p; k++) s -= l[(q2 + k) * m + q2 + i] * beta[k];
    beta[i] = s / l[(q2 + i) * m + q2 + i];
  }
  for (let i = 0; i < p; i++) beta[i] += stats.betaOffset[q2 + i];
  // (L_XX L_XXᵀ)⁻¹ = L_XX⁻ᵀ L_XX⁻¹ from the inverse of the triangle.
  const inv = new Float64Array(p * p); // L_XX⁻¹, lower
  for (let j = 0; j < p; j++) {
    inv[j * p + j] = 1 / l[(q2 + j) * m + q2 + j];
    for (let i = j + 1; i < p; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= l[(q2 + i) * m + q2 + k] * inv[k * p + j];
      inv[i * p + j] = s / l[(q2 + i) * m + q2 + i];
    }
  }
  const c = new Float64Array(p * p);
  for (let a = 0; a < p; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let k = a; k < p; k++) s += inv[k * p + a] * inv[k * p + b];
      c[a * p + b] = s;
      c[b * p + a] = s;
    }
  }
  return { beta, c };
}
