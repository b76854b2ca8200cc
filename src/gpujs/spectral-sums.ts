/**
 * The one evaluation of the REML criterion and score in spectral form (src/model/spectral.ts) on the GPU, as
 * kernel source text that reml-grid and reml-search both include. gpu.js's helpers cannot take arrays in webgpu
 * mode, so the sum over a gene's eigenvalue classes cannot be a function; one text for both kernels also gives
 * both the same f32 roundings, which the search relies on when it compares the criterion at its root with the
 * grid's. With d_j = 1 + λξ_j:
 *
 *     r = e_0 + Σ_j e_j / d_j,                     logRatio = Σ_j m_j log(d_j / (1 + λ_ref ξ_j)),
 *     crit = logRatio + (n − p) log(r / r_ref),    score = Σ_j m_j ξ_j / d_j − (n − p) Σ_j e_j ξ_j / d_j² / r,
 *
 * which with λ_ref = 0 and r_ref = 1 is spectralCriterionVarying (on e scaled by r_0) and spectralScore, and with
 * λ_ref = λ̂, r_ref = r_λ̂ the criterion's excess over its minimum, as ratios that do not cancel.
 * In scope: classes, genes, g, nClasses, lambda, lambdaRef, rRef; assigns r, crit and score, declared by the kernel.
 */
export const SPECTRAL_SUMS = `
      r = genes[g][0];
      let logRatio = 0;
      let dLogDet = 0;
      let dr = 0;
      for (let j = 0; j < nClasses; j++) {
        const xi = classes[g][j][0];
        const d = 1 + lambda * xi;
        r += classes[g][j][2] / d;
        logRatio += classes[g][j][1] * Math.log(d / (1 + lambdaRef * xi));
        dLogDet += (classes[g][j][1] * xi) / d;
        dr -= (classes[g][j][2] * xi) / (d * d);
      }
      crit = logRatio + genes[g][1] * Math.log(r / rRef);
      score = dLogDet + (genes[g][1] * dr) / r;`;
