import { FIT_UNIFORM, GPU_MAX_M, MISSING_F32 } from './fit-declarations.js';
import type { GpuProgram } from './program.js';

/** shaders/gene-stats.wgsl: per-gene masked sufficient statistics (computeGeneStats), of y − x·β_ref. */
export const geneStatsProgram: GpuProgram = {
  name: 'gene-stats',
  shaders: ['gene-stats'],
  workgroupSize: 64,
  uniform: FIT_UNIFORM,
  bindings: [
    { name: 'y', element: 'f32', access: 'read', doc: '[nObs × nGenes], sample-major, MISSING where absent' },
    { name: 'x', element: 'f32', access: 'read', doc: '[nObs × p], the scaled design' },
    { name: 'groupOf', element: 'u32', access: 'read', doc: '[nObs]' },
    { name: 'sums', element: 'f32', access: 'read_write', doc: '[nGenes × nGroups × (p + 2)] scratch: count, Σx, Σy' },
    { name: 'stats', element: 'f32', access: 'read_write', doc: '[nGenes × (maxSize + 1) × m × m]' },
    { name: 'counts', element: 'f32', access: 'read_write', doc: '[nGenes × (maxSize + 1)]: n, c_1..c_maxSize' },
    { name: 'betaRef', element: 'f32', access: 'read', doc: '[nGenes × p]' },
  ],
  constants: { MISSING: ['f32', MISSING_F32], MAX_M: ['u32', GPU_MAX_M], MAX_MM: ['u32', GPU_MAX_M * GPU_MAX_M] },
};
