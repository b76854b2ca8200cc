import { sumOfLogs } from '../numerics/wasm-kernels.js';
import { type CriterionPattern, type GeneStats, scaleOfLargest } from './gene-stats.js';
import type { DesignPattern } from './pattern.js';
import { dominantFixedPart } from './reml.js';

/**
 * The classes of one gene with precision weights (`--weights`, SPEC §1): Var(e_i) = σ² / w_i. Whitening by √w turns
 * the model into an unweighted one whose group j has the column √w_{i∈j} in place of the indicator, so H_λ = I + λ
 * Σ_j v_j v_jᵀ keeps one eigenvalue 1 + λ s_j per group, s_j = Σ_{i∈j} w_i: the group's weight sum is its "size".
 * Groups of equal weight sums share a class, as equal sizes do without weights. The criterion gains −Σ log w_i
 * (lme4's REMLcrit and deviance carry it), which no estimate depends on.
 */
export type WeightedPattern = CriterionPattern & {
  /** Σ_i log w_i over the gene's observations. */
  logWeights: number;
};

let scratch = new Float64Array(0);

/** The groups' weight sums, sorted, and each group's class: the thread's, grown as needed. */
let classes = { sums: new Float64Array(0), classOf: new Int32Array(0) };

function classScratch(q: number): { sums: Float64Array; classOf: Int32Array } {
  if (classes.sums.length !== q) classes = { sums: new Float64Array(q), classOf: new Int32Array(q) };
  return classes;
}

/** Classes beyond which log det H_λ is taken in products (reml.ts' logDetH). */
const LOG_PRODUCT_CLASSES = 16;

/**
 * Sufficient statistics (GeneStats) of `y` ([n], in the pattern's observation order) with weights `weights` ([n],
 * positive): with weighted group means z̄_j = Σ_{i∈j} w_i z_i / s_j of z = (x, y),
 *
 *     W = Σ_i w_i (z_i − z̄_j)(z_i − z̄_j)ᵀ,   B_k = Σ_{j: s_j = s_k} z̄_j z̄_jᵀ,
 *
 * so that M(λ) = W + Σ_k s_k / (1 + λ s_k) B_k = [X y]ᵀ W^½ H_λ⁻¹ W^½ [X y] exactly as computeGeneStats' form. y is
 * centred on its weighted mean where X has an intercept, and scaled as computeGeneStats scales it.
 */
export function weightedGeneStats(pattern: DesignPattern, y: Float64Array, weights: Float64Array): GeneStats<WeightedPattern> {
  const stats = weightedStatsOf(pattern, y, weights);
  // Where X explains nearly all of y (reml.ts' dominantFixedPart: r_λ would cancel), the statistics of y's residual
  // from its weighted least-squares fit, with the fit, and the first statistics' centre, added back to β̂.
  const fixed = dominantFixedPart(stats);
  if (fixed === undefined) return stats;
  const { n, p, groupOf, xc, xbar, interceptColumn } = pattern;
  const shift = interceptColumn >= 0 ? stats.betaOffset[interceptColumn] * stats.scale : 0;
  const residual = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let fitted = 0;
    for (let a = 0; a < p; a++) fitted += (xc[a * n + i] + xbar[groupOf[i] * p + a]) * fixed[a];
    residual[i] = y[i] - shift - stats.scale * fitted;
  }
  const again = weightedStatsOf(pattern, residual, weights);
  for (let a = 0; a < p; a++) again.betaOffset[a] += (stats.scale * fixed[a] + (a === interceptColumn ? shift : 0)) / again.scale;
  return again;
}

/** weightedGeneStats' statistics of y as it is. */
function weightedStatsOf(pattern: DesignPattern, y: Float64Array, weights: Float64Array): GeneStats<WeightedPattern> {
  const { n, p, q, groupOf, xc, xbar, interceptColumn } = pattern;
  const m = p + 1;
  const mm = m * m;
  const size = 3 * n * m + q * (m + 1);
  if (scratch.length < size) scratch = new Float64Array(2 * size);
  const z = scratch.subarray(0, n * m); // [n × m] (x_i, (y_i − shift) / scale)
  const sums = scratch.subarray(n * m, n * m + q).fill(0); // s_j
  const means = scratch.subarray(n * m + q, n * m + q + q * m).fill(0); // [q × m] z̄_j
  const centred = scratch.subarray(n * m + q + q * m, 2 * n * m + q + q * m); // [m × n] z_i − z̄_j, column by column
  const weightedCentred = scratch.subarray(2 * n * m + q + q * m, size); // [m × n] w_i (z_i − z̄_j)

  let shift = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    shift += weights[i] * y[i];
    total += weights[i];
  }
  const logWeights = sumOfLogs(weights, n);
  shift = interceptColumn >= 0 ? shift / total : 0;
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(y[i] - shift));
  const scale = scaleOfLargest(largest);
  // x_i = xc_i + x̄_j (the pattern's unweighted split), y_i on the statistics' scale.
  for (let i = 0; i < n; i++) {
    const j = groupOf[i];
    for (let a = 0; a < p; a++) z[i * m + a] = xc[a * n + i] + xbar[j * p + a];
    z[i * m + p] = (y[i] - shift) / scale;
    sums[j] += weights[i];
    for (let a = 0; a < m; a++) means[j * m + a] += weights[i] * z[i * m + a];
  }
  for (let j = 0; j < q; j++) for (let a = 0; a < m; a++) means[j * m + a] /= sums[j];

  for (let i = 0; i < n; i++) {
    const j = groupOf[i];
    for (let a = 0; a < m; a++) {
      const d = z[i * m + a] - means[j * m + a];
      centred[a * n + i] = d;
      weightedCentred[a * n + i] = weights[i] * d;
    }
  }
  // Classes of equal weight sums, the largest first (logDetH's products of (1 + λ s) are bounded by the first's): the
  // sums sorted (a numeric sort, no comparator), each group's class found by bisection.
  const ascending = classScratch(q).sums;
  ascending.set(sums);
  ascending.sort();
  const distinct: number[] = [];
  for (let k = q - 1; k >= 0; k--) if (distinct.length === 0 || distinct[distinct.length - 1] !== ascending[k]) distinct.push(ascending[k]);
  const nSizes = distinct.length;
  // What the statistics keep, in one array (V8 puts each typed array above 64 bytes off-heap, at a cost): W, the
  // B_k, their X parts, the class sizes and counts.
  const kept = new Float64Array(mm + nSizes * (mm + p * p + 2));
  const w = kept.subarray(0, mm);
  const b = kept.subarray(mm, mm + nSizes * mm);
  const bxx = kept.subarray(mm + nSizes * mm, mm + nSizes * (mm + p * p));
  const sizes = kept.subarray(mm + nSizes * (mm + p * p), mm + nSizes * (mm + p * p + 1));
  const sizeCount = kept.subarray(mm + nSizes * (mm + p * p + 1));
  sizes.set(distinct);
  // W's lower triangle, each element a sum over the observations in order, in a register.
  for (let a = 0; a < m; a++) {
    for (let c = 0; c <= a; c++) {
      let sum = 0;
      for (let i = 0, wa = a * n, cc = c * n; i < n; i++) sum += weightedCentred[wa + i] * centred[cc + i];
      w[a * m + c] = sum;
      w[c * m + a] = sum;
    }
  }

  const { classOf } = classScratch(q);
  for (let j = 0; j < q; j++) {
    let lo = 0;
    let hi = distinct.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (distinct[mid] > sums[j]) lo = mid + 1;
      else hi = mid;
    }
    classOf[j] = lo;
  }
  for (let j = 0; j < q; j++) {
    const base = classOf[j] * mm;
    sizeCount[classOf[j]]++;
    for (let a = 0; a < m; a++) for (let c = 0; c <= a; c++) b[base + a * m + c] += means[j * m + a] * means[j * m + c];
  }
  for (let k = 0; k < nSizes; k++) for (let a = 0; a < m; a++) for (let c = 0; c < a; c++) b[k * mm + c * m + a] = b[k * mm + a * m + c];
  for (let k = 0; k < nSizes; k++) for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) bxx[k * p * p + a * p + c] = b[k * mm + a * m + c];
  const betaOffset = new Float64Array(p);
  if (interceptColumn >= 0) betaOffset[interceptColumn] = shift / scale;
  const weighted: WeightedPattern = {
    n, p, q, sizes, sizeCount, nSizes, bxx, logWeights,
    // Classes of one group each (weight sums rarely tie): log det H_λ as logarithms of products, a sixteenth of them.
    logDetInProducts: nSizes > LOG_PRODUCT_CLASSES && nSizes === q,
  };
  return { pattern: weighted, m, w, b, betaOffset, scale };
}
