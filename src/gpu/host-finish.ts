import { estimatesAt, type GeneFit } from '../model/fit-gene.js';
import type { GeneStats } from '../model/gene-stats.js';
import { SINGULAR_THETA } from '../model/lambda-search.js';
import type { DesignPattern } from '../model/pattern.js';
import { remlCriterion, remlDerivatives, remlScore } from '../model/reml.js';
import { confirmedInterval } from '../model/inference/h2-uncertainty.js';
import type { DesignScaling } from './fit-programs.js';

/**
 * The host's f64 finish of a GPU fit, shared by the GPU backends and the bootstrap: the GPU's f32 statistics in
 * f64, in the GPU's unit of y (hostStats), the GPU's λ̂ polished by Newton steps in f64 (polishLambda), and a gene's
 * estimates from it (finishGpuFit).
 */

/** How a column of the GPU fit was centred (c) and scaled (d), on which rows. */
export interface PackedColumn {
  pattern: DesignPattern;
  shift: number;
  scale: number;
}

/**
 * The gene's statistics in f64 in units of d (GeneStats.scale = d, so no power of y can overflow): X blocks from
 * the host's pattern (exact), the y row and column from the GPU's f32 sums of ỹ' = y' − X'β'_ref, with X unscaled:
 * [X, ỹ / d] = [X', ỹ'] · diag(T⁻¹, 1) with x = s·x' + μ, and ỹ = y − X b, b = c·e_intercept + d·T β'_ref
 * (x' = (x − μ)/s). Undefined when the GPU's group-size counts disagree with the host's pattern.
 */
export function hostStats(packed: PackedColumn, gpuStats: Float32Array, counts: Float32Array, betaRef: Float32Array,
  scaling: DesignScaling): GeneStats | undefined {
  const { pattern, scale: d, shift } = packed;
  const p = pattern.p;
  const m = p + 1;
  const mm = m * m;
  const { mu, s, intercept } = scaling;
  if (counts[0] !== pattern.n) return undefined;
  for (let k = 0; k < pattern.nSizes; k++) if (counts[pattern.sizes[k]] !== pattern.sizeCount[k]) return undefined;
  const unscale = (target: Float64Array, at: number, block: number): void => {
    const b = block * mm;
    for (let a = 0; a < p; a++) {
      const v = s[a] * gpuStats[b + a * m + p] + (intercept >= 0 && a !== intercept ? mu[a] * gpuStats[b + intercept * m + p] : 0);
      target[at + a * m + p] = v;
      target[at + p * m + a] = v;
    }
    target[at + mm - 1] = gpuStats[b + mm - 1];
  };
  const w = new Float64Array(mm);
  for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) w[a * m + c] = pattern.wxx[a * p + c];
  unscale(w, 0, 0);
  const b = new Float64Array(pattern.nSizes * mm);
  for (let k = 0; k < pattern.nSizes; k++) {
    for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) b[k * mm + a * m + c] = pattern.bxx[k * p * p + a * p + c];
    unscale(b, k * mm, pattern.sizes[k]);
  }
  const betaOffset = new Float64Array(p);
  for (let a = 0; a < p; a++) betaOffset[a] = betaRef[a] / s[a];
  if (intercept >= 0) {
    for (let a = 0; a < p; a++) if (a !== intercept) betaOffset[intercept] -= (mu[a] * betaRef[a]) / s[a];
    betaOffset[intercept] += shift / d;
  }
  return { pattern, m, w, b, betaOffset, scale: d };
}

/**
 * The largest λ̂ of the f32 search taken as found: above it (σ²_g a thousand times σ²_e), h = λ / (1 + λ) is within
 * 1e-3 of 1 and f32's resolution of h leaves λ̂ to about 1e-4 relative, so the gene (or replicate) is refitted in f64.
 */
export const F32_LAMBDA_LIMIT = 1e3;

/** How far the f64 Newton steps may move the GPU's λ̂ (relative to max(λ̂, 0.01)) before the gene is refitted. */
const POLISH_LIMIT = 1e-2;

/** How much lower (absolute, on −2ℓ_R) the f64 criterion at λ = 0 may be than at a polished interior λ̂. */
const BOUNDARY_SLACK = 1e-9;

/**
 * The GPU's λ̂ finished in f64 on the gene's statistics (iterative refinement): up to two Newton steps on the
 * score, which the f32 root puts within about 1e-4 of the f64 root. Returns the polished λ̂, or why the
 * f32 result cannot be trusted (detected in f64, not guessed): a search that did not converge, λ̂ beyond f32's
 * resolution of h, a boundary call the f64 score contradicts, a step too large or leaving λ ≥ 0, a
 * criterion that is not convex there, or an interior optimum above the criterion at λ = 0. The last is a local
 * optimum in the wrong basin (the criterion can have a minimum at 0 and another inside, as with groups of very
 * different sizes): the CPU's grid holds λ = 0 and never ends there, so the GPU must not either.
 */
export function polishLambda(stats: GeneStats, lambdaGpu: number, converged: boolean): number | string {
  if (!converged || !Number.isFinite(lambdaGpu)) return 'the f32 search did not converge';
  if (lambdaGpu > F32_LAMBDA_LIMIT) return 'λ̂ beyond the resolution of h in f32';
  if (lambdaGpu === 0) return remlScore(stats, 0) < 0 ? 'the f64 score contradicts the boundary fit' : 0;
  const { n, p } = stats.pattern;
  let lambda = lambdaGpu;
  for (let step = 0; step < 2; step++) {
    const d = remlDerivatives(stats, lambda);
    if (d === undefined) return 'M(λ̂) is singular in f64';
    const score = d.h1 + d.tr1 + ((n - p) * d.r1) / d.r;
    const curvature = d.h2 + d.tr2 + (n - p) * (d.r2 / d.r - (d.r1 / d.r) ** 2);
    if (!(curvature > 0)) return 'the criterion is not convex at λ̂ in f64';
    lambda -= score / curvature;
  }
  if (!(lambda > 0) || Math.abs(lambda - lambdaGpu) > POLISH_LIMIT * Math.max(lambdaGpu, 0.01)) {
    return 'f64 Newton steps move λ̂ too far';
  }
  if (Math.sqrt(lambda) < SINGULAR_THETA) return 0;
  if (remlCriterion(stats, lambda) > remlCriterion(stats, 0) + BOUNDARY_SLACK) {
    return 'the f64 criterion is lower at λ = 0 than at the f32 optimum';
  }
  return lambda;
}

/** What a GPU's search found for one gene, as the host reads it back. */
export interface GpuSearchResult {
  /** λ̂ in f32. */
  lambda: number;
  /** The search converged to a root of the score or a boundary fit (not the golden-section case). */
  converged: boolean;
  /** Criterion evaluations of the search. */
  evaluations: number;
  /** The 95% profile interval of h2 found on the GPU (checked by confirmedInterval); absent, estimatesAt finds it in f64. */
  interval?: { lo: number; hi: number };
}

/**
 * A gene's estimates and tests from a GPU's search, all in f64 on the host: λ̂ polished (polishLambda), then
 * estimatesAt at it, with the GPU's interval of h2 where f64 confirms it (confirmedInterval). Returns why the f32
 * result cannot be trusted instead, for the caller to refit the gene from scratch on the CPU (and count it as
 * refined).
 */
export function finishGpuFit(stats: GeneStats, gpu: GpuSearchResult): GeneFit | string {
  const lambda = polishLambda(stats, gpu.lambda, gpu.converged);
  if (typeof lambda === 'string') return lambda;
  // polishLambda leaves λ̂ below F32_LAMBDA_LIMIT (1 + POLISH_LIMIT), far from the upper end of the search.
  return estimatesAt(stats, { lambda, evaluations: gpu.evaluations, converged: true, atUpperBound: false },
    gpu.interval && confirmedInterval(stats, lambda, gpu.interval));
}
