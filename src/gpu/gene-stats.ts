import type { GpuProgram } from './program.js';

/**
 * shaders/gene-stats.wgsl: per-gene masked sufficient statistics (computeGeneStats).
 * Bindings: y [nObs × nGenes] (read), x [nObs × p] (read), groupOf [nObs] (read), sums scratch
 * [nGenes × nGroups × (p + 2)], stats [nGenes × (maxSize + 1) × m²], counts [nGenes × (maxSize + 1)],
 * betaRef [nGenes × p] (read: the statistics are of y − x·β_ref).
 */
export const geneStatsProgram: GpuProgram = {
  name: 'gene-stats',
  shaders: ['params', 'gene-stats'],
  workgroupSize: 64,
  bindings: ['read-only-storage', 'read-only-storage', 'read-only-storage', 'storage', 'storage', 'storage', 'read-only-storage'],
};

/** The value the host writes for a missing cell (gene-stats.wgsl's MISSING). */
export const MISSING_F32 = 3.0e38;
