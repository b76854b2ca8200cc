import type { DesignPattern } from './pattern.js';
import { dominantFixedPart } from './reml.js';

/**
 * What the criterion and its derivatives read of a pattern (reml.ts): n, p, the rank q of Z and the spectrum of
 * ZZᵀ as classes (eigenvalue `sizes[k]`, multiplicity `sizeCount[k]`, X's part B_k in `bxx`). A DesignPattern's
 * classes are its group sizes; a kinship pattern's the eigenvalues of Z K Zᵀ (model/kinship.ts).
 */
export type CriterionPattern = Pick<DesignPattern, 'n' | 'p' | 'q' | 'sizes' | 'sizeCount' | 'nSizes' | 'bxx'> & {
  /**
   * True for a pattern of hundreds of classes of one member each (a kinship's eigenvalues): log det H_λ is then
   * the log of products of (1 + λ s_k), a logarithm per LOG_PRODUCT_BLOCK classes instead of one per class.
   */
  logDetInProducts?: boolean;
  /** Σ log w_i of a gene's precision weights (weighted-stats.ts): the criterion gains −Σ log w_i. 0 when absent. */
  logWeights?: number;
  /**
   * Set where B_k's X part is the same for every gene of the pattern (a kinship's: B_k = ã_k ã_kᵀ / s_k with the
   * rotated X fixed): W's X part, [p × p]. The class sums then read the X part from `bxx` and this, and a gene's
   * statistics hold only the y row of each block (GeneStats.b).
   */
  sharedWxx?: Float64Array;
  /**
   * With sharedWxx: what the criterion at each λ of the search's fixed grids takes of the pattern alone (reml.ts'
   * gridCriterion), kept for the pattern's next genes, by λ.
   */
  atGrid?: Map<number, PatternAtLambda>;
};

/** The pattern's part of the criterion at one λ (CriterionPattern.atGrid). */
export interface PatternAtLambda {
  /** [nSizes] the class weights s_k / (1 + λ s_k), as the kernel made them. */
  weights: Float64Array;
  /** [p × p] the class sums' X part, W's included (lower triangle). */
  xPart: Float64Array;
  /** log det H_λ. */
  logDetH: number;
}

/**
 * One gene's sufficient statistics for the REML criterion: the within-group and per-size-class between-group
 * cross-products of the augmented matrix [X y]. With them, for any λ,
 *
 *     M(λ) = W + Σ_k s_k / (1 + λ s_k) · B_k  =  [Xᵀ H⁻¹ X, Xᵀ H⁻¹ y; yᵀ H⁻¹ X, yᵀ H⁻¹ y],
 *
 * so the Cholesky factor of M(λ) gives log det(Xᵀ H⁻¹ X) and, as its last pivot squared, r_λ (SPEC §3).
 * Within-group sums are taken around the group means (two passes), so yᵀH⁻¹y − … never cancels.
 * The y row and column are those of y / `scale`, so that no square or higher power of y under- or overflows
 * whatever the magnitude of the data; estimates from them are on that scale until estimatesAt unscales them.
 */
export interface GeneStats<P extends CriterionPattern = CriterionPattern> {
  pattern: P;
  /** p + 1, the order of the augmented matrices. */
  m: number;
  /** [m × m] Σ_i (z_i − z̄_j)(z_i − z̄_j)ᵀ with z = (x, y). */
  w: Float64Array;
  /**
   * [nSizes × m × m] Σ_{j: n_j = s_k} z̄_j z̄_jᵀ; where the pattern shares the X part (sharedWxx), only the y row of
   * each block, [nSizes × m] (B_k's last row: its X part is the pattern's bxx). Never written once made (the class
   * sums keep a copy of the last one they read).
   */
  b: Float64Array;
  /**
   * [p] b with the sums taken of y − X b, added back to β̂. The criterion, σ²s and SEs do not depend on b,
   * but the sums lose less to cancellation: the CPU takes the mean out through the intercept, and the whole
   * least-squares fit where X explains nearly all of y (reml.ts' dominantFixedPart); the GPU backends the whole
   * fit before they round y to f32 (model/least-squares.ts), and the device its first fit (fit-programs.ts).
   */
  betaOffset: Float64Array;
  /**
   * y's unit in these statistics (they are those of y / scale, betaOffset included): σ²s found from them are
   * multiplied by scale², β̂ and SEs by scale, and −2ℓ_R gains 2 (n − p) log(scale). 1 for most data.
   */
  scale: number;
}

/** Deviations from the centre inside [2^-SAFE_EXPONENT, 2^SAFE_EXPONENT] are fitted on their own scale. */
const SAFE_EXPONENT = 40;

/**
 * The unit `scale` of a gene's statistics, from its largest deviation from the centre, max |y − shift| over `y`: 1
 * while that deviation lies within 2^±40 (their fourth powers, the largest the criterion's derivatives take, then
 * stay far inside f64's range, and the fit is exactly as without scaling), else the power of two at that deviation,
 * so dividing by it is exact.
 */
export function yScaleOf(y: ArrayLike<number>, shift: number): number {
  let largest = 0;
  for (let i = 0; i < y.length; i++) largest = Math.max(largest, Math.abs(y[i] - shift));
  return scaleOfLargest(largest);
}

/** yScaleOf from the largest deviation. */
export function scaleOfLargest(largest: number): number {
  if (!(largest > 0) || !Number.isFinite(largest)) return 1;
  const exponent = Math.floor(Math.log2(largest));
  return Math.abs(exponent) <= SAFE_EXPONENT ? 1 : 2 ** exponent;
}

let scratch = new Float64Array(0);

/**
 * Sufficient statistics of `y` ([n], in the pattern's observation order); of its residual from X where X explains
 * nearly all of it (dominantFixedPart), with the fit in betaOffset.
 */
export function computeGeneStats(pattern: DesignPattern, y: Float64Array): GeneStats<DesignPattern> {
  const { n, p, q, groupOf, xc, xbar } = pattern;
  if (scratch.length < n + q + p) scratch = new Float64Array(2 * (n + q + p));
  const ys = scratch.subarray(0, n); // (y − shift) / scale
  const { shift, scale } = centredValues(pattern, y, ys);
  const stats = statsOfCentred(pattern, ys, shift, scale);
  const fixed = dominantFixedPart(stats);
  if (fixed === undefined) return stats;
  for (let i = 0; i < n; i++) {
    let fitted = 0;
    for (let a = 0; a < p; a++) fitted += (xc[a * n + i] + xbar[groupOf[i] * p + a]) * fixed[a];
    ys[i] -= fitted;
  }
  const again = statsOfCentred(pattern, ys, shift, scale);
  for (let a = 0; a < p; a++) again.betaOffset[a] += fixed[a];
  return again;
}

/** y less its mean where X has an intercept, over its scale, into `ys`. */
function centredValues(pattern: DesignPattern, y: Float64Array, ys: Float64Array): { shift: number; scale: number } {
  const { n } = pattern;
  let shift = 0;
  if (pattern.interceptColumn >= 0) {
    for (let i = 0; i < n; i++) shift += y[i];
    shift /= n;
  }
  let largest = 0;
  for (let i = 0; i < n; i++) {
    const v = y[i] - shift;
    largest = Math.max(largest, Math.abs(v));
    ys[i] = v;
  }
  const scale = scaleOfLargest(largest);
  if (scale !== 1) for (let i = 0; i < n; i++) ys[i] = (y[i] - shift) / scale;
  return { shift, scale };
}

/** The statistics of `ys`, y centred by `shift` over `scale` (the thread's scratch past its n values holds the rest). */
function statsOfCentred(pattern: DesignPattern, ys: Float64Array, shift: number, scale: number): GeneStats<DesignPattern> {
  const { n, p, q, groupOf, groupSize, classGroups, classStart, nSizes, xc, xbar, wxx, bxx } = pattern;
  const m = p + 1;
  const mm = m * m;
  const ybar = scratch.subarray(n, n + q).fill(0);
  const xy = scratch.subarray(n + q, n + q + p); // Σ_i xc_i y_i
  // Each sum below is taken in its own register and in the order of i (or t), and the independent ones side by side,
  // a few a pass over the values: the group sums of y with X's first two columns' Σ_i xc_i y_i, the next columns
  // two a pass, and an odd last one with W_yy, which needs the group means.
  let a = 0;
  if (p >= 2) {
    let s0 = 0;
    let s1 = 0;
    for (let i = 0, k1 = n; i < n; i++, k1++) {
      const v = ys[i];
      ybar[groupOf[i]] += v;
      s0 += xc[i] * v;
      s1 += xc[k1] * v;
    }
    xy[0] = s0;
    xy[1] = s1;
    a = 2;
  } else {
    for (let i = 0; i < n; i++) ybar[groupOf[i]] += ys[i];
  }
  for (let j = 0; j < q; j++) ybar[j] /= groupSize[j];
  for (; a + 1 < p; a += 2) {
    let s0 = 0;
    let s1 = 0;
    for (let i = 0, k0 = a * n, k1 = k0 + n; i < n; i++, k0++, k1++) {
      s0 += xc[k0] * ys[i];
      s1 += xc[k1] * ys[i];
    }
    xy[a] = s0;
    xy[a + 1] = s1;
  }
  let wyy = 0;
  if (a < p) {
    let s0 = 0;
    for (let i = 0, k0 = a * n; i < n; i++, k0++) {
      const v = ys[i];
      const e = v - ybar[groupOf[i]];
      wyy += e * e;
      s0 += xc[k0] * v;
    }
    xy[a] = s0;
  } else {
    for (let i = 0; i < n; i++) {
      const e = ys[i] - ybar[groupOf[i]];
      wyy += e * e;
    }
  }
  const blocks = new Float64Array((1 + nSizes) * mm); // W and the B_k in one allocation (V8 puts each above 64 bytes off-heap)
  const w = blocks.subarray(0, mm);
  const b = blocks.subarray(mm);
  w[mm - 1] = wyy;
  for (let a = 0; a < p; a++) {
    w[a * m + p] = xy[a];
    w[p * m + a] = xy[a];
    for (let c = 0; c < p; c++) w[a * m + c] = wxx[a * p + c];
  }
  // Σ_j x̄_j ȳ_j and Σ_j ȳ_j² per size class, two columns a pass and an odd last one with Σ_j ȳ_j².
  for (let k = 0; k < nSizes; k++) {
    const base = k * mm;
    const from = classStart[k];
    const to = classStart[k + 1];
    let a = 0;
    for (; a + 1 < p; a += 2) {
      let s0 = 0;
      let s1 = 0;
      for (let t = from; t < to; t++) {
        const j = classGroups[t];
        s0 += xbar[j * p + a] * ybar[j];
        s1 += xbar[j * p + a + 1] * ybar[j];
      }
      b[base + a * m + p] = s0;
      b[base + (a + 1) * m + p] = s1;
    }
    let s0 = 0;
    let syy = 0;
    for (let t = from; t < to; t++) {
      const j = classGroups[t];
      if (a < p) s0 += xbar[j * p + a] * ybar[j];
      syy += ybar[j] * ybar[j];
    }
    if (a < p) b[base + a * m + p] = s0;
    b[base + mm - 1] = syy;
  }
  for (let k = 0; k < nSizes; k++) {
    const base = k * mm;
    for (let a = 0; a < p; a++) {
      for (let c = 0; c < p; c++) b[base + a * m + c] = bxx[k * p * p + a * p + c];
      b[base + p * m + a] = b[base + a * m + p];
    }
  }
  const betaOffset = new Float64Array(p);
  if (pattern.interceptColumn >= 0) betaOffset[pattern.interceptColumn] = shift / scale;
  return { pattern, m, w, b, betaOffset, scale };
}
