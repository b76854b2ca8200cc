import type { GpuProgram } from './program.js';

/**
 * shaders/reml-search.wgsl: grid, bracket and zeroin on the score per gene (searchLambda).
 * Bindings: stats (read), counts (read), start (read), grid (read: H_GRID then the f32 upper end),
 * out [nGenes × SEARCH_OUT_STRIDE] (write).
 */
export const remlSearchProgram: GpuProgram = {
  name: 'reml-search',
  shaders: ['params', 'reml-common', 'reml-search'],
  workgroupSize: 64,
  bindings: ['read-only-storage', 'read-only-storage', 'read-only-storage', 'read-only-storage', 'storage'],
};

/** Floats per gene in the search output, and what each holds. */
export const SEARCH_OUT_STRIDE = 8;
export const SEARCH_OUT = { lambda: 0, criterion: 1, criterionAtZero: 2, scoreAtZero: 3, evaluations: 4, converged: 5, method: 6, residual: 7 } as const;

/** The upper end of the search in f32: 1 − 2⁻²², as close to 1 as f32 keeps λ = h / (1 − h) finite. */
export const H_MAX_F32 = 1 - 2 ** -22;
