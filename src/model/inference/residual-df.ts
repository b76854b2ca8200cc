import { choleskyInPlace, choleskyInverse } from '../../numerics/linalg.js';
import type { GeneStats } from '../gene-stats.js';
import { classSum, classWeightsFor } from '../reml.js';

/** residualDf's matrices, grown as needed. */
let scratch = new Float64Array(0);

/**
 * dream's residual degrees of freedom of a mixed-model fit (variancePartition's `rdf.merMod`), which `--ebayes`
 * gives limma's squeezeVar in place of n − p:
 *
 *     rdf = n − 2 tr(H) + tr(H²) = tr((I − H)²),
 *
 * H the hat matrix of the fitted values Xβ̂ + Zû. I − H is the REML projection P, which with the first random
 * term's H₁ = I + λ₁ Z₁Z₁ᵀ and X̃ = [Z₂Λ₂ … Z_KΛ_K, X] (Henderson's equations, the model core's blocked form) is
 *
 *     P = H₁⁻¹ − H₁⁻¹ X̃ Ω⁻¹ X̃ᵀ H₁⁻¹,   Ω = X̃ᵀ H₁⁻¹ X̃ + blockdiag(I_q2, 0),
 *
 * so, with A_k = X̃ᵀ H₁⁻ᵏ X̃ = D (W + Σ_s s / (1 + λ₁ s)ᵏ B_s) D over the statistics' classes,
 *
 *     tr(P²) = tr(H₁⁻²) − 2 tr(Ω⁻¹ A₃) + tr((Ω⁻¹ A₂)²),   tr(H₁⁻²) = n − Σ_s c_s + Σ_s c_s / (1 + λ₁ s)².
 *
 * For the one-intercept engine (and a kinship, whose classes are eigenvalues) X̃ = X, D = I and q2 = 0; without
 * random terms rdf = n − p. `d`: [m − 1] the scaling of X̃'s columns (θ_k over Z_k's, 1 over X's), `q2` the
 * number of Z columns leading X̃. NaN where Ω is not positive definite.
 */
export function residualDf(stats: GeneStats, lambda: number, d?: ArrayLike<number>, q2 = 0): number {
  const { m } = stats;
  const { n, sizes, sizeCount, nSizes } = stats.pattern;
  const mx = m - 1;
  let trH2 = n;
  for (let k = 0; k < nSizes; k++) trH2 += sizeCount[k] * ((1 + lambda * sizes[k]) ** -2 - 1);
  // A_1 (then Ω), A_2 and A_3 over X̃'s columns (the y row and column of the statistics left out), each class's
  // weight s / (1 + λ₁ s)ᵏ taken once.
  const weights = classWeightsFor(nSizes);
  // The sums, A_1..A_3, Ω⁻¹ and B in the thread's scratch.
  const mm = mx * mx;
  if (scratch.length < m * m + 5 * mm) scratch = new Float64Array(2 * (m * m + 5 * mm));
  const work = scratch;
  const sum = work.subarray(0, m * m);
  const a = [1, 2, 3].map((power) => work.subarray(m * m + (power - 1) * mm, m * m + power * mm));
  for (let power = 1; power <= 3; power++) {
    for (let k = 0; k < nSizes; k++) weights[k] = sizes[k] / (1 + lambda * sizes[k]) ** power;
    classSum(stats, weights, true, sum);
    const out = a[power - 1];
    for (let i = 0; i < mx; i++) {
      for (let j = 0; j < mx; j++) out[i * mx + j] = d === undefined ? sum[i * m + j] : d[i] * d[j] * sum[i * m + j];
    }
  }
  const omega = a[0];
  for (let i = 0; i < q2; i++) omega[i * mx + i] += 1;
  if (!choleskyInPlace(omega, mx)) return NaN;
  const inverse = choleskyInverse(omega, mx, mx, work.subarray(m * m + 3 * mm, m * m + 4 * mm));
  // B = Ω⁻¹ A₂; tr(Ω⁻¹ A₃) and tr(B²).
  const product = work.subarray(m * m + 4 * mm, m * m + 5 * mm);
  let trace3 = 0;
  for (let i = 0; i < mx; i++) {
    for (let j = 0; j < mx; j++) {
      let s = 0;
      for (let k = 0; k < mx; k++) s += inverse[i * mx + k] * a[1][k * mx + j];
      product[i * mx + j] = s;
      trace3 += inverse[i * mx + j] * a[2][j * mx + i];
    }
  }
  let traceB2 = 0;
  for (let i = 0; i < mx; i++) for (let j = 0; j < mx; j++) traceB2 += product[i * mx + j] * product[j * mx + i];
  return trH2 - 2 * trace3 + traceB2;
}
