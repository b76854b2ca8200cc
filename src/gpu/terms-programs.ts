/// <reference types="@webgpu/types" />
import { type Design, groupSizeRange } from '../model/design.js';
import { type CriterionClasses, criterionProgram, GROUP_CLASSES } from './criterion-classes.js';
import { FIT_UNIFORM } from './fit-declarations.js';
import { type DesignScaling, scaleDesign } from './fit-programs.js';
import { geneStatsProgram } from './gene-stats.js';
import { type BatchShape, bytesPerGene } from './plan.js';
import { THETA_PROBES } from '../model/terms/fit-terms.js';
import { encodeProgram, encodeWithBuffers, type GpuProgram, uploadBuffer } from './program.js';

/**
 * The fit of a model with several scalar random intercepts on the GPU (src/model/terms/ in f64): each gene's
 * statistics of the augmented design [Z_2 … Z_K X] grouped by the first term (gene-stats.wgsl, as for one intercept,
 * with wider private arrays), then θ̂ and the drop-one refits by Nelder–Mead on the criterion of the blocked
 * factorisation (terms-search.wgsl). The host polishes each θ̂ in f64 and computes every estimate there
 * (webgpu-terms-host.ts).
 */

/** The largest m = q2 + p + 1 (Z_2..Z_K's levels, X's columns and y) the terms programs hold in private arrays. */
export const TERMS_MAX_M = 32;

/** The most random terms the search holds. */
export const TERMS_MAX_K = 6;

/** Nelder–Mead's evaluations at most, per optimisation (the model, and each drop-one refit). */
export const TERMS_MAX_EVALUATIONS = 400;

/**
 * f32 roundings of the criterion's scale (criterionScale · max(1, θ²)) that the device's criterion may be off by
 * (test/gpu/terms.test.ts holds it to this on every fixture; the largest seen there is about a third of it). The host
 * trusts the device's probes only where each is at least this far above the optimum.
 */
export const TERMS_CRITERION_ULPS = 16;

/**
 * The size of the criterion's parts for n observations at a criterion f, which f32 rounds: n (1 + log 2π) + |f| (the
 * n log r part and log|L|² cancel to f; with few observations the constant part is the largest).
 */
export function criterionScale(n: number, f: number): number {
  return n * (1 + Math.log(2 * Math.PI)) + Math.abs(f);
}

/** Each fit's fields in the search's output past its θ [TERMS_MAX_K]: its criterion, evaluations, convergence and probes' excess. */
export const TERMS_FIT = { criterion: TERMS_MAX_K, evaluations: TERMS_MAX_K + 1, converged: TERMS_MAX_K + 2, probe: TERMS_MAX_K + 3 } as const;
/** Floats per fit in the search's output, and per gene: the model's fit and K refits, then the criterion at θ = 1. */
export const TERMS_FIT_STRIDE = TERMS_MAX_K + 4;
export const TERMS_OUT_STRIDE = (TERMS_MAX_K + 1) * TERMS_FIT_STRIDE + 1;
export const TERMS_AT_START = TERMS_OUT_STRIDE - 1;

/** The uniform of the terms programs: the fit programs' (p is the augmented design's width), then K, q2, X's p and the method. */
export const TERMS_UNIFORM: GpuProgram['uniform'] = {
  struct: 'Params',
  fields: [...FIT_UNIFORM.fields, ['K', 'u32'], ['q2', 'u32'], ['pFixed', 'u32'], ['reml', 'u32']],
};

const TERMS_CLASSES: CriterionClasses = { ...GROUP_CLASSES, uniform: TERMS_UNIFORM };

const WIDE_ARRAYS: GpuProgram['constants'] = { MAX_M: ['u32', TERMS_MAX_M], MAX_MM: ['u32', TERMS_MAX_M * TERMS_MAX_M] };

/** gene-stats.wgsl over the augmented design: its private arrays as wide as the search's. */
export const termsGeneStatsProgram: GpuProgram = {
  ...geneStatsProgram,
  name: 'terms-gene-stats',
  uniform: TERMS_UNIFORM,
  constants: { ...geneStatsProgram.constants, ...WIDE_ARRAYS },
};

/**
 * The first simplex's step, relative to max(1, |θ_j|); the search's stopping tolerances: the vertices' criteria within
 * fTolerance of max(|criterion|, n) (a few f32 roundings of the criterion's large parts, sums over n observations that
 * cancel) and the simplex within xTolerance of its best vertex, relative to max(1, |θ|): the f64 polish needs a start
 * in the optimum's basin, not the optimum itself.
 */
export const TERMS_SEARCH = { step: 0.25, fTolerance: 4e-7, xTolerance: 1e-3 } as const;

/**
 * The largest θ_a² M_aa over Z_2..Z_K's columns at which the search evaluates the criterion (HUGE past it): 2¹⁶ keeps
 * the 1 that Ω(θ) adds to that diagonal to 2⁻⁷ of f32's precision. Past it the f32 criterion is rounding and falls
 * without bound (θ of 500 and more, at criteria thousands below the f64 one); a gene whose optimum lies past it is
 * left at the wall, and the f64 polish goes on from there.
 */
export const TERMS_SWAMP_LIMIT = 2 ** 16;

/** shaders/terms-search.wgsl: θ̂ and each term's drop-one refit per gene, by Nelder–Mead. */
export const termsSearchProgram = criterionProgram(TERMS_CLASSES, 'terms-search', [
  { name: 'termOfColumn', element: 'u32', access: 'read', doc: '[q2] the term (1..K−1) of each of Z_2..Z_K\'s columns' },
  { name: 'out', element: 'f32', access: 'read_write', doc: '[nGenes × OUT_STRIDE]' },
], {
  ...WIDE_ARRAYS,
  MAX_TERMS: ['u32', TERMS_MAX_K],
  MAX_VERTICES: ['u32', TERMS_MAX_K + 1],
  MAX_SIMPLEX: ['u32', (TERMS_MAX_K + 1) * TERMS_MAX_K],
  MAX_EVALUATIONS: ['u32', TERMS_MAX_EVALUATIONS],
  FIT_STRIDE: ['u32', TERMS_FIT_STRIDE],
  OUT_STRIDE: ['u32', TERMS_OUT_STRIDE],
  OUT_AT_START: ['u32', TERMS_AT_START],
  ...Object.fromEntries(Object.entries(TERMS_FIT).map(([key, at]) => [`OUT_${key.toUpperCase()}`, ['u32', at]])),
  THETA_PROBES: ['f32', THETA_PROBES],
  N_PROBES: ['u32', THETA_PROBES.length],
  STEP: ['f32', TERMS_SEARCH.step],
  F_TOLERANCE: ['f32', TERMS_SEARCH.fTolerance],
  X_TOLERANCE: ['f32', TERMS_SEARCH.xTolerance],
  SWAMP_LIMIT: ['f32', TERMS_SWAMP_LIMIT],
});

/** The programs of a several-terms fit, compiled when the device is had. */
export const TERMS_PROGRAMS: GpuProgram[] = [termsGeneStatsProgram, termsSearchProgram];

/** The augmented design of a run: its width q2 + p, its Z_2..Z_K columns, and what the uniform holds of it. */
export interface TermsShape extends BatchShape {
  K: number;
  q2: number;
  pFixed: number;
  reml: number;
}

/**
 * Why the terms programs cannot fit the run's model, or undefined where they can: one random term at least (the
 * first is eliminated in closed form), at most TERMS_MAX_K, and Z_2..Z_K's levels, X's columns and y within TERMS_MAX_M.
 */
export function termsDeviceLimit(design: Design): string | undefined {
  const K = design.randomTerms.length;
  if (K === 0) return 'a model without random terms is least squares, which the GPU programs do not fit';
  if (K > TERMS_MAX_K) return `the GPU programs hold at most ${TERMS_MAX_K} random terms, and this model has ${K}`;
  const m = termsShapeOf(design, 'reml').p + 1;
  if (m > TERMS_MAX_M) {
    return `the GPU programs hold at most ${TERMS_MAX_M - 1} columns of the second to last terms' levels and X, and this model has ${m - 1}`;
  }
  return undefined;
}

/** The run's augmented design's shape (the first term's groups, Z_2..Z_K's levels, X's columns). */
export function termsShapeOf(design: Design, method: 'reml' | 'ml'): TermsShape {
  const [first, ...rest] = design.randomTerms;
  const q2 = rest.reduce((sum, term) => sum + term.levels.length, 0);
  return {
    nObs: design.nObs, p: q2 + design.p, nGroups: first?.levels.length ?? 1, maxSize: first ? groupSizeRange(design).largest : 1,
    K: design.randomTerms.length, q2, pFixed: design.p, reml: method === 'reml' ? 1 : 0,
  };
}

/** A run's constants of the terms programs: the augmented design, the first term's groups, Z_2..Z_K's terms. */
export interface TermsConstants {
  buffers: { x: GPUBuffer; groupOf: GPUBuffer; termOfColumn: GPUBuffer };
  shape: TermsShape;
  /** X's scaling for f32 (the augmented design's last pFixed columns). */
  scaling: DesignScaling;
}

/**
 * Uploads the run's augmented design [Z_2 … Z_K X] ([nObs × (q2 + p)]: indicators of the levels in the design's
 * order, X scaled for f32 as the one-intercept programs scale it), the first term's level of each row, and the term
 * of each indicator column.
 */
export function uploadTermsConstants(device: GPUDevice, design: Design, method: 'reml' | 'ml'): TermsConstants {
  const shape = termsShapeOf(design, method);
  const scaling = scaleDesign(design);
  const { nObs, p: width, q2 } = shape;
  const x = new Float32Array(Math.max(1, nObs * width));
  const termOfColumn = new Uint32Array(Math.max(1, q2));
  for (let k = 1, offset = 0; k < design.randomTerms.length; offset += design.randomTerms[k].levels.length, k++) {
    const { codes, levels } = design.randomTerms[k];
    termOfColumn.fill(k, offset, offset + levels.length);
    for (let i = 0; i < nObs; i++) x[i * width + offset + codes[i]] = 1;
  }
  for (let i = 0; i < nObs; i++) for (let j = 0; j < design.p; j++) x[i * width + q2 + j] = scaling.x[i * design.p + j];
  return {
    buffers: {
      x: uploadBuffer(device, x),
      groupOf: uploadBuffer(device, Uint32Array.from(design.randomTerms[0].codes)),
      termOfColumn: uploadBuffer(device, termOfColumn),
    },
    shape,
    scaling,
  };
}

/** Bytes per gene of a terms batch's widest buffer, for planBatchesOf. */
export function termsWidestBytes(shape: TermsShape): number {
  const per = bytesPerGene(shape);
  return Math.max(per.y, per.sums, per.stats, per.counts, 4 * TERMS_OUT_STRIDE);
}

/** Bytes a terms batch of n genes reads back: the search's output. */
export function termsReadbackBytes(n: number): number {
  return 4 * n * TERMS_OUT_STRIDE;
}

/**
 * Records the fit of `n` columns of `y` ([nObs × n], sample-major, MISSING where absent; each column less its
 * least-squares fit on X, see webgpu-terms-host.ts) into `encoder`: the statistics of the augmented design, then the
 * search; the search's output is copied into `staging` from byte `at` on. Returns the buffers made.
 */
export function encodeTermsPrograms(device: GPUDevice, encoder: GPUCommandEncoder, n: number, y: GPUBuffer, constants: TermsConstants,
  staging: GPUBuffer, at: number, maxPerDimension: number, timestamps?: GPUQuerySet): GPUBuffer[] {
  const { shape, buffers: { x, groupOf, termOfColumn } } = constants;
  const per = bytesPerGene(shape);
  // A throw while encoding (too many workgroups, say) destroys the buffers made so far.
  return encodeWithBuffers(device, encoder, ({ make, made }) => {
    const sums = make(n * per.sums);
    const stats = make(n * per.stats);
    const counts = make(n * per.counts);
    const betaRef = make(n * per.beta); // zero: y comes less its fit on X, and Z_2..Z_K's columns are not to be taken off
    const out = make(n * 4 * TERMS_OUT_STRIDE, GPUBufferUsage.COPY_SRC);
    const params = { nGenes: n, nObs: shape.nObs, p: shape.p, nGroups: shape.nGroups, maxSize: shape.maxSize, K: shape.K, q2: shape.q2,
      pFixed: shape.pFixed, reml: shape.reml };
    made.push(encodeProgram(device, encoder, termsGeneStatsProgram, n, params, { y, x, groupOf, sums, stats, counts, betaRef }, maxPerDimension,
      timestamps && { querySet: timestamps, beginningOfPassWriteIndex: 0 }));
    made.push(encodeProgram(device, encoder, termsSearchProgram, n, params, { stats, counts, termOfColumn, out }, maxPerDimension,
      timestamps && { querySet: timestamps, endOfPassWriteIndex: 1 }));
    encoder.copyBufferToBuffer(out, 0, staging, at, termsReadbackBytes(n));
    return made;
  });
}
