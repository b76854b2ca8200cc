import { FIT_UNIFORM, REML_COMMON_CONSTANTS, SEARCH_OUT_CONSTANTS } from './fit-declarations.js';
import type { GpuProgram } from './program.js';

/** shaders/reml-beta.wgsl: β̂(λ̂) added to β_ref after a search, and λ̂ as the next search's start. */
export const remlBetaProgram: GpuProgram = {
  name: 'reml-beta',
  shaders: ['reml-common', 'reml-beta'],
  workgroupSize: 64,
  uniform: FIT_UNIFORM,
  bindings: [
    { name: 'stats', element: 'f32', access: 'read' },
    { name: 'counts', element: 'f32', access: 'read' },
    { name: 'out', element: 'f32', access: 'read', doc: 'the search\'s output' },
    { name: 'betaRef', element: 'f32', access: 'read_write', doc: '[nGenes × p]' },
    { name: 'start', element: 'f32', access: 'read_write', doc: '[nGenes] the next search\'s start' },
  ],
  constants: { ...REML_COMMON_CONSTANTS, ...SEARCH_OUT_CONSTANTS },
};
