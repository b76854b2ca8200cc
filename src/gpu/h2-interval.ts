import { FIT_TEST_CONSTANTS, FIT_UNIFORM, REML_COMMON_CONSTANTS, SEARCH_OUT_CONSTANTS } from './fit-declarations.js';
import type { GpuProgram } from './program.js';

/** shaders/h2-interval.wgsl: the 95% profile-likelihood interval of h2 per gene (h2Uncertainty's root finding). */
export const h2IntervalProgram: GpuProgram = {
  name: 'h2-interval',
  shaders: ['reml-common', 'h2-interval'],
  workgroupSize: 64,
  uniform: FIT_UNIFORM,
  bindings: [
    { name: 'stats', element: 'f32', access: 'read' },
    { name: 'counts', element: 'f32', access: 'read' },
    { name: 'grid', element: 'f32', access: 'read' },
    { name: 'out', element: 'f32', access: 'read', doc: 'the search\'s output' },
    { name: 'interval', element: 'f32', access: 'read_write', doc: '[nGenes × 2] lo, hi; −1 where undefined' },
  ],
  constants: { ...REML_COMMON_CONSTANTS, ...SEARCH_OUT_CONSTANTS, CUTOFF: FIT_TEST_CONSTANTS.CUTOFF },
};
