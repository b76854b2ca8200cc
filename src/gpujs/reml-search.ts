import { H2_CUTOFF_95, H2_INTERVAL_TOLERANCE } from '../model/inference/h2-uncertainty.js';
import { H_TOLERANCE, SINGULAR_THETA } from '../model/lambda-search.js';
import type { GpuJsProgram } from './program.js';
import { SPECTRAL_SUMS } from './spectral-sums.js';

/** Root-finder iterations at most (brentRoot's maxEvaluations). */
const MAX_ROOT_EVALUATIONS = 100;

/** Evaluations one thread may make: a root search, the check at its root, r at λ̂, the grid steps and a second root. */
export const SEARCH_MAX_STEPS = 2 * MAX_ROOT_EVALUATIONS + 64;

/** What row 0 of the search's output holds per gene: λ̂, 1 if converged, the method, the evaluations. */
export const SEARCH_ROW = { lambda: 0, converged: 1, method: 2, evaluations: 3 } as const;

/** The search's methods: a boundary fit at λ = 0, the root of the score, or none (no sign change: refit on the CPU). */
export const SEARCH_METHOD = { boundary: 0, root: 1, none: 2 } as const;

/**
 * The REML search and the 95% profile interval of h2 per gene, in f32, from the grid (reml-grid.ts), following
 * searchLambda (src/model/lambda-search.ts) and h2ProfileInterval (src/model/inference/h2-uncertainty.ts) step by step.
 * Output [nGenes, 3] of Array(4); thread (g, y):
 * - y = 0: (λ̂, converged 1/0, method, evaluations). The best point of the grid with the moment start inserted
 *   in order brackets the minimum with its neighbours; λ̂ = 0 where the best point is h = 0 and the score there is
 *   ≥ 0 (method 0); else Brent's zeroin on the score between the neighbours where it changes sign, or one point
 *   beyond them where it keeps one sign across them (the moment start beside a grid point, as reml-search.wgsl) (method 1),
 *   keeping the root where the criterion there is not above the grid's best; else method 2, not converged (the
 *   CPU's golden-section case: the host refits such genes in f64). √λ̂ < SINGULAR_THETA gives λ̂ = 0.
 * - y = 1, 2: (lower, upper end of the interval, 0, 0), or −1 where the search did not converge. From ĥ, each
 *   end steps over the grid (points, away from ĥ) to the first point where the criterion is more than
 *   qchisq(0.95, 1) above −2ℓ_R(λ̂), then zeroin between it and the last point within; 0 (1) where none is.
 *   The excess is evaluated as ratios, Σ_j m_j log((1 + λξ_j)/(1 + λ̂ξ_j)) + (n − p) log(r_λ / r_λ̂) −
 *   qchisq(0.95, 1), so that it does not cancel; these threads repeat row 0's search to know λ̂.
 *
 * Helpers cannot take arrays in webgpu mode, so the one evaluation site sits in one loop and a phase variable
 * says what its value is for: 1 the root of the score, 2 the criterion at that root, 3 r at λ̂, 4 a grid step,
 * 5 the root of the excess (0 done, 6 the start). Each pass first consumes the last evaluation (advancing
 * zeroin's state, a phase change), then evaluates at the next point. Arguments as reml-grid.ts, plus
 * grid = its output.
 */
export const remlSearchProgram: GpuJsProgram = {
  name: 'reml-search',
  kernel: `function remlSearch(classes, genes, points, grid, nClasses, nShared) {
    const g = this.thread.x;
    const row = this.thread.y;
    const hStart = genes[g][2];

    // Where the moment start goes among the grid points; −1 where it is not one of the search's points.
    let insert = -1;
    if (hStart > 0 && hStart < points[nShared - 1]) {
      let below = 0;
      let duplicate = 0;
      for (let i0 = 0; i0 < nShared; i0++) {
        if (points[i0] < hStart) below += 1;
        if (points[i0] == hStart) duplicate = 1;
      }
      if (duplicate < 0.5) insert = below;
    }
    let nMerged = nShared;
    if (insert >= 0) nMerged = nShared + 1;

    // The best point (the first minimum, as searchLambda's), then its neighbours and their scores.
    let best = 0;
    let critBest = 0;
    for (let j1 = 0; j1 < nMerged; j1++) {
      let src = j1;
      if (insert >= 0 && j1 > insert) src = j1 - 1;
      if (j1 == insert) src = nShared;
      const v = grid[0][src][g];
      if (j1 == 0 || v < critBest) {
        best = j1;
        critBest = v;
      }
    }
    let hBest = 0;
    let hLo = 0;
    let sLo = 0;
    let hHi = 0;
    let sHi = 0;
    let hLo2 = 0;
    let sLo2 = 0;
    let hHi2 = 0;
    let sHi2 = 0;
    for (let j2 = 0; j2 < nMerged; j2++) {
      let src = j2;
      if (insert >= 0 && j2 > insert) src = j2 - 1;
      let h = hStart;
      if (j2 == insert) src = nShared;
      else h = points[src];
      if (j2 == best) hBest = h;
      if (j2 == Math.max(best - 1, 0)) {
        hLo = h;
        sLo = grid[1][src][g];
      }
      if (j2 == Math.min(best + 1, nMerged - 1)) {
        hHi = h;
        sHi = grid[1][src][g];
      }
      if (j2 == best - 2) {
        hLo2 = h;
        sLo2 = grid[1][src][g];
      }
      if (j2 == best + 2) {
        hHi2 = h;
        sHi2 = grid[1][src][g];
      }
    }
    // As reml-search.wgsl: where f32 cannot tell the moment start from a grid point beside it, the best may be the
    // wrong one of the two, the score then has one sign across the bracket, and the root lies one point beyond.
    if (sLo < 0 && sHi < 0 && best + 2 < nMerged) {
      hLo = hHi;
      sLo = sHi;
      hHi = hHi2;
      sHi = sHi2;
    } else if (sLo > 0 && sHi > 0 && best >= 2) {
      hHi = hLo;
      sHi = sLo;
      hLo = hLo2;
      sLo = sLo2;
    }

    let phase = 6;
    let hEval = 0;
    let method = 0;
    let converged = 1;
    let evaluations = nMerged + 2;
    let hHat = hBest;
    let lambdaHat = 0;
    let result = -1;
    // zeroin's state (brentRoot's a, b, c, fa, fb, fc, d, e), its evaluations and tolerance.
    let za = 0;
    let zb = 0;
    let zc = 0;
    let fa = 0;
    let fb = 0;
    let fc = 0;
    let zd = 0;
    let ze = 0;
    let zIter = 0;
    let zTol = 0;
    // The interval's reference point (λ̂ and r_λ̂ once known; the criterion is the grid's until then), the last
    // point within the cut-off and its excess, and the next grid point to step to.
    let lambdaRef = 0;
    let rRef = 1;
    let inside = 0;
    let fInside = 0;
    let k = 0;
    // The last evaluation.
    let crit = 0;
    let score = 0;
    let r = 0;

    for (let step = 0; step < this.constants.maxSteps; step++) {
      const last = phase;
      let zeroinStart = 0;
      let resetC = 0;
      let zeroinStep = 0;
      let searchDone = 0;
      let nextPoint = 0;
      if (last == 6) {
        if (best == 0 && sLo >= 0) {
          searchDone = 1; // the criterion rises from λ = 0: a boundary fit
        } else if (sLo < 0 && sHi > 0) {
          method = 1;
          za = hLo;
          zb = hHi;
          fa = sLo;
          fb = sHi;
          zTol = this.constants.searchTolerance;
          phase = 1;
          zeroinStart = 1;
        } else {
          method = 2;
          converged = 0;
          searchDone = 1;
        }
      }
      if (last == 1 || last == 5) {
        fb = crit - this.constants.cutoff;
        if (last == 1) {
          fb = score;
          evaluations += 1;
        }
        zIter += 1;
        if ((fb > 0 && fc > 0) || (fb <= 0 && fc <= 0)) resetC = 1;
        zeroinStep = 1;
      }
      if (last == 2) {
        if (crit <= critBest) hHat = hEval;
        searchDone = 1;
      }
      if (last == 3) {
        if (r > 0) {
          rRef = r;
          lambdaRef = lambdaHat;
          inside = lambdaHat / (1 + lambdaHat);
          fInside = -this.constants.cutoff;
          k = 0;
          nextPoint = 1;
        } else {
          phase = 0;
        }
      }
      if (last == 4) {
        const f = crit - this.constants.cutoff;
        if (f <= 0) {
          inside = hEval;
          fInside = f;
          k += 1;
          nextPoint = 1;
        } else {
          za = inside;
          zb = hEval;
          fa = fInside;
          fb = f;
          zTol = this.constants.intervalTolerance;
          phase = 5;
          zeroinStart = 1;
        }
      }
      if (zeroinStart > 0.5) {
        zIter = 0;
        resetC = 1;
        zeroinStep = 1;
      }
      if (resetC > 0.5) {
        // c = a, d = e = b − a: at zeroin's start, and where the new point has the sign of c.
        zc = za;
        fc = fa;
        zd = zb - za;
        ze = zd;
      }
      if (zeroinStep > 0.5) {
        // The top of brentRoot's loop: converged, out of evaluations, or the next point.
        if (Math.abs(fc) < Math.abs(fb)) {
          za = zb;
          zb = zc;
          zc = za;
          fa = fb;
          fb = fc;
          fc = fa;
        }
        const tol1 = 2 * this.constants.epsilon * Math.abs(zb) + 0.5 * zTol;
        const xm = 0.5 * (zc - zb);
        let finished = 0;
        if (Math.abs(xm) <= tol1 || fb == 0) {
          finished = 1;
        } else if (zIter >= this.constants.maxRootEvaluations) {
          finished = 1;
          if (phase == 1) converged = 0;
        } else {
          if (Math.abs(ze) >= tol1 && Math.abs(fa) > Math.abs(fb)) {
            let pp = 0;
            let qq = 0;
            const s = fb / fa;
            if (za == zc) {
              pp = 2 * xm * s;
              qq = 1 - s;
            } else {
              const qa = fa / fc;
              const rr = fb / fc;
              pp = s * (2 * xm * qa * (qa - rr) - (zb - za) * (rr - 1));
              qq = (qa - 1) * (rr - 1) * (s - 1);
            }
            if (pp > 0) qq = -qq;
            else pp = -pp;
            if (2 * pp < Math.min(3 * xm * qq - Math.abs(tol1 * qq), Math.abs(ze * qq))) {
              ze = zd;
              zd = pp / qq;
            } else {
              zd = xm;
              ze = zd;
            }
          } else {
            zd = xm;
            ze = zd;
          }
          za = zb;
          fa = fb;
          if (Math.abs(zd) > tol1) zb += zd;
          else if (xm > 0) zb += tol1;
          else zb -= tol1;
          hEval = zb;
        }
        if (finished > 0.5) {
          if (phase == 1) {
            hEval = zb;
            phase = 2;
          } else {
            result = zb;
            phase = 0;
          }
        }
      }
      if (searchDone > 0.5) {
        lambdaHat = hHat / (1 - hHat);
        if (Math.sqrt(lambdaHat) < this.constants.singularTheta) lambdaHat = 0;
        phase = 0;
        if (row > 0.5 && converged > 0.5) phase = 3;
      }
      if (nextPoint > 0.5) {
        // The next grid point beyond ĥ, stepping down (row 1) or up (row 2); the bound where there is none.
        phase = 0;
        result = row - 1;
        for (let i1 = 0; i1 < nShared; i1++) {
          if (i1 >= k) {
            let h = points[i1];
            if (row < 1.5) h = points[nShared - 1 - i1];
            if ((row < 1.5 && h < inside) || (row > 1.5 && h > inside)) {
              hEval = h;
              phase = 4;
              break;
            }
            k += 1;
          }
        }
      }
      if (phase < 0.5) break;

      // The one evaluation: r, the criterion (relative to the reference point) and the score at λ.
      let lambda = hEval / (1 - hEval);
      if (phase == 3) lambda = lambdaHat;
      ${SPECTRAL_SUMS}
    }

    if (row < 0.5) return [lambdaHat, converged, method, evaluations];
    if (converged < 0.5) return [-1, 0, 0, 0];
    return [result, 0, 0, 0];
  }`,
  settings: {
    loopMaxIterations: 4096,
    constants: {
      maxSteps: SEARCH_MAX_STEPS,
      maxRootEvaluations: MAX_ROOT_EVALUATIONS,
      searchTolerance: H_TOLERANCE,
      intervalTolerance: H2_INTERVAL_TOLERANCE,
      cutoff: H2_CUTOFF_95,
      singularTheta: SINGULAR_THETA,
      epsilon: 2 ** -23,
    },
  },
  output: (nGenes) => [nGenes, 3],
};
