import { ln } from '../../numerics/libm.js';
import { computeGeneStats, type GeneStats } from '../gene-stats.js';
import { weightedGeneStats } from '../weighted-stats.js';
import { choleskyInPlace, invertLower } from '../../numerics/linalg.js';
import { assembleM, logDetH, logDetHSlope } from '../reml.js';
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
  /** θ of the last updateL, and whether Ω(θ) was positive definite there. */
  theta: Float64Array;
  factored: boolean;
  /** [m × m] M(θ_1²) and [m] D's diagonal (θ_k over Z_k's columns, 1 over X and y) of the last updateL. */
  mLambda: Float64Array;
  d: Float64Array;
  /** Scratch of the gradients: [m × m] G, [m × m] the leading rows of L⁻¹ then M'(λ), [m] the last row of L⁻¹. */
  work: Float64Array;
  inverse: Float64Array;
  lastRow: Float64Array;
}

/** The gene with values `y` ([pattern.n], in pattern row order) and its precision weights, if any ([pattern.n]). */
export function termsGene(pattern: TermsPattern, y: Float64Array, method: Method, weights?: Float64Array): TermsGene {
  const stats = weights === undefined ? computeGeneStats(pattern.base, y) : weightedGeneStats(pattern.base, y, weights);
  const m = stats.m;
  return {
    pattern, stats, method, l: new Float64Array(m * m), theta: new Float64Array(pattern.K), factored: false,
    mLambda: new Float64Array(m * m), d: new Float64Array(m).fill(1), work: new Float64Array(m * m),
    inverse: new Float64Array(m * m), lastRow: new Float64Array(m),
  };
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
  const { stats, l, pattern, mLambda, d } = gene;
  const { q2, termOfColumn, K } = pattern;
  const m = stats.m;
  for (let k = 0; k < K; k++) gene.theta[k] = theta[k];
  assembleM(stats, K > 0 ? theta[0] * theta[0] : 0, mLambda);
  for (let a = 0; a < q2; a++) d[a] = theta[termOfColumn[a]];
  // Ω = D M D + blockdiag(I_q2, 0), its lower triangle only (all the factorisation reads).
  for (let a = 0; a < m; a++) {
    const da = d[a];
    for (let b = 0; b <= a; b++) l[a * m + b] = da * d[b] * mLambda[a * m + b];
    if (a < q2) l[a * m + a] += 1;
  }
  gene.factored = choleskyInPlace(l, m);
  return gene.factored;
}

/**
 * ∇ objective(θ) into `out` ([K]), analytically (see logDetGradient). NaN where Ω(θ) is not positive definite.
 */
export function objectiveGradient(gene: TermsGene, theta: ArrayLike<number>, out: Float64Array): Float64Array {
  if (!factorAt(gene, theta)) return out.fill(NaN);
  return logDetGradient(gene, ssqdenom(gene), out);
}

/**
 * ∇ over (θ, σ) of lmerTest's deviance with its variance parameters (θ, σ), σ on the statistics' scale (its
 * `devfun_vp`), log|L_θ|² + r_θ / σ² + n log(2πσ²), and for REML + log|R_X|² − p log(2πσ²), into `out`
 * ([K + 1]), analytically: over θ as objectiveGradient with r_θ / σ² in place of the denominator, and over σ
 * 2 (dof − r_θ / σ²) / σ. NaN where Ω(θ) is not positive definite.
 */
export function devianceGradient(gene: TermsGene, theta: ArrayLike<number>, sigma: number, out: Float64Array): Float64Array {
  if (!factorAt(gene, theta)) return out.fill(NaN);
  const K = gene.pattern.K;
  const rOverS2 = criterionPieces(gene).r / (sigma * sigma);
  logDetGradient(gene, rOverS2, out.subarray(0, K));
  out[K] = (2 * (ssqdenom(gene) - rOverS2)) / sigma;
  return out;
}

/**
 * ∇ over θ of log|L_θ|² + [REML: log|R_X|²] + w · log r_θ into `out` ([K]), at the θ of the last updateL.
 * With L the factor of Ω and T = L⁻¹, that is log|H| + Σ c_B log|Ω_B| over three leading blocks B of Ω (of
 * Z_2..Z_K, of Z_2..Z_K and X, and the whole), and the inverse of a leading block is T_Bᵀ T_B, so its gradient is
 * ∂log|H| + tr(G ∂Ω) with
 *
 *     G = Σ_{i < lead} T_iᵀ T_i + w · T_yᵀ T_y     (T_i the rows of T; lead = q2 for ML, q2 + p for REML),
 *     ∂Ω/∂θ_k = E_k M D + D M E_k   (k ≥ 2, E_k the indicator of Z_k's columns),
 *     ∂Ω/∂θ_1 = 2 θ_1 D M'(λ) D,     ∂log|H|/∂θ_1 = 2 θ_1 Σ_j n_j / (1 + λ n_j).
 */
function logDetGradient(gene: TermsGene, wy: number, out: Float64Array): Float64Array {
  const { pattern, stats, l, mLambda, d, work: g, inverse: t, theta } = gene;
  const { q2, p, K, termOfColumn } = pattern;
  const m = stats.m;
  const lead = gene.method === 'reml' ? q2 + p : q2;
  // T's first `lead` rows are the inverse of L's leading block ([lead × lead]); its last row t_y solves t_y L = e_yᵀ.
  invertLower(l, m, 0, lead, t);
  const ty = gene.lastRow;
  for (let j = m - 1; j >= 0; j--) {
    let s = j === m - 1 ? 1 : 0;
    for (let i = j + 1; i < m; i++) s -= ty[i] * l[i * m + j];
    ty[j] = s / l[j * m + j];
  }
  // G, both triangles.
  for (let a = 0; a < m; a++) {
    const ya = wy * ty[a];
    for (let b = 0; b <= a; b++) g[a * m + b] = ya * ty[b];
  }
  for (let i = 0; i < lead; i++) {
    for (let a = 0; a <= i; a++) {
      const ta = t[i * lead + a];
      for (let b = 0; b <= a; b++) g[a * m + b] += ta * t[i * lead + b];
    }
  }
  for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) g[b * m + a] = g[a * m + b];
  out.fill(0);
  for (let a = 0; a < q2; a++) {
    let s = 0;
    for (let b = 0; b < m; b++) s += mLambda[a * m + b] * d[b] * g[a * m + b];
    out[termOfColumn[a]] += 2 * s;
  }
  if (K > 0) {
    const lambda = theta[0] * theta[0];
    const dm = assembleM(stats, lambda, t, 1);
    let trace = 0;
    for (let a = 0; a < m; a++) {
      let s = 0;
      for (let b = 0; b < m; b++) s += g[a * m + b] * d[b] * dm[a * m + b];
      trace += d[a] * s;
    }
    out[0] = 2 * theta[0] * (logDetHSlope(stats, lambda) + trace);
  }
  return out;
}

/** updateL(θ) unless it was the last one; whether Ω(θ) is positive definite. */
function factorAt(gene: TermsGene, theta: ArrayLike<number>): boolean {
  for (let k = 0; k < gene.pattern.K; k++) if (gene.theta[k] !== theta[k]) return updateL(gene, theta);
  return gene.factored;
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
 *     REML:  log|L_θ|² + log|R_X|² + (n − p)[1 + log(2π r_θ / (n − p))] − Σ log w_i
 *     ML:    log|L_θ|²             +  n     [1 + log(2π r_θ / n)]        − Σ log w_i
 *
 * (the weights' term 0 without weights).
 *
 * NaN where Ω(θ) is not positive definite.
 */
export function objective(gene: TermsGene, theta: ArrayLike<number>): number {
  if (!updateL(gene, theta)) return NaN;
  const { logDetL, logDetRX, r } = criterionPieces(gene);
  const dof = ssqdenom(gene);
  const rxTerm = gene.method === 'reml' ? logDetRX : 0;
  return logDetL + rxTerm + dof * (1 + LOG_2PI + ln(r / dof)) + 2 * dof * ln(gene.stats.scale) - (gene.stats.pattern.logWeights ?? 0);
}

/** β̂_θ and (Xᵀ V_θ⁻¹ X)⁻¹ σ⁻² on the statistics' scale, from the factor of the last updateL. */
export interface BetaProfile {
  /** [p] β̂_θ (the statistics' offset added back; still divided by stats.scale). */
  beta: Float64Array;
  /** [p × p] (R_Xᵀ R_X)⁻¹: Var(β̂) = σ² times this. */
  c: Float64Array;
}

/**
 * [q2 + p] Henderson's solution c of Ω c = D [A y]ᵀH⁻¹y from the factor of the last updateL: the spherical random
 * effects of terms 2..K (û_k = σ θ_k c over Z_k's columns), then β̂, the statistics' offset added (still divided
 * by stats.scale). Solved from the bottom, so β̂ does not depend on the rows above it.
 */
export function mixedModelSolution(gene: TermsGene, rows = gene.stats.m - 1): Float64Array {
  const { stats, l } = gene;
  const m = stats.m;
  const y = m - 1;
  const c = new Float64Array(m - 1);
  for (let i = m - 2; i >= m - 1 - rows; i--) {
    let s = l[y * m + i];
    for (let k = i + 1; k < m - 1; k++) s -= l[k * m + i] * c[k];
    c[i] = s / l[i * m + i];
  }
  for (let i = 0; i < m - 1; i++) c[i] += stats.betaOffset[i];
  return c;
}

/** profileBeta's inverse of L_XX (its lower triangle), grown as needed. */
let inverted = new Float64Array(0);

/** profileBeta: solves R_X β = c_β with R_X = L_XXᵀ from the factor of the last updateL. */

export function profileBeta(gene: TermsGene): BetaProfile {
  const { pattern, l } = gene;
  const { q2, p } = pattern;
  const m = gene.stats.m;
  const beta = mixedModelSolution(gene, p).slice(q2);
  // (L_XX L_XXᵀ)⁻¹ = L_XX⁻ᵀ L_XX⁻¹ from the inverse of the triangle.
  if (inverted.length < p * p) inverted = new Float64Array(p * p);
  const inv = invertLower(l, m, q2, p, inverted);
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
