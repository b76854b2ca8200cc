import type { GeneStats } from './gene-stats.js';
import { choleskyInPlace, choleskyInverse, regressLastColumn } from '../numerics/linalg.js';
import { assembleM, workspaceFor } from './reml.js';

/**
 * Moment-based (ANOVA / Henderson method III) estimate of λ = σ²_g / σ²_e, the starting value of the REML
 * search on both backends:
 *
 *     σ²_e0 = SSE([X Z]) / (n − rank[X Z]),
 *     σ²_g0 = (SSE(X) − SSE([X Z]) − (rank[X Z] − p) σ²_e0) / tr(Zᵀ (I − P_X) Z),
 *     tr(Zᵀ (I − P_X) Z) = n − tr((XᵀX)⁻¹ Σ_j n_j² x̄_j x̄_jᵀ),
 *
 * with n_j, x̄_j the classes of the criterion's pattern (a kinship's eigenvalues and rotated X, model/kinship.ts).
 *
 * Returns max(0, σ²_g0 / σ²_e0), or NaN when there are no within-group degrees of freedom.
 */
export function momentLambda(stats: GeneStats): number {
  const { m } = stats;
  const { n, p, q, sizes, sizeCount, nSizes, bxx } = stats.pattern;
  const ws = workspaceFor(m);
  const m0 = assembleM(stats, 0, ws.l); // λ = 0: XᵀX and friends
  const within = withinGroupFit(stats, m0);
  const dofE = n - q - within.rank;
  if (dofE <= 0 || !(within.residual > 0)) return NaN;
  const sigma2E0 = within.residual / dofE;

  if (!choleskyInPlace(m0, m)) return NaN;
  const sseX = m0[p * m + p] ** 2;
  const xtxInverse = choleskyInverse(m0, m, p, ws.m1);
  let trace = 0; // tr(ZZᵀ) = Σ_k c_k s_k: n for groups, the kinship's trace over the observations
  for (let k = 0; k < nSizes; k++) trace += sizeCount[k] * sizes[k];
  for (let k = 0; k < nSizes; k++) {
    const s2 = sizes[k] * sizes[k];
    for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) trace -= s2 * xtxInverse[a * p + c] * bxx[k * p * p + c * p + a];
  }
  if (!(trace > 0)) return NaN;
  const sigma2G0 = (sseX - within.residual - (q + within.rank - p) * sigma2E0) / trace;
  return Math.max(0, sigma2G0 / sigma2E0);
}

/**
 * The within-group regression of y on X, which with the group indicators spans [X Z]: its residual sum of
 * squares SSE([X Z]) and the rank of X within groups (rank[X Z] = q + rank). Rank-revealing (regressLastColumn),
 * each column judged against its total sum of squares, the diagonal of M(0) (`m0`, assembled here when not given).
 */
export function withinGroupFit(stats: GeneStats, m0 = assembleM(stats, 0, new Float64Array(stats.m * stats.m))):
  { rank: number; residual: number } {
  const { m } = stats;
  const scale = workspaceFor(m).col;
  for (let j = 0; j < m; j++) scale[j] = m0[j * m + j];
  return regressLastColumn(stats.w, m, scale);
}
