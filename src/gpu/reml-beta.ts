import type { GpuProgram } from './program.js';

/**
 * shaders/reml-beta.wgsl: β̂(λ̂) added to β_ref after a search, and λ̂ as the next search's start.
 * Bindings: stats (read), counts (read), search out (read), betaRef [nGenes × p] (read-write), start (write).
 */
export const remlBetaProgram: GpuProgram = {
  name: 'reml-beta',
  shaders: ['params', 'reml-common', 'reml-beta'],
  workgroupSize: 64,
  bindings: ['read-only-storage', 'read-only-storage', 'read-only-storage', 'storage', 'storage'],
};
