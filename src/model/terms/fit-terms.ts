import { pChisqUpper, pTwoSidedT } from '../../stats/distributions.js';
import { jacobian } from '../../numerics/finite-differences.js';
import { SINGULAR_THETA } from '../lambda-search.js';
import { choleskyInverse, choleskyInPlace, symmetrizeInPlace } from '../../numerics/linalg.js';
import { fittedValues } from '../group-means.js';
import { criterionPieces, devianceGradient, type Method, mixedModelSolution, objective, objectiveGradient, profileBeta, ssqdenom, termsGene, type TermsGene, updateL } from './criterion.js';
import { residualDf } from '../inference/residual-df.js';
import { type BetaCovariance, coefficientDf } from '../inference/wald-tests.js';
import { minimizeTheta, type OptSummary, type ThetaObjective } from './optimize-theta.js';
import type { TermsPattern } from './terms-pattern.js';

/** One gene's fit under a model with K ≥ 0 scalar random intercepts (SPEC §3–4). Arrays in pattern order. */
export interface TermsFit {
  status: 'ok' | 'singular' | 'failed';
  message: string | null;
  /** [K] θ̂ (exactly 0 for a term at the boundary). */
  theta: Float64Array;
  /** [K] σ̂²_k = θ̂_k² σ̂². */
  sigma2: Float64Array;
  sigma2E: number;
  /** −objective(θ̂) / 2: logLik(fit) under the method (REML or ML). */
  logLik: number;
  /** [K] per-term LRT max(0, 2[ℓ(θ̂) − ℓ(θ̂ without term k)]) (0 where θ̂_k = 0) and ½ P(χ²₁ > LRT) (1 when LRT = 0). */
  lrt: Float64Array;
  pLrt: Float64Array;
  /** [p] fixed effects: β̂, SE, Satterthwaite df (n − p without random terms), t and p. */
  beta: Float64Array;
  se: Float64Array;
  df: Float64Array;
  t: Float64Array;
  p: Float64Array;
  /** K = 1: σ̂²_1 / (σ̂²_1 + σ̂²) and its delta-method SE; else NaN. */
  h2: number;
  h2Se: number;
  /**
   * With variance fractions: [K + (non-intercept columns) + 1] variancePartition's fractions (terms, fixed-effect
   * columns in pattern order, residual) and their delta-method SEs; else null.
   */
  vp: Float64Array | null;
  vpSe: Float64Array | null;
  opt: OptSummary;
  /** Whether every optimisation converged: the model's (opt) and each drop-one refit's. */
  refitsConverged: boolean;
  /** What Wald tests of contrasts and terms need (wald-tests.ts); undefined for a failed fit. */
  covariance: BetaCovariance | undefined;
  /** dream's residual df at θ̂ (residual-df.ts), computed when called (`--ebayes`); NaN for a failed fit. */
  rdf: () => number;
}

/** Options of fitTermsGene. */
export interface TermsFitOptions {
  method: Method;
  /** Compute the variance fractions and their SEs. */
  varPart: boolean;
}

/**
 * Where the optimisations of fitTermsGene start, when not from lme4's θ = 1 and the drop-one refits from θ̂: the
 * GPU's θ̂ of the model and of each refit (θ_k = 0 in the k-th), which the f64 optimiser then polishes.
 */
export interface TermsStart {
  /** [K] θ where the model's optimisation starts. */
  theta: Float64Array;
  /** [K] × [K] where each term's refit without it starts (its own θ_k is set to 0). */
  reduced: Float64Array[];
  /**
   * [K + 1] whether the optimum the model's optimisation (0) and each refit (k + 1) start from was probed along
   * THETA_PROBES and none was lower (the device's search does so): escapeLocalOptima is not run again there, where
   * the f64 optimum is that start (within PROBED_START_REACH).
   */
  probed: boolean[];
}

/**
 * Fits one gene (values `y`, [pattern.n] in pattern order; its precision weights `weights`, if any, the same): θ̂ from lme4's start θ = 1
 * (or `start`), the estimates at θ̂,
 * lmerTest's Satterthwaite t-tests, one refit per term for its LRT, and the variance fractions. A fixed-effects
 * model (K = 0) is `lm`: σ̂² = r / (n − p) whatever the method, t on n − p df.
 */
export function fitTermsGene(pattern: TermsPattern, y: Float64Array, options: TermsFitOptions, weights?: Float64Array,
  start?: TermsStart): TermsFit {
  const gene = termsGene(pattern, y, options.method, weights);
  const { K } = pattern;
  const f: ThetaObjective = {
    value: (theta) => objective(gene, theta),
    gradient: (theta, out) => objectiveGradient(gene, theta, out),
  };
  let opt = minimizeTheta(f, start?.theta ?? new Float64Array(K).fill(1));
  let own = true; // opt is the model's own optimisation, not a refit that ended lower
  // Each term's refit without it starts from θ̂: where it ends lower (θ̂ was a local optimum), it becomes the fit.
  const reduced = new Float64Array(K);
  let refitsConverged = true;
  for (let k = 0; k < K; k++) {
    const from = Float64Array.from(start?.reduced[k] ?? opt.final);
    from[k] = 0;
    const fixed = Array.from({ length: K }, (_, j) => j === k);
    const optimised = minimizeTheta(f, from, fixed, opt.hessian);
    const refit = start?.probed[k + 1] && near(optimised.final, from) ? optimised : escapeLocalOptima(f, optimised, fixed);
    opt = { ...opt, evaluations: opt.evaluations + refit.evaluations };
    reduced[k] = refit.fmin;
    refitsConverged &&= refit.converged;
    if (refit.fmin < opt.fmin) {
      opt = { ...refit, initial: opt.initial, evaluations: opt.evaluations };
      own = false;
    }
  }
  if (!(own && start?.probed[0] && near(opt.final, start.theta))) opt = escapeLocalOptima(f, opt);
  const theta = Float64Array.from(opt.final, (t) => (t < SINGULAR_THETA ? 0 : t));
  const fmin = f.value(theta);
  if (!updateL(gene, theta) || !(criterionPieces(gene).r > 0)) {
    return failedFit(pattern, opt, refitsConverged, 'the fixed and random effects fit the values exactly: no residual variance is left');
  }
  const { r } = criterionPieces(gene);
  const { beta, c } = profileBeta(gene);
  const { scale } = gene.stats;
  const dof = K === 0 ? pattern.n - pattern.p : ssqdenom(gene);
  const sigma2E = r / dof; // on the statistics' scale
  // A term estimated at 0 leaves the model without it as the fit: its LRT is 0, not the refit's rounding (about 1e-12,
  // of either sign, which would move its p-value between ½ and 1).
  const lrt = Float64Array.from(reduced, (rk, k) => (theta[k] === 0 ? 0 : Math.max(0, rk - fmin)));
  const pLrt = Float64Array.from(lrt, (x) => (x > 0 ? 0.5 * pChisqUpper(x, 1) : 1));
  const varparCov = K === 0 ? undefined : varparCovariance(gene, theta, Math.sqrt(sigma2E));
  const covariance = betaCovariance(gene, theta, Math.sqrt(sigma2E), beta, c, varparCov);
  const df = coefficientDf(covariance, pattern.p);
  const se = Float64Array.from(c.filter((_, i) => i % (pattern.p + 1) === 0), (cjj) => Math.sqrt(sigma2E * cjj));
  const t = Float64Array.from(beta, (b, j) => b / se[j]);
  const pValues = Float64Array.from(t, (tj, j) => pTwoSidedT(tj, df[j]));
  const singular = theta.some((tk) => tk === 0);
  const fractions = options.varPart ? varianceFractions(pattern, theta, Math.sqrt(sigma2E), beta, c, varparCov) : undefined;
  const h2 = K === 1 ? h2WithSe(theta[0], varparCov) : { value: NaN, se: NaN };
  // Ω's scaling D over [Z_2 … Z_K X]: θ_k over Z_k's indicator columns, 1 over X's (see TermsPattern).
  const scaling = Float64Array.from({ length: pattern.q2 + pattern.p }, (_, a) => (a < pattern.q2 ? theta[pattern.termOfColumn[a]] : 1));
  return {
    status: singular ? 'singular' : 'ok',
    message: singular ? `boundary fit: ${singularTerms(theta, pattern.termNames)} estimated as 0 (lme4 isSingular)` : null,
    theta,
    sigma2: Float64Array.from(theta, (tk) => tk * tk * sigma2E * scale * scale),
    sigma2E: sigma2E * scale * scale,
    logLik: -fmin / 2,
    lrt,
    pLrt,
    beta: beta.map((b) => b * scale),
    se: se.map((s) => s * scale),
    df,
    t,
    p: pValues,
    h2: h2.value,
    h2Se: h2.se,
    vp: fractions?.value ?? null,
    vpSe: fractions?.se ?? null,
    opt: { ...opt, final: theta, fmin },
    refitsConverged,
    covariance,
    rdf: () => residualDf(gene.stats, K > 0 ? theta[0] * theta[0] : 0, scaling, pattern.q2),
  };
}

/**
 * [n] the unweighted fitted values Xβ̂ + Σ_k Z_k û_k of values `y` at θ (lme4's `predict()` at θ̂, `--voom`): Henderson's
 * solution at θ, one factorisation; undefined where Ω(θ) is not positive definite.
 */
export function termsFitted(pattern: TermsPattern, y: Float64Array, theta: ArrayLike<number>): Float64Array | undefined {
  const gene = termsGene(pattern, y, 'reml');
  if (!updateL(gene, theta)) return undefined;
  // The effects of [Z_2Λ_2 … X] on y's scale (D scales Z_k's columns by θ_k), then the first term's conditional modes.
  const effects = mixedModelSolution(gene).map((c, a) => c * (a < pattern.q2 ? theta[pattern.termOfColumn[a]] : 1) * gene.stats.scale);
  return fittedValues(pattern.base, y, effects, pattern.K > 0 ? theta[0] * theta[0] : 0);
}

/**
 * How far (relative to max(1, |θ_k|)) the f64 optimiser may move a start whose neighbourhood was probed (TermsStart's
 * `probed`) for those probes to stand: further, the start was not this optimum, and the probes are taken again.
 */
const PROBED_START_REACH = 1e-2;

/** Whether θ ended within PROBED_START_REACH of where it started (both folded at 0). */
function near(final: Float64Array, start: ArrayLike<number>): boolean {
  return final.every((t, k) => Math.abs(t - Math.abs(start[k])) <= PROBED_START_REACH * Math.max(1, Math.abs(start[k])));
}

/** Values of one θ_k tried with the others at θ̂ (θ_k is σ_k / σ). */
export const THETA_PROBES = [0.03, 0.1, 0.3, 1, 3, 10];

/**
 * The likelihood of a mixed model can have several local optima, one of them often at a boundary. Each θ_k is
 * probed along THETA_PROBES with the others at θ̂; where a probe is lower, Newton restarts from it (at most three
 * times), and the lowest end is the fit.
 */
function escapeLocalOptima(f: ThetaObjective, opt: OptSummary, fixed?: readonly boolean[]): OptSummary {
  for (let round = 0; round < 3; round++) {
    let best: Float64Array | undefined;
    let fBest = opt.fmin - 1e-9 * Math.max(1, Math.abs(opt.fmin));
    let probes = 0;
    for (let k = 0; k < opt.final.length; k++) {
      if (fixed?.[k]) continue;
      for (const value of THETA_PROBES) {
        const at = Float64Array.from(opt.final);
        at[k] = value;
        const v = f.value(at);
        probes++;
        if (v < fBest) {
          fBest = v;
          best = at;
        }
      }
    }
    const evaluations = opt.evaluations + probes;
    if (best === undefined) return { ...opt, evaluations };
    const restart = minimizeTheta(f, best, fixed);
    opt = restart.fmin < opt.fmin
      ? { ...restart, initial: opt.initial, evaluations: evaluations + restart.evaluations }
      : { ...opt, evaluations: evaluations + restart.evaluations };
  }
  return opt;
}

function singularTerms(theta: Float64Array, names: string[]): string {
  const zero = names.filter((_, k) => theta[k] === 0);
  if (theta.length === 1) return 'the group variance is';
  return zero.length > 1 ? `the variances of ${zero.join(' and ')} are` : `the variance of ${zero[0]} is`;
}

/**
 * A = 2 (∇² D)⁻¹ over lmerTest's variance parameters (θ, σ), D its deviance (devianceGradient), the Hessian by central
 * differences of D's analytic gradient (accurate to about 1e-8 relative, as numDeriv's Richardson-extrapolated
 * second differences that lmerTest takes); undefined where the Hessian is not positive definite.
 */
function varparCovariance(gene: TermsGene, theta: Float64Array, sigma: number): Float64Array | undefined {
  const K = theta.length;
  const k = K + 1;
  const at = Float64Array.from([...theta, sigma]);
  const h = jacobian((v) => devianceGradient(gene, v.subarray(0, K), v[K], new Float64Array(k)), at, k, 1);
  symmetrizeInPlace(h, k);
  if (!choleskyInPlace(h, k)) return undefined;
  return choleskyInverse(h, k, k).map((x) => 2 * x);
}

/**
 * lmerTest's ingredients of the Wald tests (wald-tests.ts) over its variance parameters (θ, σ): Var(β̂) = σ² C,
 * C = (R_XᵀR_X)⁻¹, its θ-Jacobian σ² ∂C/∂θ by central differences (accurate to about 1e-8 relative, where lmerTest
 * extrapolates numDeriv's over four steps), ∂Var/∂σ = 2σ C, and A. Without random terms, lm's n − p df instead.
 */
function betaCovariance(gene: TermsGene, theta: Float64Array, sigma: number, beta: Float64Array, c: Float64Array,
  a: Float64Array | undefined): BetaCovariance {
  const { p, n } = gene.pattern;
  const K = theta.length;
  const s2 = sigma * sigma;
  const vcov = c.map((x) => s2 * x);
  const scale = gene.stats.scale;
  if (K === 0) return { beta, vcov, jacobian: [], varparCov: undefined, residualDf: n - p, scale };
  const cAt = (t: Float64Array): Float64Array => {
    updateL(gene, t);
    return profileBeta(gene).c;
  };
  const jac = jacobian(cAt, theta, p * p, 1); // [p² × K] ∂C/∂θ
  const jacobianList = Array.from({ length: K }, (_, i) => Float64Array.from({ length: p * p }, (_, e) => s2 * jac[e * K + i]));
  jacobianList.push(c.map((x) => 2 * sigma * x));
  return { beta, vcov, jacobian: jacobianList, varparCov: a, scale };
}

/** h2 = θ² / (θ² + 1) and its delta-method SE from A (NaN without A). */
function h2WithSe(theta: number, a: Float64Array | undefined): { value: number; se: number } {
  const t2 = theta * theta;
  const g = (2 * theta) / (1 + t2) ** 2;
  return { value: t2 / (1 + t2), se: a === undefined ? NaN : Math.sqrt(g * g * a[0]) };
}

/**
 * variancePartition's calcVarPart for an lmer fit (SPEC §3): σ̂²_k per term; for each non-intercept column j of X,
 * v_j = popvar(X_j β̂_j) rescaled by popvar(Σ_j X_j β̂_j) / Σ v; the residual σ̂²; each over their sum. SEs by the
 * delta method over (θ, σ) with covariance A and over β̂ with Var(β̂) = σ̂² C, the two independent.
 */
function varianceFractions(pattern: TermsPattern, theta: Float64Array, sigma: number, beta: Float64Array, c: Float64Array,
  a: Float64Array | undefined): { value: Float64Array; se: Float64Array } {
  const { K, p, n, xCov } = pattern;
  const fixedColumns = pattern.coefNames.map((name, j) => (name === '(Intercept)' ? -1 : j)).filter((j) => j >= 0);
  const size = K + fixedColumns.length + 1;
  // popvar(X_j b_j) = b_j² S_jj and popvar(Σ_j X_j b_j) = bᵀ S b over the non-intercept columns, S = xCov.
  const fractions = (varpar: Float64Array, b: Float64Array): Float64Array => {
    const s2 = varpar[K] * varpar[K];
    const parts = new Float64Array(size);
    for (let k = 0; k < K; k++) parts[k] = varpar[k] * varpar[k] * s2;
    let fixedTotal = 0;
    let combined = 0;
    for (let f = 0; f < fixedColumns.length; f++) {
      const j = fixedColumns[f];
      parts[K + f] = b[j] * b[j] * xCov[j * p + j];
      fixedTotal += parts[K + f];
      for (const l of fixedColumns) combined += b[j] * xCov[j * p + l] * b[l];
    }
    if (fixedTotal > 0) for (let f = 0; f < fixedColumns.length; f++) parts[K + f] *= combined / fixedTotal;
    parts[size - 1] = s2;
    const total = parts.reduce((s, v) => s + v, 0);
    return parts.map((v) => v / total);
  };
  const varpar = Float64Array.from([...theta, sigma]);
  const value = fractions(varpar, beta);
  const se = new Float64Array(size).fill(NaN);
  if (a === undefined && K > 0) return { value, se };
  // Central differences (accurate to about 1e-8 relative) of closed-form fractions.
  const jv = jacobian((v) => fractions(v, beta), varpar, size, 1); // [size × (K+1)]
  const jb = jacobian((b) => fractions(varpar, b), beta, size, 1); // [size × p]
  const kv = K + 1;
  const s2 = sigma * sigma;
  // Without random terms σ's variance is σ² / (2(n − p)), as for any normal sample variance on n − p df.
  const av = a ?? Float64Array.of((s2 / (2 * (n - p))));
  for (let r = 0; r < size; r++) {
    let v = 0;
    for (let i = 0; i < kv; i++) for (let l = 0; l < kv; l++) v += jv[r * kv + i] * av[i * kv + l] * jv[r * kv + l];
    for (let i = 0; i < p; i++) for (let l = 0; l < p; l++) v += jb[r * p + i] * s2 * c[i * p + l] * jb[r * p + l];
    se[r] = Math.sqrt(v);
  }
  return { value, se };
}

function failedFit(pattern: TermsPattern, opt: OptSummary, refitsConverged: boolean, message: string): TermsFit {
  const na = (length: number): Float64Array => new Float64Array(length).fill(NaN);
  const { K, p } = pattern;
  return {
    status: 'failed', message, theta: na(K), sigma2: na(K), sigma2E: NaN, logLik: NaN, lrt: na(K), pLrt: na(K),
    beta: na(p), se: na(p), df: na(p), t: na(p), p: na(p), h2: NaN, h2Se: NaN, vp: null, vpSe: null, opt, refitsConverged, covariance: undefined,
    rdf: () => NaN,
  };
}
