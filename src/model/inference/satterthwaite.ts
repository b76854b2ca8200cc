import type { GeneStats } from '../gene-stats.js';
import { remlDerivatives, remlHessian } from '../reml.js';
import type { BetaCovariance } from './wald-tests.js';

/**
 * lmerTest's ingredients of the Wald tests (wald-tests.ts) of the one-intercept engine's fit at (λ̂, σ̂²_e), for
 * the leading `pFixed` columns of its X (a kinship pattern's indicator columns of missing samples follow them):
 *
 *     Var(β̂) = σ²_e (Xᵀ H⁻¹ X)⁻¹ = σ²_e C,   ∂Var/∂θ = 2θ · (−σ²_e C M'_xx C),   ∂Var/∂σ²_e = C,   A = 2 · (∇² D)⁻¹,
 *
 * over the variance parameters (θ = √λ, σ²_e), D the REML deviance, the gradient and Hessian analytic (lmerTest
 * takes them by numDeriv over (θ, σ); at an interior optimum the df do not depend on the parameterisation). At the
 * boundary θ = 0, ∂Var/∂θ = 0 and σ alone carries the uncertainty (df = n − p), as in lmerTest. On the statistics'
 * scale (`beta`: β̂ there); `scale` is stats.scale. undefined where there are no derivatives (p = 0).
 */
export function singleTermCovariance(stats: GeneStats, lambda: number, sigma2: number, beta: Float64Array, pFixed: number,
  derivatives = remlDerivatives(stats, lambda)): BetaCovariance | undefined {
  const { p } = stats.pattern;
  if (p === 0 || derivatives === undefined) return undefined;
  const { c, cm1 } = derivatives;
  const h = remlHessian(stats, derivatives, sigma2);
  // To θ = √λ: D_θ = 2θ D_λ, D_θθ = 2 D_λ + 4 λ D_λλ, D_θσ² = 2θ D_λσ².
  const theta = Math.sqrt(lambda);
  const hTT = 2 * h.dLambda + 4 * lambda * h.lambdaLambda;
  const hTS = 2 * theta * h.lambdaSigma2;
  const hSS = h.sigma2Sigma2;
  const det = hTT * hSS - hTS * hTS;
  const q = pFixed;
  // The three matrices in one array: one allocation a gene where three over 64 bytes cost three (V8 puts them off-heap).
  const matrices = new Float64Array(3 * q * q);
  const vcov = matrices.subarray(0, q * q);
  const dTheta = matrices.subarray(q * q, 2 * q * q);
  const dSigma2 = matrices.subarray(2 * q * q);
  for (let a = 0; a < q; a++) {
    for (let b = 0; b < q; b++) {
      let cmc = 0; // (C M'_xx C)_ab
      if (lambda > 0) for (let j = 0; j < p; j++) cmc += cm1[a * p + j] * c[j * p + b];
      vcov[a * q + b] = sigma2 * c[a * p + b];
      dSigma2[a * q + b] = c[a * p + b];
      dTheta[a * q + b] = 2 * theta * -sigma2 * cmc;
    }
  }
  // A = 2 H⁻¹ with H⁻¹ = [hSS, −hTS; −hTS, hTT] / det; at the boundary H is diagonal and only A_σσ matters.
  const varparCov = lambda === 0 ? Float64Array.of(0, 0, 0, 2 / hSS)
    : det > 0 && hSS > 0 ? Float64Array.of((2 * hSS) / det, (-2 * hTS) / det, (-2 * hTS) / det, (2 * hTT) / det) : undefined;
  return { beta: beta.slice(0, q), vcov, jacobian: [dTheta, dSigma2], varparCov, scale: stats.scale };
}
