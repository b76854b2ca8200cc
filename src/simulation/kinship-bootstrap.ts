/**
 * The parametric bootstrap of the kinship model (model/kinship.ts), drawn in the run's basis. Replicate b of gene g
 * is, over every design row,
 *
 *     ỹ*_k = (X̃ β̂)_k + σ̂_g √s_k z[k] (k < the positive eigenvalues) + σ̂_e z[n + k],   k = 0..n − 1,
 *
 * which is Uᵀ y* for y* = Xβ̂ + g* + e*, g* ~ N(0, σ̂²_g Z K Zᵀ), e* ~ N(0, σ̂²_e I): Uᵀg* = √s ⊙ z, and U is
 * orthogonal, so Uᵀe* is again N(0, σ̂²_e I). So a replicate costs O(n p), not a square root of K and a rotation. The
 * gene's missing rows are drawn too; their indicator columns absorb them, so the refit is that of y*'s observed
 * part, which has the gene's model on its own samples. z[d] = bootstrapNormalAt(seed, g, b, d), d < 2n (philox.ts,
 * the one-intercept bootstrap's stream). The refit is the CPU path's (refitReplicate).
 */
import { yScaleOf } from '../model/gene-stats.js';
import { type KinshipPattern, rotatedGeneStats } from '../model/kinship.js';
import { type BootstrapWork, drawNormals, refitReplicate, type ReplicateFit } from './bootstrap.js';

/** What every replicate of one gene is drawn from. */
export interface KinshipBootstrapModel {
  pattern: KinshipPattern;
  /** Its row of the whole matrix: counter word 3 of its draws. */
  streamGene: number;
  /** [n] X̃β̂ in the basis' coordinates (X's columns; the indicators' coefficients are 0). */
  fitted: Float64Array;
  /** [positive eigenvalues] σ̂_g √s_k. */
  geneticScale: Float64Array;
  sigmaE: number;
}

/** The bootstrap model of a gene fitted on `pattern`: β̂ [X's kept columns], √σ̂²_g, √σ̂²_e. */
export function kinshipBootstrapModel(pattern: KinshipPattern, streamGene: number, beta: ArrayLike<number>, sigmaG: number,
  sigmaE: number): KinshipBootstrapModel {
  const { n, p, xRotated, sizes } = pattern;
  const fitted = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let a = 0; a < beta.length; a++) s += xRotated[k * p + a] * beta[a];
    fitted[k] = s;
  }
  return { pattern, streamGene, fitted, geneticScale: sizes.map((s) => sigmaG * Math.sqrt(s)), sigmaE };
}

/**
 * Replicate `replicate` of `model` under `key` (philoxKey(seed)), drawn (left in work.y) and refitted. `work`:
 * replicateWork(n, 2n).
 */
export function kinshipBootstrapReplicate(model: KinshipBootstrapModel, key: Uint32Array, replicate: number,
  work: BootstrapWork): ReplicateFit {
  const { y } = work;
  const z = drawNormals(key, model.streamGene, replicate, work);
  const { fitted, geneticScale, sigmaE } = model;
  const n = y.length;
  for (let k = 0; k < n; k++) y[k] = fitted[k] + (k < geneticScale.length ? geneticScale[k] * z[k] : 0) + sigmaE * z[n + k];
  const scale = yScaleOf(y, 0);
  if (scale !== 1) for (let k = 0; k < n; k++) y[k] /= scale;
  return refitReplicate(rotatedGeneStats(model.pattern, y, 0, scale));
}
