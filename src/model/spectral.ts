/**
 * The REML criterion in spectral form (Kang et al. 2008, EMMA; Crainiceanu & Ruppert 2004): with ξ_j the
 * eigenvalues of Zᵀ(I − P_X)Z and m_j their multiplicities,
 *
 *     −2ℓ_R(λ) = log det XᵀX + Σ_j m_j log(1 + λξ_j) + (n − p)(1 + log(2π r_λ / (n − p))),
 *     r_λ = e_0 + Σ_j e_j / (1 + λξ_j),
 *
 * by |H_λ| |Xᵀ H_λ⁻¹ X| = |XᵀX| |I + λ Zᵀ(I − P_X)Z|. e_0 is the within-group residual sum of squares of y on
 * [X Z], and e_j ≥ 0 the squared length of Zᵀ(I − P_X)y along eigenspace j, divided by ξ_j. The criterion is the
 * M-form's of reml.ts (remlCriterion) to rounding, but needs no matrix per evaluation: only a sum over the
 * distinct eigenvalues, and r_λ is a sum of positive terms, which f32 keeps to its precision. The gpu.js backend
 * evaluates it so (src/gpujs/), as its kernels have no local arrays for a Cholesky factor.
 *
 * The eigenvalues come per design pattern, from the size classes (as rlrtEigenvalues' file comment derives): in
 * size class k (c_k groups of size s_k, group means X̄_k, B_k = X̄_kᵀX̄_k), with XᵀX = L Lᵀ and
 * L⁻¹ B_k L⁻ᵀ = V_k Λ_k V_kᵀ (its r_k eigenvalues above rank noise kept):
 * - a pure eigenvalue s_k of multiplicity c_k − r_k, on the class's vectors orthogonal to col(X̄_k);
 * - mixed eigenvalues μ_m: those of C = diag(s_{k(i)}) − F Fᵀ over the R = Σ r_k rows f_i = s_k √λ_{k,a} V_k[:,a],
 *   C = Ω diag(μ) Ωᵀ, on ⊕_k col(X̄_k) (zero ones, such as the intercept's, dropped).
 * A gene's coordinates in that basis, from its statistics (gene-stats.ts), with c = (XᵀX)⁻¹Xᵀy the OLS fit:
 *     ρ_k = B_k,yy − 2cᵀB_k,xy + cᵀB_k,xx c,   g_k = L⁻¹(B_k,xy − B_k,xx c),   z_{k,a} = s_k λ_{k,a}^{−½} V_k[:,a]ᵀ g_k,
 *     e_k = (s_k² ρ_k − Σ_a z_{k,a}²) / s_k (pure),   e_m = (Σ_i Ω[i,m] z_i)² / μ_m (mixed),
 * and e_0 = SSE([X Z]) (withinGroupFit, as the moment start takes it).
 */
import { choleskyInPlace, choleskySolve, forwardSolve } from '../numerics/linalg.js';
import type { GeneStats } from './gene-stats.js';
import type { DesignPattern } from './pattern.js';
import { withinGroupFit } from './starting-values.js';
import { symmetricEigen } from '../numerics/symmetric-eigen.js';
import { ln, log1p } from '../numerics/libm.js';

const LOG_2PI = ln(2 * Math.PI);

/**
 * Eigenvalues of Zᵀ(I − P_X)Z below this share of the largest count as zero (rank noise, or exact zeros such as
 * the intercept's direction). A gene's data have no component along such a direction.
 */
export const SPECTRAL_EIGEN_ZERO = 1e-12;

/** Eigenvalues of L⁻¹ B_k L⁻ᵀ (which lie in [0, 1/s_k]) with s_k·λ below this are rank noise of X̄_k. */
const CLASS_RANK_ZERO = 1e-13;

/** The eigen-decomposition of Zᵀ(I − P_X)Z of one design pattern, and what projecting a gene onto it needs. */
export interface SpectralBasis {
  pattern: DesignPattern;
  /** [p × p] lower Cholesky factor L of XᵀX. */
  l: Float64Array;
  /** log det XᵀX. */
  logDetXtX: number;
  /** [J] the distinct eigenvalues ξ_j: the pure s_k of every size class first (j = k), then the mixed μ_m. */
  xi: Float64Array;
  /** [J] their multiplicities: c_k − r_k for the pure ones (possibly 0), 1 for the mixed. */
  multiplicity: Float64Array;
  /** [R] size class of each row of the mixed block. */
  rowClass: Int32Array;
  /** [R × p] u_i = s_k λ_{k,a}^{−½} V_k[:,a], so that z_i = u_iᵀ g_k. */
  rowU: Float64Array;
  /** [R × M] Ω[i,m] / √μ_m for the M mixed eigenvalues kept, so that e_m = (Σ_i omega[i,m] z_i)². */
  omega: Float64Array;
}

/**
 * The spectral basis of a pattern (file comment). Cost O(nSizes · p³ + R³), R ≤ Σ_k min(c_k, p), not O(q³).
 * Throws RangeError where XᵀX is not positive definite (a pattern's columns are independent by construction).
 */
export function spectralBasis(pattern: DesignPattern): SpectralBasis {
  const { p, nSizes, sizes, sizeCount, wxx, bxx } = pattern;
  const l = Float64Array.from(wxx);
  for (let k = 0; k < nSizes; k++) for (let i = 0; i < p * p; i++) l[i] += sizes[k] * bxx[k * p * p + i];
  if (!choleskyInPlace(l, p)) throw new RangeError('spectralBasis: XᵀX is not positive definite');
  let logDetXtX = 0;
  for (let i = 0; i < p; i++) logDetXtX += 2 * ln(l[i * p + i]);

  const multiplicity = Float64Array.from(sizeCount);
  const rowsF: Float64Array[] = []; // f_i = s_k √λ_{k,a} V_k[:,a]
  const rowU: number[] = [];
  const rowClass: number[] = [];
  const g = new Float64Array(p * p);
  const half = new Float64Array(p * p);
  const col = new Float64Array(p);
  for (let k = 0; k < nSizes && p > 0; k++) {
    // g = L⁻¹ B_k L⁻ᵀ, column by column: L⁻¹ (B_k L⁻ᵀ)ᵀ by symmetry.
    for (let b = 0; b < p; b++) {
      for (let a = 0; a < p; a++) col[a] = bxx[k * p * p + a * p + b];
      forwardSolve(l, p, p, col);
      for (let a = 0; a < p; a++) half[a * p + b] = col[a];
    }
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < p; b++) col[b] = half[a * p + b];
      forwardSolve(l, p, p, col);
      for (let b = 0; b < p; b++) g[a * p + b] = col[b];
    }
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < a; b++) g[a * p + b] = g[b * p + a] = 0.5 * (g[a * p + b] + g[b * p + a]);
    }
    const s = sizes[k];
    const { values, vectors } = symmetricEigen(g, p, { vectors: true });
    for (let i = 0; i < p && multiplicity[k] > 0; i++) {
      if (!(values[i] * s > CLASS_RANK_ZERO)) break;
      const f = new Float64Array(p);
      const root = Math.sqrt(values[i]);
      for (let a = 0; a < p; a++) {
        f[a] = s * root * vectors![a * p + i];
        rowU.push((s / root) * vectors![a * p + i]);
      }
      rowsF.push(f);
      rowClass.push(k);
      multiplicity[k]--;
    }
  }

  const R = rowsF.length;
  const c = new Float64Array(R * R);
  for (let i = 0; i < R; i++) {
    for (let j = 0; j <= i; j++) {
      let d = 0;
      for (let a = 0; a < p; a++) d += rowsF[i][a] * rowsF[j][a];
      c[i * R + j] = c[j * R + i] = (i === j ? sizes[rowClass[i]] : 0) - d;
    }
  }
  const mixed = symmetricEigen(c, R, { vectors: true });
  let largest = mixed.values.length > 0 ? mixed.values[0] : 0;
  for (let k = 0; k < nSizes; k++) if (multiplicity[k] > 0) largest = Math.max(largest, sizes[k]);
  const kept: number[] = [];
  for (let m = 0; m < R; m++) if (mixed.values[m] > SPECTRAL_EIGEN_ZERO * largest) kept.push(m);
  const M = kept.length;
  const omega = new Float64Array(R * M);
  kept.forEach((m, j) => {
    const scale = 1 / Math.sqrt(mixed.values[m]);
    for (let i = 0; i < R; i++) omega[i * M + j] = mixed.vectors![i * R + m] * scale;
  });
  return {
    pattern,
    l,
    logDetXtX,
    xi: Float64Array.from([...sizes, ...kept.map((m) => mixed.values[m])]),
    multiplicity: Float64Array.from([...multiplicity, ...kept.map(() => 1)]),
    rowClass: Int32Array.from(rowClass),
    rowU: Float64Array.from(rowU),
    omega,
  };
}

const bases = new WeakMap<DesignPattern, SpectralBasis>();

/** spectralBasis of a pattern, made once per pattern. */
export function spectralBasisOf(pattern: DesignPattern): SpectralBasis {
  let basis = bases.get(pattern);
  if (basis === undefined) {
    basis = spectralBasis(pattern);
    bases.set(pattern, basis);
  }
  return basis;
}

/** One gene in spectral form: r_λ = e0 + Σ_j e[j] / (1 + λ basis.xi[j]). */
export interface SpectralGene {
  basis: SpectralBasis;
  /** Within-group residual sum of squares of y on [X Z]. */
  e0: number;
  /** [J] e_j ≥ 0, in basis order. */
  e: Float64Array;
}

/**
 * A gene's spectral form from its statistics (file comment). Invariant to the mean shift computeGeneStats takes
 * out (a shift lies in col(X) when there is an intercept, and is not taken otherwise).
 */
export function spectralGene(stats: GeneStats<DesignPattern>): SpectralGene {
  const { pattern, m, w, b } = stats;
  const basis = spectralBasisOf(pattern);
  const { p, nSizes, sizes, bxx } = pattern;
  const mm = m * m;

  // c = (XᵀX)⁻¹ Xᵀy, with Xᵀy = W_xy + Σ_k s_k B_k,xy.
  const c = new Float64Array(p);
  for (let a = 0; a < p; a++) {
    let s = w[a * m + p];
    for (let k = 0; k < nSizes; k++) s += sizes[k] * b[k * mm + a * m + p];
    c[a] = s;
  }
  choleskySolve(basis.l, p, p, c);

  const J = basis.xi.length;
  const e = new Float64Array(J);
  const R = basis.rowClass.length;
  const z = new Float64Array(R);
  const gk = new Float64Array(p);
  for (let k = 0, row = 0; k < nSizes; k++) {
    const base = k * mm;
    // ρ_k = Σ_{j in class k} (ȳ_j − x̄_jᵀc)², and g_k = L⁻¹ X̄_kᵀ(ȳ_k − X̄_k c).
    let rho = b[base + mm - 1];
    for (let a = 0; a < p; a++) {
      let bc = 0;
      for (let d = 0; d < p; d++) bc += bxx[k * p * p + a * p + d] * c[d];
      gk[a] = b[base + a * m + p] - bc;
      rho -= c[a] * (b[base + a * m + p] + gk[a]);
    }
    forwardSolve(basis.l, p, p, gk);
    let projected = 0;
    for (; row < R && basis.rowClass[row] === k; row++) {
      let s = 0;
      for (let a = 0; a < p; a++) s += basis.rowU[row * p + a] * gk[a];
      z[row] = s;
      projected += s * s;
    }
    const s = sizes[k];
    // No pure eigenvalue: the class's group means lie in col(X̄_k), and what is left is rounding.
    e[k] = basis.multiplicity[k] > 0 ? Math.max(0, (s * s * rho - projected) / s) : 0;
  }
  const M = J - nSizes;
  for (let j = 0; j < M; j++) {
    let eta = 0;
    for (let i = 0; i < R; i++) eta += basis.omega[i * M + j] * z[i];
    e[nSizes + j] = eta * eta;
  }

  return { basis, e0: withinGroupFit(stats).residual, e };
}

/** r_λ = e_0 + Σ_j e_j / (1 + λξ_j). */
export function spectralResidual(gene: SpectralGene, lambda: number): number {
  const { xi } = gene.basis;
  let r = gene.e0;
  for (let j = 0; j < xi.length; j++) r += gene.e[j] / (1 + lambda * xi[j]);
  return r;
}

/**
 * The part of −2ℓ_R(λ) that depends on λ: Σ_j m_j log(1 + λξ_j) + (n − p) log r_λ (what the gpu.js kernels
 * evaluate, on e scaled by a constant). −2ℓ_R(λ) = this + log det XᵀX + (n − p)(1 + log(2π / (n − p))).
 */
export function spectralCriterionVarying(gene: SpectralGene, lambda: number): number {
  const { xi, multiplicity, pattern } = gene.basis;
  let logDet = 0;
  for (let j = 0; j < xi.length; j++) logDet += multiplicity[j] * log1p(lambda * xi[j]);
  return logDet + (pattern.n - pattern.p) * ln(spectralResidual(gene, lambda));
}

/** −2ℓ_R(λ) in spectral form; equals remlCriterion(stats, λ) to rounding. NaN where r_λ = 0. */
export function spectralCriterion(gene: SpectralGene, lambda: number): number {
  const { n, p } = gene.basis.pattern;
  const v = spectralCriterionVarying(gene, lambda) + gene.basis.logDetXtX + (n - p) * (1 + LOG_2PI - ln(n - p));
  return Number.isFinite(v) ? v : NaN;
}

/**
 * d(−2ℓ_R)/dλ in spectral form: Σ_j m_j ξ_j / (1 + λξ_j) − (n − p) Σ_j e_j ξ_j / (1 + λξ_j)² / r_λ; equals
 * remlScore(stats, λ) to rounding.
 */
export function spectralScore(gene: SpectralGene, lambda: number): number {
  const { xi, multiplicity, pattern } = gene.basis;
  let dLogDet = 0;
  let dr = 0;
  for (let j = 0; j < xi.length; j++) {
    const d = 1 + lambda * xi[j];
    dLogDet += (multiplicity[j] * xi[j]) / d;
    dr -= (gene.e[j] * xi[j]) / (d * d);
  }
  return dLogDet + ((pattern.n - pattern.p) * dr) / spectralResidual(gene, lambda);
}
