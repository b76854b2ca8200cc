import type { DesignPattern } from './pattern.js';

/** One gene's fit seen group by group (arrays are [pattern.q], in the pattern's group order). */
export interface GroupMeans {
  /** ȳ_j, the observed mean of each group. */
  observed: Float64Array;
  /** û_j = λ̂ n_j / (1 + λ̂ n_j) · (ȳ_j − x̄_jᵀβ̂), the conditional mode of the group's effect (lme4's `ranef`). */
  ranef: Float64Array;
  /** x̄_jᵀβ̂ + û_j: the mean of the fitted values in each group (lme4's `fitted()` averaged per group). */
  fitted: Float64Array;
}

/** groupMeans' group sizes (weight sums) and within-group parts, grown as needed. */
let scratch = new Float64Array(0);

/**
 * The observed and fitted group means of a gene at its REML estimates. y: [pattern.n], the values the fit used;
 * beta: [pattern.p] β̂ of the pattern's columns; lambda: σ̂²_g / σ̂²_e (0 at a singular fit, where û = 0). With
 * the fit's precision weights ([pattern.n], as its model took them), the means are weighted and a group's weight
 * sum s_j takes the place of its size: û_j = λ s_j / (1 + λ s_j) (ȳʷ_j − x̄ʷ_jᵀβ̂).
 */
export function groupMeans(pattern: DesignPattern, y: ArrayLike<number>, beta: ArrayLike<number>, lambda: number,
  weights?: ArrayLike<number>): GroupMeans {
  const { n, p, q, groupOf, groupSize, xbar, xc } = pattern;
  // The three results in one array (V8 puts each typed array above 64 bytes off-heap, at a cost).
  const means = new Float64Array(3 * q);
  const observed = means.subarray(0, q);
  const ranef = means.subarray(q, 2 * q);
  const fitted = means.subarray(2 * q);
  if (scratch.length < 2 * q) scratch = new Float64Array(2 * q);
  const size = scratch.subarray(0, q);
  if (weights === undefined) size.set(groupSize);
  else size.fill(0);
  // Σ_i w_i (x_i − x̄_j)ᵀβ̂ per group: the weighted mean's departure from the unweighted x̄_j (0 without weights).
  const within = scratch.subarray(q, 2 * q).fill(0);
  for (let i = 0; i < n; i++) {
    const j = groupOf[i];
    const w = weights === undefined ? 1 : weights[i];
    observed[j] += w * y[i];
    if (weights === undefined) continue;
    size[j] += w;
    for (let a = 0; a < p; a++) within[j] += w * xc[a * n + i] * beta[a];
  }
  for (let j = 0; j < q; j++) {
    observed[j] /= size[j];
    let fixed = within[j] / size[j];
    for (let a = 0; a < p; a++) fixed += xbar[j * p + a] * beta[a];
    const shrink = (lambda * size[j]) / (1 + lambda * size[j]);
    ranef[j] = shrink * (observed[j] - fixed);
    fitted[j] = fixed + ranef[j];
  }
  return { observed, ranef, fitted };
}

/**
 * [pattern.n] a gene's fitted values x_iᵀβ̂ + û_j(i) (lme4's `fitted()`, `predict()`), as groupMeans takes them: its
 * within-group part (x_i − x̄_j)ᵀβ̂ added to the group's fitted mean. With the general core's augmented pattern and
 * β̂ over [Z_2Λ_2 … X] (the effects of terms 2..K included) it is that model's fitted values.
 */
export function fittedValues(pattern: DesignPattern, y: ArrayLike<number>, beta: ArrayLike<number>, lambda: number): Float64Array {
  const { n, p, groupOf, xc } = pattern;
  const { fitted } = groupMeans(pattern, y, beta, lambda);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = fitted[groupOf[i]];
    for (let a = 0; a < p; a++) s += xc[a * n + i] * beta[a];
    out[i] = s;
  }
  return out;
}
