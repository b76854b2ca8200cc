import type { GpuJsProgram } from './program.js';
import { SPECTRAL_SUMS } from './spectral-sums.js';

/**
 * The REML criterion and score of every gene at every point of the grid, in spectral form (src/model/spectral.ts),
 * f32. One thread per (gene, point, quantity):
 *
 *     λ = h / (1 − h),   r_λ = e_0 + Σ_j e_j / (1 + λξ_j),
 *     z = 0: Σ_j m_j log(1 + λξ_j) + (n − p) log r_λ          (spectralCriterionVarying, e scaled per gene)
 *     z = 1: Σ_j m_j ξ_j / (1 + λξ_j) − (n − p) Σ_j e_j ξ_j / (1 + λξ_j)² / r_λ   (spectralScore)
 *
 * (spectral-sums.ts's evaluation, with λ_ref = 0 and r_ref = 1).
 *
 * Arguments (layouts in upload.ts): classes [nGenes × K × 3] (ξ_j, m_j, e_j; padding has m = e = 0),
 * genes [nGenes × 4] (e_0, n − p, h of the moment start, unused), points [nShared] (h), nClasses = K, nShared.
 * Point y < nShared is points[y]; point nShared is the gene's moment start.
 * Output [nGenes, nShared + 1, 2] (x: gene, y: point, z: criterion or score), kept on the device for the search.
 */
export const remlGridProgram: GpuJsProgram = {
  name: 'reml-grid',
  kernel: `function remlGrid(classes, genes, points, nClasses, nShared) {
    const g = this.thread.x;
    let h = genes[g][2];
    if (this.thread.y < nShared) h = points[this.thread.y];
    const lambda = h / (1 - h);
    const lambdaRef = 0;
    const rRef = 1;
    let r = 0;
    let crit = 0;
    let score = 0;
    ${SPECTRAL_SUMS}
    if (this.thread.z < 0.5) return crit;
    return score;
  }`,
  settings: { pipeline: true, loopMaxIterations: 4096 },
  output: (nGenes, nPoints) => [nGenes, nPoints, 2],
};
