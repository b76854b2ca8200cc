/**
 * The exact finite-sample null distribution of the restricted likelihood ratio test of σ²_g = 0 in
 * y = Xβ + Zb + ε, b ~ N(0, σ²_g I_q), ε ~ N(0, σ²_e I_n) (Crainiceanu & Ruppert 2004, JRSS-B 66:165), simulated
 * as R's RLRsim 3.1.8 `exactRLRT` → `RLRTSim` → `RLRsimCpp` does it, with Philox χ² variates in place of R's
 * rchisq.
 *
 * With μ_s (s = 1..K) the non-zero eigenvalues of Zᵀ(I − P_X)Z divided by their maximum, and λ = σ²_g / σ²_e,
 * under H0 the RLRT is distributed as sup_{λ ≥ 0} f(λ), where
 *
 *     f(λ) = (n − p) log(1 + N(λ) / D(λ)) − Σ_s log(1 + λ μ_s),
 *     N(λ) = Σ_s λμ_s / (1 + λμ_s) · u_s,   D(λ) = Σ_s u_s / (1 + λμ_s) + w,
 *     u_s ~ χ²₁ and w ~ χ²_{n−p−K} independent.
 *
 * RLRsim takes the sup over the grid λ ∈ {0} ∪ exp(seq(−10, 8, length = 199)) (200 points, log-spaced; see
 * rlrtLambdaGrid) and does no refinement between grid points: it walks the grid upwards from λ = 0, keeping
 * the running maximum, and stops at the first point where f falls below it. So a draw's value is f at the first
 * local maximum of f along the grid, floored at f(0) = 0. simulateRlrtNull does exactly this.
 *
 * RLRsim passes all min(n, q) singular values of (I − P_X)Z, zeros included, and w ~ χ²_{max(0, n−p−q)}; a zero
 * μ_s adds its u_s to D unweighted, so its χ²₁ joins w. Here the zero eigenvalues are left out and w carries
 * their degrees of freedom, w ~ χ²_{n−p−K}: the same distribution, whenever q ≤ n − p. (When q > n − p, RLRsim's
 * w has max(0, n−p−q) + q − K degrees of freedom instead; `nRandom` reproduces that.)
 *
 * Eigenvalues that are equal (to 1e-12 of the largest; size classes make many equal: a balanced design has a
 * single distinct μ) are merged: their u_s share one weight, so only their sum U_j ~ χ²_{m_j} enters, m_j the
 * multiplicity. This is exact in distribution, changes only roundings, and makes the grid walk cost
 * O(walk · J) for J distinct eigenvalues instead of O(walk · K).
 *
 * The draws of simulation i are Philox χ² variates (philox.ts, chiSquareDraw), each exact and recomputable
 * alone: w ~ χ²_{n−p−K} is variable 0 and U_j ~ χ²_{m_j} is variable j + 1 of simulation i. A χ²_k costs
 * ⌈k/8⌉ Philox calls and logarithms, and a quarter of a call, a log and a cos or sin more when k is odd, so a
 * simulation costs about (n − p)/8 + J/4 Philox calls and (n − p)/8 + J logs (n = 500 with 250 groups of 2:
 * ~63 of each), besides the grid walk's ≤ 200·2J multiply-adds.
 */
import type { KinshipPattern } from '../kinship.js';
import type { DesignPattern } from '../pattern.js';
import { choleskyInPlace, forwardSolve } from '../../numerics/linalg.js';
import { tridiagonalEigen } from '../../numerics/tridiagonal-eigen.js';
import { SPECTRAL_EIGEN_ZERO, spectralBasisOf } from '../spectral.js';
import { chiSquareEvenPart, PHILOX_TAG_NORMAL, philoxKey, philoxWords, squaredNormalFromWords } from '../../stats/philox.js';
import { exp, log1p } from '../../numerics/libm.js';

/** RLRTSim's defaults: gridlength, log.grid.lo, log.grid.hi. */
export const RLRT_GRID_LENGTH = 200;
export const RLRT_LOG_GRID_LO = -10;
export const RLRT_LOG_GRID_HI = 8;

/**
 * Eigenvalues below this share of the largest count as zero. Such a μ enters f only through λμ ≤ e⁸·1e-12
 * ≈ 3e-9, i.e. as one more χ²₁ in w, so where the cut falls does not change the distribution.
 */
export const RLRT_EIGEN_ZERO = SPECTRAL_EIGEN_ZERO;

/**
 * RLRTSim's λ grid for λ0 = 0: c(0, exp(seq(logLo, logHi, length = gridLength − 1))), with R's seq
 * (from, from + i·by for i = 1..len−2, to; by = (to − from)/(len − 1)).
 */
export function rlrtLambdaGrid(gridLength = RLRT_GRID_LENGTH, logLo = RLRT_LOG_GRID_LO, logHi = RLRT_LOG_GRID_HI): Float64Array {
  if (!(gridLength >= 3)) throw new RangeError(`gridLength must be at least 3, got ${gridLength}`);
  const len = gridLength - 1;
  const by = (logHi - logLo) / (len - 1);
  const grid = new Float64Array(gridLength);
  grid[1] = exp(logLo);
  for (let i = 1; i < len - 1; i++) grid[1 + i] = exp(logLo + i * by);
  grid[gridLength - 1] = exp(logHi);
  return grid;
}

/**
 * μ_s, the non-zero eigenvalues of Zᵀ(I − P_X)Z for the random intercept of `pattern` (Z the n×q indicator
 * matrix of the groups), decreasing, not normalised. There are q − p + rank(X within groups) of them.
 *
 * With N = ZᵀZ = diag(n_j) and X̄ the q×p group means, M = Zᵀ(I − P_X)Z = N − N X̄ (XᵀX)⁻¹ X̄ᵀ N. Group the
 * groups by size: in size class k (c_k groups of size s_k) every vector v on the class's groups with
 * X̄_kᵀ v = 0 is an eigenvector with eigenvalue s_k, which gives s_k with multiplicity c_k − r_k, r_k =
 * rank(X̄_k). The rest of the spectrum is that of M on ⊕_k col(X̄_k), an R×R matrix (R = Σ r_k ≤ min(q, p ·
 * sizes)): C = diag(s_k I_{r_k}) − F Fᵀ, F's block k = s_k T_k, T_kᵀ T_k = L⁻¹ B_k L⁻ᵀ (L Lᵀ = XᵀX,
 * B_k = X̄_kᵀ X̄_k = pattern.bxx). T_k comes from the eigen-decomposition of L⁻¹ B_k L⁻ᵀ, whose eigenvalues lie
 * in [0, 1/s_k] whatever the scale of X; those below 1e-13/s_k are rank noise and dropped (they would move an
 * eigenvalue by ≤ 1e-13 s_k). Cost O(sizes · p³ + R³), not O(q³). The decomposition itself is spectralBasis's
 * (src/model/spectral.ts), which the gpu.js backend's REML criterion shares.
 */
export function rlrtEigenvalues(pattern: DesignPattern): Float64Array {
  const { xi, multiplicity } = spectralBasisOf(pattern);
  const eigen: number[] = [];
  xi.forEach((v, j) => {
    for (let i = 0; i < multiplicity[j]; i++) eigen.push(v);
  });
  return finish(eigen);
}

/**
 * μ_s for a kinship pattern (model/kinship.ts): the non-zero eigenvalues of (I − P)K_s(I − P), P the projection on
 * [X E]. In the basis' coordinates (x̃_k = Uᵀ[X E] row k) they are those of D(I − X̃ G⁻¹ X̃ᵀ)D over the positive
 * eigenvalues s_k, D = diag(√s_k), G = X̃ᵀX̃: C = diag(s) − FᵀF with column k of F = √s_k L⁻¹ x̃_k, L Lᵀ = G. The
 * indicator columns of missing samples zero those samples' rows and columns, so this is the spectrum of the gene's
 * own samples, which RLRsim's exactRLRT finds from Z* = Z Rᵀ (R Rᵀ = K, lme4qtl's relfac). Cost: one dense eigen-
 * decomposition of the positive eigenvalues' size per missing-value pattern.
 */
export function kinshipRlrtEigenvalues(pattern: KinshipPattern): Float64Array {
  const { n, p, q, sizes, xRotated } = pattern;
  const g = new Float64Array(p * p);
  for (let k = 0; k < n; k++) {
    for (let a = 0; a < p; a++) for (let b = 0; b <= a; b++) g[a * p + b] += xRotated[k * p + a] * xRotated[k * p + b];
  }
  if (!choleskyInPlace(g, p)) throw new Error('the fixed effects of a fitted kinship pattern are collinear');
  const f = new Float64Array(q * p); // row k: √s_k L⁻¹ x̃_k
  for (let k = 0; k < q; k++) {
    const row = f.subarray(k * p, (k + 1) * p);
    for (let a = 0; a < p; a++) row[a] = xRotated[k * p + a];
    forwardSolve(g, p, p, row);
    const root = Math.sqrt(sizes[k]);
    for (let a = 0; a < p; a++) row[a] *= root;
  }
  const c = new Float64Array(q * q);
  for (let i = 0; i < q; i++) {
    for (let j = 0; j <= i; j++) {
      let dot = 0;
      for (let a = 0; a < p; a++) dot += f[i * p + a] * f[j * p + a];
      c[i * q + j] = (i === j ? sizes[i] : 0) - dot;
      c[j * q + i] = c[i * q + j];
    }
  }
  return finish(Array.from(tridiagonalEigen(c, q).values));
}

function finish(eigen: number[]): Float64Array {
  eigen.sort((a, b) => b - a);
  const max = eigen.length > 0 ? eigen[0] : 0;
  return Float64Array.from(eigen.filter((mu) => mu > RLRT_EIGEN_ZERO * max));
}

/** Options of simulateRlrtNull. */
export interface RlrtNullOptions {
  /**
   * q, the number of random-effect columns (groups). Given, w gets RLRsim's max(0, n−p−q) + min(n, q) − K
   * degrees of freedom, which differ from n − p − K only when q > n − p (see the file comment).
   */
  nRandom?: number;
  /** Grid of λ values, increasing from 0 (default rlrtLambdaGrid()). */
  lambdaGrid?: Float64Array;
}

/**
 * `nsim` draws from the null distribution of the RLRT (file comment), sorted increasing. `mu` [K]: the non-zero
 * eigenvalues of Zᵀ(I − P_X)Z (any scale: divided by their maximum here, as RLRTSim does); n observations,
 * p fixed effects. Draw i uses simulation i of the Philox streams of `seed`, so any draw can be recomputed alone
 * (rlrtNullDraw).
 */
export function simulateRlrtNull(
  mu: Float64Array, n: number, p: number, nsim: number, seed: number, options: RlrtNullOptions = {},
): Float64Array {
  const setup = rlrtNullSetup(mu, n, p, options.lambdaGrid ?? rlrtLambdaGrid(), options.nRandom);
  const key = philoxKey(seed);
  const u = new Float64Array(setup.multiplicity.length);
  const words = new Uint32Array(4);
  const oddWords = new Uint32Array(4);
  const out = new Float64Array(nsim);
  for (let i = 0; i < nsim; i++) out[i] = rlrtNullDraw(setup, key, i, u, words, oddWords);
  return out.sort();
}

/** What one design's simulations share: the merged eigenvalues and the grid constants. */
export interface RlrtNullSetup {
  /** [J] distinct eigenvalues μ_j / max μ, decreasing, and [J] their multiplicities m_j. */
  values: Float64Array;
  multiplicity: Int32Array;
  /** The λ grid [g]. */
  grid: Float64Array;
  /** [g × J] λμ_j / (1 + λμ_j) and 1 / (1 + λμ_j). */
  fN: Float64Array;
  fD: Float64Array;
  /** [g] Σ_j m_j log(1 + λμ_j). */
  logDet: Float64Array;
  /** n − p, the multiplier of the log term. */
  n0: number;
  /** Degrees of freedom of w. */
  df: number;
}

/** Tolerance, relative to the largest, within which two eigenvalues are merged into one (file comment). */
export const RLRT_EIGEN_TIE = 1e-12;

/** The constants of one design's simulations (see RlrtNullSetup); `nRandom` as in RlrtNullOptions. */
export function rlrtNullSetup(mu: Float64Array, n: number, p: number, grid: Float64Array, nRandom?: number): RlrtNullSetup {
  const K = mu.length;
  let max = 0;
  for (const v of mu) {
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`eigenvalues must be positive and finite, got ${v}`);
    max = Math.max(max, v);
  }
  const n0 = n - p;
  const df = nRandom === undefined ? n0 - K : Math.max(0, n0 - nRandom) + Math.min(n, nRandom) - K;
  if (!(df >= 0) || !Number.isInteger(df)) {
    throw new RangeError(`n − p − K must be a non-negative integer: n = ${n}, p = ${p}, K = ${K}${nRandom === undefined ? '' : `, q = ${nRandom}`}`);
  }

  const sorted = Float64Array.from(mu, (v) => v / max).sort().reverse();
  const values: number[] = [];
  const multiplicity: number[] = [];
  for (let s = 0; s < K;) {
    let e = s + 1;
    let sum = sorted[s];
    while (e < K && sorted[s] - sorted[e] <= RLRT_EIGEN_TIE) sum += sorted[e++];
    values.push(sum / (e - s));
    multiplicity.push(e - s);
    s = e;
  }

  const J = values.length;
  const g = grid.length;
  const fN = new Float64Array(g * J);
  const fD = new Float64Array(g * J);
  const logDet = new Float64Array(g);
  for (let ig = 0; ig < g; ig++) {
    let sum = 0;
    for (let j = 0; j < J; j++) {
      const lm = grid[ig] * values[j];
      fN[ig * J + j] = lm / (lm + 1);
      fD[ig * J + j] = 1 / (lm + 1);
      sum += multiplicity[j] * log1p(lm);
    }
    logDet[ig] = sum;
  }
  return { values: Float64Array.from(values), multiplicity: Int32Array.from(multiplicity), grid, fN, fD, logDet, n0, df };
}

/**
 * Null draw `sim`: w = χ²_df (variable 0) and U_j = χ²_{m_j} (variable j + 1, into `u` [J]), each equal to
 * chiSquareDraw of the Philox streams of `key` = philoxKey(seed), then the grid walk. `words`, `oddWords`:
 * scratch [4].
 */
export function rlrtNullDraw(
  setup: RlrtNullSetup, key: Uint32Array, sim: number, u: Float64Array,
  words: Uint32Array = new Uint32Array(4), oddWords: Uint32Array = new Uint32Array(4),
): number {
  const { multiplicity, df } = setup;
  const J = multiplicity.length;
  let w = chiSquareEvenPart(df, key, sim, 0, words);
  for (let j = 0; j < J; j++) u[j] = chiSquareEvenPart(multiplicity[j], key, sim, j + 1, words);
  // The odd parts, z_v² for variable v of odd degrees of freedom, come four to a Philox block: one call per block.
  let block = -1;
  for (let v = 0; v <= J; v++) {
    if (((v === 0 ? df : multiplicity[v - 1]) & 1) === 0) continue;
    if (v >>> 2 !== block) {
      block = v >>> 2;
      philoxWords(block, sim >>> 0, PHILOX_TAG_NORMAL, 0, key[0], key[1], oddWords);
    }
    const z2 = squaredNormalFromWords(oddWords, v);
    if (v === 0) w += z2;
    else u[v - 1] += z2;
  }
  return rlrtGridWalk(setup, u, w);
}

/**
 * One null draw from its χ² variates U [J] and w: f at the first local maximum of f along the grid, walking
 * up from f(λ_0 = 0) = 0 and stopping at the first decrease (RLRsimCpp's loop).
 */
export function rlrtGridWalk(setup: RlrtNullSetup, u: Float64Array, w: number): number {
  const { fN, fD, logDet, n0 } = setup;
  const J = setup.values.length;
  const g = setup.grid.length;
  let best = 0;
  for (let ig = 1; ig < g; ig++) {
    let num = 0;
    let den = w;
    const base = ig * J;
    for (let j = 0; j < J; j++) {
      num += fN[base + j] * u[j];
      den += fD[base + j] * u[j];
    }
    const lr = n0 * log1p(num / den) - logDet[ig];
    if (lr >= best) best = lr;
    else break;
  }
  return best;
}

/**
 * exactRLRT's p-value: the share of the simulated null values strictly above the observed RLRT
 * (`mean(rlrt.obs < sample)`), 1 when the observed RLRT is 0 (exactRLRT then simulates nothing), NaN for NaN.
 * `nullSorted`: simulateRlrtNull's output, increasing.
 */
export function exactRlrtPValue(nullSorted: Float64Array, observed: number): number {
  if (Number.isNaN(observed)) return NaN;
  if (!(observed > 0)) return 1;
  let lo = 0;
  let hi = nullSorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (nullSorted[mid] <= observed) lo = mid + 1;
    else hi = mid;
  }
  return (nullSorted.length - lo) / nullSorted.length;
}

/**
 * The null distribution of a pattern's RLRT, as exactRLRT simulates it for that design (q passed as nRandom). A
 * kinship pattern counts its observed samples, X's columns and the individuals with data, as exactRLRT does on the
 * gene's own samples (its n − p and q; the indicator columns of missing samples are not among them).
 */
export function simulatePatternRlrtNull(pattern: DesignPattern | KinshipPattern, nsim: number, seed: number): Float64Array {
  if ('basis' in pattern) {
    return simulateRlrtNull(kinshipRlrtEigenvalues(pattern), pattern.rows.length, pattern.columns.length, nsim, seed, { nRandom: pattern.nLevels });
  }
  return simulateRlrtNull(rlrtEigenvalues(pattern), pattern.n, pattern.p, nsim, seed, { nRandom: pattern.q });
}
