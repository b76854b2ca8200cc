import type { GeneStats } from '../model/gene-stats.js';
import { choleskyInPlace, choleskyInverse } from '../model/linalg.js';
import { assembleM } from '../model/reml.js';

/**
 * Satterthwaite degrees of freedom of each β̂_k, as lmerTest computes them:
 *
 *     df_k = 2 V_k² / (∇V_kᵀ A ∇V_k),   V_k = σ²_e [(Xᵀ H⁻¹ X)⁻¹]_kk,   A = 2 · (∇² D)⁻¹,
 *
 * with D the REML deviance as a function of lmerTest's variance parameters (θ = √λ, σ), gradients and
 * Hessian taken analytically at (λ̂, σ̂²_e) instead of by numDeriv. At an interior optimum the result does
 * not depend on the parameterisation; at the boundary θ = 0 it is lmerTest's (there ∂V/∂θ = 0, and σ alone
 * carries the uncertainty: df = n − p). Returns [p] df, NaN where the Hessian is not positive definite.
 */
export function satterthwaiteDf(stats: GeneStats, lambda: number, sigma2: number): Float64Array {
  const { m } = stats;
  const { n, p, sizes, sizeCount, nSizes } = stats.pattern;
  const df = new Float64Array(p).fill(NaN);
  if (p === 0) return df;

  const l = assembleM(stats, lambda, new Float64Array(m * m));
  const xhy = Float64Array.from({ length: p }, (_, i) => l[i * m + p]);
  if (!choleskyInPlace(l, m)) return df;
  const c = choleskyInverse(l, m, p); // (Xᵀ H⁻¹ X)⁻¹
  const r = l[p * m + p] ** 2;
  const m1 = assembleM(stats, lambda, new Float64Array(m * m), 1);
  const m2 = assembleM(stats, lambda, new Float64Array(m * m), 2);

  // a = (−β̂, 1) on the centred scale of the statistics; r' = aᵀ M' a, r'' = aᵀ M'' a − 2 (M'a)_xᵀ C (M'a)_x.
  const a = new Float64Array(m);
  for (let i = 0; i < p; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += c[i * p + j] * xhy[j];
    a[i] = -s;
  }
  a[p] = 1;
  const quad = (mat: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) s += a[i] * mat[i * m + j] * a[j];
    return s;
  };
  const u = new Float64Array(p);
  for (let i = 0; i < p; i++) for (let j = 0; j < m; j++) u[i] += m1[i * m + j] * a[j];
  let uCu = 0;
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) uCu += u[i] * c[i * p + j] * u[j];
  const r1 = quad(m1);
  const r2 = quad(m2) - 2 * uCu;

  // C M'_xx and the traces of log det(Xᵀ H⁻¹ X)'s derivatives.
  const cm1 = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += c[i * p + k] * m1[k * m + j];
      cm1[i * p + j] = s;
    }
  }
  let tr1 = 0;
  let tr2 = 0;
  for (let i = 0; i < p; i++) {
    tr1 += cm1[i * p + i];
    for (let k = 0; k < p; k++) tr2 += c[i * p + k] * m2[k * m + i] - cm1[i * p + k] * cm1[k * p + i];
  }
  let h1 = 0;
  let h2 = 0;
  for (let k = 0; k < nSizes; k++) {
    const d = 1 + lambda * sizes[k];
    h1 += (sizeCount[k] * sizes[k]) / d;
    h2 -= (sizeCount[k] * sizes[k] * sizes[k]) / (d * d);
  }

  const s2 = sigma2;
  const dLambda = h1 + tr1 + r1 / s2;
  const dLambdaLambda = h2 + tr2 + r2 / s2;
  const dLambdaSigma = -r1 / (s2 * s2);
  const dSigmaSigma = -(n - p) / (s2 * s2) + (2 * r) / (s2 * s2 * s2);
  // To θ = √λ: D_θ = 2θ D_λ, D_θθ = 2 D_λ + 4 λ D_λλ, D_θσ² = 2θ D_λσ².
  const theta = Math.sqrt(lambda);
  const hTT = 2 * dLambda + 4 * lambda * dLambdaLambda;
  const hTS = 2 * theta * dLambdaSigma;
  const hSS = dSigmaSigma;
  const det = hTT * hSS - hTS * hTS;

  // C M'_xx C, for ∂V/∂λ = −σ² (C M'_xx C)_kk.
  for (let k = 0; k < p; k++) {
    let cmc = 0;
    for (let j = 0; j < p; j++) cmc += cm1[k * p + j] * c[j * p + k];
    const v = s2 * c[k * p + k];
    const gS = c[k * p + k];
    const gT = 2 * theta * -s2 * cmc;
    let quadForm: number;
    if (lambda === 0) {
      quadForm = (2 / hSS) * gS * gS; // ∂V/∂θ = 0 and the Hessian is diagonal at the boundary
    } else {
      if (!(det > 0) || !(hSS > 0)) continue;
      // A = 2 H⁻¹ with H⁻¹ = [hSS, −hTS; −hTS, hTT] / det.
      quadForm = (2 / det) * (gT * gT * hSS - 2 * gT * gS * hTS + gS * gS * hTT);
    }
    df[k] = (2 * v * v) / quadForm;
  }
  return df;
}
