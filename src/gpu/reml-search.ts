import { FIT_TEST_CONSTANTS, FIT_UNIFORM, REML_COMMON_CONSTANTS, SEARCH_OUT_CONSTANTS } from './fit-declarations.js';
import type { GpuProgram } from './program.js';

/** shaders/reml-search.wgsl: grid, bracket and zeroin on the score per gene (searchLambda). */
export const remlSearchProgram: GpuProgram = {
  name: 'reml-search',
  shaders: ['reml-common', 'reml-search'],
  workgroupSize: 64,
  uniform: FIT_UNIFORM,
  bindings: [
    { name: 'stats', element: 'f32', access: 'read' },
    { name: 'counts', element: 'f32', access: 'read' },
    { name: 'start', element: 'f32', access: 'read', doc: '[nGenes] λ0, −1 when not estimable' },
    { name: 'grid', element: 'f32', access: 'read', doc: 'H_GRID, then H_MAX_F32' },
    { name: 'out', element: 'f32', access: 'read_write', doc: '[nGenes × OUT_STRIDE]' },
  ],
  constants: { ...REML_COMMON_CONSTANTS, ...SEARCH_OUT_CONSTANTS, SINGULAR_THETA: FIT_TEST_CONSTANTS.SINGULAR_THETA },
};
