/**
 * Every agreement tolerance of the test suite, from SPEC.md §6, in one place. A failure prints the gene, the
 * column, the expected and the actual value.
 */

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
} as const;

/** GPU (f32) against CPU (f64), per backend. */
export const GPU_VS_CPU = {
  h2Abs: 1e-4,
  estimateRel: 1e-4,
  /** p-values are compared only above this. */
  pFloor: 1e-12,
} as const;
