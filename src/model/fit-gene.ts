import { pChisqUpper, pTwoSidedT } from '../stats/distributions.js';
import { h2ProfileInterval, h2StandardError } from './inference/h2-uncertainty.js';
import { ln } from '../numerics/libm.js';
import { residualDf } from './inference/residual-df.js';
import { singleTermCovariance } from './inference/satterthwaite.js';
import { type BetaCovariance, coefficientDf } from './inference/wald-tests.js';
import type { GeneStats } from './gene-stats.js';
import { LAMBDA_MAX, type LambdaSearch, searchLambda } from './lambda-search.js';
import { profileAt, type RemlProfile, remlCriterion, remlDerivatives } from './reml.js';

/** Outcome of one gene's fit; `status` and `message` follow SPEC §2–3. */
export type FitStatus = 'ok' | 'singular' | 'failed';

/** One gene's REML estimates and fixed-effect inference (SPEC §3–4). Arrays are [p], in pattern column order. */
export interface GeneFit {
  status: FitStatus;
  message: string | null;
  lambda: number;
  sigma2G: number;
  sigma2E: number;
  /** σ²_g / (σ²_g + σ²_e). */
  h2: number;
  /** Delta-method SE of h2 and its 95% profile-likelihood interval (see h2Uncertainty). */
  h2Se: number;
  h2Lo: number;
  h2Hi: number;
  /** ℓ_R(λ̂) = −REMLcrit / 2. */
  remlLogLik: number;
  /** max(0, 2[ℓ_R(λ̂) − ℓ_R(0)]). */
  lrt: number;
  /** ½ P(χ²₁ > lrt), 1 when lrt = 0. */
  pLrt: number;
  beta: Float64Array;
  se: Float64Array;
  df: Float64Array;
  t: Float64Array;
  p: Float64Array;
  iterations: number;
  converged: boolean;
  /** What Wald tests of contrasts and terms need (wald-tests.ts), over X's columns; undefined for a failed fit. */
  covariance: BetaCovariance | undefined;
  /** dream's residual df at λ̂ (residual-df.ts), computed when called (`--ebayes`); NaN for a failed fit. */
  rdf: () => number;
}

/** REML fit of one gene from its sufficient statistics: λ search, estimates, Satterthwaite t-tests, RLRT. */
export function fitGene(stats: GeneStats): GeneFit {
  return estimatesAt(stats, searchLambda(stats));
}

/**
 * Estimates and tests at the λ̂ a search found (on this CPU or on a GPU): σ²s, h2, β̂ and its Satterthwaite
 * t-tests, and the RLRT, all in f64 from the gene's statistics, then on y's scale (σ²s times stats.scale², β̂ and
 * SEs times stats.scale, ℓ_R less (n − p) log(stats.scale); t, df, p-values, h2 and the RLRT do not depend on it).
 * The criterion is evaluated here again, so reml_loglik and the RLRT are f64 whatever found λ̂. `interval`: the
 * profile interval of h2 where a GPU found it; else it is found here (h2ProfileInterval).
 */
export function estimatesAt(stats: GeneStats, search: FoundLambda, interval?: { lo: number; hi: number }): GeneFit {
  const variances = variancesAt(stats, search);
  if ('status' in variances) return variances;
  const { profile, components } = variances;
  const { sigma2E } = profile;
  const { n, p } = stats.pattern;
  const { lambda } = search;
  const { scale } = stats;
  const remlLogLik = -profile.criterion / 2;
  // The search's grid starts at λ = 0: its value there, where finite, is this very evaluation's.
  const atZero = search.grid?.h[0] === 0 && Number.isFinite(search.grid.values[0]) ? search.grid.values[0] : remlCriterion(stats, 0);
  const nullLogLik = -atZero / 2;
  const lrt = Math.max(0, 2 * (remlLogLik - nullLogLik));
  const derivatives = remlDerivatives(stats, lambda); // shared by the Satterthwaite df and the SE of h2
  // A kinship pattern's indicator columns of missing samples follow X's: only X's are tested and reported.
  const pFixed = 'columns' in stats.pattern ? (stats.pattern.columns as Int32Array).length : p;
  const covariance = singleTermCovariance(stats, lambda, sigma2E, profile.beta, pFixed, derivatives);
  const df = coefficientDf(covariance, p);
  const se = new Float64Array(p);
  const t = new Float64Array(p);
  const pValues = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    se[k] = Math.sqrt(sigma2E * profile.xhxInverse[k * p + k]);
    t[k] = profile.beta[k] / se[k];
    pValues[k] = pTwoSidedT(t[k], df[k]);
    profile.beta[k] *= scale;
    se[k] *= scale;
  }
  // The search's grid values and the criterion at λ̂ spare the interval evaluating them again.
  const known = search.grid && { atOptimum: profile.criterion, grid: search.grid };
  const h2Se = h2StandardError(stats, lambda, derivatives);
  const range = interval ?? h2ProfileInterval(stats, lambda, known);
  // Written out property by property (a spread of `components` here made V8 build each fit's object slowly).
  return {
    status: components.status,
    message: components.message,
    lambda: components.lambda,
    sigma2G: components.sigma2G,
    sigma2E: components.sigma2E,
    h2: components.h2,
    h2Se,
    h2Lo: range.lo,
    h2Hi: range.hi,
    remlLogLik: remlLogLik - (n - p) * ln(scale),
    lrt,
    pLrt: lrt > 0 ? 0.5 * pChisqUpper(lrt, 1) : 1,
    beta: profile.beta,
    se,
    df,
    t,
    p: pValues,
    iterations: components.iterations,
    converged: components.converged,
    covariance,
    rdf: () => residualDf(stats, lambda),
  };
}

/** What estimatesAt takes of a search (LambdaSearch, or a GPU's). */
type FoundLambda = Pick<LambdaSearch, 'lambda' | 'evaluations' | 'converged' | 'atUpperBound'> & Partial<Pick<LambdaSearch, 'grid'>>;

/** What a fit says of its variance components, which estimatesAt and fitVariances both report. */
type VarianceComponents = Pick<GeneFit, 'status' | 'message' | 'lambda' | 'sigma2G' | 'sigma2E' | 'h2' | 'iterations' | 'converged'>;

/**
 * The profile at λ̂ and the variance components on y's scale (status, σ²s, h2); or, where there are none, the failed
 * fit saying why (the fixed effects and groups fit the values exactly, or the optimum lies at the edge of the search).
 */
function variancesAt(stats: GeneStats, search: FoundLambda): { profile: RemlProfile; components: VarianceComponents } | GeneFit {
  const profile = profileAt(stats, search.lambda);
  const { p } = stats.pattern;
  if (profile === undefined || !(profile.r > 0)) {
    return failedFit('the fixed effects and groups fit the values exactly: no residual variance is left', search.evaluations, p);
  }
  if (search.atUpperBound) {
    return failedFit(`the residual variance is below ${(1 / LAMBDA_MAX).toExponential(0)} of the group variance (h2 = 1 ` +
      'to rounding): the REML optimum lies at or beyond the edge of the search, so no finite h2 below 1 can be reported',
      search.evaluations, p);
  }
  const { lambda } = search;
  const sigma2E = profile.sigma2E;
  const sigma2G = lambda * sigma2E;
  const singular = lambda === 0;
  return {
    profile,
    components: {
      status: singular ? 'singular' : 'ok',
      message: singular ? 'boundary fit: the group variance is estimated as 0 (lme4 isSingular)' : null,
      lambda,
      // 0 on y's scale too, where scale² overflows (values near 1e300: σ²_e is then Inf, written as such).
      sigma2G: singular ? 0 : sigma2G * stats.scale ** 2,
      sigma2E: sigma2E * stats.scale ** 2,
      h2: sigma2G / (sigma2G + sigma2E),
      iterations: search.evaluations,
      converged: search.converged,
    },
  };
}

/**
 * The REML fit's variance components alone (voom's trend pass needs no more): status, λ̂, σ²_g, σ²_e and h2 as
 * fitGene gives them, bit for bit, and every test and interval NA.
 */
export function fitVariances(stats: GeneStats): GeneFit {
  const search = searchLambda(stats);
  const variances = variancesAt(stats, search);
  if ('status' in variances) return variances;
  // The components written over a failed fit's (not spread into a new object: see estimatesAt).
  return Object.assign(failedFit(null, search.evaluations, stats.pattern.p), variances.components);
}

function failedFit(message: string | null, iterations: number, p: number): GeneFit {
  const na = (): Float64Array => new Float64Array(p).fill(NaN);
  return {
    status: 'failed', message, lambda: NaN, sigma2G: NaN, sigma2E: NaN, h2: NaN, h2Se: NaN, h2Lo: NaN, h2Hi: NaN,
    remlLogLik: NaN, lrt: NaN,
    pLrt: NaN, beta: na(), se: na(), df: na(), t: na(), p: na(), iterations, converged: false, covariance: undefined,
    rdf: () => NaN,
  };
}
