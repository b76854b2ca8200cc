/**
 * Every agreement tolerance of the test suite, from SPEC.md §6, in one place. A failure prints the gene, the
 * column, the expected and the actual value.
 */
import { GPU_TOLERANCE } from '../../src/results/compare.js';

/** CPU (f64) against lme4 / lmerTest. */
export const CPU_VS_LME4 = {
  /** |ℓ_R − ℓ_R(lme4)| ≤ this, and ℓ_R never below lme4's by more. */
  remlLogLikAbs: 1e-6,
  /** σ²_g, σ²_e, β: relative, with an absolute floor of this times var(y) (sd(y) for β) near 0. */
  estimateRel: 1e-5,
  estimateAbsFloor: 1e-6,
  /** Where estimates differ more, lme4 stopped early: genelmm's ℓ_R must be ≥ lme4's − this. */
  earlyStopLogLik: 1e-9,
  seRel: 1e-5,
  dfRel: 1e-3,
  pRel: 1e-3,
  /** Variance fractions against variancePartition's formulas (absolute), and their delta-method SEs (relative, numDeriv's). */
  varPartAbs: 1e-5,
  varPartSeRel: 1e-3,
  /** Per-term likelihood-ratio statistics: the difference of two log-likelihoods, each within remlLogLikAbs. */
  lrtAbs: 1e-5,
  /** Moderated t and p, df_prior and s²_prior against limma's eBayes (fixed-effects models: the same fits). */
  limmaRel: 1e-6,
} as const;

/**
 * GPU (f32) against CPU (f64): defined once, in src/results/compare.ts, where compareResults applies it; the suite
 * judges GPU runs with compareResults only.
 */
export { GPU_TOLERANCE };

/** The tolerance of each backend of the conformance suite, and what it is measured against. */
export const TOLERANCES = {
  cpu: { against: 'lme4/lmerTest', tolerance: CPU_VS_LME4 },
  webgpu: { against: 'the cpu backend', tolerance: GPU_TOLERANCE },
  gpujs: { against: 'the cpu backend', tolerance: GPU_TOLERANCE },
} as const;
