import { FIT_UNIFORM, REML_COMMON_CONSTANTS } from './fit-declarations.js';
import type { GpuProgram } from './program.js';

/** shaders/moment-start.wgsl: the ANOVA (Henderson III) start λ0 per gene (momentLambda). */
export const momentStartProgram: GpuProgram = {
  name: 'moment-start',
  shaders: ['reml-common', 'moment-start'],
  workgroupSize: 64,
  uniform: FIT_UNIFORM,
  bindings: [
    { name: 'stats', element: 'f32', access: 'read' },
    { name: 'counts', element: 'f32', access: 'read' },
    { name: 'start', element: 'f32', access: 'read_write', doc: '[nGenes] λ0, −1 where not estimable' },
  ],
  constants: REML_COMMON_CONSTANTS,
};
