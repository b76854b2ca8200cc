import { H2_CUTOFF_95 } from '../model/inference/h2-uncertainty.js';
import { SINGULAR_THETA } from '../model/lambda-search.js';
import type { GpuProgram } from './program.js';

/**
 * What the fit's programs (gene-stats, moment-start, reml-search, reml-beta, h2-interval) and the host agree on: the
 * uniform they read, the constants their WGSL takes from TypeScript, and the layout of the search's output. Their
 * descriptors generate the WGSL's declarations from these (program.ts' makeShader).
 */

/** The largest p + 1 the fit programs hold in their private arrays. */
export const GPU_MAX_M = 16;

/** The value the host writes for a missing cell (values are centred and scaled, so never this large). */
export const MISSING_F32 = 3.0e38;

/** Floats per gene in the search's output, and what each holds. */
export const SEARCH_OUT_STRIDE = 8;
export const SEARCH_OUT = { lambda: 0, criterion: 1, criterionAtZero: 2, scoreAtZero: 3, evaluations: 4, converged: 5, method: 6, residual: 7 } as const;

/**
 * How the search ended (its output's `method`): at the boundary, at a root of the score, by golden section, or at
 * the best grid point where the root in its bracket lay above it (a second minimum; the f64 polish starts there).
 */
export const SEARCH_METHOD = { boundary: 0, root: 1, golden: 2, grid: 3 } as const;

/** The upper end of the search in f32: 1 − 2⁻²², as close to 1 as f32 keeps λ = h / (1 − h) finite. */
export const H_MAX_F32 = 1 - 2 ** -22;

/** The uniform of every fit program: the batch's sizes, so one compiled pipeline serves every batch. */
export const FIT_UNIFORM: GpuProgram['uniform'] = {
  struct: 'Params',
  fields: [['nGenes', 'u32'], ['nObs', 'u32'], ['p', 'u32'], ['nGroups', 'u32'], ['maxSize', 'u32']],
};

/**
 * The absolute tolerance in h of the WGSL zeroin, for the REML optimum and the interval's ends alike (the CPU's are
 * 1e-14 and 1e-10; f32 resolves h to about 1e-7, so both stop on its relative term, 2ε|h|, first).
 */
export const GPU_ROOT_TOLERANCE = 1e-10;

/** reml-common.wgsl's constants: its private arrays' sizes, and the tolerance of its zeroin (in h). */
export const REML_COMMON_CONSTANTS: GpuProgram['constants'] = {
  MAX_M: ['u32', GPU_MAX_M],
  MAX_MM: ['u32', GPU_MAX_M * GPU_MAX_M],
  ROOT_TOLERANCE: ['f32', GPU_ROOT_TOLERANCE],
};

/**
 * The relative rounding of the f32 criterion the search allows when it compares the root of the score with the best
 * grid point (reml-search.wgsl): about 30 f32 ulps, the error of a sum of hundreds of logarithms (a kinship's
 * eigenvalues). Without it, a root a rounding error above its grid point left λ̂ on the grid, and the f64 finish
 * refitted the gene.
 */
export const CRITERION_ROUNDING = 2e-6;

/** The search output's stride, each of its fields' offsets (OUT_LAMBDA, …) and the method codes (METHOD_ROOT, …). */
export const SEARCH_OUT_CONSTANTS: GpuProgram['constants'] = {
  OUT_STRIDE: ['u32', SEARCH_OUT_STRIDE],
  ...Object.fromEntries(Object.entries(SEARCH_OUT).map(([key, at]) => [`OUT_${constantCase(key)}`, ['u32', at]])),
  ...Object.fromEntries(Object.entries(SEARCH_METHOD).map(([key, code]) => [`METHOD_${constantCase(key)}`, ['f32', code]])),
};

/** The search's singular cut-off on θ = √λ (lme4's isSingular), and the interval's χ²₁ cut-off. */
export const FIT_TEST_CONSTANTS: GpuProgram['constants'] = {
  SINGULAR_THETA: ['f32', SINGULAR_THETA],
  CUTOFF: ['f32', H2_CUTOFF_95],
};

/** criterionAtZero → CRITERION_AT_ZERO. */
function constantCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}
