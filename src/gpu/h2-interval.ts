import type { GpuProgram } from './program.js';

/**
 * shaders/h2-interval.wgsl: the 95% profile-likelihood interval of h2 per gene (h2Uncertainty's root finding).
 * Bindings: stats (read), counts (read), grid (read), search out (read), interval [nGenes × 2] (write; −1 where
 * the criterion at λ̂ is not finite).
 */
export const h2IntervalProgram: GpuProgram = {
  name: 'h2-interval',
  shaders: ['params', 'reml-common', 'h2-interval'],
  workgroupSize: 64,
  bindings: ['read-only-storage', 'read-only-storage', 'read-only-storage', 'read-only-storage', 'storage'],
};
