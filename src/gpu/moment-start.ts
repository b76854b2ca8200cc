import type { GpuProgram } from './program.js';

/**
 * shaders/moment-start.wgsl: the ANOVA (Henderson III) start λ0 per gene (momentLambda).
 * Bindings: stats (read), counts (read), start [nGenes] (write; −1 where not estimable).
 */
export const momentStartProgram: GpuProgram = {
  name: 'moment-start',
  shaders: ['params', 'reml-common', 'moment-start'],
  workgroupSize: 64,
  bindings: ['read-only-storage', 'read-only-storage', 'storage'],
};
