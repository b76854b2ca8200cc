import type { GeneStats } from '../gene-stats.js';
import { remlDerivatives, remlHessian } from '../reml.js';

/**
 * Satterthwaite degrees of freedom of each β̂_k, as lmerTest computes them:
 *
 *     df_k = 2 V_k² / (∇V_kᵀ A ∇V_k),   V_k = σ²_e [(Xᵀ H⁻¹ X)⁻¹]_kk,   A = 2 · (∇² D)⁻¹,
 *
 * with D the REML deviance as a function of lmerTest's variance parameters (θ = √λ, σ), gradients and
 * Hessian taken analytically at (λ̂, σ̂²_e) instead of by numDeriv. At an interior optimum the result does
 * not depend on the parameterisation; at the boundary θ = 0 it is lmerTest's (there ∂V/∂θ = 0, and σ alone
 * carries the uncertainty: df = n − p). Returns [p] df, NaN where the Hessian is not positive definite.
 * `derivatives` may be passed in when the caller has them at (λ̂) already.
 */
export function satterthwaiteDf(stats: GeneStats, lambda: number, sigma2: number,
  derivatives = remlDerivatives(stats, lambda)): Float64Array {
  const { p } = stats.pattern;
  const df = new Float64Array(p).fill(NaN);
  const d = p === 0 ? undefined : derivatives;
  if (d === undefined) return df;
  const { c, cm1 } = d;

  const s2 = sigma2;
  const h = remlHessian(stats, d, s2);
  // To θ = √λ: D_θ = 2θ D_λ, D_θθ = 2 D_λ + 4 λ D_λλ, D_θσ² = 2θ D_λσ².
  const theta = Math.sqrt(lambda);
  const hTT = 2 * h.dLambda + 4 * lambda * h.lambdaLambda;
  const hTS = 2 * theta * h.lambdaSigma2;
  const hSS = h.sigma2Sigma2;
  const det = hTT * hSS - hTS * hTS;

  for (let k = 0; k < p; k++) {
    let cmc = 0; // (C M'_xx C)_kk, for ∂V/∂λ = −σ² (C M'_xx C)_kk
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
